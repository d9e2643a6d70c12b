"""``python -m bot`` killed (SIGKILL) after a reminder's moment, while the reminders are on
their way to Telegram: after a restart each participant gets exactly one."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.events.files import import_events
from bot.registration.form import default_form
from bot.registration.regions import default_regions
from bot.registration.service import RegistrationService
from storage.db import Database, utcnow
from storage.participants import ParticipantRepo
from tests.support.process import polling_bot
from tests.support.reminders import soon
from tests.support.stand_in import ApiCall, StandInServer, TgUser

PEOPLE = [TgUser(9100 + i, f"Участник{i}") for i in range(3)]


async def prepare(path: Path, starts_in: float) -> None:
    event = soon(starts_in)
    async with Database(path) as db:
        await import_events(db, [event], utcnow())
        async with db.transaction() as conn:
            for user in PEOPLE:
                await ParticipantRepo(db).upsert_seen(
                    conn, user.id, user.first_name, None, "ru", utcnow()
                )
        service = RegistrationService(db, default_form(), default_regions())
        for user in PEOPLE:
            await service.register(user.id, "ufo", {}, {})


async def run_bot(tmp_path: Path, server: StandInServer) -> asyncio.subprocess.Process:
    return await polling_bot(tmp_path, server, REMINDER_OFFSETS="59s")


async def statuses(path: Path) -> list[str]:
    async with Database(path) as db:
        rows = await db.fetchall("SELECT status FROM outbox WHERE kind = 'reminder' ORDER BY id")
    return [row[0] for row in rows]


def reminders(server: StandInServer) -> dict[int, int]:
    sent: dict[int, int] = {}
    for call in server.calls:
        if call.ok and call.method == "sendMessage" and "Напоминание" in str(call.params["text"]):
            assert call.chat_id is not None
            sent[call.chat_id] = sent.get(call.chat_id, 0) + 1
    return sent


def message_to(uid: int) -> Callable[[ApiCall], bool]:
    return lambda c: c.ok and c.chat_id == uid and c.method == "sendMessage"


@pytest.mark.slow
async def test_sigkill_while_reminders_are_in_flight_then_exactly_one_each(
    tmp_path: Path, server: StandInServer
) -> None:
    path = tmp_path / "bot.sqlite3"
    # Its reminder (59 s before) is due in 1 s; the start leaves room for two slow starts of
    # the bot (importing aiogram alone takes seconds on a small machine).
    await prepare(path, starts_in=60)
    for user in PEOPLE:
        server.add_chat(user)
    server.delay = 60  # Telegram holds every message: they stay in flight

    first = await run_bot(tmp_path, server)
    try:
        await server.wait_polling(timeout=30)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 15
        while await statuses(path) != ["sending"] * len(PEOPLE):
            assert loop.time() < deadline, f"the reminders were not sent: {await statuses(path)}"
            await asyncio.sleep(0.1)
        await asyncio.sleep(0.5)  # the requests reach the server and wait for its answer
    finally:
        first.kill()  # SIGKILL: no shutdown, nothing recorded after this point
        await first.wait()
    assert reminders(server) == {}  # Telegram accepted nothing

    server.delay = 0
    second = await run_bot(tmp_path, server)
    try:
        for user in PEOPLE:
            await server.wait_for(message_to(user.id), timeout=20)
        await server.wait_idle(quiet=1.0)
        assert reminders(server) == {user.id: 1 for user in PEOPLE}
        # nothing is left to send (and the planner never queues a key twice)
        assert await statuses(path) == ["sent"] * len(PEOPLE)
    finally:
        second.send_signal(signal.SIGINT)
        _, stderr = await asyncio.wait_for(second.communicate(), 30)
    assert second.returncode == 0, stderr.decode()
    assert b"Traceback" not in stderr
