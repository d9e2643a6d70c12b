"""Coordinator invitations expire, can be revoked (in the chat and from the command line), and
stop working when their author is no longer staff with that scope.

Once an invitation link worked for ever, could not be taken back, and still made coordinators
after the admin who made it had been taken out of ADMIN_IDS."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.cli.main import main
from bot.config import Settings
from bot.staff.coordination import Coordinators
from storage.coordinators import CoordinatorRepo
from storage.db import Database, migrations, to_db, utcnow
from tests.support.coord import (
    ADMIN,
    BOT_LINK,
    UFO,
    appoint,
    invite_token,
    open_invitation,
    staff,
)
from tests.support.people import Person
from tests.support.running import RunningBot, polling
from tests.support.stand_in import StandInServer

EXPIRED = "Срок действия этой ссылки-приглашения истёк"
REVOKED = "Эту ссылку-приглашение отозвали"
GONE = "у того, кто её создал, больше нет прав её выдавать"


pytestmark = pytest.mark.with_admin


async def invite_in_chat(admin: Person, scope: str) -> str:
    reply = await open_invitation(admin, scope)
    assert "действует до" in reply.text
    return invite_token(reply.text)


async def is_coordinator(running: RunningBot, user_id: int) -> bool:
    return await CoordinatorRepo(running.db).get(user_id) is not None


async def test_a_fresh_link_works_and_says_until_when(
    running: RunningBot, server: StandInServer
) -> None:
    anna = staff(server)["admin"]
    token = await invite_in_chat(anna, "Уральский")
    [invite] = await Coordinators(running.db).open_invites(utcnow())
    assert invite.token == token and invite.expires_at is not None
    lifetime = invite.expires_at - utcnow()
    assert timedelta(days=6, hours=23) < lifetime <= timedelta(days=7)
    marat = Person(server, 8101, "Марат")
    reply = await marat.send(f"/start co_{token}")
    assert "Вы координатор: Уральский федеральный округ" in reply.text
    assert await Coordinators(running.db).open_invites(utcnow()) == []


async def test_an_expired_link_is_refused(running: RunningBot, server: StandInServer) -> None:
    made = utcnow() - timedelta(days=7, minutes=1)  # made a week ago, as the admin would have
    token = await Coordinators(running.db).invite("ufo", ADMIN, made)
    marat = Person(server, 8101, "Марат")
    reply = await marat.send(f"/start co_{token}")
    assert EXPIRED in reply.text
    assert not await is_coordinator(running, 8101)
    anna = staff(server)["admin"]
    reply = await anna.send("/coordinators")
    assert "Открытые приглашения" not in " ".join(reply.buttons)  # nothing open to revoke


async def test_a_link_revoked_in_the_chat_is_refused(
    running: RunningBot, server: StandInServer
) -> None:
    anna = staff(server)["admin"]
    token = await invite_in_chat(anna, "Приволжский")
    kept = await invite_in_chat(anna, "Вся программа")
    reply = await anna.send("/coordinators")
    reply = await anna.click("📨 Открытые приглашения")
    assert "Приволжский федеральный округ" in reply.text and "вся программа" in reply.text
    first = next(b for b in reply.buttons if "Приволжский" in b)
    reply = await anna.click(first)
    assert reply.alerts == ["Приглашение отозвано: ссылка больше не сработает."]
    assert "Приволжский" not in reply.text and "вся программа" in reply.text
    reply = await anna.click_data(f"ca1:v:{first.split('№')[1].split(' ')[0]}")  # again
    assert reply.alerts == ["Это приглашение уже использовано или отозвано."]

    marat = Person(server, 8101, "Марат")
    reply = await marat.send(f"/start co_{token}")
    assert REVOKED in reply.text
    assert not await is_coordinator(running, 8101)
    reply = await marat.send(f"/start co_{kept}")  # the other one still works
    assert "Вы координатор: вся программа" in reply.text


async def test_a_link_revoked_from_the_command_line_is_refused(
    running: RunningBot,
    server: StandInServer,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    anna = staff(server)["admin"]
    token = await invite_in_chat(anna, "Уральский")
    monkeypatch.setenv("DATABASE_PATH", str(settings.database_path))
    monkeypatch.delenv("BOT_TOKEN", raising=False)
    assert await asyncio.to_thread(main, ["coordinators", "invites"]) == 0
    listed = capsys.readouterr().out
    assert token in listed and "ufo" in listed and f"by {ADMIN}" in listed
    assert await asyncio.to_thread(main, ["coordinators", "revoke", BOT_LINK + "co_" + token]) == 0
    assert f"revoked: {token}" in capsys.readouterr().out
    assert await asyncio.to_thread(main, ["coordinators", "revoke", token]) == 1
    assert "no unused invitation" in capsys.readouterr().err
    assert await asyncio.to_thread(main, ["coordinators", "invites"]) == 0
    assert "No open invitations." in capsys.readouterr().out
    reply = await Person(server, 8101, "Марат").send(f"/start co_{token}")
    assert REVOKED in reply.text


async def test_a_link_from_a_removed_coordinator_is_refused(
    running: RunningBot, server: StandInServer
) -> None:
    """A district coordinator's link (the service allows one within their own scope) stops
    working when they are removed; while they are in place it works."""
    await appoint(running.db)
    coordinators = Coordinators(running.db)
    working = await coordinators.invite("ufo", UFO, utcnow())
    stale = await coordinators.invite("ufo", UFO, utcnow())
    wider = await coordinators.invite(None, UFO, utcnow())  # more than their own scope
    reply = await Person(server, 8101, "Марат").send(f"/start co_{working}")
    assert "Вы координатор: Уральский федеральный округ" in reply.text
    reply = await Person(server, 8102, "Олег").send(f"/start co_{wider}")
    assert GONE in reply.text
    await coordinators.remove(UFO)
    reply = await Person(server, 8103, "Нина").send(f"/start co_{stale}")
    assert GONE in reply.text
    assert not await is_coordinator(running, 8102)
    assert not await is_coordinator(running, 8103)


async def test_a_link_from_an_admin_no_longer_in_admin_ids_is_refused(
    running: RunningBot, server: StandInServer, settings: Settings
) -> None:
    anna = staff(server)["admin"]
    token = await invite_in_chat(anna, "Уральский")
    await running.stop()
    demoted = settings.model_copy(update={"admin_ids": frozenset({ADMIN + 100})})
    async with polling(demoted, server) as again:
        reply = await Person(server, 8101, "Марат").send(f"/start co_{token}")
        assert GONE in reply.text
        assert await CoordinatorRepo(again.db).get(8101) is None


async def test_invitations_made_before_the_upgrade_get_seven_days(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as conn:
        for number, _name, sql in migrations()[:3]:
            conn.executescript(sql)
            conn.execute(f"PRAGMA user_version = {number}")
        made = datetime(2026, 11, 2, 9, 30, 15, 123456, tzinfo=UTC)
        conn.execute(
            "INSERT INTO invites (token, district, created_by, created_at) VALUES (?, ?, ?, ?)",
            ("old-token-1234", "ufo", ADMIN, to_db(made)),
        )
    async with Database(path) as db:
        [invite] = await Coordinators(db).open_invites(made)
        assert invite.expires_at == made.replace(microsecond=123000) + timedelta(days=7)
        assert await Coordinators(db).open_invites(made + timedelta(days=7)) == []
