"""/coord through the real bot: the events in scope with counts and links, the participants,
the exports (CSV and XLSX as the command line makes them, the sheet to print), cancelling."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import openpyxl
import pytest

from bot.config import Settings
from bot.registration.form import default_form
from bot.registration.regions import default_regions
from bot.staff.export import registration_table, to_csv
from storage.events import EventRepo
from storage.models import EventStatus, RegStatus
from tests.support.columns import EXPORT_FIXED_COLUMNS
from tests.support.coord import (
    BOT_LINK,
    appoint,
    card_with_irina,
    coordinator,
    open_event,
    register,
    staff,
)
from tests.support.people import Person
from tests.support.running import RunningBot, fill_profile, make_event, pfo_event
from tests.support.stand_in import StandInServer

pytestmark = pytest.mark.with_admin


UFO_EVENT = make_event("ufo-online", capacity=2)
PFO_EVENT = pfo_event("Казань, Дом дружбы народов Татарстана")
WHOLE = make_event("all-webinar", title="Вебинар для всех", kind="webinar", district=None)


async def test_each_coordinator_sees_the_events_of_their_scope(
    running: RunningBot, server: StandInServer
) -> None:
    await appoint(running.db)
    await running.add_events(UFO_EVENT, PFO_EVENT, WHOLE)
    for n, name in enumerate(["Иванова Ирина", "Петров Пётр", "Сидорова Анна"]):
        await register(running, 5000 + n, "ufo-online", name=name)  # the third one waits
    people = staff(server)

    reply = await people["ufo"].send("/coord")
    assert "Мероприятия — Уральский федеральный округ" in reply.text
    assert "Онлайн стратегическая сессия УФО" in reply.text
    assert "записано 2 из 2, ждут места 1" in reply.text
    assert BOT_LINK + "ev_ufo-online" in reply.text
    assert "Казани" not in reply.text and "Вебинар" not in reply.text  # other scopes
    assert len([b for b in reply.buttons if "·" in b]) == 1

    for who in ("all", "admin"):
        reply = await people[who].send("/coord")
        assert "вся программа" in reply.text
        for event in (UFO_EVENT, PFO_EVENT, WHOLE):
            assert event.title in reply.text
            assert BOT_LINK + "ev_" + event.id in reply.text
        assert "записано 0" in reply.text  # no capacity: no "of"

    reply = await people["pfo"].send("/coord")
    assert "Семинар в Казани" in reply.text and "УФО" not in reply.text


async def test_event_card_and_a_long_list_in_pages(
    running: RunningBot, server: StandInServer
) -> None:
    await appoint(running.db)
    events = [
        make_event(f"ufo-{i:02d}", title=f"Сессия №{i}", starts_in=timedelta(days=i + 1))
        for i in range(8)
    ]
    await running.add_events(*events)
    ufo = staff(server)["ufo"]
    reply = await ufo.send("/coord")
    assert "(стр. 1 из 2)" in reply.text
    assert "Сессия №0" in reply.text and "Сессия №7" not in reply.text
    reply = await ufo.click("Дальше")
    assert "(стр. 2 из 2)" in reply.text and "Сессия №7" in reply.text
    assert reply.messages[-1].method == "editMessageText"  # one menu message, edited
    reply = await ufo.click(lambda b: "Сессия №7" in b)
    assert "🗓" in reply.text and "⏱ 3 часа" in reply.text
    assert "💻 https://meet.example.org/ufo" in reply.text
    assert BOT_LINK + "ev_ufo-07" in reply.text
    assert {"👥 Участники", "⬇️ CSV", "⬇️ Excel", "🖨 Лист регистрации", "✏️ Изменить"} <= set(
        reply.buttons
    )
    reply = await ufo.click("К списку")
    assert "(стр. 1 из 2)" in reply.text


async def test_participants_numbered_with_organisation_region_and_status_in_pages(
    running: RunningBot, server: StandInServer, irina: Person
) -> None:
    ufo = await coordinator(running, server)
    await running.add_events(make_event("ufo-online", capacity=17))
    # Irina registers through the conversation, the others through the service
    await irina.send("/start ev_ufo-online")
    await fill_profile(irina, {"organization": "Фонд <Дружба> & Co"})
    assert "Вы зарегистрированы" in (await irina.click("Подтвердить")).text
    for n in range(19):
        await register(
            running, 6000 + n, "ufo-online", name=f"Участник {n + 2:02d}", region="RU-TA"
        )
    await running.registration.cancel(6000, "ufo-online")  # 6016 gets the seat
    await open_event(ufo, "УФО")
    text = (await ufo.click("Участники")).text
    assert "Участники: Онлайн стратегическая сессия УФО (стр. 1 из 2)" in text
    assert (
        "1. Иванова Ирина Петровна — Фонд <Дружба> & Co, Свердловская область — записан(а)" in text
    )
    assert "2. Участник 03 — АНО «Дом дружбы», Республика Татарстан — записан(а)" in text
    assert "15. Участник 16" in text and "16." not in text
    text = (await ufo.click("Дальше")).text
    assert "(стр. 2 из 2)" in text
    assert "17. Участник 18 — АНО «Дом дружбы», Республика Татарстан — записан(а)" in text
    assert "18. Участник 19 — АНО «Дом дружбы», Республика Татарстан — ждёт места, №1" in text
    assert "19. Участник 20 — АНО «Дом дружбы», Республика Татарстан — ждёт места, №2" in text
    assert "20. Участник 02 — АНО «Дом дружбы», Республика Татарстан — отменил(а)" in text
    reply = await ufo.click("К мероприятию")
    assert "записано 17 из 17, ждут места 2" in reply.text


async def test_exports_have_the_command_line_columns_and_the_sheet_prints_the_registered(
    running: RunningBot, server: StandInServer, settings: Settings
) -> None:
    await appoint(running.db)
    await running.add_events(make_event("ufo-online", capacity=2))
    await register(running, 5001, "ufo-online", name="Иванова Ирина Петровна")
    await register(running, 5002, "ufo-online", name='=HYPERLINK("http://x")', region="RU-TA")
    await register(running, 5003, "ufo-online", name="Сидорова Анна", role="expert")  # waits
    ufo = staff(server)["ufo"]
    await open_event(ufo, "УФО")

    reply = await ufo.click("CSV")
    assert reply.alerts == ["Готовлю файл…"]
    [document] = reply.documents
    assert document.filename == "ufo-online.csv"
    assert "Строк: 3" in reply.text
    expected = to_csv(
        await registration_table(
            running.db, "ufo-online", default_form(), default_regions(), settings.zone, "ru"
        )
    )
    assert document.content == expected  # the very bytes of `python -m bot export`
    rows = list(csv.reader(io.StringIO(document.content.decode("utf-8-sig"))))
    assert rows[0][:6] == EXPORT_FIXED_COLUMNS
    assert [(r[1], r[3]) for r in rows[1:]] == [
        ("5001", "registered"),
        ("5002", "registered"),
        ("5003", "waitlisted"),
    ]

    reply = await ufo.click("Excel")
    [document] = reply.documents
    assert document.filename == "ufo-online.xlsx"
    ws = openpyxl.load_workbook(io.BytesIO(document.content)).active
    assert ws is not None
    values = [[c.value for c in row] for row in ws.iter_rows()]
    assert [str(v) if v is not None else "" for v in values[0]] == rows[0]
    assert [str(v[1]) for v in values[1:]] == ["5001", "5002", "5003"]

    reply = await ufo.click("Лист регистрации")
    [document] = reply.documents
    assert document.filename == "sheet-ufo-online.xlsx"
    assert "готов к печати на A4" in reply.text
    ws = openpyxl.load_workbook(io.BytesIO(document.content)).active
    assert ws is not None
    assert ws["A1"].value == "Лист регистрации участников"
    assert ws["A2"].value == "Онлайн стратегическая сессия УФО"
    assert str(ws["A3"].value).startswith("Дата и время: ") and "МСК" in str(ws["A3"].value)
    assert ws["A4"].value == "Место: https://meet.example.org/ufo"
    assert [ws[f"B{r}"].value for r in (7, 8, 9)] == [
        "Иванова Ирина Петровна",
        '=HYPERLINK("http://x")',
        None,  # the waiting list is not on the sheet: the first blank row
    ]
    assert ws["B8"].data_type == "s"
    assert ws["D7"].value == "Свердловская область"
    assert int(ws.page_setup.paperSize) == 9


async def test_cancelling_an_event_closes_it_and_tells_the_registrants(
    running: RunningBot, server: StandInServer, irina: Person
) -> None:
    ufo = await card_with_irina(running, server, irina)
    reply = await ufo.click("❌ Отменить")
    assert (
        "Отменить мероприятие «Онлайн стратегическая сессия УФО»?" in reply.text
        and "Записаны или ждут места: 1" in reply.text
    )
    reply = await ufo.click("Нет, оставить")
    assert (await EventRepo(running.db).get("ufo-online")).status is EventStatus.SCHEDULED  # type: ignore[union-attr]
    await ufo.click("❌ Отменить")
    since = len(server.calls)
    reply = await ufo.click("Да, отменить мероприятие")
    assert reply.alerts == ["Мероприятие отменено"]
    assert "❌ Мероприятие отменено" in reply.text
    assert "✏️ Изменить" not in reply.buttons and "❌ Отменить" not in reply.buttons
    event = await EventRepo(running.db).get("ufo-online")
    assert event is not None and event.status is EventStatus.CANCELLED
    # import_events queued the cancellation notice; the delivery queue sends it
    told = await server.wait_for(
        lambda c: c.chat_id == irina.id and c.ok and "отменено" in str(c.params.get("text")),
        since=since,
    )
    assert "Онлайн стратегическая сессия УФО" in str(told.params["text"])
    reply = await irina.send("/start ev_ufo-online")
    assert "Записаться" not in reply.buttons
    # a second "yes" (an old button) changes nothing
    reply = await ufo.click_data("ce1:y:ufo-online:0")
    assert reply.alerts == ["Это мероприятие уже отменено."]
    regs = await running.registration.registrations.of_event("ufo-online")
    assert [r.status for r in regs] == [RegStatus.REGISTERED]  # kept, for the records
