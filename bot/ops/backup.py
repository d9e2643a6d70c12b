"""Online backups and restore of the one SQLite file.

A backup is made with SQLite's online backup API (``sqlite3.Connection.backup``), never by
copying the file: the copy is one consistent snapshot even while the bot writes (WAL: the
reader does not stop the writers), it holds what the ``-wal`` holds, and a half-written page
is never copied. The copy is written beside its target as ``.partial``, checked with
``PRAGMA integrity_check`` and only then renamed into place, so a file with the final name is
always a good backup. The backup is noted in the ``backups`` table for ``status``.

The running bot takes one a day (``BACKUP_DIR``, ``BACKUP_TIME``) in a thread, so the event
loop goes on answering people meanwhile, and keeps the newest ``BACKUP_KEEP`` of the files
it made (named ``bot-YYYYMMDD-HHMMSS.sqlite3``; other files in the folder are never touched).

``restore`` refuses while a bot runs on the database (bot/ops/lock.py), checks the backup the
same way, keeps the current file aside as ``<database>.before-restore`` and writes the backup
in its place, again with the backup API.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bot.jobs import daily
from bot.ops.lock import RunLock
from storage.db import migrations, utcnow
from storage.ops import BackupRecord, database_files, record_backup_sync

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger(__name__)

#: The files the daily job makes (and the only ones it deletes).
DAILY_NAME = re.compile(r"^bot-\d{8}-\d{6}\.sqlite3$")
JOB_ID = "ops:backup"
BEFORE_RESTORE = ".before-restore"


class BackupError(Exception):
    """The copy could not be made or is not a good copy; the message says why."""


@dataclass(frozen=True, slots=True)
class Backup:
    path: Path
    size: int
    taken_at: datetime


def _connect(path: Path, busy_timeout_ms: int) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=busy_timeout_ms / 1000)
    conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
    return conn


def check_copy(path: Path) -> None:
    """Raise :class:`BackupError` unless ``path`` is an intact database of this bot."""
    if not path.is_file():
        raise BackupError(f"{path} does not exist")
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            result = [row[0] for row in conn.execute("PRAGMA integrity_check")]
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not a readable SQLite database: {exc}") from None
    if result != ["ok"]:
        raise BackupError(f"{path} failed the integrity check: {'; '.join(result[:5])}")
    if version < 1 or "participants" not in tables:
        raise BackupError(f"{path} is not a database of this bot")
    if version > len(migrations()):
        raise BackupError(f"{path} has schema version {version}, newer than this program")


def take_backup(
    database: Path, target: Path, *, scheduled: bool = False, busy_timeout_ms: int = 10_000
) -> Backup:
    """Copy ``database`` to ``target`` online, check the copy, note it; blocking (run it in a
    thread from the bot)."""
    if not database.is_file():
        raise BackupError(f"no database at {database}")
    target = target.resolve()
    if target == database.resolve():
        raise BackupError("the backup cannot be the database itself")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    for leftover in database_files(partial):
        leftover.unlink(missing_ok=True)
    taken_at = utcnow()
    source = _connect(database, busy_timeout_ms)
    try:
        copy = sqlite3.connect(partial)
        try:
            source.backup(copy)  # all pages in one step: one consistent snapshot
            copy.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
        finally:
            copy.close()
        try:
            check_copy(partial)
        except BackupError:
            partial.unlink(missing_ok=True)
            raise
        partial.replace(target)
        size = target.stat().st_size
        record_backup_sync(source, BackupRecord(str(target), size, taken_at, scheduled))
    finally:
        source.close()
    return Backup(target, size, taken_at)


def daily_name(moment: datetime) -> str:
    return f"bot-{moment:%Y%m%d-%H%M%S}.sqlite3"


def prune(folder: Path, keep: int) -> list[Path]:
    """Delete the oldest daily backups beyond ``keep``; only files named as the job names them."""
    made = sorted(p for p in folder.iterdir() if p.is_file() and DAILY_NAME.match(p.name))
    old = made[: max(0, len(made) - keep)]
    for path in old:
        path.unlink(missing_ok=True)
    return old


def restore(database: Path, source: Path, *, busy_timeout_ms: int = 10_000) -> int:
    """Replace ``database`` with the backup ``source``; returns the size written. Raises
    :class:`~bot.ops.lock.DatabaseBusyError` while a bot runs on it, :class:`BackupError` when
    the backup is not good (the database is then left as it was)."""
    check_copy(source)
    with RunLock(database):
        if database.is_file():
            # everything still in the write-ahead log into the file that is kept aside
            old = _connect(database, busy_timeout_ms)
            try:
                old.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                old.close()
            for path in database_files(database):
                if path.exists():
                    path.replace(path.with_name(path.name + BEFORE_RESTORE))
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            dst = sqlite3.connect(database)
            try:
                src.backup(dst)
                dst.execute("PRAGMA journal_mode = WAL")
            finally:
                dst.close()
        finally:
            src.close()
        check_copy(database)
        return database.stat().st_size


@dataclass
class BackupJob:
    """The daily backup of the running bot: never raises into the scheduler."""

    database: Path
    folder: Path
    keep: int
    busy_timeout_ms: int = 10_000
    clock: Callable[[], datetime] = utcnow

    async def run(self) -> Backup | None:
        try:
            made = await asyncio.to_thread(self._take)
        except Exception:
            log.exception("backup: the daily backup failed; trying again at the next time")
            return None
        log.info("backup: %s written (%d bytes)", made.path, made.size)
        return made

    def _take(self) -> Backup:
        target = self.folder / daily_name(self.clock())
        made = take_backup(
            self.database, target, scheduled=True, busy_timeout_ms=self.busy_timeout_ms
        )
        for old in prune(self.folder, self.keep):
            log.info("backup: %s deleted (more than %d kept)", old.name, self.keep)
        return made


def setup(runtime: Runtime) -> None:
    """With ``BACKUP_DIR`` set: the daily backup at ``BACKUP_TIME`` in ``TIMEZONE``."""
    settings = runtime.settings
    if settings.backup_dir is None:
        return
    job = BackupJob(
        settings.database_path,
        settings.backup_dir,
        settings.backup_keep,
        settings.db_busy_timeout_ms,
    )
    runtime.backups = job
    daily(runtime.scheduler, job.run, settings.backup_time, settings.zone, JOB_ID)
