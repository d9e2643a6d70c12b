"""Who may do what, checked on every update: commands and button presses alike, forged
callback data included. A refusal says no and nothing else."""

from __future__ import annotations

import pytest
from aiogram.fsm.storage.base import StorageKey

from bot.staff.coordination import Coordinators
from handlers.callbacks import (
    AdmAction,
    CoAction,
    CoEditCb,
    CoEventCb,
    CoListCb,
    CoordAdminCb,
    CoStatsCb,
    EdAction,
    NeAction,
    NewEventCb,
)
from storage.db import utcnow
from storage.events import EventRepo
from storage.models import Event, EventStatus
from tests.support.coord import ALL, PFO, UFO, appoint, coordinator, name_new_event, register, staff
from tests.support.people import Person, Reply
from tests.support.running import RunningBot, make_event, pfo_event
from tests.support.stand_in import StandInServer

DENIED = "Эта команда только для координаторов программы."
DENIED_BUTTON = "Доступно только координаторам программы."
NO_EVENT = "Мероприятие не найдено или вам недоступно."

PFO_EVENT = pfo_event("Казань, Дом дружбы", capacity=10)
WHOLE = make_event("all-webinar", title="Вебинар для всех", kind="webinar", district=None)


pytestmark = pytest.mark.with_admin


def event_buttons(event_id: str) -> list[str]:
    """Every coordinator button about one event, as the bot itself would pack it."""
    packed = [CoEventCb(action=a, event_id=event_id).pack() for a in CoAction]
    packed.append(CoEventCb(action=CoAction.PEOPLE, event_id=event_id, page=1).pack())
    packed += [
        CoEditCb(action=EdAction.FIELD, event_id=event_id, field=f).pack()
        for f in ("ti", "st", "ca", "di")
    ]
    packed += [
        CoEditCb(action=EdAction.PICK, event_id=event_id, field="ki", value="rt").pack(),
        CoEditCb(action=EdAction.PICK, event_id=event_id, field="di", value="ufo").pack(),
        CoEditCb(action=EdAction.CLEAR, event_id=event_id, field="ca").pack(),
        CoEditCb(action=EdAction.SAVE, event_id=event_id, field="ti").pack(),
    ]
    return packed


OTHER_BUTTONS = [
    CoListCb(page=0).pack(),
    CoListCb(page=1, stats=True).pack(),
    CoStatsCb().pack(),
    NewEventCb(action=NeAction.START).pack(),
    NewEventCb(action=NeAction.CREATE).pack(),
    NewEventCb(action=NeAction.DISTRICT, value="pfo").pack(),
    CoordAdminCb(action=AdmAction.LIST).pack(),
    CoordAdminCb(action=AdmAction.INVITE_SCOPE, value="all").pack(),
    CoordAdminCb(action=AdmAction.REMOVE_YES, value=str(UFO)).pack(),
    "ce1:zz:pfo-kazan:0",  # does not even decode
    "cd1",
]


def says_nothing_else(reply: Reply) -> None:
    """Only the button's own answer: no message sent, edited or uploaded."""
    assert reply.answered
    assert [c.method for c in reply.calls if c.ok] == ["answerCallbackQuery"], reply.calls


async def unchanged(running: RunningBot, event: Event) -> None:
    assert await EventRepo(running.db).get(event.id) == event


async def test_a_participant_is_refused_every_coordinator_command(
    running: RunningBot, server: StandInServer, irina: Person
) -> None:
    await appoint(running.db)
    await running.add_events(PFO_EVENT)
    for command in ("/coord", "/newevent", "/stats", "/coordinators", "/coord@ethnic_test_bot"):
        reply = await irina.send(command)
        assert reply.texts == [DENIED], command
        assert "Казани" not in reply.text and reply.documents == []
    assert await running.dp.storage.get_state(key=key(running, irina)) is None


async def test_a_participant_forging_coordinator_buttons_learns_nothing(
    running: RunningBot, server: StandInServer, irina: Person
) -> None:
    await appoint(running.db)
    await running.add_events(PFO_EVENT)
    await register(running, irina.id, "pfo-kazan", name="Иванова Ирина")
    await irina.send("/start")
    for data in [*event_buttons("pfo-kazan"), *event_buttons("no-such-event"), *OTHER_BUTTONS]:
        reply = await irina.click_data(data)
        assert reply.alerts == [DENIED_BUTTON], data
        says_nothing_else(reply)
    await unchanged(running, PFO_EVENT)
    invites = await running.db.fetchone("SELECT count(*) FROM invites")
    assert invites is not None and invites[0] == 0
    coordinators = {c.telegram_id for c in await Coordinators(running.db).list()}
    assert coordinators == {UFO, PFO, ALL}  # nobody removed, nobody added
    assert await running.dp.storage.get_state(key=key(running, irina)) is None


