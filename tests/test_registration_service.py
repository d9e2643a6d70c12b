"""The registration rules on a real SQLite file with a fixed clock: capacity, waiting list,
cancellation and promotion, closed events, erasure, the missing profile."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.events.files import EventSpec, import_events
from bot.registration.form import Form, default_form, load_form
from bot.registration.regions import default_regions
from bot.registration.service import Closed, Promotion, RegistrationError, RegistrationService
from storage.db import Database
from storage.events import EventRepo, RegistrationRepo
from storage.models import RegStatus
from storage.participants import ParticipantRepo

MSK = ZoneInfo("Europe/Moscow")
NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
STARTS = datetime(2026, 12, 10, 14, 0)  # Moscow time, as written in an events file
DEADLINE = datetime(2026, 12, 8, 18, 0)
SHIPPED_FORM = Path(__file__).resolve().parent.parent / "bot" / "data" / "form.yaml"


@dataclass
class Clock:
    now: datetime = NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    async with Database(tmp_path / "bot.sqlite3") as database:
        yield database


@pytest.fixture
def service(db: Database, clock: Clock) -> RegistrationService:
    return RegistrationService(db, default_form(), default_regions(), clock=clock)


def profile(n: int) -> dict[str, str | None]:
    return {
        "consent": "yes",
        "full_name": f"Участник Номер {n}",
        "organization": "АНО «Дом дружбы народов»",
        "position": "председатель",
        "role": "ngo_leader",
        "region": "RU-TA",
        "phone": f"+7912{n:07d}",
        "email": f"person{n}@example.ru",
    }


async def add_event(db: Database, clock: Clock, event_id: str = "seminar", **fields: Any) -> None:
    spec: dict[str, Any] = {
        "id": event_id,
        "title": "Семинар для этнокультурных НКО",
        "kind": "seminar",
        "starts_at": STARTS,
        "duration_minutes": 240,
        "location": "г. Альметьевск, ул. Ленина, 39",
        "capacity": 10,
        "registration_deadline": DEADLINE,
        "questions": [{"id": "topic", "type": "text", "prompt": "Тема?", "required": False}],
    }
    spec.update(fields)
    await import_events(db, [EventSpec.model_validate(spec).to_event(MSK)], clock())


async def add_people(db: Database, clock: Clock, *ids: int) -> None:
    repo = ParticipantRepo(db)
    async with db.transaction() as conn:
        for telegram_id in ids:
            await repo.upsert_seen(conn, telegram_id, f"Имя{telegram_id}", None, "ru", clock())


async def register(service: RegistrationService, pid: int, event_id: str = "seminar") -> Any:
    return await service.register(pid, event_id, profile(pid), {"topic": f"тема {pid}"})


async def queue_up(
    db: Database, service: RegistrationService, clock: Clock, capacity: int, *ids: int
) -> list[Any]:
    """The event with ``capacity`` seats, and the people ``ids`` registering a minute apart, in
    that order: the order of the waiting list is what these tests look at."""
    await add_event(db, clock, capacity=capacity)
    await add_people(db, clock, *ids)
    outcomes = []
    for pid in ids:
        clock.now += timedelta(minutes=1)
        outcomes.append(await register(service, pid))
    return outcomes


async def refusal(service: RegistrationService, event_id: str = "seminar") -> Closed:
    """Why person 1's registration for ``event_id`` is refused (it must be refused)."""
    with pytest.raises(RegistrationError) as caught:
        await register(service, 1, event_id)
    return caught.value.reason


async def statuses(db: Database, event_id: str = "seminar") -> dict[int, RegStatus]:
    return {r.participant_id: r.status for r in await RegistrationRepo(db).of_event(event_id)}


async def waitlist(db: Database, event_id: str = "seminar") -> list[int]:
    rows = await db.fetchall(
        "SELECT participant_id FROM registrations WHERE event_id = ? AND status = 'waitlisted' "
        "ORDER BY queued_at, id",
        (event_id,),
    )
    return [row[0] for row in rows]


# --- capacity and the waiting list ------------------------------------------------------------


async def seats_left(db: Database, service: RegistrationService) -> int | None:
    """The seminar's free seats as the service counts them (None: no limit)."""
    event = await EventRepo(db).get("seminar")
    assert event is not None
    return await service.seats_left(event)


