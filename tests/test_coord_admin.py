"""/coordinators for admins, the one-time invitation link, and the command line beside the
running bot."""

from __future__ import annotations

import asyncio

import pytest

from bot.cli.main import main
from bot.config import Settings
from storage.coordinators import CoordinatorRepo
from tests.support.coord import (
    ADMIN,
    PFO,
    appoint,
    invite_token,
    open_invitation,
    staff,
)
from tests.support.people import Person
from tests.support.running import RunningBot, make_event
from tests.support.stand_in import StandInServer

pytestmark = pytest.mark.with_admin


async def test_admin_invites_a_district_coordinator_with_a_one_time_link(
    running: RunningBot, server: StandInServer
) -> None:
    await running.add_events(
        make_event("pfo-kazan", title="Семинар в Казани", district="pfo"),
        make_event("ufo-online"),
    )
    anna = staff(server)["admin"]
    reply = await anna.send("/coordinators")
    assert "Координаторов пока нет." in reply.text
    assert f"Администраторы (ADMIN_IDS): {ADMIN}" in reply.text
    reply = await anna.click("Пригласить координатора")
    assert "Для какой зоны" in reply.text
    reply = await anna.click("Приволжский")
    assert "Ссылка-приглашение (Приволжский федеральный округ)" in reply.text
    token = invite_token(reply.text)

    marat = Person(server, 8101, "Марат", username="marat_pfo")
    reply = await marat.send("/coord")
    assert "только для координаторов" in reply.text  # not yet
    reply = await marat.send(f"/start co_{token}")
    assert "Вы координатор: Приволжский федеральный округ" in reply.text
    assert "/coord" in reply.text and "/newevent" in reply.text
    reply = await marat.send("/coord")
    assert "Семинар в Казани" in reply.text and "УФО" not in reply.text

    # the link works once; a stranger (or Marat again) is refused politely
    oleg = Person(server, 8102, "Олег")
    for person in (oleg, marat):
        reply = await person.send(f"/start co_{token}")
        assert "недействительна или уже использована" in reply.text
    reply = await oleg.send("/coord")
    assert "только для координаторов" in reply.text
    for payload in ("co_unknown-token-123", "co_!!", "co_"):
        reply = await oleg.send(f"/start {payload}")
        assert "недействительна" in reply.text, payload
    reply = await oleg.send("/start ev_pfo-kazan")  # the event links still work
    assert "Семинар в Казани" in reply.text

    reply = await anna.send("/coordinators")
    assert "• Марат @marat_pfo (id 8101) — Приволжский федеральный округ" in reply.text


async def test_an_invitation_for_the_whole_programme(
    running: RunningBot, server: StandInServer
) -> None:
    anna = staff(server)["admin"]
    reply = await open_invitation(anna, "Вся программа")
    newcomer = Person(server, 8201, "Нина", language_code="en")
    reply = await newcomer.send(f"/start co_{invite_token(reply.text)}")
    assert "You are a coordinator: the whole programme." in reply.text
    coordinator = await CoordinatorRepo(running.db).get(8201)
    assert coordinator is not None and coordinator.district is None
    assert coordinator.added_by == ADMIN


async def test_admin_removes_a_coordinator_who_then_has_no_access(
    running: RunningBot, server: StandInServer
) -> None:
    await appoint(running.db)
    people = staff(server)
    await people["pfo"].send("/start")  # known to the bot: listed by name
    anna = people["admin"]
    reply = await anna.send("/coordinators")
    assert "• Павел @pavel_pfo (id 7003) — Приволжский федеральный округ" in reply.text
    assert "ещё не писал(а) боту" in reply.text  # the other two have not written yet
    reply = await anna.click("Снять координатора")
    reply = await anna.click(lambda b: "Павел" in b)
    assert "Снять с роли координатора: Павел (Приволжский федеральный округ)?" in reply.text
    reply = await anna.click("Назад")
    reply = await anna.click(lambda b: "Павел" in b)
    reply = await anna.click("Да, снять")
    assert reply.alerts == ["Координатор снят"]
    assert "Павел" not in reply.text
    assert await CoordinatorRepo(running.db).get(PFO) is None
    reply = await people["pfo"].send("/coord")
    assert "только для координаторов" in reply.text
    reply = await anna.click_data(f"ca1:y:{PFO}")  # the same button again
    assert reply.alerts == ["Этого координатора уже нет в списке."]


async def test_the_command_line_beside_the_running_bot(
    running: RunningBot,
    server: StandInServer,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await running.add_events(make_event("ufo-online"))
    zara = Person(server, 8301, "Зарема")
    reply = await zara.send("/coord")
    assert "только для координаторов" in reply.text
    monkeypatch.setenv("DATABASE_PATH", str(settings.database_path))
    monkeypatch.delenv("BOT_TOKEN", raising=False)
    code = await asyncio.to_thread(main, ["coordinators", "add", "8301", "--district", "ufo"])
    assert code == 0
    reply = await zara.send("/coord")  # the role is looked up on every update
    assert "Онлайн стратегическая сессия УФО" in reply.text
    code = await asyncio.to_thread(main, ["coordinators", "remove", "8301"])
    assert code == 0
    reply = await zara.send("/coord")
    assert "только для координаторов" in reply.text
