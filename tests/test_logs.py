"""Logs: one line per update with its id and the person's Telegram id, never their name,
phone or e-mail; LOG_FORMAT=json gives one JSON object per line."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from aiogram import F
from aiogram.types import Message

from bot.ops.logs import formatter
from tests.support.people import Person
from tests.support.process import polling_bot
from tests.support.running import PROFILE_ANSWERS, RunningBot, make_event, sign_up
from tests.support.stand_in import StandInServer

#: What the person typed or Telegram told about them: none of it may reach a log line.
PERSONAL = [
    *PROFILE_ANSWERS.values(),
    "+79123456789",
    "912 345",
    "Ирина",
    "irina_ngo",
    "irina@",
]


@contextmanager
def json_log() -> Iterator[io.StringIO]:
    """Every record at INFO and above, formatted as ``LOG_FORMAT=json`` formats it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter("json"))
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


async def test_a_registration_logs_ids_and_nothing_personal(
    running: RunningBot, server: StandInServer, irina: Person
) -> None:
    await running.add_events(make_event())
    with json_log() as stream:
        reply = await sign_up(irina)
        await irina.send("/my")
    assert "Вы зарегистрированы" in reply.text
    lines = [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]
    updates = [line for line in lines if line["logger"] == "bot.updates"]
    assert len(updates) >= 11  # one per update: texts and button taps
    for line in updates:
        assert line["user_id"] == irina.id
        assert isinstance(line["update_id"], int) and line["outcome"] == "handled"
        assert str(line["update_id"]) in line["message"] and str(irina.id) in line["message"]
        assert {"time", "level", "duration_ms", "update_type"} <= line.keys()
    assert len({line["update_id"] for line in updates}) == len(updates)  # one line each
    text = stream.getvalue()
    for secret in PERSONAL:
        assert secret not in text, secret
        assert json.dumps(secret)[1:-1] not in text, secret  # nor escaped as \\uXXXX


@pytest.mark.slow
async def test_python_m_bot_with_log_format_json(
    tmp_path: Path, server: StandInServer, irina: Person
) -> None:
    proc = await polling_bot(tmp_path, server, LOG_FORMAT="json")
    try:
        await server.wait_polling(timeout=30)
        server.message(irina.user, "/start")
        await server.wait_for(lambda c: c.method == "sendMessage" and c.chat_id == irina.id, 30)
    finally:
        proc.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(proc.communicate(), 30)
    lines = [json.loads(line) for line in stderr.decode().splitlines() if line.strip()]
    assert lines, "nothing logged"
    [update] = [line for line in lines if line.get("logger") == "bot.updates"]
    assert update["user_id"] == irina.id and update["update_type"] == "message"
    assert "Ирина" not in stderr.decode() and "\\u0418\\u0440\\u0438\\u043d\\u0430" not in (
        stderr.decode()
    )


async def test_an_unexpected_error_is_logged_without_what_the_person_typed(
    running: RunningBot, irina: Person, caplog: pytest.LogCaptureFixture
) -> None:
    """A careless bug that puts a person's answer into its exception: the person is told
    kindly, the log has the type and where it happened, and not the answer."""

    async def careless(message: Message) -> None:
        raise ValueError(f"cannot read {message.text!r}")

    running.dp.message.register(careless, F.text.startswith("Мой телефон"))
    caplog.set_level(logging.INFO)
    reply = await irina.send("Мой телефон +79123456789")
    assert "что-то пошло не так" in reply.text
    [record] = [r for r in caplog.records if r.name == "handlers.errors"]
    logged = logging.Formatter().format(record)
    assert "ValueError" in logged and "in careless" in logged  # the type, the frame
    assert "+79123456789" not in logged and "912" not in logged
