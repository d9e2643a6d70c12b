"""Issue 10, self check-in: the room QR from the coordinator's card (an hour before the start to
the end; a registered person who opens it is marked; an unregistered one is offered a seat),
and "I'm at the session" in the reminder closest to the start of an online session (15
minutes before the start to the end)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from bot.attendance import tokens
from handlers.attendance.ui import AtAction, AttCb
from storage.db import utcnow
from storage.events import RegistrationRepo
from storage.models import RegStatus
from tests.support.checkin import checkin, marks, payload_of, read_qr, seminar
from tests.support.coord import coordinator, open_event, register
from tests.support.people import Person
from tests.support.reminders import enrol, is_reminder, soon
from tests.support.running import RunningBot, fill_profile, start
from tests.support.stand_in import StandInServer

pytestmark = pytest.mark.with_admin


async def room_payload(running: RunningBot, server: StandInServer) -> str:
    """Ulyana (the Ural coordinator) opens the seminar's card and takes its room QR."""
    ulyana = await coordinator(running, server)
    await open_event(ulyana, "Семинар")
    reply = await ulyana.click("QR для зала")
    assert "QR для зала" in reply.text and len(reply.photos) == 1, reply.texts
    payload = payload_of(read_qr(reply.photos[0]))
    assert payload.startswith("here_"), payload
    return payload


async def test_a_registered_person_checks_in_with_the_room_qr(
    running: RunningBot, server: StandInServer
) -> None:
    await running.add_events(seminar())
    await register(running, 5001, "ufo-seminar", name="Петров Пётр Ильич")
    payload = await room_payload(running, server)
    petr = Person(server, 5001, "Пётр")
    reply = await petr.send(f"/start {payload}")
    assert "Вы отмечены на «Семинар в Екатеринбурге»" in reply.text, reply.text
    again = await petr.send(f"/start {payload}")
    assert "уже отмечены" in again.text
    [mark] = await marks(running, "ufo-seminar")
    assert (mark.participant_id, mark.method, mark.checked_in_by) == (5001, "room", None)


async def test_an_unregistered_person_registers_on_the_spot_while_seats_last(
    running: RunningBot, server: StandInServer, john: Person
) -> None:
    await running.add_events(
        seminar(capacity=2),
        seminar("ufo-other", starts_in=timedelta(days=3), title="Встреча актива"),
    )
    await register(running, 5001, "ufo-seminar", name="Петров Пётр Ильич")
    for uid in (5002, 5003):  # a profile from another event, not registered for this one
        await register(running, uid, "ufo-other", name=f"Гость {uid}")
    payload = await room_payload(running, server)
    guest, late = Person(server, 5002, "Гость"), Person(server, 5003, "Поздний")

    offer = await guest.send(f"/start {payload}")
    assert "места есть" in offer.text and "Записаться и отметиться" in offer.buttons
    done = await guest.click("Записаться и отметиться")
    assert "записаны на «Семинар в Екатеринбурге» и отмечены" in done.text, done.text
    reg = await running.registration.registrations.get("ufo-seminar", 5002)
    assert reg is not None and reg.status is RegStatus.REGISTERED

    full = await late.send(f"/start {payload}")  # capacity 2: no seat left
    assert "свободных мест нет" in full.text and full.buttons == []
    nobody = await john.send(f"/start {payload}")  # no questionnaire at all
    assert "checked in as soon as your registration is confirmed" in nobody.text  # in English
    assert nobody.buttons == ["Register"]  # it has not started: the usual questionnaire
    assert {m.participant_id for m in await marks(running, "ufo-seminar")} == {5002}


async def test_the_room_link_sends_a_newcomer_through_the_questionnaire_and_checks_them_in(
    running: RunningBot, server: StandInServer, irina: Person
) -> None:
    """Someone without a profile (or at an event with its own questions, which the spot
    would skip) registers the usual way from the room link and is checked in on confirming;
    someone who registers without having opened the room link is not."""
    question = {"id": "topic", "type": "text", "prompt": "Какая тема вам ближе?"}
    await running.add_events(
        seminar(), seminar("ufo-own", title="Встреча актива", questions=[question])
    )
    payload = await room_payload(running, server)
    reply = await irina.send(f"/start {payload}")
    assert "как только запись будет подтверждена" in reply.text and reply.buttons == ["Записаться"]
    await irina.click("Записаться")
    await fill_profile(irina)
    done = await irina.click("Подтвердить")
    assert "Вы зарегистрированы" in done.text
    came = await server.wait_for(
        lambda c: c.chat_id == irina.id and "и отмечены" in str(c.params.get("text")), timeout=10
    )
    assert "«Семинар в Екатеринбурге»" in str(came.params["text"])
    [mark] = await marks(running, "ufo-seminar")
    assert (mark.participant_id, mark.method) == (irina.id, "room")

    # With a profile now, but the other seminar asks its own question: no registration on the
    # spot without it; and registering without the room link marks nothing.
    await irina.send("/start ev_ufo-own")
    # the first seminar's reminder may come at any moment: tap on the summary itself
    answered = await irina.send("Сохранение языков")
    [summary] = [m for m in answered.messages if "Подтвердить" in str(m.params)]
    await irina.click("Подтвердить", message_id=summary.result["message_id"])
    assert await marks(running, "ufo-own") == []
    own = await checkin(running).room_payload("ufo-own")
    petr = Person(server, 5001, "Пётр")
    await register(running, 5001, "ufo-seminar", name="Петров Пётр Ильич")  # a profile
    offer = await petr.send(f"/start {own}")
    assert offer.buttons == ["Записаться"], offer.buttons  # not "Записаться и отметиться"


