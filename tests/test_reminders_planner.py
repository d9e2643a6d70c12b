"""What is queued when, decided from the database with a fixed clock: the reminder rules,
change and cancellation notices from import_events, feedback requests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.delivery.reminders import FEEDBACK_WINDOW, Plan, due_offset, plan
from bot.events.files import import_events
from bot.registration.form import default_form
from bot.registration.regions import default_regions
from bot.registration.service import RegistrationService
from storage.db import Database
from storage.events import EventRepo, RegistrationRepo
from storage.models import Event, EventStatus, RegStatus
from storage.outbox import NewItem, OutboxRepo
from storage.participants import ParticipantRepo
from tests.support.reminders import soon

START = datetime(2026, 12, 10, 11, 0, tzinfo=UTC)
H24, H1 = timedelta(hours=24), timedelta(hours=1)
OFFSETS = (H24, H1)
DELAY = timedelta(hours=2)


@dataclass
class Clock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    async with Database(tmp_path / "bot.sqlite3") as database:
        yield database


@pytest.fixture
def clock() -> Clock:
    return Clock(START - timedelta(days=5))


@pytest.fixture
def service(db: Database, clock: Clock) -> RegistrationService:
    return RegistrationService(db, default_form(), default_regions(), clock=clock)


def session(**fields: Any) -> Event:
    at_start: dict[str, Any] = {"starts_at": START, "duration_minutes": 180}
    return soon(0, **(at_start | fields))


async def people(db: Database, clock: Clock, *ids: int) -> None:
    repo = ParticipantRepo(db)
    async with db.transaction() as conn:
        for telegram_id in ids:
            await repo.upsert_seen(conn, telegram_id, f"Имя{telegram_id}", None, "ru", clock())


async def person_1_registered(
    db: Database, service: RegistrationService, clock: Clock, event: Event, *others: int
) -> None:
    """The event imported, person 1 (and ``others``, known to the bot but not registered)
    seen, and person 1 registered for it through the service."""
    await import_events(db, [event], clock())
    await people(db, clock, 1, *others)
    await service.register(1, "ufo", {}, {})


async def make_plan(db: Database, now: datetime) -> Plan:
    return await plan(db, offsets=OFFSETS, feedback_delay=DELAY, now=now)


async def queued(db: Database, kind: str) -> list[tuple[int, str]]:
    rows = await db.fetchall(
        "SELECT chat_id, dedup_key FROM outbox WHERE kind = ? AND status = 'pending' "
        "ORDER BY chat_id, id",
        (kind,),
    )
    return [(row[0], row[1]) for row in rows]


# --- the rule for one participant ------------------------------------------------------------


def test_due_offset_follows_the_moments() -> None:
    long_ago = START - timedelta(days=5)
    assert due_offset(START, OFFSETS, long_ago, START - timedelta(hours=25)) is None
    assert due_offset(START, OFFSETS, long_ago, START - H24) == H24
    assert due_offset(START, OFFSETS, long_ago, START - timedelta(hours=3)) == H24
    assert due_offset(START, OFFSETS, long_ago, START - timedelta(minutes=59)) == H1
    assert due_offset(START, OFFSETS, long_ago, START) is None  # started: nothing any more


def test_a_moment_before_registration_counts_only_when_it_is_the_last() -> None:
    ten_hours_before = START - timedelta(hours=10)
    # registered 10 hours before: no late "24 hours" reminder, the "1 hour" one as usual
    assert due_offset(START, OFFSETS, ten_hours_before, ten_hours_before) is None
    assert due_offset(START, OFFSETS, ten_hours_before, START - H1) == H1
    # registered 40 minutes before: the last reminder at once ("starts in 40 minutes")
    forty_before = START - timedelta(minutes=40)
    assert due_offset(START, OFFSETS, forty_before, forty_before) == H1


# --- the plan ----------------------------------------------------------------------------------


async def test_after_downtime_only_the_latest_reminder_is_queued(
    db: Database, service: RegistrationService, clock: Clock
) -> None:
    await person_1_registered(db, service, clock, session(), 2)
    await service.register(2, "ufo", {}, {})
    # The bot was down from 2 days before until 30 minutes before: both moments passed.
    result = await make_plan(db, START - timedelta(minutes=30))
    assert result.queued == 2
    assert await queued(db, "reminder") == [
        (1, "reminder:ufo:1:3600:2026-12-10T11:00:00+00:00"),
        (2, "reminder:ufo:2:3600:2026-12-10T11:00:00+00:00"),
    ]
    again = await make_plan(db, START - timedelta(minutes=20))
    assert again.queued == 0  # the same reminders: never twice


async def test_each_moment_in_turn_and_the_jobs_to_set(
    db: Database, service: RegistrationService, clock: Clock
) -> None:
    await person_1_registered(db, service, clock, session())
    early = await make_plan(db, START - timedelta(days=2))
    assert early.queued == 0
    assert early.moments == {START - H24, START - H1, START + timedelta(hours=3) + DELAY}
    day = await make_plan(db, START - H24)
    assert day.queued == 1
    assert day.moments == {START - H1, START + timedelta(hours=3) + DELAY}
    hour = await make_plan(db, START - H1)
    assert hour.queued == 1
    assert [key for _, key in await queued(db, "reminder")] == [
        "reminder:ufo:1:86400:2026-12-10T11:00:00+00:00",
        "reminder:ufo:1:3600:2026-12-10T11:00:00+00:00",
    ]  # the renderer drops the first if it is still pending (see test_reminders.py)


async def test_waitlisted_cancelled_and_unreachable_people_get_no_reminder(
    db: Database, service: RegistrationService, clock: Clock
) -> None:
    await import_events(db, [session(capacity=2)], clock())
    await people(db, clock, 1, 2, 3, 4)
    for pid in (1, 2, 3, 4):
        await service.register(pid, "ufo", {}, {})  # 3 and 4 wait
    async with db.transaction() as conn:
        await RegistrationRepo(db).set_status(conn, "ufo", 2, RegStatus.CANCELLED, clock())
        await ParticipantRepo(db).mark_unreachable(conn, 1, clock())
    # (cancelling directly, without the service: nobody is promoted)
    await make_plan(db, START - timedelta(minutes=30))
    assert await queued(db, "reminder") == []


async def test_the_events_own_offsets_replace_the_default(
    db: Database, service: RegistrationService, clock: Clock
) -> None:
    await person_1_registered(db, service, clock, session(reminders=["3d", "15m"]))
    assert (await make_plan(db, START - timedelta(days=4))).queued == 0
    assert (await make_plan(db, START - timedelta(days=3))).queued == 1
    assert (await make_plan(db, START - H24)).queued == 0  # not a moment of this event
    assert (await make_plan(db, START - timedelta(minutes=15))).queued == 1
    assert [key.split(":")[3] for _, key in await queued(db, "reminder")] == ["259200", "900"]


async def test_a_cancelled_event_gets_no_reminders(
    db: Database, service: RegistrationService, clock: Clock
) -> None:
    await person_1_registered(db, service, clock, session())
    await import_events(db, [session(status=EventStatus.CANCELLED)], clock())
    result = await make_plan(db, START - timedelta(minutes=30))
    assert result.queued == 0
    assert result.moments == frozenset()


# --- feedback requests -------------------------------------------------------------------------


async def test_feedback_is_asked_after_the_delay_of_the_registered_only(
    db: Database, service: RegistrationService, clock: Clock
) -> None:
    await person_1_registered(db, service, clock, session(capacity=1), 2)
    await service.register(2, "ufo", {}, {})  # waitlisted
    ends = START + timedelta(hours=3)
    assert (await make_plan(db, ends + DELAY - timedelta(seconds=1))).queued == 0
    assert (await make_plan(db, ends + DELAY)).queued == 1
    assert await queued(db, "feedback") == [(1, "feedback:ufo:1")]
    # long after (the bot was down for days): not asked any more
    await db.conn.execute("DELETE FROM outbox")
    assert (await make_plan(db, ends + DELAY + FEEDBACK_WINDOW)).queued == 0


# --- change and cancellation notices (import_events) ------------------------------------------


async def test_a_change_of_time_queues_one_notice_per_registrant_and_drops_old_reminders(
    db: Database, service: RegistrationService, clock: Clock
) -> None:
    await person_1_registered(db, service, clock, session(capacity=1), 2, 3)
    await service.register(2, "ufo", {}, {})  # waitlisted: told too
    await service.register(3, "ufo", {}, {})
    await service.cancel(3, "ufo")  # cancelled: not told
    await make_plan(db, START - H24)  # the 24-hour reminder is pending
    moved = session(capacity=1, starts_at=START + timedelta(days=1), description="новое")
    clock.now = START - timedelta(hours=20)
    await import_events(db, [moved], clock())
    notices = await queued(db, "notice")
    assert [chat for chat, _ in notices] == [1, 2]
    assert await queued(db, "reminder") == []  # the old time's reminder is gone
    item = await OutboxRepo(db).by_key(notices[0][1])
    assert item is not None and item.payload["changed"] == ["starts_at"]
    assert item.payload["old_starts_at"].startswith("2026-12-10T11:00")
    # importing the same file again changes nothing and tells nobody twice
    await import_events(db, [moved], clock())
    assert len(await queued(db, "notice")) == 2
    # a change nobody needs to hear about (the description) tells nobody
    await import_events(db, [replace(moved, description="ещё новее")], clock())
    assert len(await queued(db, "notice")) == 2
    # the new time's reminders follow
    await make_plan(db, START + timedelta(days=1) - H24)
    assert [key for _, key in await queued(db, "reminder")] == [
        "reminder:ufo:1:86400:2026-12-11T11:00:00+00:00"
    ]


async def test_a_second_change_before_the_notice_went_out_is_told_in_one_notice(
    db: Database, service: RegistrationService, clock: Clock
) -> None:
    await person_1_registered(db, service, clock, session())
    later = START + timedelta(hours=2)
    await import_events(db, [session(starts_at=later)], clock())
    await import_events(
        db, [session(starts_at=later, online_url="https://meet.example.org/new")], clock()
    )
    notices = await queued(db, "notice")
    assert len(notices) == 1
    item = await OutboxRepo(db).by_key(notices[0][1])
    assert item is not None
    assert item.payload["changed"] == ["starts_at", "online_url"]
    assert item.payload["old_starts_at"].startswith("2026-12-10T11:00")  # what they last knew
    # moved back before anybody was told: only the link is news
    await import_events(db, [session(online_url="https://meet.example.org/new")], clock())
    notices = await queued(db, "notice")
    item = await OutboxRepo(db).by_key(notices[0][1])
    assert item is not None and item.payload["changed"] == ["online_url"]
    assert item.payload["old_starts_at"] is None
    # and when everything is back as they last knew it, there is nothing to tell
    await import_events(db, [session()], clock())
    assert await queued(db, "notice") == []


async def test_cancelling_an_event_queues_one_cancellation_and_drops_the_rest(
    db: Database, service: RegistrationService, clock: Clock
) -> None:
    await person_1_registered(db, service, clock, session(capacity=1), 2)
    await service.register(2, "ufo", {}, {})
    await make_plan(db, START - H24)
    await import_events(db, [session(capacity=1, status=EventStatus.CANCELLED)], clock())
    assert await queued(db, "reminder") == []
    assert await queued(db, "cancelled") == [(1, "cancelled:ufo:1"), (2, "cancelled:ufo:2")]
    await import_events(db, [session(capacity=1, status=EventStatus.CANCELLED)], clock())
    assert len(await queued(db, "cancelled")) == 2  # once
    stored = await EventRepo(db).get("ufo")
    assert stored is not None and stored.status is EventStatus.CANCELLED


async def test_the_same_key_is_queued_once(db: Database, clock: Clock) -> None:
    await people(db, clock, 1)
    item = NewItem("reminder:x:1:60:2026", 1, "reminder", clock())
    async with db.transaction() as conn:
        assert await OutboxRepo.enqueue(conn, [item, item], clock()) == 1
