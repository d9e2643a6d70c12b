"""Reminder helpers shared by the reminder and fault tests: an event starting in seconds, a
participant registered straight through the service, and the reminders she received."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any

from bot.registration.form import default_form
from bot.registration.regions import default_regions
from bot.registration.service import RegistrationService
from storage.db import utcnow
from storage.models import Event, RegStatus
from storage.participants import ParticipantRepo
from tests.support.people import Person
from tests.support.running import RunningBot
from tests.support.stand_in import ApiCall, StandInServer

LINK = "https://meet.example.org/ufo"


def soon(starts_in: float, *, reminders: list[str] | None = None, **fields: Any) -> Event:
    """An online session starting in ``starts_in`` seconds (not rounded to the minute)."""
    event = Event(
        id="ufo",
        title="Стратегическая сессия УФО",
        kind="online_session",
        district="ufo",
        starts_at=utcnow() + timedelta(seconds=starts_in),
        duration_minutes=90,
        location=None,
        online_url=LINK,
        capacity=None,
        registration_deadline=None,
        description="",
        reminders=reminders,
    )
    return replace(event, **fields)


def service(running: RunningBot) -> RegistrationService:
    return RegistrationService(running.db, default_form(), default_regions())


async def enrol(running: RunningBot, server: StandInServer, person: Person) -> RegStatus:
    """A participant who registered earlier (straight through the service)."""
    server.add_chat(person.user)
    async with running.db.transaction() as conn:
        await ParticipantRepo(running.db).upsert_seen(
            conn, person.id, person.user.first_name, None, "ru", utcnow()
        )
    return (await service(running).register(person.id, "ufo", {}, {})).status


def is_text_to(person: Person, fragment: str) -> Callable[[ApiCall], bool]:
    """A message the person received (sent, not refused) whose text holds ``fragment``."""
    return lambda c: (
        c.ok
        and c.chat_id == person.id
        and c.method == "sendMessage"
        and fragment in str(c.params.get("text"))
    )


def notices_to(server: StandInServer, person: Person, fragment: str) -> list[ApiCall]:
    return [c for c in server.calls if is_text_to(person, fragment)(c)]


def is_reminder(person: Person) -> Callable[[ApiCall], bool]:
    return is_text_to(person, "Напоминание")


def reminders_to(server: StandInServer, person: Person) -> list[ApiCall]:
    return notices_to(server, person, "Напоминание")