async def test_a_district_coordinator_cannot_reach_another_districts_event(
    running: RunningBot, server: StandInServer
) -> None:
    await appoint(running.db)
    await running.add_events(PFO_EVENT, WHOLE, make_event("ufo-online"))
    await register(running, 5001, "pfo-kazan", name="Тайный Участник Казани")
    ulyana = staff(server)["ufo"]
    await ulyana.send("/coord")
    for target in ("pfo-kazan", "all-webinar", "no-such-event"):
        for data in event_buttons(target):
            reply = await ulyana.click_data(data)
            if ":di:" in data or data.startswith("cd1:s:"):
                # no district field for her at all; "Save" with nothing being changed:
                # the same answer whatever the event
                assert reply.alerts == ["Эта кнопка уже не действует."], data
            else:
                # the same answer for another district's event and for none at all
                assert reply.alerts == [NO_EVENT], data
            says_nothing_else(reply)
    await unchanged(running, PFO_EVENT)
    await unchanged(running, WHOLE)
    # and nothing of theirs in what she can see
    reply = await ulyana.send("/coord")
    assert "Казани" not in reply.text and "Вебинар" not in reply.text
    reply = await ulyana.send("/stats")
    assert "Регистраций пока нет." in reply.text  # the Kazan registration is not counted


async def test_a_district_coordinator_cannot_move_an_event_or_create_one_elsewhere(
    running: RunningBot, server: StandInServer
) -> None:
    await appoint(running.db)
    own = make_event("ufo-online")
    await running.add_events(own)
    ulyana = staff(server)["ufo"]
    await ulyana.send("/coord")
    # her own event, pushed to another district with a forged button
    reply = await ulyana.click_data(
        CoEditCb(action=EdAction.PICK, event_id="ufo-online", field="di", value="pfo").pack()
    )
    assert reply.alerts == ["Эта кнопка уже не действует."]
    await unchanged(running, own)
    # a new event: the district button of the whole-programme dialog, forged
    await name_new_event(ulyana, "Семинар")
    reply = await ulyana.click_data(NewEventCb(action=NeAction.DISTRICT, value="pfo").pack())
    assert reply.alerts == ["Эта кнопка уже не действует."]
    reply = await ulyana.click("Семинар")
    assert "Шаг 3 из 8" in reply.text and "Когда начало" in reply.text


async def test_a_coordinator_is_not_an_admin(running: RunningBot, server: StandInServer) -> None:
    alexey = await coordinator(running, server, "all")
    reply = await alexey.send("/coordinators")
    assert reply.texts == ["Управлять координаторами могут только администраторы."]
    for data in OTHER_BUTTONS:
        if not data.startswith("ca1"):
            continue
        reply = await alexey.click_data(data)
        assert reply.alerts == ["Только для администраторов."], data
        says_nothing_else(reply)
    invites = await running.db.fetchone("SELECT count(*) FROM invites")
    assert invites is not None and invites[0] == 0
    assert await Coordinators(running.db).get(UFO) is not None


async def test_removed_in_the_middle_of_a_dialog(
    running: RunningBot, server: StandInServer
) -> None:
    ulyana = await coordinator(running, server)
    await name_new_event(ulyana, "Семинар")
    await Coordinators(running.db).remove(UFO)
    reply = await ulyana.click("Круглый стол")
    assert reply.alerts == [DENIED_BUTTON]
    reply = await ulyana.send("29.11.2030 14:00")
    assert reply.texts == [DENIED]
    assert await running.dp.storage.get_state(key=key(running, ulyana)) is None
    # the same after /start and "Continue"
    await Coordinators(running.db).add(UFO, "ufo", None, utcnow())
    await ulyana.send("/newevent")
    await Coordinators(running.db).remove(UFO)
    reply = await ulyana.send("/start")
    reply = await ulyana.click("Продолжить")
    assert reply.alerts == [DENIED_BUTTON]
    assert await running.dp.storage.get_state(key=key(running, ulyana)) is None
    assert await EventRepo(running.db).all() == []


async def test_the_admin_reaches_every_district(running: RunningBot, server: StandInServer) -> None:
    await appoint(running.db)
    await running.add_events(PFO_EVENT, WHOLE)
    anna = staff(server)["admin"]
    await anna.send("/coord")
    reply = await anna.click_data(CoEventCb(action=CoAction.OPEN, event_id="pfo-kazan").pack())
    assert "Семинар в Казани" in reply.text
    reply = await anna.click_data(CoEventCb(action=CoAction.CSV, event_id="all-webinar").pack())
    assert [d.filename for d in reply.documents] == ["all-webinar.csv"]
    await anna.click_data(CoEventCb(action=CoAction.CANCEL, event_id="pfo-kazan").pack())
    await anna.click("Да, отменить мероприятие")
    event = await EventRepo(running.db).get("pfo-kazan")
    assert event is not None and event.status is EventStatus.CANCELLED


def key(running: RunningBot, person: Person) -> StorageKey:
    return StorageKey(bot_id=running.bot.id, chat_id=person.id, user_id=person.id)
