"""Flood control in ``python -m bot`` itself (updates handled as tasks, the concurrency limit
from UPDATES_CONCURRENCY, the real flood limits from the environment)."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import pytest

from tests.support.flood import NOTICE, sent_to
from tests.support.people import Person
from tests.support.process import polling_bot
from tests.support.stand_in import StandInServer, TgUser

REAL_LIMITS_ENV = {
    "FLOOD_RATE": "2",
    "FLOOD_BURST": "10",
    "REPLY_RATE": "1",
    "REPLY_BURST": "3",
    "UPDATES_CONCURRENCY": "10",
}


@pytest.mark.slow
async def test_python_m_bot_drops_a_flood_and_still_answers_someone_else(
    tmp_path: Path, server: StandInServer
) -> None:
    proc = await polling_bot(tmp_path, server, stdout=asyncio.subprocess.PIPE, **REAL_LIMITS_ENV)
    try:
        await server.wait_polling(timeout=30)
        flooder = TgUser(7101, "Спешащий", language_code="ru")
        other = Person(server, 7102, "Ольга")
        for n in range(50):
            server.message(flooder, f"сообщение {n}")
        last = server.message(other.user, "/start")

        welcome = await server.wait_for(
            lambda c: c.ok and c.method == "sendMessage" and c.chat_id == other.id, timeout=30
        )
        assert "Здравствуйте, Ольга" in welcome.params["text"]
        await server.wait_for(
            lambda c: c.ok and c.chat_id == flooder.id and c.params.get("text") == NOTICE,
            timeout=30,
        )
        # Every update fetched, and the bot has stopped talking: the flood is over for it.
        await server.wait_processed(last, timeout=30)
        await server.wait_idle(quiet=2.0, timeout=60)
    finally:
        proc.send_signal(signal.SIGINT)
        _, stderr = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 0, stderr.decode()
    assert b"Traceback" not in stderr

    texts = [str(c.params["text"]) for c in sent_to(server, flooder.id)]
    assert texts.count(NOTICE) == 1
    assert 1 <= len(texts) - 1 <= 15, texts  # far fewer than 50
    assert b"writes faster than" in stderr  # the operator sees who floods, once a minute
