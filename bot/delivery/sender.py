"""The one way out for every message the bot sends on its own (see ARCHITECTURE.md).

Code that decides to tell someone something inserts a row into ``outbox`` in the same
transaction as its decision. One :class:`Sender` in the running bot takes due rows, highest
priority first, sends them through one rate limiter (``BROADCAST_RATE`` per second in all)
and records each result at once (in small batches, a few milliseconds apart):

* 429: the whole sender pauses for ``retry_after``; the message goes back to the queue.
  The limit is kept where a call leaves: a request middleware on the sender's own Bot
  session waits for the limiter (and for the end of a 429 pause) right before each call, so
  rendering (database reads) runs ahead in parallel without bunching the calls.
* 403: the person blocked the bot; marked unreachable, their pending messages dropped.
* other 400: the message failed, with Telegram's reason.
* 5xx or network trouble: tried again later with back-off, then failed.

A crash repeats at most the messages in flight (sent but not yet recorded); rows being sent
are put back to pending at start. The sender never dies: a locked or full database, or a bug,
is logged (once, then once a minute, then on recovery), waited out with back-off, and retried;
results that cannot be written wait in memory (their rows stay 'sending', so nothing sent is
sent again) until the database answers. What a row says is rendered when it is sent, by the
renderer registered for its ``kind``, so a reminder always carries the current time and link.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from aiogram import Bot
from aiogram.client.session.middlewares.base import NextRequestMiddlewareType
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.methods import TelegramMethod
from aiogram.methods.base import Response, TelegramType
from aiogram.types import Message, MessageId

from bot.delivery.pacing import PacedLimiter as PacedLimiter
from bot.delivery.pacing import rate_limiter as rate_limiter
from bot.resilience import BACKOFF_CAP, BACKOFF_START, Backoff
from storage.db import Database, database_unavailable, utcnow
from storage.outbox import OutboxRepo, Outcome, OutItem, OutStatus

log = logging.getLogger(__name__)

#: A renderer sends one item (exactly one Telegram call) and returns True, or returns False
#: when the item is no longer relevant (the registration was cancelled, the event moved).
Renderer = Callable[[Bot, OutItem], Awaitable[bool]]
#: Called after each batch of outcomes is written (e.g. to update a progress message).
Listener = Callable[[list[tuple[OutItem, Outcome]]], Awaitable[None]]

MAX_ATTEMPTS = 5
#: A renderer whose database reads were refused (locked, full) is tried again this much later.
RENDER_RETRY = 5.0

# aiogram parses every answer with ``Response[<returned type>]``, a pydantic generic that
# pydantic caches only weakly: when the garbage collector takes the class, the next call
# builds it again (milliseconds of schema building, per message under load). Holding the
# classes the queue's calls return keeps them built for the life of the process.
_RESPONSE_TYPES = (Response[Message], Response[MessageId], Response[bool])


@dataclass(frozen=True, slots=True)
class Timing:
    """The sender's clock and waits (tests use a fake clock and short waits)."""

    clock: Callable[[], datetime] = utcnow
    backoff_start: float = BACKOFF_START
    backoff_cap: float = BACKOFF_CAP
    stop_timeout: float = 5.0  # how long stop() tries to write what is left


DEFAULT_TIMING = Timing()