async def test_register_within_capacity_stores_profile_and_answers(
    db: Database, service: RegistrationService, clock: Clock
) -> None:
    await add_event(db, clock, capacity=3)
    await add_people(db, clock, 1)
    outcome = await register(service, 1)
    assert outcome.status is RegStatus.REGISTERED
    assert outcome.position is None
    assert not outcome.already
    assert outcome.promoted == []
    people = ParticipantRepo(db)
    person = await people.get(1)
    assert person is not None
    assert person.consent_version == default_form().get("consent").version  # type: ignore[union-attr]
    assert person.consent_at == NOW
    assert (person.region, person.district, person.timezone) == (
        "RU-TA",
        "pfo",
        "Europe/Moscow",
    )
    answers = await people.answers(1)
    assert answers["full_name"] == "Участник Номер 1"
    assert answers["phone"] == "+79120000001"
    assert await people.answers(1, "seminar") == {"topic": "тема 1"}
    assert await seats_left(db, service) == 2


async def test_full_event_puts_people_on_the_waiting_list_in_order(
    db: Database, service: RegistrationService, clock: Clock
) -> None:
    outcomes = await queue_up(db, service, clock, 2, *range(1, 6))
    assert [o.status for o in outcomes] == [RegStatus.REGISTERED] * 2 + [RegStatus.WAITLISTED] * 3
    assert [o.position for o in outcomes] == [None, None, 1, 2, 3]
    assert await waitlist(db) == [3, 4, 5]
    assert await seats_left(db, service) == 0


async def test_registering_twice_is_harmless(
    db: Database, service: RegistrationService, clock: Clock
) -> None:
    await add_event(db, clock, capacity=1)
    await add_people(db, clock, 1, 2)
    first = await register(service, 1)
    waiting = await register(service, 2)
    again = await register(service, 1)
    waiting_again = await register(service, 2)
    assert again.already
    assert again.status is first.status is RegStatus.REGISTERED
    assert waiting_again.already
    assert waiting_again.status is RegStatus.WAITLISTED
    assert waiting_again.position == waiting.position == 1
    rows = await RegistrationRepo(db).of_event("seminar")
    assert len(rows) == 2


async def test_cancel_promotes_the_first_on_the_waiting_list(
    db: Database, service: RegistrationService, clock: Clock
) -> None:
    await queue_up(db, service, clock, 2, 1, 2, 3, 4)
    outcome = await service.cancel(1, "seminar")
    assert outcome.was is RegStatus.REGISTERED
    assert outcome.promoted == [Promotion(3, "seminar")]
    assert await statuses(db) == {
        1: RegStatus.CANCELLED,
        2: RegStatus.REGISTERED,
        3: RegStatus.REGISTERED,
        4: RegStatus.WAITLISTED,
    }
    assert await RegistrationRepo(db).waitlist_position("seminar", 4) == 1
    nothing = await service.cancel(1, "seminar")
    assert nothing.was is None
    assert nothing.promoted == []


async def test_cancelling_a_waitlisted_person_promotes_nobody(
    db: Database, service: RegistrationService, clock: Clock
) -> None:
    await queue_up(db, service, clock, 1, 1, 2, 3)
    outcome = await service.cancel(2, "seminar")
    assert outcome.was is RegStatus.WAITLISTED
    assert outcome.promoted == []
    assert await statuses(db) == {
        1: RegStatus.REGISTERED,
        2: RegStatus.CANCELLED,
        3: RegStatus.WAITLISTED,
    }
    assert await waitlist(db) == [3]


async def test_registering_again_after_cancelling_joins_the_end_of_the_queue(
    db: Database, service: RegistrationService, clock: Clock
) -> None:
    await queue_up(db, service, clock, 1, 1, 2, 3)
    await service.cancel(2, "seminar")
    clock.now += timedelta(minutes=1)
    back = await register(service, 2)
    assert not back.already
    assert back.status is RegStatus.WAITLISTED
    assert back.position == 2
    assert await waitlist(db) == [3, 2]


async def test_thirty_concurrent_registrations_for_ten_seats(
    db: Database, service: RegistrationService, clock: Clock
) -> None:
    await add_event(db, clock, capacity=10)
    await add_people(db, clock, *range(1, 31))
    outcomes = await asyncio.gather(*(register(service, pid) for pid in range(1, 31)))
    registered = [o for o in outcomes if o.status is RegStatus.REGISTERED]
    waiting = [o for o in outcomes if o.status is RegStatus.WAITLISTED]
    assert len(registered) == 10
    assert len(waiting) == 20
    assert sorted(o.position for o in waiting) == list(range(1, 21))
    counts = (await EventRepo(db).counts())["seminar"]
    assert (counts.registered, counts.waitlisted) == (10, 20)


