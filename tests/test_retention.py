"""Retention (RETENTION_DAYS): exactly the people inactive that long are erased, by the same
code path as "Delete my data"; old sent rows of the queue are pruned."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import aiosqlite
import pytest

from bot.ops.retention import Retention
from bot.registration.form import default_form
from bot.registration.regions import default_regions
from bot.registration.service import RegistrationService
from storage.db import Database, to_db, utcnow
from storage.erasure import ErasureRepo
from tests.support.running import bot_settings, polling
from tests.support.stand_in import StandInServer

DAYS = 180
ADMIN = 9_000
COORD = 9_001
# id -> what keeps them (or not)
OLD_REGISTRATION = 1  # erased: registered long ago for an event long past
NOTHING_EVER = 2  # erased: wrote /start long ago and nothing since
RECENT_REGISTRATION = 3
FUTURE_EVENT = 4  # registered long ago for an event still to come
RECENT_APPLICATION = 5
RECENT_ATTENDANCE = 6
RECENT_ROW = 7  # their own row changed lately
RECENT_DRAFT = 8  # a questionnaire under way
RECENT_ANSWER = 9
STALE = {OLD_REGISTRATION, NOTHING_EVER}


async def person(conn: aiosqlite.Connection, pid: int, updated: datetime) -> None:
    await conn.execute(
        "INSERT INTO participants (telegram_id, first_name, consent_at, created_at, updated_at) "
        "VALUES (?, 'Имя', ?, ?, ?)",
        (pid, to_db(updated), to_db(updated), to_db(updated)),
    )
    await conn.execute(
        "INSERT INTO answers (participant_id, question_id, value, updated_at) "
        "VALUES (?, 'phone', '+79120000000', ?)",
        (pid, to_db(updated)),
    )


async def event(conn: aiosqlite.Connection, event_id: str, starts: datetime) -> None:
    await conn.execute(
        "INSERT INTO events (id, title, kind, starts_at, duration_minutes, created_at, "
        "updated_at) VALUES (?, 'Сессия', 'seminar', ?, 120, ?, ?)",
        (event_id, to_db(starts), to_db(starts), to_db(starts)),
    )


async def register(conn: aiosqlite.Connection, event_id: str, pid: int, at: datetime) -> None:
    await conn.execute(
        "INSERT INTO registrations (event_id, participant_id, status, registered_at, queued_at, "
        "updated_at) VALUES (?, ?, 'registered', ?, ?, ?)",
        (event_id, pid, to_db(at), to_db(at), to_db(at)),
    )


async def populate(db: Database, now: datetime) -> None:
    long_ago, lately = now - timedelta(days=DAYS + 100), now - timedelta(days=10)
    async with db.transaction() as conn:
        await event(conn, "past", now - timedelta(days=DAYS + 50))
        await event(conn, "future", now + timedelta(days=20))
        for pid in range(1, 10):
            await person(conn, pid, lately if pid == RECENT_ROW else long_ago)
        for pid in (ADMIN, COORD):
            await person(conn, pid, long_ago)
        await conn.execute(
            "INSERT INTO coordinators (telegram_id, created_at) VALUES (?, ?)",
            (COORD, to_db(long_ago)),
        )
        await register(conn, "past", OLD_REGISTRATION, long_ago)
        await register(conn, "past", RECENT_REGISTRATION, long_ago)
        await conn.execute(
            "UPDATE registrations SET status = 'cancelled', updated_at = ? "
            "WHERE participant_id = ?",
            (to_db(lately), RECENT_REGISTRATION),
        )
        await register(conn, "future", FUTURE_EVENT, long_ago)
        await conn.execute(
            "INSERT INTO applications (event_id, participant_id, submitted_at, updated_at) "
            "VALUES ('past', ?, ?, ?)",
            (RECENT_APPLICATION, to_db(long_ago), to_db(lately)),
        )
        await conn.execute(
            "INSERT INTO attendance (event_id, participant_id, method, checked_in_at) "
            "VALUES ('past', ?, 'qr', ?)",
            (RECENT_ATTENDANCE, to_db(lately)),
        )
        key = f"fsm:7000000001:{RECENT_DRAFT}:{RECENT_DRAFT}:default"
        await conn.execute(
            "INSERT INTO fsm (key, state, data, updated_at) VALUES (?, 'Form:q', '{}', ?)",
            (key, to_db(lately)),
        )
        await conn.execute(
            "UPDATE answers SET updated_at = ? WHERE participant_id = ?",
            (to_db(lately), RECENT_ANSWER),
        )
        await sent_row(conn, "old-reminder", OLD_REGISTRATION, now - timedelta(days=40))
        await sent_row(conn, "old-notice", RECENT_ROW, now - timedelta(days=40))
        await sent_row(conn, "recent-notice", RECENT_ROW, now - timedelta(days=5))


async def sent_row(conn: aiosqlite.Connection, key: str, chat: int, at: datetime) -> None:
    await conn.execute(
        "INSERT INTO outbox (dedup_key, chat_id, kind, payload, not_before, status, created_at, "
        "sent_at) VALUES (?, ?, 'notice', '{\"text\": \"Ирина\"}', ?, 'sent', ?, ?)",
        (key, chat, to_db(at), to_db(at), to_db(at)),
    )


async def ids(db: Database) -> set[int]:
    return {int(r[0]) for r in await db.fetchall("SELECT telegram_id FROM participants")}


async def test_retention_erases_exactly_the_inactive_people(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    now = utcnow()
    caplog.set_level("INFO")
    async with Database(tmp_path / "bot.sqlite3") as db:
        await populate(db, now)
        before = await ids(db)
        service = RegistrationService(db, default_form(), default_regions())
        retention = Retention(
            db, service, DAYS, timedelta(hours=2), staff_ids=frozenset({ADMIN}), clock=lambda: now
        )
        done = await retention.sweep()
        assert done.erased == len(STALE)
        assert await ids(db) == before - STALE
        erasure = ErasureRepo(db)
        for pid in STALE:  # what "Delete my data" leaves: nothing
            left = await erasure.inventory(pid)
            assert not left.anything and left.queued == 0
        # the outbox: the old sent rows are gone, the recent one stays
        keys = {r[0] for r in await db.fetchall("SELECT dedup_key FROM outbox")}
        assert keys == {"recent-notice"}
        assert done.pruned == 2
        again = await retention.sweep()  # nothing left to do
        assert again.erased == 0 and again.pruned == 0
    assert "2 inactive person(s) erased" in caplog.text
    assert "Имя" not in caplog.text and "+7912" not in caplog.text


async def test_retention_off_erases_nobody_but_still_prunes(tmp_path: Path) -> None:
    now = utcnow()
    async with Database(tmp_path / "bot.sqlite3") as db:
        await populate(db, now)
        before = await ids(db)
        service = RegistrationService(db, default_form(), default_regions())
        retention = Retention(db, service, None, timedelta(hours=2), clock=lambda: now)
        done = await retention.sweep()
        assert done.erased == 0 and await ids(db) == before
        assert done.pruned == 2


async def test_announcement_rows_are_kept_for_their_report(tmp_path: Path) -> None:
    now = utcnow()
    async with Database(tmp_path / "bot.sqlite3") as db:
        async with db.transaction() as conn:
            cur = await conn.execute(
                "INSERT INTO broadcasts (audience, status, total, created_at) "
                "VALUES ('all', 'done', 1, ?)",
                (to_db(now - timedelta(days=60)),),
            )
            await sent_row(conn, "bc", 1, now - timedelta(days=60))
            await conn.execute("UPDATE outbox SET broadcast_id = ?", (cur.lastrowid,))
        service = RegistrationService(db, default_form(), default_regions())
        done = await Retention(db, service, None, timedelta(hours=2)).sweep()
        assert done.pruned == 0


async def test_the_running_bot_schedules_the_daily_sweep(
    tmp_path: Path, server: StandInServer
) -> None:
    settings = bot_settings(tmp_path, server, retention_days=365)
    async with polling(settings, server) as running:
        runtime = running.dp["runtime"]
        assert runtime.retention is not None and runtime.retention.days == 365
        job = runtime.scheduler.get_job("ops:retention")
        assert job is not None and job.trigger.interval == timedelta(days=1)