async def test_the_room_qr_outside_its_window_or_forged_marks_nobody(
    running: RunningBot, server: StandInServer
) -> None:
    await running.add_events(seminar(starts_in=timedelta(days=2)))
    await register(running, 5001, "ufo-seminar", name="Петров Пётр Ильич")
    payload = await room_payload(running, server)
    petr = Person(server, 5001, "Пётр")
    early = await petr.send(f"/start {payload}")
    assert "работает с" in early.text and "Сейчас она закрыта" in early.text, early.text
    code = payload.rsplit("_", 1)[1]
    forged = payload[: -len(code)] + ("0" if code[0] != "0" else "1") + code[1:]
    assert "не подходит" in (await petr.send(f"/start {forged}")).text
    assert await marks(running, "ufo-seminar") == []


def buttons(call: Any) -> list[dict[str, Any]]:
    markup = call.params.get("reply_markup") or {}
    if isinstance(markup, str):
        markup = json.loads(markup)
    return [b for row in markup.get("inline_keyboard", []) for b in row]


async def test_im_at_the_session_counts_inside_its_window_only(
    bot: RunningBot, server: StandInServer
) -> None:
    """The reminder 2 s before an online session carries the button; pressed, it counts;
    the same button of a session that starts in two hours, or of one that ended, does not."""
    later = soon(2 * 3600, id="later", title="Поздняя сессия")
    ended = soon(-3 * 3600, id="ended", title="Прошедшая сессия")
    await bot.add_events(soon(3), later, ended)
    anna = Person(server, 7301, "Анна")
    await enrol(bot, server, anna)
    async with bot.db.transaction() as conn:  # registered before (one has ended since)
        for event in ("later", "ended"):
            await RegistrationRepo(bot.db).put(conn, event, anna.id, RegStatus.REGISTERED, utcnow())
    await start(bot, server)
    call = await server.wait_for(is_reminder(anna), timeout=10)
    assert "🙋 Я на сессии" in [b["text"] for b in buttons(call)]

    reply = await anna.click("Я на сессии")
    assert any("Вы отмечены" in a for a in reply.alerts), reply.alerts
    again = await anna.click("Я на сессии")
    assert any("уже отмечены" in a for a in again.alerts)
    [mark] = await marks(bot, "ufo")
    assert (mark.participant_id, mark.method) == (anna.id, "online")

    for event_id in ("later", "ended"):
        data = AttCb(action=AtAction.ONLINE, event_id=event_id).pack()
        outside = await anna.click_data(data)
        assert any("отметка закрыта" in a for a in outside.alerts), outside.alerts
        assert await marks(bot, event_id) == []


async def test_only_the_closest_reminder_carries_the_button(
    bot: RunningBot, server: StandInServer
) -> None:
    await bot.add_events(soon(3, reminders=["1h", "2s"]))  # the 1 h moment has passed
    anna = Person(server, 7302, "Анна")
    await enrol(bot, server, anna)
    await start(bot, server)
    call = await server.wait_for(is_reminder(anna), timeout=10)
    assert "🙋 Я на сессии" in [b["text"] for b in buttons(call)]


async def test_the_closest_reminder_of_an_in_person_event_brings_the_qr(
    bot: RunningBot, server: StandInServer
) -> None:
    """Beside the reminder's text (not instead of it): a photo whose QR is her own link."""
    event = soon(3, location="Екатеринбург, Дом дружбы", online_url=None, kind="seminar")
    await bot.add_events(event)
    anna = Person(server, 7303, "Анна")
    await enrol(bot, server, anna)
    await start(bot, server)
    await server.wait_for(is_reminder(anna), timeout=10)
    photo = await server.wait_for(
        lambda c: c.ok and c.chat_id == anna.id and c.method == "sendPhoto", timeout=10
    )
    link = tokens.parse_personal(payload_of(read_qr(photo.files["photo"])))
    assert link is not None and link.participant_id == anna.id
    assert link.verify(checkin(bot).secret, "ufo")
    buttons_of_reminder = buttons(next(c for c in server.calls if is_reminder(anna)(c)))
    assert "🙋 Я на сессии" not in [b["text"] for b in buttons_of_reminder]
