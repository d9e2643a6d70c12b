"""Webhook mode: the stand-in server POSTs the updates to the bot as Telegram does."""

from __future__ import annotations

import asyncio
import json
import signal
from datetime import timedelta
from pathlib import Path

import aiohttp
import pytest

from bot.config import SettingsError, load_settings
from storage.db import Database, to_db, utcnow
from storage.models import RegStatus
from tests.support.people import Person
from tests.support.process import polling_bot
from tests.support.running import PROFILE_ANSWERS, make_event, sign_up
from tests.support.stand_in import StandInServer
from tests.support.webhook import (
    HOOK_PATH,
    SECRET,
    WebhookBot,
    base_url,
    free_port,
    webhook_bot,
    webhook_settings,
)


async def wait_until(check: object, timeout: float = 20.0) -> None:  # noqa: ASYNC109
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not check():  # type: ignore[operator]
        if loop.time() > deadline:
            raise TimeoutError("condition not met")
        await asyncio.sleep(0.02)


async def test_a_whole_registration_over_the_webhook(
    tmp_path: Path, server: StandInServer, irina: Person
) -> None:
    settings = webhook_settings(tmp_path, server)
    async with webhook_bot(settings, server) as running:
        [call] = [c for c in server.calls if c.method == "setWebhook"]
        assert call.params["url"] == settings.webhook_url
        assert call.params["secret_token"] == SECRET
        assert sorted(call.params["allowed_updates"]) == sorted(
            running.dp.resolve_used_update_types()
        )
        assert not call.params.get("drop_pending_updates")
        await running.add_events(make_event())
        reply = await sign_up(irina)
        assert "Вы зарегистрированы" in reply.text
        reg = await running.dp["registration"].registrations.get("ufo-online", irina.id)
        assert reg is not None and reg.status is RegStatus.REGISTERED
    posts = server.webhook_posts
    assert len(posts) >= 10
    assert all(p.status == 200 and p.secret_sent for p in posts)
    assert server.counts["getUpdates"] == 0  # nothing was polled


@pytest.mark.parametrize("secret", [None, "wrong-secret", ""])
async def test_a_wrong_or_missing_secret_is_refused_before_the_dispatcher(
    tmp_path: Path, server: StandInServer, irina: Person, john: Person, secret: str | None
) -> None:
    settings = webhook_settings(tmp_path, server)
    async with webhook_bot(settings, server) as running:
        forged = {"update_id": 1, "message": _message(irina, "/start")}
        assert await server.post_webhook(forged, secret=secret) == 401
        # The real path still works, and the forged update left nothing behind.
        assert "Hello, John" in (await john.send("/start")).text
        assert [c for c in server.calls if c.chat_id == irina.id] == []
        assert await running.dp["registration"].participants.get(irina.id) is None
        # The same update with the right secret is handled.
        assert await server.post_webhook(forged, secret=SECRET) == 200
        await wait_until(lambda: any(c.chat_id == irina.id for c in server.calls))


async def test_one_persons_quick_updates_are_handled_in_order(
    tmp_path: Path, server: StandInServer, irina: Person
) -> None:
    """Answered at once and handled in the background, three answers typed in a row still
    fill the questionnaire in the order they were typed."""
    settings = webhook_settings(tmp_path, server)
    async with webhook_bot(settings, server) as running:
        await running.add_events(make_event())
        await irina.send("/start ev_ufo-online")
        await irina.click("Согласен")
        server.webhook_settle = None  # from here Telegram does not wait for the handling
        texts = [PROFILE_ANSWERS[k] for k in ("full_name", "organization", "position")]
        last = 0
        for text in texts:
            last = server.message(irina.user, text)
        await server.wait_processed(last, timeout=20)
        await running.settled()
        server.webhook_settle = running.settled
        reply = await irina.click(PROFILE_ANSWERS["role"])
        for key in ("region", "phone", "email"):
            reply = await irina.send(PROFILE_ANSWERS[key])
        summary = reply.text
        positions = [summary.index(text) for text in texts]
        assert positions == sorted(positions), summary
        reply = await irina.click("Подтвердить")
        assert "Вы зарегистрированы" in reply.text
        stored = await running.dp["registration"].participants.answers(irina.id)
        assert [stored[k] for k in ("full_name", "organization", "position")] == texts