async def test_capacity_holds_across_two_connections_to_the_same_file(
    tmp_path: Path, clock: Clock
) -> None:
    """The bot and the CLI each have their own connection: only BEGIN IMMEDIATE and the
    busy timeout keep them from both taking the last seats."""
    path = tmp_path / "shared.sqlite3"
    async with Database(path) as one, Database(path) as two:
        await add_event(one, clock, capacity=10)
        await add_people(one, clock, *range(1, 31))
        services = [
            RegistrationService(db, default_form(), default_regions(), clock=clock)
            for db in (one, two)
        ]
        outcomes = await asyncio.gather(*(register(services[pid % 2], pid) for pid in range(1, 31)))
        assert sum(o.status is RegStatus.REGISTERED for o in outcomes) == 10
        positions = sorted(o.position for o in outcomes if o.status is RegStatus.WAITLISTED)
        assert positions == list(range(1, 21))
        for db in (one, two):
            counts = (await EventRepo(db).counts())["seminar"]
            assert (counts.registered, counts.waitlisted) == (10, 20)


async def test_raised_capacity_promotes_the_waiting_list_before_a_newcomer(
    db: Database, service: RegistrationService, clock: Clock
) -> None:
    await add_event(db, clock, capacity=2)
    await add_people(db, clock, 1, 2, 3, 4, 5)
    for pid in (1, 2, 3, 4):
        clock.now += timedelta(minutes=1)
        await register(service, pid)
    assert await waitlist(db) == [3, 4]
    await add_event(db, clock, capacity=4)  # re-import with more seats
    clock.now += timedelta(minutes=1)
    outcome = await register(service, 5)
    assert outcome.promoted == [Promotion(3, "seminar"), Promotion(4, "seminar")]
    assert outcome.status is RegStatus.WAITLISTED
    assert outcome.position == 1
    assert await statuses(db) == {
        1: RegStatus.REGISTERED,
        2: RegStatus.REGISTERED,
        3: RegStatus.REGISTERED,
        4: RegStatus.REGISTERED,
        5: RegStatus.WAITLISTED,
    }


async def test_unlimited_event_never_waitlists(
    db: Database, service: RegistrationService, clock: Clock
) -> None:
    await add_event(db, clock, capacity=None)
    await add_people(db, clock, *range(1, 6))
    outcomes = [await register(service, pid) for pid in range(1, 6)]
    assert all(o.status is RegStatus.REGISTERED for o in outcomes)
    assert await seats_left(db, service) is None


# --- closed events -------------------------------------------------------------------------------


async def test_registration_after_the_deadline_is_refused(
    db: Database, service: RegistrationService, clock: Clock
) -> None:
    await add_event(db, clock)
    await add_people(db, clock, 1)
    clock.now = DEADLINE.replace(tzinfo=MSK) + timedelta(seconds=1)
    assert await refusal(service) is Closed.DEADLINE
    assert await statuses(db) == {}
    assert await ParticipantRepo(db).answers(1) == {}, "nothing is saved when refused"


async def test_registration_for_a_started_event_is_refused(
    db: Database, service: RegistrationService, clock: Clock
) -> None:
    await add_event(db, clock, registration_deadline=None)
    await add_people(db, clock, 1)
    clock.now = STARTS.replace(tzinfo=MSK)
    assert await refusal(service) is Closed.STARTED


async def test_registration_for_a_cancelled_event_is_refused(
    db: Database, service: RegistrationService, clock: Clock
) -> None:
    await add_event(db, clock, status="cancelled")
    await add_people(db, clock, 1)
    assert await refusal(service) is Closed.CANCELLED


async def test_registration_for_an_unknown_event_is_refused(
    db: Database, service: RegistrationService, clock: Clock
) -> None:
    await add_people(db, clock, 1)
    assert await refusal(service, "no-such-event") is Closed.NOT_FOUND


