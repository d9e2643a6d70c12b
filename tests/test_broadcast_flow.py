"""/broadcast in the chat: the audience within the sender's scope, the message copied as written,
the preview, Send, the status message and its report, Stop; refusals for everyone else."""

from __future__ import annotations

import pytest

from bot.config import Settings
from handlers.callbacks import BcAction, BcDistrictCb, BcEventCb, BcStopCb, BroadcastCb, EvScope
from storage.broadcasts import BroadcastRepo
from tests.support.broadcast import (
    ADMIN,
    UFO_COORD,
    add_people,
    appoint,
    deliveries,
    status_text,
    wait_delivered,
    wait_status,
    wait_until,
)
from tests.support.people import Person
from tests.support.running import RunningBot, make_event
from tests.support.stand_in import StandInServer

UFO = list(range(5001, 5006))
CFO = list(range(6001, 6004))
CFO_EVENT = make_event("cfo-moscow", title="Семинар в Москве", district="cfo", capacity=2)
UFO_EVENT = make_event("ufo-online", title="Сессия УФО", district="ufo", capacity=2)


pytestmark = pytest.mark.broadcast_admin(broadcast_rate=50)


async def people(running: RunningBot, server: StandInServer) -> None:
    await add_people(running.db, server, UFO, district="ufo")
    await add_people(running.db, server, CFO, district="cfo")


async def test_admin_announces_formatted_text_to_everyone_who_started_the_bot(
    running: RunningBot, server: StandInServer
) -> None:
    await people(running, server)
    admin = Person(server, ADMIN, "Админ")
    await admin.send("/start")  # the admin started the bot too: a recipient like anyone

    reply = await admin.send("/broadcast")
    assert "Кому отправить" in reply.text
    assert reply.buttons[:3] == [
        "👥 Все, кто запускал бота",
        "📅 Участники мероприятия",
        "🗺 Участники округа",
    ]
    reply = await admin.click("Все, кто запускал бота")
    assert "все, кто запускал бота — 9" in reply.text

    bold = [{"type": "bold", "offset": 0, "length": 6}]
    reply = await admin.send("Важно: семинар переносится на четверг", entities=bold)
    # the preview is the copy itself, then the question with the number of recipients
    assert reply.calls[0].method == "copyMessage"
    assert "<b>9</b>" in str(reply.calls[-1].params["text"])
    assert reply.buttons == ["📣 Отправить", "✖️ Отмена"]

    await admin.click("Отправить")
    everyone = [*UFO, *CFO]
    got = await wait_delivered(server, everyone)
    assert set(got.values()) == {1}
    copy = server.chat_messages(UFO[0])[-1]
    assert copy.text == "Важно: семинар переносится на четверг"
    assert copy.entities == bold  # formatting as written

    report = await wait_status(admin, "завершена")
    assert "Отправлено 9 из 9, не доставлено 0" in report
    status = next(m for m in admin.messages if m.text == report)
    assert status.inline_keyboard is None  # the Stop button is gone at the end
    broadcast = (await BroadcastRepo(running.db).latest(1))[0]
    assert (broadcast.status, broadcast.total, broadcast.audience) == ("done", 9, "all")


async def test_photo_with_caption_goes_out_as_a_copy_to_an_event_with_its_waiting_list(
    running: RunningBot, server: StandInServer
) -> None:
    await people(running, server)
    await running.add_events(UFO_EVENT)
    for user_id in UFO[:3]:  # capacity 2: two registered, one on the waiting list
        await running.registration.register(user_id, UFO_EVENT.id, {}, {})
    admin = Person(server, ADMIN, "Админ")
    await admin.send("/broadcast")
    reply = await admin.click("Участники мероприятия")
    assert any("Сессия УФО (2)" in b for b in reply.buttons)
    reply = await admin.click(lambda b: "Сессия УФО" in b)
    assert "лист ожидания" in reply.text
    reply = await admin.click("Вместе с листом ожидания (3)")
    assert "и лист ожидания — 3" in reply.text

    await admin.send_photo(caption="Программа семинара")
    await admin.click("Отправить")
    got = await wait_delivered(server, UFO[:3])
    assert got == dict.fromkeys(UFO[:3], 1)
    assert deliveries(server, [*UFO[3:], *CFO]) == {}
    photo = server.chat_messages(UFO[2])[-1]
    assert (photo.kind, photo.text) == ("photo", "Программа семинара")
    await wait_status(admin, "завершена")