async def test_healthz_answers_the_status_as_json(tmp_path: Path, server: StandInServer) -> None:
    settings = webhook_settings(tmp_path, server)
    async with (
        webhook_bot(settings, server),
        aiohttp.ClientSession() as session,
        session.get(base_url(settings) + "/healthz") as response,
    ):
        assert response.status == 200
        body = await response.json()
    assert body["ok"] is True and body["bot_running"] is True
    assert body["queue"]["pending"] == 0 and body["schema_version"] >= 7


async def test_healthz_is_503_when_the_last_backup_is_old(
    tmp_path: Path, server: StandInServer
) -> None:
    settings = webhook_settings(tmp_path, server, backup_dir=tmp_path / "backups")
    async with Database(settings.database_path) as db, db.transaction() as conn:
        await conn.execute(
            "INSERT INTO backups (path, size, taken_at) VALUES ('/b/x.sqlite3', 1, ?)",
            (to_db(utcnow() - timedelta(days=3)),),
        )
    async with (
        webhook_bot(settings, server),
        aiohttp.ClientSession() as session,
        session.get(base_url(settings) + "/healthz") as response,
    ):
        assert response.status == 503
        body = await response.json()
    assert body["ok"] is False and "last backup is old" in body["problems"][0]


def test_webhook_mode_needs_a_secret_and_https() -> None:
    with pytest.raises(SettingsError, match="WEBHOOK_SECRET: is not set"):
        load_settings(_env_file=None, webhook_url="https://bot.example.org/tg")
    with pytest.raises(SettingsError, match=r"WEBHOOK_URL: .*https"):
        load_settings(_env_file=None, webhook_url="http://bot.example.org/tg", webhook_secret="x")
    ok = load_settings(_env_file=None, webhook_url="https://bot.example.org/tg", webhook_secret="x")
    assert ok.webhook_port == 8080 and ok.webhook_host == "0.0.0.0"
    assert load_settings(_env_file=None).webhook_url is None  # polling by default


@pytest.mark.slow
async def test_python_m_bot_in_webhook_mode_then_back_to_polling(
    tmp_path: Path, server: StandInServer, irina: Person
) -> None:
    """``python -m bot`` with WEBHOOK_URL registers the webhook and answers over it; started
    again without, it deletes the webhook (keeping the updates waiting) and polls."""
    port = free_port()
    url = f"http://127.0.0.1:{port}{HOOK_PATH}"
    proc = await polling_bot(
        tmp_path,
        server,
        WEBHOOK_URL=url,
        WEBHOOK_SECRET=SECRET,
        WEBHOOK_HOST="127.0.0.1",
        WEBHOOK_PORT=str(port),
    )
    try:
        await server.wait_for(lambda c: c.method == "setWebhook", timeout=30)
        server.message(irina.user, "/start")
        await server.wait_for(lambda c: c.method == "sendMessage" and c.chat_id == irina.id, 30)
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"http://127.0.0.1:{port}/healthz") as response,
        ):
            assert response.status == 200
            assert json.loads(await response.text())["bot_running"] is True
    finally:
        proc.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 0, stderr.decode()
    assert b"Traceback" not in stderr
    assert server.webhook is not None  # left set while the bot is away: nothing is lost
    waiting = server.message(irina.user, "/help")  # arrives while no bot runs
    proc = await polling_bot(tmp_path, server)
    try:
        delete = await server.wait_for(lambda c: c.method == "deleteWebhook", timeout=30)
        assert not delete.params.get("drop_pending_updates")
        await server.wait_processed(waiting, timeout=30)
        assert server.webhook is None and server.polling
    finally:
        proc.send_signal(signal.SIGTERM)
        await asyncio.wait_for(proc.communicate(), 30)


async def test_the_webhook_bot_runs_the_sender_as_polling_does(
    tmp_path: Path, server: StandInServer, irina: Person
) -> None:
    """The runtime (sender, scheduler, planner) starts with the webhook server."""
    settings = webhook_settings(tmp_path, server)
    running = WebhookBot(settings)
    await running.start()
    try:
        runtime = running.dp["runtime"]
        assert runtime.scheduler.running
        assert runtime.sender._runner is not None and not runtime.sender._runner.done()
    finally:
        await running.stop()
    assert "runtime" not in running.dp.workflow_data


def _message(person: Person, text: str) -> dict[str, object]:
    user = person.user.to_dict()
    return {
        "message_id": 1,
        "date": 1_700_000_000,
        "chat": person.user.chat_dict(),
        "from": user,
        "text": text,
        "entities": [{"type": "bot_command", "offset": 0, "length": len(text)}],
    }
