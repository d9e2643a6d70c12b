"""The daily backup and retention jobs meet the faults of a real server: the database locked by
another connection past the busy timeout, a backup folder that cannot be written. A run then
raises nothing, leaves nothing half-done (no backup file without its row or row without its
file, no person half-erased), says so in one warning, and the next run does the work and says
that it works again."""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.ops.backup import BackupJob, check_copy
from bot.ops.retention import Retention
from bot.registration.form import default_form
from bot.registration.regions import default_regions
from bot.registration.service import Erasure, RegistrationService
from storage.db import Database, utcnow
from storage.erasure import ErasureRepo, Inventory
from tests.support.faults import BUSY_MS, WriteLock
from tests.test_retention import ADMIN, DAYS, STALE, ids, populate

BACKUP_LOG = "bot.ops.backup"
RETENTION_LOG = "bot.ops.retention"


def warnings_of(caplog: pytest.LogCaptureFixture, logger: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == logger and r.levelno >= logging.WARNING]


def daily_moments() -> Iterator[datetime]:
    """The job's clock: one night after another (each run names its file by it)."""
    return iter(datetime(2026, 11, day, 0, 30, tzinfo=UTC) for day in range(1, 29))


async def backup_rows(db_path: Path) -> list[str]:
    async with Database(db_path) as db:
        return [str(r[0]) for r in await db.fetchall("SELECT path FROM backups ORDER BY id")]


async def a_database(tmp_path: Path) -> Path:
    """The bot's database, migrated, with one person in it."""
    db_path = tmp_path / "bot.sqlite3"
    async with Database(db_path) as db, db.transaction() as conn:
        await conn.execute(
            "INSERT INTO participants (telegram_id, first_name, created_at, updated_at) "
            "VALUES (1, 'Ирина', '2026-11-01', '2026-11-01')"
        )
    return db_path


# --- the daily backup -------------------------------------------------------------------------


