"""The files of a report, downloaded from Telegram into ``REPORTS_DIR/<event id>/``.

Every file is kept by its ``file_id`` the moment it arrives (a ``report_files`` row); the
download comes after, and when Telegram fails the row stays with no path and the report job
(bot/reports/report.py) tries again, so nothing a coordinator sent is lost. A file that keeps
failing (Telegram no longer has it) is tried again after 1, 2, 4 ... minutes, at most once a
day (:class:`Retries`), and never holds up the files sent after it.
"""

from __future__ import annotations

import asyncio
import io
import logging
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from storage.db import Database
from storage.reports import ReportFile, ReportRepo

if TYPE_CHECKING:
    from aiogram import Bot

log = logging.getLogger(__name__)

#: The Bot API gives bots files up to 20 MB; larger ones stay in Telegram, kept by file_id.
MAX_DOWNLOAD = 20 * 1024 * 1024
UNSAFE = re.compile(r"[^\w.\-]+")
#: Files waiting for their download read at once (more than a programme ever has).
SCAN = 2_000
NAME_LIMIT = 80


def local_name(file: ReportFile) -> str:
    """``<event id>/<row id>_<name>``: unique, and safe whatever the sender called it."""
    default = "photo.jpg" if file.kind == "photo" else "file"
    name = UNSAFE.sub("_", file.name or default).strip("._") or default
    return f"{file.event_id}/{file.id}_{name[-NAME_LIMIT:]}"


def _write(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    partial.write_bytes(data)
    partial.replace(target)


async def download(bot: Bot, db: Database, reports_dir: Path, file: ReportFile) -> bool:
    """Fetch one file into REPORTS_DIR and record its path; False (the row unchanged, to be
    tried again) when Telegram or the disk fails."""
    # Here: the pack command imports this module, and without a token it needs no aiogram.
    from aiogram.exceptions import TelegramAPIError, TelegramNetworkError

    relative = local_name(file)
    try:
        found = await bot.get_file(file.file_id)
        if found.file_path is None:
            return False
        buffer = io.BytesIO()
        await bot.download_file(found.file_path, destination=buffer)
        await asyncio.to_thread(_write, reports_dir / relative, buffer.getvalue())
    except (TelegramAPIError, TelegramNetworkError, OSError) as exc:
        log.warning("report file %s of %s not downloaded yet: %s", file.id, file.event_id, exc)
        return False
    await ReportRepo(db).set_path(file.id, relative)
    return True


class Retries:
    """When each file whose download failed may be tried again: after ``first`` seconds, then
    twice as long each time, at most ``cap`` (kept in memory: after a restart each such file is
    tried once more at once, then waits again)."""

    def __init__(
        self,
        first: float = 60.0,
        cap: float = 24 * 3600.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.first = first
        self.cap = cap
        self.clock = clock
        self._failures: dict[int, int] = {}
        self._next: dict[int, float] = {}

    def due(self, file_id: int) -> bool:
        return self._next.get(file_id, -1.0) <= self.clock()

    def failed(self, file_id: int) -> float:
        """Note a failure; the seconds until the next try."""
        failures = self._failures.get(file_id, 0) + 1
        self._failures[file_id] = failures
        delay: float = min(self.first * 2.0 ** (failures - 1), self.cap)
        self._next[file_id] = self.clock() + delay
        return delay

    def done(self, file_id: int) -> None:
        self._failures.pop(file_id, None)
        self._next.pop(file_id, None)


async def download_missing(
    bot: Bot,
    db: Database,
    reports_dir: Path,
    event_id: str | None = None,
    *,
    limit: int = 50,
    retries: Retries | None = None,
) -> int:
    """Download files kept by file_id only (of one event, or any), at most ``limit``, oldest
    first among those ``retries`` lets be tried now; how many were fetched."""
    waiting = await ReportRepo(db).undownloaded(SCAN, MAX_DOWNLOAD, event_id)
    if retries is not None:
        waiting = [f for f in waiting if retries.due(f.id)]
    fetched = 0
    for file in waiting[:limit]:
        if await download(bot, db, reports_dir, file):
            fetched += 1
            if retries is not None:
                retries.done(file.id)
        elif retries is not None:
            retries.failed(file.id)
    return fetched
