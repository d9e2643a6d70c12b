"""``python -m bot`` as a user runs it: a real process polling the stand-in server."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import pytest

from tests.support.people import Person
from tests.support.process import env_for, python_m_bot
from tests.support.stand_in import TEST_TOKEN, StandInServer


@pytest.mark.slow
async def test_python_m_bot_with_only_a_token_creates_the_database_and_answers(
    tmp_path: Path, server: StandInServer
) -> None:
    # Only BOT_TOKEN (and the stand-in's address instead of api.telegram.org).
    proc = await python_m_bot(
        tmp_path, env=env_for(tmp_path, BOT_TOKEN=TEST_TOKEN, TELEGRAM_API_URL=server.base_url)
    )
    try:
        await server.wait_polling(timeout=30)
        assert (tmp_path / "data" / "bot.sqlite3").exists()  # the default DATABASE_PATH
        await Person(server, 4242, "Ольга").send("/start")
        # production handles updates as tasks: wait for the answer itself
        answer = await server.wait_for(
            lambda c: c.method == "sendMessage" and c.chat_id == 4242, timeout=15
        )
        assert "Здравствуйте, Ольга" in answer.params["text"]
    finally:
        proc.send_signal(signal.SIGINT)
        _, stderr = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 0, stderr.decode()
    assert b"Traceback" not in stderr


@pytest.mark.slow
async def test_rejected_token_is_one_clear_line(tmp_path: Path, server: StandInServer) -> None:
    wrong = "123456789:AAH-this-token-is-not-the-stand-ins-token_x"
    proc = await python_m_bot(
        tmp_path, env=env_for(tmp_path, BOT_TOKEN=wrong, TELEGRAM_API_URL=server.base_url)
    )
    _, stderr = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 2
    assert "BOT_TOKEN" in stderr.decode()
    assert "Traceback" not in stderr.decode()
