"""The coordinators' menu: their section in /start and /help, and Telegram's command menu
per staff member (set at start, after an invitation, a removal, a change by the command line),
which may fail without stopping the bot."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

import bot.staff.commands
from bot.cli.main import main
from bot.config import Settings
from bot.staff.coordination import Coordinators
from storage.db import utcnow
from tests.support.coord import (
    ADMIN,
    PFO,
    UFO,
    appoint,
    invite_token,
    open_invitation,
    staff,
)
from tests.support.people import Person
from tests.support.running import RunningBot
from tests.support.stand_in import ApiCall, StandInServer

PARTICIPANT = ["start", "events", "my", "profile", "language", "help", "cancel"]
COORDINATOR = ["coord", "newevent", "stats", "broadcast", "report", "experts", *PARTICIPANT]
ADMIN_MENU = [
    "coord",
    "newevent",
    "stats",
    "broadcast",
    "report",
    "experts",
    "coordinators",
    "reports",
    *PARTICIPANT,
]


pytestmark = pytest.mark.with_admin


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Seconds instead of minutes between the background attempts."""
    monkeypatch.setattr(bot.staff.commands, "WATCH_SECONDS", 0.2)
    monkeypatch.setattr(bot.staff.commands, "RETRY_FIRST", 0.2)


def menu(server: StandInServer, chat_id: int) -> list[str]:
    return [c["command"] for c in server.commands(scope_type="chat", chat_id=chat_id)]


def menu_call(method: str, chat_id: int) -> Any:
    def match(call: ApiCall) -> bool:
        scope = call.params.get("scope") or {}
        return call.ok and call.method == method and scope.get("chat_id") == chat_id

    return match


async def restart(running: RunningBot, server: StandInServer) -> None:
    await running.stop()
    await running.start()
    await server.wait_polling()


# --- /start and /help -----------------------------------------------------------------------


async def test_staff_see_their_section_in_start_and_help_participants_do_not(
    running: RunningBot, server: StandInServer, irina: Person
) -> None:
    await appoint(running.db)
    people = staff(server)
    for who in ("admin", "ufo"):
        reply = await people[who].send("/start")
        assert "Для координатора" in reply.text
        for command in ("/coord", "/newevent", "/stats", "/broadcast"):
            assert command in reply.text
        reply = await people[who].send("/help")
        assert "Для координаторов" in reply.text
        assert "выгрузка в Excel" in reply.text and "объявление" in reply.text.lower()
        assert "Как пользоваться ботом" in reply.text  # the participants' part stays
    assert "/coordinators" in (await people["admin"].send("/help")).text
    assert "/coordinators" not in (await people["ufo"].send("/help")).text
    reply = await people["admin"].click("В главное меню")
    reply = await people["admin"].click("Помощь")
    assert "Для администратора" in reply.text
    for command in ("/start", "/help"):
        text = (await irina.send(command)).text
        assert "/coord" not in text and "/newevent" not in text and "координатор" not in text


# --- Telegram's command menu ---------------------------------------------------------------


async def test_each_staff_member_gets_their_menu_at_start_in_their_language(
    running: RunningBot, server: StandInServer, irina: Person, john: Person
) -> None:
    await appoint(running.db)
    people = staff(server)
    for person in (*people.values(), irina, john):
        await person.send("/start")
    await Coordinators(running.db).add(john.id, None, ADMIN, utcnow())
    await restart(running, server)
    assert menu(server, ADMIN) == ADMIN_MENU
    assert menu(server, UFO) == COORDINATOR and menu(server, PFO) == COORDINATOR
    ru = server.commands(scope_type="chat", chat_id=UFO)
    assert ru[0]["description"] == "Мои мероприятия: участники, выгрузки"
    en = server.commands(scope_type="chat", chat_id=john.id)
    assert [c["command"] for c in en] == COORDINATOR
    assert en[0]["description"] == "My events: participants, exports"
    assert menu(server, irina.id) == []  # participants have the default menu only
    assert [c["command"] for c in server.commands("ru")] == PARTICIPANT


async def test_an_admin_who_never_wrote_gets_the_menu_on_the_first_start(
    running: RunningBot, server: StandInServer
) -> None:
    anna = staff(server)["admin"]
    assert menu(server, ADMIN) == []  # no chat yet: Telegram says "chat not found"
    await anna.send("/start")
    assert menu(server, ADMIN) == ADMIN_MENU


async def test_an_invited_coordinator_gets_the_menu_and_a_removed_one_loses_it(
    running: RunningBot, server: StandInServer
) -> None:
    anna = staff(server)["admin"]
    reply = await open_invitation(anna, "Приволжский")
    marat = Person(server, 8101, "Марат")
    await marat.send("/start")
    assert menu(server, marat.id) == []
    await marat.send(f"/start co_{invite_token(reply.text)}")
    assert menu(server, marat.id) == COORDINATOR

    await anna.send("/coordinators")
    await anna.click("Снять координатора")
    await anna.click(lambda b: "Марат" in b)
    await anna.click("Да, снять")
    assert menu(server, marat.id) == []
    assert any(menu_call("deleteMyCommands", marat.id)(c) for c in server.calls)


def _cli(settings: Settings, *args: str) -> None:
    """``python -m bot coordinators ...`` in another connection, as from another process."""
    import os

    os.environ["DATABASE_PATH"] = str(settings.database_path)
    try:
        assert main(["coordinators", *args]) == 0
    finally:
        del os.environ["DATABASE_PATH"]


async def test_coordinators_added_or_removed_by_the_command_line_get_or_lose_the_menu(
    running: RunningBot, server: StandInServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BOT_TOKEN", raising=False)
    zara = Person(server, 8301, "Зарема")
    await zara.send("/start")
    since = len(server.calls)
    await asyncio.to_thread(_cli, running.settings, "add", "8301", "--district", "ufo")
    await server.wait_for(menu_call("setMyCommands", zara.id), since=since)
    assert menu(server, zara.id) == COORDINATOR
    since = len(server.calls)
    await asyncio.to_thread(_cli, running.settings, "remove", "8301")
    await server.wait_for(menu_call("deleteMyCommands", zara.id), since=since)
    assert menu(server, zara.id) == []


# --- a cosmetic call that fails -------------------------------------------------------------


async def test_a_failed_set_my_commands_at_start_does_not_stop_the_bot(
    settings: Settings,
    server: StandInServer,
    irina: Person,
    caplog: pytest.LogCaptureFixture,
) -> None:
    server.server_error("setMyCommands", times=3)
    running = RunningBot(settings)
    await running.start()
    try:
        with caplog.at_level(logging.WARNING, logger="bot.staff.commands"):
            await server.wait_polling()
            reply = await irina.send("/start")
            assert "Здравствуйте, Ирина" in reply.text
            await server.wait_for(lambda c: c.ok and c.method == "setMyCommands", timeout=20)
            await server.wait_for(
                lambda c: (
                    c.ok and c.method == "setMyCommands" and not c.params.get("language_code")
                ),
                timeout=20,
            )
        assert [c["command"] for c in server.commands("ru")] == PARTICIPANT
        assert [c["command"] for c in server.commands()] == PARTICIPANT
        assert "setting the command menu failed" in caplog.text
        assert (await irina.send("/help")).text
    finally:
        await running.stop()
