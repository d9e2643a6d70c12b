"""The real bot (the same factory as ``python -m bot``) polling the stand-in server, events
to feed it, and a participant's answers to the shipped questionnaire: what the conversation
tests and the benchmarks build on."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.app import create_dispatcher
from bot.config import Settings
from bot.events.files import import_events
from bot.registration.service import RegistrationService
from bot.telegram import create_bot
from storage.db import Database, utcnow
from storage.models import Event, EventStatus
from tests.support.people import Person, Reply
from tests.support.stand_in import TEST_TOKEN, StandInServer


def bot_settings(tmp_path: Path, server: StandInServer, **fields: Any) -> Settings:
    """Settings of a bot polling the stand-in server, its database in ``tmp_path``, nothing read
    from a .env file; ``fields`` add others (``admin_ids``, ``broadcast_rate``...)."""
    return Settings(
        bot_token=TEST_TOKEN,  # type: ignore[arg-type]
        database_path=tmp_path / "bot.sqlite3",
        telegram_api_url=server.base_url,
        _env_file=None,  # type: ignore[call-arg]
        **fields,
    )


def make_event(
    event_id: str = "ufo-online",
    *,
    title: str = "Онлайн стратегическая сессия УФО",
    kind: str = "online_session",
    district: str | None = "ufo",
    starts_in: timedelta = timedelta(days=7),
    duration_minutes: int = 180,
    location: str | None = None,
    online_url: str | None = "https://meet.example.org/ufo",
    capacity: int | None = None,
    deadline_in: timedelta | None = None,
    description: str = "Разработка стратегий развития этнокультурных НКО округа.",
    questions: list[dict[str, Any]] | None = None,
    status: EventStatus = EventStatus.SCHEDULED,
) -> Event:
    now = utcnow()
    starts = (now + starts_in).replace(second=0, microsecond=0)
    return Event(
        id=event_id,
        title=title,
        kind=kind,
        district=district,
        starts_at=starts,
        duration_minutes=duration_minutes,
        location=location,
        online_url=online_url,
        capacity=capacity,
        registration_deadline=(now + deadline_in) if deadline_in is not None else None,
        description=description,
        questions=questions or [],
        status=status,
    )


def pfo_event(location: str, capacity: int | None = None) -> Event:
    """The in-person seminar in Kazan that the Volga coordinator owns: the coordinator tests
    need one event outside the Ural district, and only where it is held differs."""
    return make_event(
        "pfo-kazan",
        title="Семинар в Казани",
        kind="seminar",
        district="pfo",
        online_url=None,
        location=location,
        capacity=capacity,
    )


class RunningBot:
    """The real bot (the same factory as ``python -m bot``) polling the stand-in server."""

    def __init__(self, settings: Settings, *, handle_as_tasks: bool = False) -> None:
        self.settings = settings
        self.handle_as_tasks = handle_as_tasks
        self.db = Database(settings.database_path, busy_timeout_ms=settings.db_busy_timeout_ms)
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self.db.connect()
        self.bot = create_bot(self.settings)
        self.dp = create_dispatcher(self.settings, self.db)
        self.registration: RegistrationService = self.dp["registration"]
        self._task = asyncio.create_task(
            self.dp.start_polling(
                self.bot,
                handle_as_tasks=self.handle_as_tasks,
                polling_timeout=1,
                handle_signals=False,
                close_bot_session=False,
                allowed_updates=self.dp.resolve_used_update_types(),
            )
        )

    async def stop(self) -> None:
        if self._task is not None:
            with contextlib.suppress(RuntimeError):
                await self.dp.stop_polling()
            await self._task
            self._task = None
            await self.bot.session.close()
        await self.db.close()

    async def add_events(self, *events: Event) -> None:
        await import_events(self.db, list(events), utcnow())


@contextlib.asynccontextmanager
async def polling(
    settings: Settings, server: StandInServer, *, handle_as_tasks: bool = False
) -> AsyncIterator[RunningBot]:
    """The real bot started with ``settings``, polling the stand-in server for the block and
    stopped however the block ends (a restart, other limits, a second bot)."""
    bot = RunningBot(settings, handle_as_tasks=handle_as_tasks)
    await bot.start()
    try:
        await server.wait_polling()
        yield bot
    finally:
        await bot.stop()


async def start(running: RunningBot, server: StandInServer) -> None:
    """Start polling a bot whose database was opened first (the ``bot`` fixture) to prepare
    events and registrations; returns once it polls."""
    await running.db.close()
    await running.start()
    await server.wait_polling()


#: The people of the tests answer within milliseconds, step after step, which no one does
#: (a test walk is 20-50 updates a second). With the real flood limits (2 updates a second
#: from one person, 1 reply a second to one chat) the registration tests take 100 s instead of
#: 8, so every test runs with these unless it sets the limits itself (tests/test_flood.py
#: passes the real ones to Settings, which wins over the environment). The same variables
#: reach ``python -m bot`` in the process tests (``env_for`` copies the environment).
TEST_PEOPLE_ARE_FAST = {
    "FLOOD_RATE": "10000",
    "FLOOD_BURST": "10000",
    "REPLY_RATE": "10000",
    "REPLY_BURST": "10000",
}


PROFILE_ANSWERS = {
    "full_name": "Иванова Ирина Петровна",
    "organization": "АНО «Дом дружбы народов»",
    "position": "Председатель",
    "role": "Руководитель НКО",
    "region": "Свердловская",
    "phone": "8 912 345-67-89",
    "email": "irina@example.ru",
}


async def fill_profile(person: Person, answers: dict[str, str] | None = None) -> Reply:
    """Answer the shipped questionnaire from the consent to the e-mail; the reply to the e-mail
    (the summary) is returned."""
    await person.click("Согласен" if person.user.language_code == "ru" else "I agree")
    return await answer_profile(person, answers)


async def answer_profile(
    person: Person, answers: dict[str, str] | None = None, first: str = "full_name"
) -> Reply:
    """Answer the shipped questionnaire's questions after the consent, from the question
    ``first`` on (a test that typed the earlier answers itself goes on from there), with
    ``PROFILE_ANSWERS`` where ``answers`` names no other; the reply to the e-mail (the summary) is
    returned. The role is the one question answered with a button."""
    a = dict(PROFILE_ANSWERS, **(answers or {}))
    order = list(PROFILE_ANSWERS)
    reply = None
    for question in order[order.index(first) :]:
        answer = person.click if question == "role" else person.send
        reply = await answer(a[question])
    assert reply is not None
    return reply


async def to_summary(
    running: RunningBot, person: Person, answers: dict[str, str] | None = None
) -> Reply:
    """The default event imported, the person opened its link and answered the whole
    questionnaire (``fill_profile``): the summary, not yet confirmed, is returned."""
    await running.add_events(make_event())
    await person.send("/start ev_ufo-online")
    return await fill_profile(person, answers)


async def sign_up(person: Person, event_id: str = "ufo-online") -> Reply:
    """The person opens the event's link, answers the questionnaire with ``PROFILE_ANSWERS`` and
    confirms; the reply to the confirmation is returned."""
    await person.send(f"/start ev_{event_id}")
    await fill_profile(person)
    return await person.click("Подтвердить")


async def start_questions(running: RunningBot, person: Person, *texts: str) -> Reply:
    """The default event imported, the person opened its link, consented and typed ``texts``
    one by one: the questionnaire is under way. The last reply is returned."""
    await running.add_events(make_event())
    await person.send("/start ev_ufo-online")
    reply = await person.click("Согласен")
    for text in texts:
        reply = await person.send(text)
    return reply


def now_utc() -> datetime:
    return datetime.now(UTC)


#: The programme's default time zone (events without an offset are in it).
MSK = ZoneInfo("Europe/Moscow")
