"""/newevent and editing through the real bot: every step checked with a clear re-ask, a
summary to confirm, the event saved through import_events and open for registration."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from aiogram.fsm.storage.base import StorageKey

from bot.config import Settings
from storage.events import EventRepo
from storage.models import Event, EventStatus, RegStatus
from tests.support.coord import (
    BOT_LINK,
    appoint,
    card_with_irina,
    coordinator,
    name_new_event,
    open_event,
    register,
    staff,
)
from tests.support.people import Person, send_each
from tests.support.running import RunningBot, fill_profile, make_event, polling
from tests.support.stand_in import StandInServer

MSK = ZoneInfo("Europe/Moscow")


pytestmark = pytest.mark.with_admin


def moment(days: int, clock: str = "14:00") -> tuple[str, datetime]:
    """'dd.mm.yyyy HH:MM' some days ahead, and that moment in UTC."""
    day = (datetime.now(MSK) + timedelta(days=days)).date()
    hours, minutes = (int(p) for p in clock.split(":"))
    local = datetime(day.year, day.month, day.day, hours, minutes, tzinfo=MSK)
    return local.strftime("%d.%m.%Y %H:%M"), local.astimezone(UTC)


async def only_event(running: RunningBot, *known: str) -> Event:
    events = [e for e in await EventRepo(running.db).all() if e.id not in known]
    assert len(events) == 1, events
    return events[0]


async def test_a_new_event_step_by_step_with_every_answer_checked(
    running: RunningBot, server: StandInServer, irina: Person
) -> None:
    await appoint(running.db)
    alexey = staff(server)["all"]  # the whole programme: the district is asked
    reply = await alexey.send("/newevent")
    assert "Новое мероприятие" in reply.text and "/cancel" in reply.text
    assert "Шаг 1 из 9" in reply.text and "Как называется" in reply.text

    reply = await alexey.send("Круглый стол «НКО и <власть>» & партнёры")
    assert "Шаг 2 из 9" in reply.text
    reply = await alexey.send("семинар")  # a button is expected
    assert "Выберите вариант кнопкой" in reply.text
    reply = await alexey.click("Круглый стол")
    assert "Шаг 3 из 9" in reply.text and "округа" in reply.text
    assert "🌐 Вся программа" in reply.buttons
    reply = await alexey.click("Приволжский")
    assert "Шаг 4 из 9" in reply.text
    assert "(МСК)" in reply.text  # the time zone is stated

    for wrong, says in [
        ("завтра в два", "Не получилось прочитать дату и время"),
        ("31.02.2027 10:00", "Такой даты нет"),
        ("01.01.2020 10:00", "Это время уже прошло"),
        (moment(10)[0] + " по-нашему", "Не понял часовой пояс"),
    ]:
        reply = await alexey.send(wrong)
        assert says in reply.texts[0], wrong
        assert "Шаг 4 из 9" in reply.texts[1]  # asked again
    start_text, start = moment(20, "10:00")
    reply = await alexey.send(start_text + " МСК+1")  # given in Samara time
    assert "Шаг 5 из 9" in reply.text
    start -= timedelta(hours=1)

    await send_each(
        alexey,
        [
            ("полтора часа", "Не понял длительность"),
            ("3ч30м", "Шаг 6 из 9"),
            ("zoom.us/j/123", "Ссылка должна начинаться с https://"),
        ],
    )
    reply = await alexey.send("Казань, ул. Пушкина, 66\nhttps://meet.example.org/rt?id=1")
    assert "Шаг 7 из 9" in reply.text and "Пропустить" in reply.buttons
    reply = await alexey.send("тридцать")
    assert "Напишите число мест цифрами" in reply.text
    reply = await alexey.send("30")
    assert "Шаг 8 из 9" in reply.text
    reply = await alexey.send(moment(25)[0][:10])
    assert "не позже начала" in reply.text
    deadline_text = moment(15)[0][:10]
    reply = await alexey.send(deadline_text)
    assert "Шаг 9 из 9" in reply.text
    reply = await alexey.send_sticker()
    assert "Пришлите ответ текстом" in reply.text
    reply = await alexey.send("Обсудим <b>гранты</b> & отчёты.")
    summary = reply.text
    assert "Проверьте мероприятие" in summary
    assert "Название: Круглый стол «НКО и <власть>» & партнёры" in summary
    assert "Вид: Круглый стол" in summary
    assert "Округ: Приволжский федеральный округ" in summary
    assert "Длительность: 3 ч 30 мин" in summary
    assert "Место или ссылка: Казань, ул. Пушкина, 66, https://meet.example.org/rt?id=1" in summary
    assert "Мест: 30" in summary
    assert "Описание: Обсудим <b>гранты</b> & отчёты." in summary  # shown as typed
    assert reply.buttons == ["✅ Создать", "✖️ Отменить"]

    reply = await alexey.click("Создать")
    assert reply.alerts == ["Создано"]
    event = await only_event(running)
    assert event.title == "Круглый стол «НКО и <власть>» & партнёры"
    assert event.id.startswith("kruglyy-stol-nko-i-") and len(event.id) <= 30
    assert (event.kind, event.district) == ("round_table", "pfo")
    assert event.starts_at == start
    assert event.duration_minutes == 210
    assert (event.location, event.online_url) == (
        "Казань, ул. Пушкина, 66",
        "https://meet.example.org/rt?id=1",
    )
    assert event.capacity == 30
    deadline_day = datetime.strptime(deadline_text, "%d.%m.%Y")
    assert event.registration_deadline == datetime(
        deadline_day.year, deadline_day.month, deadline_day.day, 23, 59, tzinfo=MSK
    )
    assert event.description == "Обсудим <b>гранты</b> & отчёты."
    assert event.status is EventStatus.SCHEDULED
    assert "Мероприятие создано" in reply.text
    assert BOT_LINK + "ev_" + event.id in reply.text
    assert "👥 Участники" in reply.buttons

    # the link works: a participant registers
    reply = await irina.send(f"/start ev_{event.id}")
    assert "Круглый стол «НКО и <власть>» & партнёры" in reply.text
    await fill_profile(irina)
    assert "Вы зарегистрированы" in (await irina.click("Подтвердить")).text

    # the dialog is over: what the coordinator types now is not a field any more
    reply = await alexey.send("ещё текст")
    assert "Шаг" not in reply.text
    reply = await alexey.click_data("ne1:c:")  # the old "Create" button
    assert reply.alerts == ["Эта кнопка уже не действует."]
    assert len(await EventRepo(running.db).all()) == 1


async def test_a_district_coordinator_skips_the_district_and_can_skip_the_optional(
    running: RunningBot, server: StandInServer
) -> None:
    ulyana = await coordinator(running, server)
    reply = await ulyana.send("/coord")
    reply = await ulyana.click("Новое мероприятие")
    assert "Шаг 1 из 8" in reply.text
    await ulyana.send("Вебинар по грантам")
    reply = await ulyana.click("Вебинар")
    assert "Шаг 3 из 8" in reply.text and "Когда начало" in reply.text
    await ulyana.send(moment(3, "11:00")[0])
    await ulyana.send("90")
    await ulyana.send("https://meet.example.org/w")
    reply = await ulyana.click("Пропустить")  # seats
    assert "Шаг 7 из 8" in reply.text
    await ulyana.click("Пропустить")  # deadline
    reply = await ulyana.click("Пропустить")  # description
    assert "Округ: Уральский федеральный округ" in reply.text
    assert "Мест: без ограничения" in reply.text
    assert "Регистрация до: до начала" in reply.text
    reply = await ulyana.click("Создать")
    event = await only_event(running)
    assert (event.district, event.capacity, event.registration_deadline) == ("ufo", None, None)
    assert (event.location, event.online_url, event.description) == (
        None,
        "https://meet.example.org/w",
        "",
    )
    assert event.starts_at == moment(3, "11:00")[1]


async def test_cancel_and_abort_keep_nothing_and_a_restart_keeps_the_draft(
    running: RunningBot, server: StandInServer, settings: Settings
) -> None:
    ulyana = await coordinator(running, server)
    await name_new_event(ulyana, "Семинар")
    reply = await ulyana.send("/cancel")
    assert reply.text == "Создание мероприятия отменено."
    reply = await ulyana.send("Семинар")
    assert "Шаг" not in reply.text

    await name_new_event(ulyana, "Семинар о медиа")
    await running.stop()  # the draft is in SQLite
    async with polling(settings, server) as again:
        kinds = [m for m in ulyana.messages if "Какой это вид" in (m.text or "")][-1]
        reply = await ulyana.send("/events")  # a participant command works in the dialog
        assert "Шаг" not in reply.text
        # the kind buttons from before the restart
        reply = await ulyana.click("Семинар", message_id=kinds.message_id)
        assert "Шаг 3 из 8" in reply.text
        reply = await ulyana.send("/start")
        reply = await ulyana.click("Продолжить")
        assert "Шаг 3 из 8" in reply.text and "Когда начало" in reply.text
        await ulyana.send(moment(5)[0])
        await ulyana.send("2ч")
        await ulyana.send("Екатеринбург, Дом дружбы")
        await ulyana.send("25")
        await ulyana.click("Пропустить")
        reply = await ulyana.click("Пропустить")
        assert "Название: Семинар о медиа" in reply.text
        reply = await ulyana.click("Отменить")
        assert "Создание мероприятия отменено" in reply.text
        assert await EventRepo(again.db).all() == []


async def test_a_start_that_passed_before_confirming_is_asked_again(
    running: RunningBot, server: StandInServer
) -> None:
    ulyana = await coordinator(running, server)
    await name_new_event(ulyana, "Сессия")
    await ulyana.click("Онлайн-сессия")
    soon = datetime.now(MSK) + timedelta(minutes=2)
    await ulyana.send(soon.strftime("%d.%m.%Y %H:%M"))
    await ulyana.send("60")
    await ulyana.send("https://meet.example.org/s")
    for _ in range(3):
        await ulyana.click("Пропустить")
    # the start has passed meanwhile (the draft is in the FSM data: move it back an hour)
    key = StorageKey(bot_id=running.bot.id, chat_id=ulyana.id, user_id=ulyana.id)
    data = await running.dp.storage.get_data(key=key)
    data["ne"]["st"] = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    await running.dp.storage.set_data(key=key, data=data)
    reply = await ulyana.click("Создать")
    assert "Это время уже прошло" in reply.text
    assert "Когда начало" in reply.text
    reply = await ulyana.send(moment(4)[0])
    assert "Проверьте мероприятие" in reply.text  # straight back to the summary
    await ulyana.click("Создать")
    assert (await only_event(running)).starts_at == moment(4)[1]


# --- editing ------------------------------------------------------------------------------


async def open_edit(person: Person, title_part: str) -> None:
    await open_event(person, title_part)
    await person.click("✏️ Изменить")


async def test_edit_a_field_with_a_check_and_a_confirmation(
    running: RunningBot, server: StandInServer, irina: Person
) -> None:
    ulyana = await card_with_irina(running, server, irina)
    reply = await ulyana.click("✏️ Изменить")
    assert "Изменение: Онлайн стратегическая сессия УФО" in reply.text
    assert "Что изменить?" in reply.text
    assert "Округ" not in reply.buttons  # a district coordinator cannot move it away

    reply = await ulyana.click("Название")
    assert "Название сейчас: Онлайн стратегическая сессия УФО" in reply.text
    reply = await ulyana.send("Стратегическая сессия УФО — онлайн")
    assert "Было: Онлайн стратегическая сессия УФО" in reply.text
    assert "Станет: Стратегическая сессия УФО — онлайн" in reply.text
    reply = await ulyana.click("Сохранить")
    assert reply.alerts == ["Сохранено"]
    assert "Стратегическая сессия УФО — онлайн" in reply.text  # the card again
    event = await EventRepo(running.db).get("ufo-online")
    assert event is not None and event.title == "Стратегическая сессия УФО — онлайн"

    await ulyana.click("✏️ Изменить")
    await ulyana.click("Начало")
    reply = await ulyana.send("вчера")
    assert "Не получилось прочитать дату" in reply.text and "Когда начало" in reply.text
    new_start_text, new_start = moment(9, "16:30")
    reply = await ulyana.send(new_start_text)
    assert "Станет:" in reply.text and "16:30 МСК" in reply.text
    since = len(server.calls)
    await ulyana.click("Сохранить")
    event = await EventRepo(running.db).get("ufo-online")
    assert event is not None and event.starts_at == new_start
    # saved through import_events: the registrant gets the change notice
    told = await server.wait_for(
        lambda c: c.chat_id == irina.id and c.ok and "Изменения" in str(c.params.get("text")),
        since=since,
    )
    assert "16:30" in str(told.params["text"])

    await ulyana.click("✏️ Изменить")
    reply = await ulyana.click("Вид")
    reply = await ulyana.click("Семинар")
    assert "Станет: Семинар" in reply.text
    reply = await ulyana.click("Назад")  # changed her mind
    assert "Что изменить?" in reply.text
    assert (await EventRepo(running.db).get("ufo-online")).kind == "online_session"  # type: ignore[union-attr]
    reply = await ulyana.click_data("cd1:s:ufo-online:ki:")  # the old Save button
    assert reply.alerts == ["Эта кнопка уже не действует."]

    await ulyana.click("Описание")
    reply = await ulyana.click("Без описания")
    assert "Станет: нет" in reply.text
    await ulyana.click("Сохранить")
    assert (await EventRepo(running.db).get("ufo-online")).description == ""  # type: ignore[union-attr]


async def test_more_seats_go_to_the_waiting_list_at_once(
    running: RunningBot, server: StandInServer
) -> None:
    await appoint(running.db)
    await running.add_events(make_event("ufo-online", capacity=1))
    await register(running, 5001, "ufo-online", name="Первая Анна")
    vera = Person(server, 5002, "Вера")
    await vera.send("/start")
    waiting = await register(running, vera.id, "ufo-online", name="Вторая Вера")
    assert waiting.status is RegStatus.WAITLISTED
    ulyana = staff(server)["ufo"]
    await open_edit(ulyana, "УФО")
    await ulyana.click("Мест")
    reply = await ulyana.send("ноль")
    assert "цифрами" in reply.text
    reply = await ulyana.send("2")
    assert "Было: 1" in reply.text and "Станет: 2" in reply.text
    since = len(server.calls)
    reply = await ulyana.click("Сохранить")
    assert "записано 2 из 2" in reply.text
    regs = {
        r.participant_id: r.status
        for r in await running.registration.registrations.of_event("ufo-online")
    }
    assert regs == {5001: RegStatus.REGISTERED, 5002: RegStatus.REGISTERED}
    told = await server.wait_for(lambda c: c.chat_id == vera.id and c.ok, since=since)
    assert "Онлайн стратегическая сессия УФО" in str(told.params.get("text"))


async def test_an_admin_moves_an_event_to_another_district(
    running: RunningBot, server: StandInServer
) -> None:
    await appoint(running.db)
    await running.add_events(make_event("ufo-online"))
    people = staff(server)
    await open_edit(people["admin"], "УФО")
    reply = await people["admin"].click("Округ")
    reply = await people["admin"].click("Приволжский")
    assert "Станет: Приволжский федеральный округ" in reply.text
    await people["admin"].click("Сохранить")
    assert (await EventRepo(running.db).get("ufo-online")).district == "pfo"  # type: ignore[union-attr]
    reply = await people["ufo"].send("/coord")
    assert "УФО" not in reply.text  # no longer hers
    reply = await people["pfo"].send("/coord")
    assert "Онлайн стратегическая сессия УФО" in reply.text


async def test_a_started_or_cancelled_event_cannot_be_edited(
    running: RunningBot, server: StandInServer
) -> None:
    await appoint(running.db)
    await running.add_events(
        make_event("ufo-now", starts_in=timedelta(minutes=-10)),
        make_event("ufo-off", status=EventStatus.CANCELLED),
    )
    ulyana = staff(server)["ufo"]
    await ulyana.send("/coord")
    for data, alert in [
        ("ce1:e:ufo-now:0", "Мероприятие уже началось — изменить его нельзя."),
        ("ce1:e:ufo-off:0", "Это мероприятие уже отменено."),
        ("cd1:f:ufo-off:ti:", "Это мероприятие уже отменено."),
    ]:
        reply = await ulyana.click_data(data)
        assert reply.alerts == [alert], data


async def test_stray_messages_while_editing(running: RunningBot, server: StandInServer) -> None:
    await appoint(running.db)
    await running.add_events(make_event("ufo-online"))
    ulyana = staff(server)["ufo"]
    await open_edit(ulyana, "УФО")
    await ulyana.click("Длительность")
    reply = await ulyana.send_sticker()
    assert reply.texts == ["Напишите новое значение текстом или нажмите кнопку под сообщением."]
    reply = await ulyana.send("2ч")
    assert "Станет: 2 часа" in reply.text
    reply = await ulyana.send("3ч")  # "Save" is awaited
    assert reply.texts == ["Выберите вариант кнопкой под сообщением."]
    reply = await ulyana.send("/cancel")
    assert reply.texts == ["Изменение отменено."]
    assert (await EventRepo(running.db).get("ufo-online")).duration_minutes == 180  # type: ignore[union-attr]
    reply = await ulyana.click_data("cd1:s:ufo-online:du:")
    assert reply.alerts == ["Эта кнопка уже не действует."]
    await ulyana.click_data("ce1:e:ufo-online:0")
    await ulyana.click("Длительность")
    reply = await ulyana.send("/start")
    reply = await ulyana.click("Продолжить")
    assert reply.text == "Изменение отменено."
    assert (await EventRepo(running.db).get("ufo-online")).duration_minutes == 180  # type: ignore[union-attr]
