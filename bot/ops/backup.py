"""Online backups and restore of the one SQLite file.

A backup is made with SQLite's online backup API (``sqlite3.Connection.backup``), never by
copying the file: the copy is one consistent snapshot even while the bot writes (WAL: the
reader does not stop the writers), it holds what the ``-wal`` holds, and a half-written page
is never copied. The copy is written beside its target as ``.partial``, checked with
``PRAGMA integrity_check`` and only then renamed into place, so a file with the final name is
always a good backup. The rename and the note in the ``backups`` table (for ``status``) are
made under the database's write lock, so a file and its row exist together or not at all.

The running bot takes one a day (``BACKUP_DIR``, ``BACKUP_TIME``) in a thread, so the event
loop goes on answering people meanwhile, and keeps the newest ``BACKUP_KEEP`` of the files
it made (named ``bot-YYYYMMDD-HHMMSS.sqlite3``; other files in the folder are never touched).
A failure (the database locked past the busy timeout, a folder that cannot be written) is
logged as every job's is (bot/resilience.py) and the next day's run tries again.

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
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bot.jobs import daily
from bot.ops.lock import RunLock
from bot.resilience import Backoff, guarded
from storage.db import database_unavailable, migrations, utcnow
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
    """Copy ``database`` to ``target`` online, check the copy, put it in place and note it;
    blocking (run it in a thread from the bot). Whatever fails, no ``.partial`` is left, and a
    file with the final name and its row in ``backups`` come together or not at all."""
    if not database.is_file():
        raise BackupError(f"no database at {database}")
    target = target.resolve()
    if target == database.resolve():
        raise BackupError("the backup cannot be the database itself")
    partial = target.with_name(target.name + ".partial")
    taken_at = utcnow()
    source = _connect(database, busy_timeout_ms)
    try:
        _copy(source, partial)
        check_copy(partial)
        size = partial.stat().st_size
        _put_in_place(source, partial, target, BackupRecord(str(target), size, taken_at, scheduled))
    finally:
        source.close()
        _remove_leftovers(partial)
    return Backup(target, size, taken_at)


def _remove_leftovers(partial: Path) -> None:
    """Best effort: a folder that cannot be read must not hide the fault that ended the copy."""
    if not partial.parent.is_dir():
        return  # no folder (or a file in its place): nothing was written
    for leftover in database_files(partial):
        try:
            leftover.unlink(missing_ok=True)
        except OSError as exc:
            log.warning("backup: %s not removed: %s", leftover, exc)


def _source_busy(exc: BaseException) -> bool:
    """The database being copied is locked (a fault of the database, said as such), rather
    than the copy's side failing (a folder not writable, a full disk: a :class:`BackupError`)."""
    return database_unavailable(exc) and "full" not in str(exc).lower()


def _copy(source: sqlite3.Connection, partial: Path) -> None:
    """Write the snapshot to ``partial``; a folder that cannot be made or written is a
    :class:`BackupError` that names it (the job logs that one line, not a traceback)."""
    folder = partial.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for leftover in database_files(partial):
            leftover.unlink(missing_ok=True)
    except OSError as exc:
        raise BackupError(f"the backup folder {folder} cannot be used: {exc}") from exc
    try:
        copy = sqlite3.connect(partial)
        try:
            source.backup(copy)  # all pages in one step: one consistent snapshot
            copy.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
        finally:
            copy.close()
    except (OSError, sqlite3.Error) as exc:
        if _source_busy(exc):
            raise
        raise BackupError(f"the copy could not be written in {folder}: {exc}") from exc


def _put_in_place(
    source: sqlite3.Connection, partial: Path, target: Path, record: BackupRecord
) -> None:
    """Rename the checked copy into place and note it, under the database's write lock taken
    first: locked past the busy timeout, nothing is renamed; the note refused, the file goes
    back. So ``status`` never names a backup that is not there, nor misses one that is."""
    source.execute("BEGIN IMMEDIATE")
    try:
        partial.replace(target)
        try:
            record_backup_sync(source, record)  # the INSERT, and the COMMIT
        except BaseException:
            target.replace(partial)  # removed by the caller with the other leftovers
            raise
    except BaseException:
        source.rollback()
        raise


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
    """The daily backup of the running bot: never raises into the scheduler. A failure is
    logged as every job's is (bot/resilience.py): one warning when the fault begins (the
    database locked, the folder not writable), then at most one a run while it lasts, and a
    line when a backup works again."""

    database: Path
    folder: Path
    keep: int
    busy_timeout_ms: int = 10_000
    clock: Callable[[], datetime] = utcnow
    backoff: Backoff = field(
        default_factory=lambda: Backoff("daily backup", log, expected=(BackupError,)),
        repr=False,
    )

    async def run(self) -> Backup | None:
        made = await guarded(self.backoff, self._in_thread)
        if made is not None:
            log.info("backup: %s written (%d bytes)", made.path, made.size)
        return made

    async def _in_thread(self) -> Backup:
        return await asyncio.to_thread(self._take)

    def _take(self) -> Backup:
        target = self.folder / daily_name(self.clock())
        made = take_backup(
            self.database, target, scheduled=True, busy_timeout_ms=self.busy_timeout_ms
        )
        try:
            for old in prune(self.folder, self.keep):
                log.info("backup: %s deleted (more than %d kept)", old.name, self.keep)
        except OSError as exc:  # the backup is made and noted: not a failed backup
            log.warning("backup: older copies in %s not deleted: %s", self.folder, exc)
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
