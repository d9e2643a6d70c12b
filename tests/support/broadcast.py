"""Shared helpers of the announcement tests: people in bulk, waiting for deliveries and reports."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from bot.config import Settings
from storage.coordinators import CoordinatorRepo
from storage.db import Database, utcnow
from storage.participants import ParticipantRepo
from tests.support.people import Person
from tests.support.running import bot_settings
from tests.support.stand_in import StandInServer, TgUser

ADMIN = 900
UFO_COORD = 801
ZONES = {"ufo": "Asia/Yekaterinburg", "cfo": "Europe/Moscow", "dfo": "Asia/Vladivostok"}
REGIONS = {"ufo": "RU-SVE", "cfo": "RU-MOW", "dfo": "RU-PRI"}


def bc_settings(tmp_path: Path, server: StandInServer, **extra: Any) -> Settings:
    return bot_settings(tmp_path, server, admin_ids=frozenset({ADMIN}), **extra)


async def add_people(
    db: Database,
    server: StandInServer,
    ids: Iterable[int],
    *,
    district: str | None = None,
    timezone: str | None = None,
) -> list[int]:
    """Participants who started the bot long ago (rows, and chats the stand-in knows)."""
    repo = ParticipantRepo(db)
    people = list(ids)
    async with db.transaction() as conn:
        for user_id in people:
            now = utcnow()
            await repo.upsert_seen(conn, user_id, f"Участник {user_id}", None, "ru", now)
            if district is not None:
                zone = timezone or ZONES[district]
                await repo.set_region(conn, user_id, REGIONS[district], district, zone, now)
    for user_id in people:
        server.add_chat(TgUser(user_id, f"Участник {user_id}"))
    return people


async def appoint(db: Database, user_id: int, district: str | None) -> None:
    async with db.transaction() as conn:
        await CoordinatorRepo(db).put(conn, user_id, district, ADMIN, utcnow())


def deliveries(
    server: StandInServer, ids: Iterable[int], method: str = "copyMessage"
) -> Counter[int]:
    """How many announcement messages each of these chats got."""
    wanted = set(ids)
    return Counter(
        call.chat_id
        for call in server.calls
        if call.ok and call.method == method and call.chat_id in wanted
    )


async def wait_until(predicate: Any, timeout: float = 15, what: str = "") -> None:  # noqa: ASYNC109
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what or predicate}")
        await asyncio.sleep(0.05)


async def wait_delivered(
    server: StandInServer,
    ids: Iterable[int],
    method: str = "copyMessage",
    timeout: float = 15,  # noqa: ASYNC109
) -> Counter[int]:
    people = list(ids)
    await wait_until(
        lambda: set(deliveries(server, people, method)) == set(people),
        timeout,
        f"{method} to all of {len(people)} people",
    )
    return deliveries(server, people, method)


def status_text(person: Person) -> str:
    """The latest announcement status message in the person's chat (as edited)."""
    for message in reversed(person.messages):
        if message.text and ("Рассылка №" in message.text or "Announcement #" in message.text):
            return message.text
    return ""


async def wait_status(person: Person, fragment: str, timeout: float = 15) -> str:  # noqa: ASYNC109
    await wait_until(lambda: fragment in status_text(person), timeout, repr(fragment))
    return status_text(person)
