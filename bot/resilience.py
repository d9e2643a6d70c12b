"""Back-off and quiet logging for the loops that keep the bot working on its own.

The sender's claim loop, its results flush, the reminder planner, the scheduler's jobs and the
announcement progress updater must survive any exception (a locked or full database, a bug, a
Telegram error). Each holds one :class:`Backoff`: on a failure it says how long to wait
(exponential, capped) and logs in a way that does not flood the log while the fault lasts:

* the first failure once, with its traceback and context (a fault whose message says it all,
  one of ``expected``, such as the backup folder that cannot be written: a warning, no traceback);
* while it goes on, at most one warning every ``report_every`` seconds ("database unavailable
  for N s; ..."), not one per attempt;
* the recovery once.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from storage.db import database_unavailable

T = TypeVar("T")

BACKOFF_START = 0.5
BACKOFF_CAP = 30.0
REPORT_EVERY = 60.0


class Backoff:
    """The state of one loop's run of failures: the next delay and when it last logged."""

    def __init__(
        self,
        what: str,
        logger: logging.Logger,
        *,
        start: float = BACKOFF_START,
        cap: float = BACKOFF_CAP,
        report_every: float = REPORT_EVERY,
        detail: Callable[[], str] | None = None,
        expected: tuple[type[BaseException], ...] = (),
    ) -> None:
        self.what = what
        self.log = logger
        self.start = start
        self.cap = cap
        self.report_every = report_every
        self.detail = detail  # extra context for the periodic warning ("M results waiting")
        # Faults that say all there is to say in their message (the backup folder cannot be
        # written): a warning with that message, not an error with a traceback.
        self.expected = expected
        self.failures = 0
        self._since = 0.0  # monotonic time of the first failure of this run
        self._reported = 0.0  # monotonic time of the last warning

    @property
    def failing(self) -> bool:
        return self.failures > 0

    @property
    def delay(self) -> float:
        """How long to wait before the next attempt (0 while nothing fails)."""
        if not self.failures:
            return 0.0
        return float(min(self.cap, self.start * 2 ** (self.failures - 1)))

    def failed(self, exc: BaseException) -> float:
        """Note a failure, log it if it is time to, and return how long to wait."""
        now = time.monotonic()
        self.failures += 1
        extra = f"; {self.detail()}" if self.detail is not None else ""
        if self.failures == 1:
            self._since = self._reported = now
            if database_unavailable(exc):
                self.log.warning("%s: database unavailable (%s)%s", self.what, exc, extra)
            elif isinstance(exc, self.expected):
                self.log.warning("%s failed: %s%s", self.what, exc, extra)
            else:
                self.log.error("%s failed%s", self.what, extra, exc_info=exc)
        elif now - self._reported >= self.report_every:
            self._reported = now
            self.log.warning(
                "%s: %s for %.0f s (%r)%s",
                self.what,
                "database unavailable" if database_unavailable(exc) else "failing",
                now - self._since,
                exc,
                extra,
            )
        return self.delay

    def succeeded(self) -> None:
        """Log the recovery once and start the next run of failures from the first delay."""
        if self.failures:
            self.log.warning(
                "%s works again after %.0f s (%d failed attempt(s))",
                self.what,
                time.monotonic() - self._since,
                self.failures,
            )
            self.failures = 0


async def guarded(backoff: Backoff, call: Callable[[], Awaitable[T]]) -> T | None:
    """Run ``call``; an exception is noted in ``backoff`` (logged as above) and gives None.

    For jobs that something else calls again (APScheduler's ticks): no exception ever reaches
    the scheduler's logger as one traceback per tick.
    """
    try:
        result = await call()
    except Exception as exc:
        backoff.failed(exc)
        return None
    backoff.succeeded()
    return result


class Throttle:
    """At most one log line every ``every`` seconds for a fault seen per update, not per loop
    (a person writing while the database is locked); the lines held back are counted."""

    def __init__(self, every: float = REPORT_EVERY) -> None:
        self.every = every
        self.held = 0
        self._last = -float("inf")

    def allow(self) -> int | None:
        """None: stay quiet; otherwise how many were held back since the last line."""
        now = time.monotonic()
        if now - self._last < self.every:
            self.held += 1
            return None
        self._last, held, self.held = now, self.held, 0
        return held
