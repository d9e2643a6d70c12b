"""Issue 10, door volunteers: granted for one event from the command line or by a one-time
link from the event's card; they check people in at that event only, find their tools from
/start, and are not staff anywhere else. Staff of another district learn nothing."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from pathlib import Path

import pytest

from handlers.attendance.ui import AtAction, AttCb, DoorRowCb, RowAction
from tests.support.checkin import checkin, marked_ids, seminar
from tests.support.coord import BOT_LINK, coordinator, open_event, register, staff
from tests.support.people import Person
from tests.support.process import env_for, run_cli
from tests.support.running import RunningBot
from tests.support.stand_in import StandInServer

pytestmark = pytest.mark.with_admin

OTHER = "ufo-other"


async def two_seminars(running: RunningBot) -> None:
    await running.add_events(
        seminar(), seminar(OTHER, starts_in=timedelta(hours=2), title="Встреча актива")
    )
    for uid, event in ((5001, "ufo-seminar"), (5002, OTHER), (5003, "ufo-seminar")):
        await register(running, uid, event, name=f"Участник {uid}")


async def cli(running: RunningBot, tmp_path: Path, *args: str) -> tuple[int, str]:
    env = env_for(tmp_path, DATABASE_PATH=str(running.settings.database_path))
    done = await asyncio.to_thread(run_cli, tmp_path, "volunteers", *args, env=env)
    return done.returncode, done.stdout + done.stderr


def qr(running: RunningBot, event_id: str, uid: int) -> str:
    return "/start " + checkin(running).personal_link_payload(event_id, uid)


async def test_a_volunteer_from_the_command_line_checks_in_at_their_event_only(
    running: RunningBot, server: StandInServer, tmp_path: Path
) -> None:
    await two_seminars(running)
    code, out = await cli(running, tmp_path, "add", "9001", "--event", "ufo-seminar")
    assert code == 0 and "is now a door volunteer" in out, out
    vera = Person(server, 9001, "Вера")

    ok = await vera.send(qr(running, "ufo-seminar", 5001))
    assert ok.text == "✅ Участник 5001 — отмечен(а), 1 из 2", ok.text
    other = await vera.send(qr(running, OTHER, 5002))
    assert "Покажите его на входе" in other.text and "5002" not in other.text
    assert await marked_ids(running, OTHER) == set()

    tools = await vera.send("/start")
    assert "Вы волонтёр на входе: «Семинар в Екатеринбурге»" in tools.text
    door = await vera.click("Отметить присутствующих")
    assert "Участник 5003" in " ".join(door.buttons)
    assert not any("QR для зала" in b for b in door.buttons)  # the room QR: staff only
    forged = await vera.click_data(AttCb(action=AtAction.LIST, event_id=OTHER).pack())
    assert any("недоступно" in a for a in forged.alerts)
    assert "только для координаторов" in (await vera.send("/coord")).text

    code, out = await cli(running, tmp_path, "list")
    assert code == 0 and "ufo-seminar\t9001" in out
    code, out = await cli(running, tmp_path, "remove", "9001", "--event", "ufo-seminar")
    assert code == 0
    gone = await vera.send(qr(running, "ufo-seminar", 5003))
    assert "Покажите его на входе" in gone.text
    assert await marked_ids(running, "ufo-seminar") == {5001}
    code, out = await cli(running, tmp_path, "add", "9001", "--event", "no-such-event")
    assert code == 1 and "no event" in out


async def test_a_volunteer_invitation_from_the_card_is_one_time_and_scoped(
    running: RunningBot, server: StandInServer
) -> None:
    await two_seminars(running)
    ulyana = await coordinator(running, server)
    await open_event(ulyana, "Семинар")
    reply = await ulyana.click("Пригласить волонтёра")
    match = re.search(re.escape(BOT_LINK) + r"(co_[A-Za-z0-9_-]+)", reply.text)
    assert match is not None, reply.text
    vera, olga = Person(server, 9002, "Вера"), Person(server, 9003, "Ольга")

    welcome = await vera.send(f"/start {match.group(1)}")
    assert "волонтёр на входе мероприятия «Семинар в Екатеринбурге»" in welcome.text
    door = await vera.click("Отметить присутствующих")
    marked = await vera.click(lambda b: "Участник 5003" in b)
    assert any("Участник 5003" in a for a in marked.alerts), marked.alerts
    assert await marked_ids(running, "ufo-seminar") == {5003}
    assert door.buttons

    used = await olga.send(f"/start {match.group(1)}")
    assert "волонтёр" not in used.text
    assert "не подходит" not in (await olga.send(qr(running, "ufo-seminar", 5001))).text
    assert await marked_ids(running, "ufo-seminar") == {5003}
    # a volunteer link is not shown among the coordinators' open invitations
    await ulyana.click("Пригласить волонтёра")  # one still open
    menu = await staff(server)["admin"].send("/coordinators")
    assert "📨 Открытые приглашения" not in menu.buttons, menu.buttons


async def test_staff_of_another_district_and_participants_learn_nothing(
    running: RunningBot, server: StandInServer, john: Person
) -> None:
    await two_seminars(running)
    await coordinator(running, server)
    pavel = staff(server)["pfo"]
    for person in (pavel, john):
        for action in (AtAction.LIST, AtAction.ROOM, AtAction.VOLUNTEER, AtAction.WALK_IN):
            data = AttCb(action=action, event_id="ufo-seminar").pack()
            await person.send("/start")
            reply = await person.click_data(data)
            assert reply.alerts and "Участник" not in " ".join(reply.texts), reply.alerts
        reg = await running.registration.registrations.get("ufo-seminar", 5001)
        assert reg is not None
        toggle = await person.click_data(DoorRowCb(action=RowAction.MARK, row=reg.id).pack())
        assert toggle.alerts and "5001" not in toggle.alerts[0]
    assert await marked_ids(running, "ufo-seminar") == set()
