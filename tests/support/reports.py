"""Shared by the report tests: a counted event that has ended, settings whose files go to the
test's folder, the report job made quick, and waiting for a condition on the database."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

import bot.reports.report
from bot.config import Settings
from storage.db import Database, utcnow
from storage.events import RegistrationRepo
from storage.models import Event, RegStatus
from storage.participants import ParticipantRepo
from tests.support.coord import ADMIN
from tests.support.running import bot_settings
from tests.support.stand_in import StandInServer


def report_settings(tmp_path: Path, server: StandInServer, **fields: Any) -> Settings:
    return bot_settings(
        tmp_path,
        server,
        admin_ids=frozenset({ADMIN}),
        reports_dir=tmp_path / "reports",
        **fields,
    )


def quick_job(monkeypatch: pytest.MonkeyPatch) -> None:
    """The report job every few tenths of a second, the first run at once."""
    monkeypatch.setattr(bot.reports.report, "JOB_SECONDS", 0.3)
    monkeypatch.setattr(bot.reports.report, "FIRST_RUN", timedelta(0))


def ended(
    event_id: str = "pfo-kazan", *, ago: timedelta = timedelta(hours=1), **fields: Any
) -> Event:
    """A seminar of the Volga district (minimum 15) that ended ``ago``."""
    event = Event(
        id=event_id,
        title="Семинар в Казани",
        kind="seminar",
        district="pfo",
        starts_at=utcnow() - ago - timedelta(hours=3),
        duration_minutes=180,
        location="г. Казань, Дом дружбы народов",
        online_url=None,
        capacity=None,
        registration_deadline=None,
        description="",
    )
    return replace(event, **fields)


async def enrol(
    db: Database, event_id: str, user_id: int, profile: dict[str, str | None] | None = None
) -> None:
    """A participant registered before the event (straight into the database: the service
    refuses registrations for an event that has started)."""
    now = utcnow()
    async with db.transaction() as conn:
        people = ParticipantRepo(db)
        await people.upsert_seen(conn, user_id, f"Участник {user_id}", None, "ru", now)
        await people.set_consent(conn, user_id, "2026-11-01", now)
        if profile:
            await people.save_answers(conn, user_id, profile, now)
        await RegistrationRepo(db).put(conn, event_id, user_id, RegStatus.REGISTERED, now)


async def eventually(
    condition: Callable[[], Awaitable[bool]],
    timeout: float = 10.0,  # noqa: ASYNC109
) -> None:
    """Wait until ``condition`` holds (checked every 50 ms), or fail after ``timeout``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await condition():
        if loop.time() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        await asyncio.sleep(0.05)
