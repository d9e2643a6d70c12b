"""Online backups (SQLite's backup API) and restore, on real files and real processes."""

from __future__ import annotations

import asyncio
import signal
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.ops.backup import BackupJob, check_copy, take_backup
from bot.ops.lock import bot_running
from storage.db import Database
from storage.ops import OpsRepo
from tests.support.people import Person
from tests.support.process import env_for, polling_bot, python_m_bot, run_cli
from tests.support.running import RunningBot, make_event, polling, sign_up
from tests.support.stand_in import StandInServer

PEOPLE = 24


def registered(path: Path) -> set[int]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = conn.execute("SELECT participant_id FROM registrations WHERE status = 'registered'")
        return {int(r[0]) for r in rows}
    finally:
        conn.close()


def participants(path: Path) -> set[int]:
    conn = sqlite3.connect(path)
    try:
        return {int(r[0]) for r in conn.execute("SELECT telegram_id FROM participants")}
    finally:
        conn.close()


@pytest.mark.slow
async def test_a_backup_taken_during_a_burst_holds_everything_confirmed_before_it(
    tmp_path: Path, running: RunningBot, server: StandInServer
) -> None:
    await running.add_events(make_event())
    people = [Person(server, 50_001 + i, f"Участник {i}") for i in range(PEOPLE)]
    burst = asyncio.gather(*(sign_up(p) for p in people))
    db_path = running.settings.database_path
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 60
    while len(registered(db_path)) < PEOPLE // 4:
        assert loop.time() < deadline, "the burst did not get going"
        await asyncio.sleep(0.02)
    confirmed = registered(db_path)  # confirmed before the backup starts
    target = tmp_path / "copies" / "during-burst.sqlite3"
    env = env_for(tmp_path, DATABASE_PATH=str(db_path))
    proc = await python_m_bot(tmp_path, "backup", str(target), env=env)
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    replies = await burst
    assert proc.returncode == 0, err.decode()
    assert "integrity check ok" in out.decode() and str(target.stat().st_size) in out.decode()
    assert all("Вы зарегистрированы" in r.text for r in replies)
    check_copy(target)  # opens, passes PRAGMA integrity_check, is this bot's database
    in_copy = registered(target)
    assert confirmed <= in_copy
    assert len(registered(db_path)) == PEOPLE  # the burst finished untouched
    assert not target.with_name(target.name + ".partial").exists()
    last = await OpsRepo(running.db).last_backup()
    assert last is not None and last.path == str(target.resolve()) and not last.scheduled


async def test_the_daily_job_keeps_the_newest_copies_it_made_and_nothing_else(
    tmp_path: Path,
) -> None:
    db_path = tmp_path / "bot.sqlite3"
    async with Database(db_path):
        pass
    folder = tmp_path / "backups"
    folder.mkdir()
    (folder / "notes.txt").write_text("the operator's own file")
    (folder / "bot-manual.sqlite3").write_bytes(b"kept: not a name the job makes")
    moments = iter(datetime(2026, 11, d, 0, 30, tzinfo=UTC) for d in range(1, 6))
    job = BackupJob(db_path, folder, keep=3, clock=lambda: next(moments))
    for _ in range(5):
        assert await job.run() is not None
    names = sorted(p.name for p in folder.iterdir())
    assert names == [
        "bot-20261103-003000.sqlite3",
        "bot-20261104-003000.sqlite3",
        "bot-20261105-003000.sqlite3",
        "bot-manual.sqlite3",
        "notes.txt",
    ]
    async with Database(db_path) as db:
        last = await OpsRepo(db).last_backup()
    assert last is not None and last.scheduled and last.path.endswith("20261105-003000.sqlite3")


async def test_a_failing_daily_backup_is_logged_not_raised(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    job = BackupJob(tmp_path / "missing.sqlite3", tmp_path / "backups", keep=3)
    assert await job.run() is None
    assert "daily backup failed" in caplog.text


async def test_the_running_bot_schedules_the_daily_backup_at_backup_time(
    tmp_path: Path, server: StandInServer, settings: object
) -> None:
    from bot.config import Settings

    assert isinstance(settings, Settings)
    with_backups = settings.model_copy(
        update={"backup_dir": tmp_path / "b", "backup_time": datetime(1, 1, 1, 4, 15).time()}
    )
    async with polling(with_backups, server) as running:
        job = running.dp["runtime"].scheduler.get_job("ops:backup")
        assert job is not None
        fields = {f.name: str(f) for f in job.trigger.fields}
        assert fields["hour"] == "4" and fields["minute"] == "15"
        assert str(job.trigger.timezone) == "Europe/Moscow"
        nxt = job.next_run_time
        assert timedelta(0) < nxt - datetime.now(UTC) <= timedelta(days=1)


@pytest.mark.slow
async def test_restore_is_refused_while_python_m_bot_runs_and_works_after_it_stopped(
    tmp_path: Path, server: StandInServer, irina: Person, john: Person
) -> None:
    db_path = tmp_path / "bot.sqlite3"
    env = env_for(tmp_path, DATABASE_PATH=str(db_path))
    backup = tmp_path / "before-john.sqlite3"
    proc = await polling_bot(tmp_path, server)
    try:
        await server.wait_polling(timeout=30)
        await irina.send("/start")
        assert bot_running(db_path)
        made = run_cli(tmp_path, "backup", str(backup), env=env)
        assert made.returncode == 0, made.stderr
        await john.send("/start")
        refused = run_cli(tmp_path, "restore", str(backup), env=env)
        assert refused.returncode == 1
        assert "the bot is running" in refused.stderr
        assert john.id in participants(db_path)  # untouched
        second = await polling_bot(tmp_path, server)  # a second bot on the same database
        _, err = await asyncio.wait_for(second.communicate(), 60)
        assert second.returncode == 2 and b"already running" in err
    finally:
        proc.send_signal(signal.SIGTERM)
        await asyncio.wait_for(proc.communicate(), 30)
    assert not bot_running(db_path)
    done = run_cli(tmp_path, "restore", str(backup), env=env)
    assert done.returncode == 0, done.stderr
    assert participants(db_path) == {irina.id}
    kept = tmp_path / "bot.sqlite3.before-restore"
    assert participants(kept) == {irina.id, john.id}


def test_restore_refuses_a_file_that_is_not_a_good_backup(tmp_path: Path) -> None:
    db_path = tmp_path / "bot.sqlite3"
    env = env_for(tmp_path, DATABASE_PATH=str(db_path))
    asyncio.run(_make_db(db_path))
    before = db_path.read_bytes()
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"SQLite format 3\x00" + b"\x07" * 4000)
    other = tmp_path / "other.sqlite3"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    for bad in (junk, other, tmp_path / "absent.sqlite3"):
        result = run_cli(tmp_path, "restore", str(bad), env=env)
        assert result.returncode == 1 and "restore refused" in result.stderr, result.stderr
    assert db_path.read_bytes() == before
    assert not (tmp_path / "bot.sqlite3.before-restore").exists()


def test_backup_of_a_missing_database_fails_clearly(tmp_path: Path) -> None:
    env = env_for(tmp_path, DATABASE_PATH=str(tmp_path / "nothing.sqlite3"))
    result = run_cli(tmp_path, "backup", str(tmp_path / "copy.sqlite3"), env=env)
    assert result.returncode == 1 and "no database" in result.stderr
    with pytest.raises(Exception, match="no database"):
        take_backup(tmp_path / "nothing.sqlite3", tmp_path / "copy.sqlite3")


async def _make_db(path: Path) -> None:
    async with Database(path):
        pass