async def test_a_backup_refused_by_a_locked_database_leaves_no_file_and_the_next_run_makes_it(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    db_path = await a_database(tmp_path)
    folder = tmp_path / "backups"
    job = BackupJob(
        db_path, folder, keep=3, busy_timeout_ms=BUSY_MS, clock=daily_moments().__next__
    )

    async with WriteLock(db_path):
        assert await job.run() is None  # refused: nothing reaches the scheduler
        assert await job.run() is None  # and again, while the lock is still held
        assert job.backoff.failing
    # the copy could be read (WAL), but it was not put in place without its row, nor left over
    assert not folder.exists() or list(folder.iterdir()) == []
    assert await backup_rows(db_path) == []
    (warning,) = warnings_of(caplog, BACKUP_LOG)  # one warning for the fault, not one a run
    assert "daily backup: database unavailable" in warning.getMessage()
    assert warning.exc_info is None

    made = await job.run()  # the next run, the lock released
    assert made is not None and not job.backoff.failing
    assert [p.name for p in folder.iterdir()] == [made.path.name]
    check_copy(made.path)
    assert await backup_rows(db_path) == [str(made.path)]
    conn = sqlite3.connect(f"file:{made.path}?mode=ro", uri=True)
    try:
        assert conn.execute("SELECT first_name FROM participants").fetchall() == [("Ирина",)]
    finally:
        conn.close()
    assert any(
        "daily backup works again" in r.getMessage() for r in warnings_of(caplog, BACKUP_LOG)
    )


async def test_a_backup_whose_note_is_refused_takes_its_file_back(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The write lock was had, the file renamed into place, then the INSERT refused (here by a
    trigger): the file goes back out, so no file lies there that ``status`` does not know."""
    db_path = await a_database(tmp_path)
    async with Database(db_path) as db, db.transaction() as conn:
        await conn.execute(
            "CREATE TRIGGER refuse_backups BEFORE INSERT ON backups "
            "BEGIN SELECT RAISE(ABORT, 'refused for the test'); END"
        )
    folder = tmp_path / "backups"
    job = BackupJob(
        db_path, folder, keep=3, busy_timeout_ms=BUSY_MS, clock=daily_moments().__next__
    )

    assert await job.run() is None
    assert list(folder.iterdir()) == []  # neither the copy nor its .partial
    assert await backup_rows(db_path) == []
    assert any("refused for the test" in str(r.exc_info) for r in warnings_of(caplog, BACKUP_LOG))

    async with Database(db_path) as db, db.transaction() as conn:
        await conn.execute("DROP TRIGGER refuse_backups")
    made = await job.run()
    assert made is not None
    assert [p.name for p in folder.iterdir()] == [made.path.name]
    assert await backup_rows(db_path) == [str(made.path)]


def read_only_folder(folder: Path) -> None:
    folder.mkdir()
    folder.chmod(0o500)


def file_in_its_place(folder: Path) -> None:
    folder.write_text("the operator's notes, saved where the folder should be")


@pytest.mark.parametrize(
    "spoil",
    [
        file_in_its_place,
        pytest.param(
            read_only_folder,
            marks=pytest.mark.skipif(
                os.geteuid() == 0, reason="root writes into a read-only folder"
            ),
        ),
    ],
)
async def test_a_backup_folder_that_cannot_be_written_is_one_clear_warning_until_it_is_fixed(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, spoil: object
) -> None:
    caplog.set_level(logging.INFO)
    db_path = await a_database(tmp_path)
    folder = tmp_path / "backups"
    assert callable(spoil)
    spoil(folder)
    job = BackupJob(
        db_path, folder, keep=3, busy_timeout_ms=BUSY_MS, clock=daily_moments().__next__
    )

    for _ in range(3):  # three nights with the folder still broken
        assert await job.run() is None
    (warning,) = warnings_of(caplog, BACKUP_LOG)
    assert warning.getMessage().startswith("daily backup failed: ")
    assert str(folder) in warning.getMessage()
    assert warning.exc_info is None  # a clear line, not a traceback
    assert await backup_rows(db_path) == []

    # the operator fixes it
    if folder.is_dir():
        folder.chmod(0o700)
    else:
        folder.unlink()
    made = await job.run()
    assert made is not None
    check_copy(made.path)
    assert await backup_rows(db_path) == [str(made.path)]
    assert sorted(p.name for p in folder.iterdir()) == [made.path.name]
    assert any(
        "daily backup works again" in r.getMessage() and "3 failed" in r.getMessage()
        for r in warnings_of(caplog, BACKUP_LOG)
    )


# --- the retention sweep ------------------------------------------------------------------------


async def everything_about(db: Database, pids: set[int]) -> dict[int, Inventory]:
    erasure = ErasureRepo(db)
    return {pid: await erasure.inventory(pid) for pid in sorted(pids)}


async def outbox_keys(db: Database) -> set[str]:
    return {str(r[0]) for r in await db.fetchall("SELECT dedup_key FROM outbox")}


async def test_a_sweep_refused_by_a_locked_database_erases_nobody_half_and_the_next_one_does(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    now = utcnow()
    db_path = tmp_path / "bot.sqlite3"
    async with Database(db_path, busy_timeout_ms=BUSY_MS) as db:
        await populate(db, now)
        people, keys = await ids(db), await outbox_keys(db)
        held = await everything_about(db, STALE)
        assert all(left.anything for left in held.values())
        service = RegistrationService(db, default_form(), default_regions())
        retention = Retention(
            db, service, DAYS, timedelta(hours=2), staff_ids=frozenset({ADMIN}), clock=lambda: now
        )

        async with WriteLock(db_path):
            await retention.run()  # refused: nothing reaches the scheduler
            await retention.run()
            assert retention.backoff.failing
        # nobody erased, not partly either: every row about them is still there, as it was
        assert await ids(db) == people
        assert await everything_about(db, STALE) == held
        assert await outbox_keys(db) == keys
        (warning,) = warnings_of(caplog, RETENTION_LOG)
        assert "retention sweep: database unavailable" in warning.getMessage()
        assert warning.exc_info is None

        await retention.run()  # the next day's run
        assert not retention.backoff.failing
        assert await ids(db) == people - STALE
        for left in (await everything_about(db, STALE)).values():
            assert not left.anything and left.queued == 0
        assert await outbox_keys(db) == {"recent-notice"}
    assert "2 inactive person(s) erased" in caplog.text
    assert any(
        "retention sweep works again" in r.getMessage() for r in warnings_of(caplog, RETENTION_LOG)
    )


async def test_a_sweep_stopped_half_way_leaves_each_person_whole_or_erased(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The lock is taken by another connection right after the first erasure has committed:
    that person is gone entirely, the other is untouched, and the next sweep erases them."""
    caplog.set_level(logging.INFO)
    now = utcnow()
    db_path = tmp_path / "bot.sqlite3"
    lock = WriteLock(db_path)
    taken: list[int] = []

    class LockedAfterOne(RegistrationService):
        """The real erasure; after the first one, a backup tool or an admin's shell takes the
        write lock (once)."""

        async def erase_participant(self, participant_id: int) -> Erasure:
            done = await super().erase_participant(participant_id)
            if not taken:
                taken.append(participant_id)
                await lock.take()
            return done

    async with Database(db_path, busy_timeout_ms=BUSY_MS) as db:
        await populate(db, now)
        people = await ids(db)
        first, second = sorted(STALE)
        kept = await everything_about(db, {second})
        service = LockedAfterOne(db, default_form(), default_regions())
        retention = Retention(
            db, service, DAYS, timedelta(hours=2), staff_ids=frozenset({ADMIN}), clock=lambda: now
        )
        try:
            await retention.run()
            assert retention.backoff.failing
        finally:
            await lock.release()
        assert await ids(db) == people - {first}
        assert not (await everything_about(db, {first}))[first].anything
        assert await everything_about(db, {second}) == kept
        assert "1 inactive person(s) erased before the sweep stopped" in caplog.text

        await retention.run()
        assert await ids(db) == people - STALE
        assert not (await everything_about(db, {second}))[second].anything
