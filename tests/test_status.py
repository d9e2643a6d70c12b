"""``python -m bot status``: the health from the database, and its exit status."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from pathlib import Path

from bot.events.files import import_events
from bot.ops.lock import RunLock
from storage.db import Database, to_db, utcnow
from storage.models import Event
from tests.support.process import env_for, run_cli
from tests.support.running import make_event


async def prepare(
    path: Path, *, due_ago: timedelta | None = None, backup_ago: timedelta | None = None
) -> Event:
    """A database with one event in three days (returned), a participant, and optionally a
    message due ``due_ago`` and a backup taken ``backup_ago``."""
    now = utcnow()
    event = make_event(starts_in=timedelta(days=3))
    async with Database(path) as db:
        await import_events(db, [event], now)
        async with db.transaction() as conn:
            await conn.execute(
                "INSERT INTO participants (telegram_id, created_at, updated_at) VALUES (?, ?, ?)",
                (1001, to_db(now), to_db(now)),
            )
            if due_ago is not None:
                await conn.execute(
                    "INSERT INTO outbox (dedup_key, chat_id, kind, not_before, created_at) "
                    "VALUES ('stuck', 1001, 'notice', ?, ?)",
                    (to_db(now - due_ago), to_db(now - due_ago)),
                )
            if backup_ago is not None:
                await conn.execute(
                    "INSERT INTO backups (path, size, taken_at, scheduled) VALUES (?, 4096, ?, 1)",
                    ("/backups/bot-x.sqlite3", to_db(now - backup_ago)),
                )
    return event


def status(tmp_path: Path, *args: str, **env: str) -> tuple[int, str]:
    result = run_cli(
        tmp_path,
        "status",
        *args,
        env=env_for(tmp_path, DATABASE_PATH=str(tmp_path / "bot.sqlite3"), **env),
    )
    return result.returncode, result.stdout + result.stderr


def test_a_healthy_database(tmp_path: Path) -> None:
    # the event made once: computed again here, its start could fall in the next minute
    event = asyncio.run(prepare(tmp_path / "bot.sqlite3"))
    code, out = status(tmp_path)
    assert code == 0, out
    assert "status:           OK" in out
    assert "schema version:   7" in out
    assert "participants:     1" in out and "events:           1" in out
    assert "bot running:      no" in out
    assert "last backup:      never (daily backups off" in out
    code, out = status(tmp_path, "--json")
    data = json.loads(out)
    assert data["ok"] is True and data["queue"]["pending"] == 0
    # the first reminder: a day before the start (REMINDER_OFFSETS 24h,1h)
    assert data["next_reminder"] == (event.starts_at - timedelta(hours=24)).isoformat()


def test_a_stuck_queue_is_a_problem_only_while_the_bot_runs(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    asyncio.run(prepare(path, due_ago=timedelta(minutes=10)))
    code, out = status(tmp_path)
    assert code == 0, out  # the bot is stopped: nothing is being sent, the queue is not stuck
    assert "1 pending" in out and "due 10 min" in out
    with RunLock(path):  # as the running bot holds it
        code, out = status(tmp_path)
    assert code == 1, out
    assert "delivery queue stuck" in out and "bot running:      yes" in out


def test_a_message_due_a_minute_ago_is_not_stuck(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    asyncio.run(prepare(path, due_ago=timedelta(minutes=1)))
    with RunLock(path):
        code, out = status(tmp_path)
    assert code == 0, out


def test_an_old_backup_is_a_problem_when_backups_are_on(tmp_path: Path) -> None:
    asyncio.run(prepare(tmp_path / "bot.sqlite3", backup_ago=timedelta(days=3)))
    backups = str(tmp_path / "backups")
    code, out = status(tmp_path, BACKUP_DIR=backups)
    assert code == 1 and "last backup is old" in out, out
    code, out = status(tmp_path)  # backups off: an old manual copy is no problem
    assert code == 0, out


def test_a_recent_backup_is_shown(tmp_path: Path) -> None:
    asyncio.run(prepare(tmp_path / "bot.sqlite3", backup_ago=timedelta(hours=5)))
    code, out = status(tmp_path, BACKUP_DIR=str(tmp_path / "backups"))
    assert code == 0, out
    assert "/backups/bot-x.sqlite3 (4096 bytes)" in out


def test_no_database_no_new_file(tmp_path: Path) -> None:
    code, out = status(tmp_path)
    assert code == 1 and "no database" in out
    assert not (tmp_path / "bot.sqlite3").exists()
