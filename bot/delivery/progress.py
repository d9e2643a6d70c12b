"""The coordinator's status message of an announcement, kept up to date from the outbox.

The sender calls :meth:`ProgressReporter.on_batch` after each batch of results; the reporter
notes which announcements moved and, at most once every ``interval`` seconds per
announcement, reads their progress from the database and hands it to the publisher (the
Telegram side, handlers/views/broadcast.py), which edits the message in place. When nothing
is left to send, the announcement is marked done and the publisher shows the final report.
After a restart, unfinished announcements are picked up again at start.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from bot.resilience import Backoff
from storage.broadcasts import Broadcast, BroadcastRepo, Progress
from storage.db import Database, utcnow
from storage.outbox import Outcome, OutItem

log = logging.getLogger(__name__)

KIND = "broadcast"


class Publisher(Protocol):
    async def __call__(self, broadcast: Broadcast, progress: Progress) -> None:
        """Show the progress (or, for a finished announcement, the report)."""


class ProgressReporter:
    def __init__(
        self,
        db: Database,
        publish: Publisher,
        *,
        interval: float = 3.0,
        on_finished: Callable[[int], None] | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.db = db
        self.repo = BroadcastRepo(db)
        self.publish = publish
        self.interval = interval
        self.on_finished = on_finished
        self.clock = clock
        self.dirty: set[int] = set()
        self._last: dict[int, float] = {}  # loop time of the last report per announcement
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._resume = False  # read the unfinished announcements at the next tick
        self.failures = Backoff("announcement progress", log)

    # --- hooks -----------------------------------------------------------------------------

    async def on_batch(self, batch: list[tuple[OutItem, Outcome]]) -> None:
        """A sender listener: remember which announcements moved."""
        for item, _ in batch:
            if item.kind == KIND and item.broadcast_id is not None:
                self.dirty.add(item.broadcast_id)
        if self.dirty:
            self._wake.set()

    def watch(self, broadcast_id: int, *, reported_now: bool = False) -> None:
        """Report on this announcement soon (``reported_now``: its message was just shown)."""
        if reported_now:
            self._last[broadcast_id] = asyncio.get_running_loop().time()
        self.dirty.add(broadcast_id)
        self._wake.set()

    async def start(self) -> None:
        """Start the loop; the unfinished announcements (after a restart) are read inside it,
        so a locked database at start delays the reports instead of stopping the bot."""
        self._resume = True
        self._wake.set()
        self._task = asyncio.create_task(self._run(), name="broadcast-progress")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    # --- the loop ----------------------------------------------------------------------------

    async def _run(self) -> None:
        """Never ends before stop(): a failure (database, Telegram, a bug) is logged once, then
        at most once a minute, waited out with back-off, and the report tried again."""
        while True:
            await self._wake.wait()
            self._wake.clear()
            try:
                await self.tick()
            except Exception as exc:
                self._wake.set()
                await asyncio.sleep(self.failures.failed(exc))
            else:
                self.failures.succeeded()
            await asyncio.sleep(self.interval)

    async def tick(self) -> None:
        if self._resume:
            for broadcast in await self.repo.unfinished():
                self.dirty.add(broadcast.id)
            self._resume = False
        now = asyncio.get_running_loop().time()
        for broadcast_id in sorted(self.dirty):
            if now - self._last.get(broadcast_id, -math.inf) < self.interval:
                continue  # reported a moment ago: the next tick
            self.dirty.discard(broadcast_id)
            self._last[broadcast_id] = now
            try:
                await self.report(broadcast_id)
            except Exception:
                self.dirty.add(broadcast_id)  # not lost: reported after the back-off
                raise
        if self.dirty:
            self._wake.set()

    async def report(self, broadcast_id: int) -> Progress | None:
        broadcast = await self.repo.get(broadcast_id)
        if broadcast is None:
            return None
        progress = await self.repo.progress(broadcast, self.clock())
        if progress.finished and not broadcast.finished:
            async with self.db.transaction() as conn:
                await self.repo.set_status(conn, broadcast.id, "done", self.clock())
        elif broadcast.status == "queued" and progress.waiting < progress.total:
            async with self.db.transaction() as conn:
                await self.repo.set_status(conn, broadcast.id, "sending")
        broadcast = await self.repo.get(broadcast_id) or broadcast
        if progress.finished:
            self._last.pop(broadcast_id, None)
            if self.on_finished is not None:
                self.on_finished(broadcast_id)
        if broadcast.status_chat_id is not None and broadcast.status_message_id is not None:
            await self.publish(broadcast, progress)
        return progress