async def test_district_coordinator_reaches_only_their_district(
    running: RunningBot, server: StandInServer
) -> None:
    await people(running, server)
    await appoint(running.db, UFO_COORD, "ufo")
    await running.add_events(UFO_EVENT, CFO_EVENT)
    coord = Person(server, UFO_COORD, "Координатор УФО")

    reply = await coord.send("/broadcast")
    # "everyone" is everyone of their district; no other districts to choose
    assert reply.buttons == [
        "👥 Все участники округа: Уральский",
        "📅 Участники мероприятия",
        "✖️ Отмена",
    ]
    reply = await coord.click("Участники мероприятия")
    assert not any("Москве" in b for b in reply.buttons)  # other districts' events unseen
    await coord.click("Назад")

    # forged buttons: another district's event, another district, any district at all
    for data in (
        BcEventCb(event_id=CFO_EVENT.id, scope=EvScope.ASK).pack(),
        BcEventCb(event_id=CFO_EVENT.id, scope=EvScope.WITH_WAITLIST).pack(),
        BcDistrictCb(code="cfo").pack(),
        BroadcastCb(action=BcAction.DISTRICTS).pack(),
    ):
        reply = await coord.click_data(data)
        assert reply.alerts == ["Эта рассылка недоступна."], data
    # the refusal for an event that exists reads as for one that does not
    reply = await coord.click_data(BcEventCb(event_id="no-such", scope=EvScope.ASK).pack())
    assert reply.alerts == ["Эта рассылка недоступна."]

    reply = await coord.click("Все участники округа")
    assert "участники округа «Уральский федеральный округ» — 5" in reply.text
    await coord.send("Встреча координаторов округа в пятницу")
    await coord.click("Отправить")
    await wait_delivered(server, UFO)
    await wait_status(coord, "завершена")
    assert deliveries(server, CFO) == {}
    broadcast = (await BroadcastRepo(running.db).latest(1))[0]
    assert broadcast.audience == "district:ufo"


async def test_participant_is_refused_and_learns_nothing(
    running: RunningBot, server: StandInServer
) -> None:
    await people(running, server)
    someone = Person(server, UFO[0], "Участник")
    reply = await someone.send("/broadcast")
    assert reply.texts == ["Эта команда только для координаторов программы."]
    await someone.send("/start")
    for data in (
        BroadcastCb(action=BcAction.ALL).pack(),
        BroadcastCb(action=BcAction.SEND).pack(),
        BcDistrictCb(code="ufo").pack(),
        BcStopCb(broadcast_id=1).pack(),
        "bc1:zzz",
    ):
        reply = await someone.click_data(data)
        assert reply.alerts == ["Доступно только координаторам программы."], data
    assert await BroadcastRepo(running.db).latest() == []
    assert deliveries(server, [*UFO, *CFO]) == {}


async def test_cancel_and_stale_buttons(running: RunningBot, server: StandInServer) -> None:
    await people(running, server)
    admin = Person(server, ADMIN, "Админ")
    await admin.send("/broadcast")
    await admin.click("Все, кто запускал бота")
    await admin.send("Черновик")
    reply = await admin.click("Отмена")
    assert "Рассылка отменена" in reply.text
    reply = await admin.click_data(BroadcastCb(action=BcAction.SEND).pack())
    assert reply.alerts == ["Эта кнопка уже не действует. Начните заново: /broadcast"]
    # /cancel in the middle of the flow ends it too
    await admin.send("/broadcast")
    await admin.click("Все, кто запускал бота")
    await admin.send("/cancel")
    reply = await admin.send("Это уже не рассылка")
    assert reply.calls and all(c.method != "copyMessage" for c in reply.calls)
    assert await BroadcastRepo(running.db).latest() == []


async def test_albums_and_commands_are_not_announced(
    running: RunningBot, server: StandInServer
) -> None:
    await people(running, server)
    admin = Person(server, ADMIN, "Админ")
    await admin.send("/broadcast")
    await admin.click("Все, кто запускал бота")
    # one part of an album (Person.send_photo does not make albums; the id is what counts)
    reply = await admin.send("Фото 1", media_group_id="album1")
    assert "Альбом" in reply.text
    reply = await admin.send("/unknown")
    assert "Это команда" in reply.text
    # where a button is expected, a message gets a hint and the flow goes on
    await admin.send("/broadcast")
    reply = await admin.send("Всем?")
    assert "Нажмите кнопку" in reply.text
    await admin.click("Все, кто запускал бота")
    reply = await admin.send("Теперь по-настоящему")
    assert "Отправить?" in reply.text


async def test_stop_halts_the_rest(
    running: RunningBot, server: StandInServer, settings: Settings
) -> None:
    many = [*range(7001, 7080), ADMIN]  # 80 people at 50/s: well over a second of sending
    await add_people(running.db, server, many[:-1], district="ufo")
    admin = Person(server, ADMIN, "Админ")
    await admin.send("/broadcast")
    await admin.click("Все, кто запускал бота")
    await admin.send("Длинная рассылка")
    await admin.click("Отправить")
    await wait_until(lambda: len(deliveries(server, many)) >= 5, 10, "the first copies")
    reply = await admin.click("Остановить")
    assert reply.alerts == ["Рассылка остановлена"]
    report = await wait_status(admin, "остановлена")
    sent = len(deliveries(server, many))
    assert 5 <= sent < len(many)
    assert f"Отправлено {sent} из 80" in report
    assert f"не отправлено из-за остановки: {80 - sent}" in report
    await server.wait_idle(quiet=1.5)
    assert len(deliveries(server, many)) == sent  # nothing more went out
    repo = BroadcastRepo(running.db)
    broadcast = (await repo.latest(1))[0]
    assert broadcast.status == "stopped"
    progress = await repo.progress(broadcast, broadcast.created_at)
    assert (progress.sent, progress.stopped, progress.waiting) == (sent, 80 - sent, 0)
    # a second press: nothing to stop
    reply = await admin.click_data(BcStopCb(broadcast_id=broadcast.id).pack())
    assert reply.alerts == ["Рассылка уже завершена"]
    assert "остановлена" in status_text(admin)