class Sender:
    """Claims due rows, sends them, records the results; never dies (see the module docstring).

    Faults of the database (another process holding the write lock past the busy timeout, a
    full disk) and bugs are waited out with back-off (``Timing.backoff_start`` doubling up to
    ``Timing.backoff_cap`` seconds) and logged without flooding (bot/resilience.py). Results that
    cannot be written stay in memory, in order, while their rows stay 'sending' (never claimed
    again in this process), and are written when the database answers again; while more than
    ``max_unwritten`` wait, nothing new is claimed. If the runner task ends anyway, a
    done-callback starts it again.
    """

    def __init__(
        self,
        db: Database,
        bot: Bot,
        *,
        rate: float,
        renderers: dict[str, Renderer] | None = None,
        poll_interval: float = 1.0,
        timing: Timing = DEFAULT_TIMING,
    ) -> None:
        self.db = db
        self.bot = bot
        self.repo = OutboxRepo(db)
        self.renderers: dict[str, Renderer] = dict(renderers or {})
        self.listeners: list[Listener] = []
        self.poll_interval = poll_interval
        self.clock = timing.clock
        self.rate = rate
        self.limiter = rate_limiter(rate)
        # Every call of the sender's Bot waits for its turn right before it leaves.
        bot.session.middleware(self._paced)
        self.batch = max(10, min(500, int(rate)))
        self.in_flight = asyncio.Semaphore(max(4, min(200, int(rate / 5))))
        self.max_unwritten = 20 * self.batch
        self.stop_timeout = timing.stop_timeout  # how long stop() tries to write what is left
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._resume_at = 0.0  # loop time before which nothing is sent (after a 429)
        self._pending: list[tuple[OutItem, Outcome]] = []
        self._flush_lock = asyncio.Lock()
        self._tasks: set[asyncio.Task[None]] = set()
        self._runner: asyncio.Task[None] | None = None
        self._reset_done = False
        self.claims = Backoff("outbox sender", log, detail=self._unwritten)
        self.writes = Backoff("outbox results", log, detail=self._unwritten)
        self.restarts = Backoff("outbox sender task", log)
        self.tune_backoff(timing.backoff_start, timing.backoff_cap)
        self.sent = 0

    def register(self, kind: str, renderer: Renderer) -> None:
        self.renderers[kind] = renderer

    def wake(self) -> None:
        """Something was queued: look now instead of at the next poll."""
        self._wake.set()

    def tune_backoff(self, start: float, cap: float) -> None:
        """The first wait after a failure and the longest one (tests use small values)."""
        for backoff in (self.claims, self.writes, self.restarts):
            backoff.start, backoff.cap = start, cap

    @property
    def unwritten(self) -> int:
        """Results known in memory but not yet written to the database."""
        return len(self._pending)

    def _unwritten(self) -> str:
        return f"{len(self._pending)} result(s) waiting to be written"

    # --- lifecycle -----------------------------------------------------------------------

    async def start(self) -> None:
        """Start the runner; it touches the database only inside its loop, so a locked
        database at start delays the queue instead of stopping the bot."""
        self._stopping.clear()
        self._spawn(0.0)

    async def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        runner, self._runner = self._runner, None
        if runner is not None:
            await asyncio.gather(runner, return_exceptions=True)

    def _spawn(self, delay: float) -> None:
        self._runner = asyncio.create_task(self._run_after(delay), name="outbox-sender")
        self._runner.add_done_callback(self._runner_done)

    async def _run_after(self, delay: float) -> None:
        if delay:
            await self._pause(delay)
        await self.run()

    def _runner_done(self, task: asyncio.Task[None]) -> None:
        """The runner ends only at stop(); if it ends otherwise, start it again."""
        if self._stopping.is_set() or task is not self._runner:
            return
        error: BaseException = (
            asyncio.CancelledError("cancelled")
            if task.cancelled()
            else task.exception() or RuntimeError("returned")
        )
        self._spawn(self.restarts.failed(error))

    async def run(self) -> None:
        """Claim and send until stopped; every failure is waited out and the loop goes on."""
        flusher = asyncio.create_task(self._flush_loop(), name="outbox-flush")
        try:
            while not self._stopping.is_set():
                if len(self._pending) >= self.max_unwritten:
                    await self._pause(self.poll_interval)  # results wait to be written: no more
                    continue
                try:
                    await self._round()
                except Exception as exc:
                    await self._pause(self.claims.failed(exc))
                else:
                    self.claims.succeeded()
                    self.restarts.succeeded()
        finally:
            if self._tasks:
                await asyncio.gather(*self._tasks, return_exceptions=True)
            flusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await flusher
            if self._stopping.is_set():
                await self._flush_before_stop()

    # --- internals -----------------------------------------------------------------------

    async def _round(self) -> None:
        """One look at the queue: claim what is due and start sending it."""
        if not self._reset_done:
            reset = await self.repo.reset_in_flight()
            self._reset_done = True
            if reset:
                log.warning("%d message(s) were being sent at the last stop; sending again", reset)
        items = await self.repo.claim_due(self.clock(), self.batch)
        if not items:
            await self._idle()
            return
        for index, item in enumerate(items):
            if self._stopping.is_set():
                self._give_back(items[index:])
                return
            await self.in_flight.acquire()
            task = asyncio.create_task(self._deliver(item))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _pause(self, delay: float) -> None:
        """Wait ``delay`` seconds, or less if woken: by stop(), by new rows queued or by results
        written again (both mean the database takes writes again: no need to wait for the
        rest of a long back-off)."""
        if self._stopping.is_set():
            return
        self._wake.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=delay)

    async def _idle(self) -> None:
        next_due = await self.repo.next_due()
        timeout = self.poll_interval
        if next_due is not None:
            timeout = min(timeout, max(0.0, (next_due - self.clock()).total_seconds()))
        self._wake.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=max(timeout, 0.01))

    async def _pace(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            while (delay := self._resume_at - loop.time()) > 0:  # noqa: ASYNC110 (a deadline)
                await asyncio.sleep(delay)
            await self.limiter.acquire()
            if self._resume_at <= loop.time():
                return
            # a 429 arrived while this call waited for its turn: wait out the pause too

    async def _paced(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        await self._pace()
        return await make_request(bot, method)

    def _give_back(self, items: list[OutItem]) -> None:
        now = self.clock()
        self._pending.extend(
            (i, Outcome(i.id, OutStatus.PENDING, now, count_attempt=False)) for i in items
        )

    async def _deliver(self, item: OutItem) -> None:
        try:
            outcome = await self._attempt(item)
        finally:
            self.in_flight.release()
        self._pending.append((item, outcome))
        if len(self._pending) >= 200 and not self.writes.failing:
            await self._flush()

    async def _attempt(self, item: OutItem) -> Outcome:
        now = self.clock
        renderer = self.renderers.get(item.kind)
        if renderer is None:
            return Outcome(item.id, OutStatus.FAILED, now(), error=f"no renderer for {item.kind}")
        try:
            sent = await renderer(self.bot, item)
        except TelegramRetryAfter as exc:
            loop = asyncio.get_running_loop()
            self._resume_at = max(self._resume_at, loop.time() + exc.retry_after)
            log.warning("429 from Telegram: pausing the sender for %s s", exc.retry_after)
            return Outcome(item.id, OutStatus.PENDING, now(), error="429", count_attempt=False)
        except TelegramForbiddenError as exc:
            return Outcome(
                item.id, OutStatus.DROPPED, now(), error=exc.message, unreachable_chat=item.chat_id
            )
        except (TelegramBadRequest, TelegramNotFound) as exc:
            return Outcome(item.id, OutStatus.FAILED, now(), error=exc.message)
        except (TelegramServerError, TelegramNetworkError) as exc:
            if item.attempts + 1 >= MAX_ATTEMPTS:
                return Outcome(item.id, OutStatus.FAILED, now(), error=str(exc))
            backoff = timedelta(seconds=2**item.attempts)
            return Outcome(
                item.id, OutStatus.PENDING, now(), error=str(exc), retry_at=now() + backoff
            )
        except TelegramUnauthorizedError as exc:
            # the token was revoked: nothing can be sent until the operator fixes it; the
            # message waits (the polling side stops the bot with a clear line)
            log.error("Telegram refused the token (%s); %s waits", exc.message, item.dedup_key)
            retry = now() + timedelta(seconds=60)
            return Outcome(
                item.id, OutStatus.PENDING, now(), error="401", retry_at=retry, count_attempt=False
            )
        except Exception as exc:  # a bug in a renderer must not stop the queue
            if database_unavailable(exc):  # its reads were refused; nothing was sent
                retry = now() + timedelta(seconds=RENDER_RETRY)
                return Outcome(
                    item.id, OutStatus.PENDING, now(), str(exc), retry_at=retry, count_attempt=False
                )
            log.exception("rendering %s failed", item.dedup_key)
            return Outcome(item.id, OutStatus.FAILED, now(), error=f"{type(exc).__name__}: {exc}")
        if not sent:
            return Outcome(item.id, OutStatus.DROPPED, now(), error="no longer relevant")
        self.sent += 1
        return Outcome(item.id, OutStatus.SENT, now())

    async def _flush_loop(self) -> None:
        while True:
            await asyncio.sleep(max(0.05, self.writes.delay))
            try:
                # Shielded: stopping cancels this loop, never a write half-way. A cancelled
                # write was rolled back while its batch, already taken off the list, was
                # forgotten: those messages stayed 'sending' and went out again at the next
                # start. Now the write finishes (or fails and puts its batch back) and the
                # last flush at stop waits for it on the flush lock.
                await asyncio.shield(self._flush())
            except Exception as exc:  # _flush keeps its batch; this is a last guard
                self.writes.failed(exc)

    async def _flush(self) -> bool:
        """Write the results noted so far; True when all are written.

        When the database refuses, the batch goes back to the front of the list, in order,
        and is written with the next results; its rows stay 'sending', so nothing already
        sent is claimed and sent again.
        """
        async with self._flush_lock:
            if not self._pending:
                return True
            batch, self._pending = self._pending, []
            try:
                await self.repo.record([o for _, o in batch])
            except Exception as exc:
                self._pending[:0] = batch
                self.writes.failed(exc)
                return False
            if self.writes.failing or any(o.status is OutStatus.PENDING for _, o in batch):
                self._wake.set()
            self.writes.succeeded()
        for listener in self.listeners:
            try:
                await listener(batch)
            except Exception:
                log.exception("outbox listener failed")
        return True

    async def _flush_before_stop(self) -> None:
        """At stop: try to write what is left for up to ``stop_timeout`` seconds (plus one
        busy timeout), then say how much was not written (sent again at the next start)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.stop_timeout
        while not await self._flush():
            if loop.time() >= deadline:
                log.warning(
                    "stopping with %d result(s) not written (database unavailable): those "
                    "messages stay 'sending' and are sent again at the next start",
                    len(self._pending),
                )
                return
            await asyncio.sleep(min(self.writes.delay, max(0.0, deadline - loop.time())))