async def test_just_before_the_deadline_is_still_open(
    db: Database, service: RegistrationService, clock: Clock
) -> None:
    await add_event(db, clock)
    await add_people(db, clock, 1)
    clock.now = DEADLINE.replace(tzinfo=MSK) - timedelta(seconds=1)
    assert (await register(service, 1)).status is RegStatus.REGISTERED


# --- erasure ---------------------------------------------------------------------------------


async def test_erase_participant_deletes_everything_and_frees_the_seat(
    db: Database, service: RegistrationService, clock: Clock
) -> None:
    await add_event(db, clock, capacity=1)
    await add_event(db, clock, "round-table", capacity=30)
    await add_people(db, clock, 1, 2)
    await register(service, 1)
    await register(service, 1, "round-table")
    clock.now += timedelta(minutes=1)
    await register(service, 2)
    done = await service.erase_participant(1)
    assert done.promoted == [Promotion(2, "seminar")]
    assert done.erased.registrations == 2 and done.erased.profile_answers == 7
    assert done.erased.consent
    people = ParticipantRepo(db)
    assert await people.get(1) is None
    assert await people.answers(1) == {}
    assert await people.answers(1, "seminar") == {}
    assert await statuses(db) == {2: RegStatus.REGISTERED}
    assert await statuses(db, "round-table") == {}
    leftovers = await db.fetchall(
        "SELECT 'a' FROM answers WHERE participant_id = 1 "
        "UNION ALL SELECT 'r' FROM registrations WHERE participant_id = 1"
    )
    assert leftovers == []
    assert await people.get(2) is not None


# --- the missing profile -------------------------------------------------------------------


async def test_missing_profile_for_a_new_person_is_everything(
    db: Database, service: RegistrationService, clock: Clock
) -> None:
    assert [q.id for q in await service.missing_profile(None)] == default_form().ids
    await add_people(db, clock, 1)
    person = await ParticipantRepo(db).get(1)
    assert [q.id for q in await service.missing_profile(person)] == default_form().ids


async def test_missing_profile_is_empty_after_a_registration(
    db: Database, service: RegistrationService, clock: Clock
) -> None:
    await add_event(db, clock)
    await add_people(db, clock, 1)
    await register(service, 1)
    person = await ParticipantRepo(db).get(1)
    assert await service.missing_profile(person) == []


async def test_skipped_optional_answer_is_not_asked_again(
    db: Database, clock: Clock, tmp_path: Path
) -> None:
    path = tmp_path / "form.yaml"
    path.write_text(
        "questions:\n"
        "  - {id: consent, type: consent, version: '1', prompt: 'Согласны?', text: Согласие}\n"
        "  - {id: full_name, type: text, prompt: 'ФИО?'}\n"
        "  - {id: position, type: text, prompt: 'Должность?', required: false}\n",
        "utf-8",
    )
    service = RegistrationService(db, load_form(path), default_regions(), clock=clock)
    await add_event(db, clock)
    await add_people(db, clock, 1)
    await service.register(
        1, "seminar", {"consent": "yes", "full_name": "Иванов", "position": None}, {}
    )
    person = await ParticipantRepo(db).get(1)
    assert await service.missing_profile(person) == []
    assert (await ParticipantRepo(db).answers(1))["position"] == ""


async def test_new_consent_version_asks_for_consent_again(
    db: Database, service: RegistrationService, clock: Clock, tmp_path: Path
) -> None:
    await add_event(db, clock)
    await add_people(db, clock, 1)
    await register(service, 1)
    shipped = SHIPPED_FORM.read_text("utf-8")
    old = default_form().get("consent")
    assert old is not None
    assert f'version: "{old.version}"' in shipped
    path = tmp_path / "form.yaml"
    path.write_text(shipped.replace(f'version: "{old.version}"', 'version: "2027-01-15"'), "utf-8")
    newer: Form = load_form(path)
    updated = RegistrationService(db, newer, default_regions(), clock=clock)
    person = await ParticipantRepo(db).get(1)
    assert [q.id for q in await updated.missing_profile(person)] == ["consent"]


async def test_declined_consent_is_not_kept(
    db: Database, service: RegistrationService, clock: Clock
) -> None:
    await add_people(db, clock, 1)
    async with db.transaction() as conn:
        await service.save_profile(1, {"consent": "no"}, conn)
    person = await ParticipantRepo(db).get(1)
    assert person is not None
    assert person.consent_version is None
    assert person.consent_at is None
    assert "consent" in [q.id for q in await service.missing_profile(person)]
