"""``python -m bot`` while another OS process holds the database's write lock past the busy
timeout (a backup tool, an admin's ``sqlite3`` shell): the bot keeps delivering afterwards."""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

import pytest

from bot.config import Settings
from bot.delivery.broadcasting import Audience, AudienceKind, BroadcastService
from bot.registration.regions import default_regions
from storage.db import Database
from tests.support.broadcast import ADMIN, add_people, bc_settings, wait_until
from tests.support.faults import BUSY_MS, texts_to
from tests.support.people import Person
from tests.support.process import polling_bot
from tests.support.stand_in import StandInServer

PEOPLE = list(range(40_001, 40_081))  # 80 recipients
PAUSE = "Технический перерыв на минуту"

#: Another process: BEGIN IMMEDIATE and a write, held for argv[2] seconds, then COMMIT.
HOLDER = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], timeout=30, isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
conn.execute("UPDATE participants SET updated_at = updated_at")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
conn.execute("COMMIT")
"""


async def announce(path: Path, settings: Settings, text: str) -> None:
    """Queue an announcement from this (another) process, as ``python -m bot broadcast`` does."""
    async with Database(path) as db:
        service = BroadcastService(
            db, default_regions(), default_zone=settings.zone, quiet_hours=None
        )
        _, total = await service.create(
            Audience(AudienceKind.ALL), None, created_by=ADMIN, text=text
        )
    assert total >= len(PEOPLE)


@pytest.mark.slow
async def test_the_bot_keeps_delivering_after_another_process_held_the_lock(
    tmp_path: Path, server: StandInServer
) -> None:
    path = tmp_path / "bot.sqlite3"
    settings = bc_settings(tmp_path, server)
    async with Database(path) as db:
        await add_people(db, server, PEOPLE)
    first, second = "Первое объявление", "Второе объявление"
    await announce(path, settings, first)

    bot = await polling_bot(
        tmp_path,
        server,
        DATABASE_PATH=str(path),
        BROADCAST_RATE="20",
        DB_BUSY_TIMEOUT_MS=str(BUSY_MS),
    )
    try:
        await server.wait_polling(timeout=30)
        await wait_until(lambda: len(texts_to(server, PEOPLE, first)) >= 15, 30, "15 deliveries")
        holder = await asyncio.create_subprocess_exec(
            sys.executable, "-c", HOLDER, str(path), "2.5", stdout=asyncio.subprocess.PIPE
        )
        assert holder.stdout is not None
        assert await asyncio.wait_for(holder.stdout.readline(), 30) == b"locked\n"
        newcomer = Person(server, 40_500, "Олег")
        await newcomer.send("/start")  # while the lock is held: a technical pause
        answer = await server.wait_for(
            lambda c: c.method == "sendMessage" and c.chat_id == newcomer.id, timeout=15
        )
        assert PAUSE in str(answer.params["text"])
        assert await asyncio.wait_for(holder.wait(), 30) == 0  # released

        await wait_until(lambda: len(texts_to(server, PEOPLE, first)) == 80, 30, "everyone")
        await announce(path, settings, second)
        await wait_until(lambda: len(texts_to(server, PEOPLE, second)) == 80, 30, "the second")
        await newcomer.send("/start")
        await server.wait_for(
            lambda c: (
                c.method == "sendMessage"
                and c.chat_id == newcomer.id
                and "Здравствуйте, Олег" in str(c.params["text"])
            ),
            timeout=15,
        )
        await server.wait_idle(quiet=0.5)
    finally:
        bot.send_signal(signal.SIGINT)
        _, stderr = await asyncio.wait_for(bot.communicate(), 30)
    log = stderr.decode()
    assert bot.returncode == 0, log
    assert "Traceback" not in log
    assert texts_to(server, PEOPLE, first) == dict.fromkeys(PEOPLE, 1)
    assert texts_to(server, PEOPLE, second) == dict.fromkeys(PEOPLE, 1)
    assert log.count("outbox sender: database unavailable") == 1
    assert "outbox sender works again" in log
