"""Issue 10, the whole loop of a seminar of 20 registered where 16 come: 10 by personal QR,
3 by the room QR, 2 ticked on the door list (found by typing part of a name) and one walk-in
without Telegram; the counts, the card's minimum, /stats, the export and the printed sheet
agree. And the door list's edges: undoing a mark, a walk-in typed step by step, text that
is too long, a walk-in removed."""

from __future__ import annotations

import csv
import io
from dataclasses import replace

import pytest
from openpyxl import load_workbook

from bot.attendance.service import summary_of
from bot.i18n import translator
from handlers.attendance.ui import summary_line
from storage.attendance import AttendanceRepo
from storage.db import utcnow
from tests.support.checkin import checkin, marks, payload_of, read_qr, seminar
from tests.support.coord import coordinator, open_event, register
from tests.support.people import Person
from tests.support.running import RunningBot
from tests.support.stand_in import StandInServer

pytestmark = pytest.mark.with_admin

SURNAMES = [
    "Камчатова Анна Ивановна",
    "Петров Пётр Ильич",
    "Сидорова Мария Олеговна",
    "Ахметов Ринат Маратович",
    "Иванова Ольга Сергеевна",
    "Кузнецов Иван Петрович",
    "Смирнова Елена Юрьевна",
    "Попов Андрей Николаевич",
    "Васильева Дарья Андреевна",
    "Соколов Артём Викторович",
    "Михайлова Ирина Павловна",
    "Новиков Олег Степанович",
    "Фёдорова Алина Рустамовна",
    "Морозов Денис Игоревич",
    "Волкова Софья Денисовна",
    "Алексеев Максим Ильич",
    "Лебедева Ксения Романовна",
    "Семёнов Глеб Артурович",
    "Егорова Вера Тимуровна",
    "Павлов Роман Олегович",
]
FIRST = 6000  # Telegram ids 6000..6019, in SURNAMES' order


async def twenty(running: RunningBot) -> None:
    await running.add_events(seminar())
    for n, name in enumerate(SURNAMES):
        await register(running, FIRST + n, "ufo-seminar", name=name, region="RU-SVE")


async def test_a_seminar_of_twenty_where_sixteen_come(
    running: RunningBot, server: StandInServer
) -> None:
    await twenty(running)
    ulyana = await coordinator(running, server)
    service = checkin(running)

    for n in range(10):  # personal QR at the door
        reply = await ulyana.send(
            "/start " + service.personal_link_payload("ufo-seminar", FIRST + n)
        )
        assert reply.text.startswith(f"✅ {SURNAMES[n]} — отмечен"), reply.text
        assert reply.text.endswith(f", {n + 1} из 20")
    assert "✅ Камчатова Анна Ивановна — отмечена, 1 из 20" in [
        c.params.get("text") for c in server.calls if c.chat_id == ulyana.id
    ]

    await open_event(ulyana, "Семинар")
    room = payload_of(read_qr((await ulyana.click("QR для зала")).photos[0]))
    for n in range(10, 13):  # the room QR
        reply = await Person(server, FIRST + n, "Гость").send(f"/start {room}")
        assert "Вы отмечены" in reply.text

    await open_event(ulyana, "Семинар")
    door = await ulyana.click("Отметить присутствующих")
    assert "Пришли 13 из 20" in door.text
    found = await ulyana.send("Морозов")  # part of a name finds him
    assert [b for b in found.buttons if "Морозов" in b] == ["▫️ Морозов Денис Игоревич"]
    assert not any("Петров" in b for b in found.buttons)
    ticked = await ulyana.click("▫️ Морозов Денис Игоревич")
    assert "Пришли 14 из 20" in ticked.text
    await ulyana.send("Волкова")
    await ulyana.click("▫️ Волкова Софья Денисовна")

    await ulyana.click("Добавить участника без Telegram")
    added = await ulyana.send("Оюн Айдын Кан-оолович\nАНО «Тыва»\nРеспублика Тыва")
    assert "Добавлен(а): Оюн Айдын Кан-оолович" in added.text
    assert "пришли 16 из 15 необходимых ✓" in added.text

    rows = await marks(running, "ufo-seminar")
    assert len(rows) == 16
    methods = sorted(m.method for m in rows)
    assert methods == ["manual"] * 2 + ["qr"] * 10 + ["room"] * 3 + ["walk_in"]

    card = await open_event(ulyana, "Семинар")
    assert "Пришли 16 из 20 записавшихся · пришли 16 из 15 необходимых ✓" in card.text

    stats = await ulyana.send("/stats")
    assert "Кто пришёл" in stats.text
    assert "Уральский федеральный округ: 16 из 20" in stats.text
    assert "Семинар: 16 из 20" in stats.text

    await open_event(ulyana, "Семинар")
    export = await ulyana.click("CSV")
    table = list(csv.DictReader(io.StringIO(export.documents[0].content.decode("utf-8-sig"))))
    assert len(table) == 21  # 20 registered and the walk-in
    assert sum(r["attended"] == "yes" for r in table) == 16
    walk_in = next(r for r in table if r["status"] == "walk_in")
    assert walk_in["telegram_id"] == "" and walk_in["full_name"] == "Оюн Айдын Кан-оолович"
    assert walk_in["organization"] == "АНО «Тыва»" and walk_in["check_in_method"] == "walk_in"
    first = next(r for r in table if r["telegram_id"] == str(FIRST))
    assert first["check_in_method"] == "qr" and first["checked_in_at"].startswith("20")
    absent = next(r for r in table if r["telegram_id"] == str(FIRST + 19))
    assert (absent["attended"], absent["checked_in_at"], absent["check_in_method"]) == (
        "no",
        "",
        "",
    )

    await open_event(ulyana, "Семинар")
    sheet = await ulyana.click("Лист регистрации")
    ws = load_workbook(io.BytesIO(sheet.documents[0].content)).active
    assert ws is not None
    cells = {row[1]: row[4] for row in ws.iter_rows(min_row=7, values_only=True) if row[1]}
    assert len(cells) == 21
    assert str(cells["Камчатова Анна Ивановна"]).startswith("✓")
    assert cells["Павлов Роман Олегович"] is None
    assert "без регистрации" in str(cells["Оюн Айдын Кан-оолович"])


async def test_the_door_list_undoes_a_mark_and_takes_a_walk_in_step_by_step(
    running: RunningBot, server: StandInServer
) -> None:
    await twenty(running)
    ulyana = await coordinator(running, server)
    await open_event(ulyana, "Семинар")
    await ulyana.click("Отметить присутствующих")
    shown = ulyana.last_message
    assert shown is not None and shown.inline_keyboard is not None
    data = next(
        str(b["callback_data"])
        for row in shown.inline_keyboard
        for b in row
        if "Камчатова" in b["text"]
    )
    await ulyana.click_data(data)
    twice = await ulyana.click_data(data)  # a double tap: the same button again
    assert any("Камчатова Анна Ивановна — отмечен" in a for a in twice.alerts), twice.alerts
    assert len(await marks(running, "ufo-seminar")) == 1
    undone = await ulyana.click("✅ Камчатова Анна Ивановна")
    assert any("Отметка снята" in a for a in undone.alerts)
    assert await marks(running, "ufo-seminar") == []

    found = await ulyana.send("ов")  # 18 names hold it: two pages, the search kept on both
    people = [b for b in found.buttons if b.startswith("▫️")]
    assert len(people) == 10 and all("ов" in b for b in people)
    second = await ulyana.click("Дальше ▶️")
    rest = [b for b in second.buttons if b.startswith("▫️")]
    assert len(rest) == 8 and all("ов" in b for b in rest), rest

    await ulyana.click("Добавить участника без Telegram")
    assert "напишите текстом" in (await ulyana.send_sticker()).text
    assert "слишком длинно" in (await ulyana.send("Я" * 200)).text.lower()
    assert "организация" in (await ulyana.send("Ооржак Чечек")).text
    assert "регион" in (await ulyana.send("Дом народов")).text
    done = await ulyana.send("Тыва")
    assert "Добавлен(а): Ооржак Чечек" in done.text
    [walk_in] = await marks(running, "ufo-seminar")
    assert (walk_in.name, walk_in.organisation, walk_in.region) == (
        "Ооржак Чечек",
        "Дом народов",
        "Тыва",
    )
    await ulyana.click("Отметить присутствующих")
    await ulyana.click("Добавить участника без Telegram")
    removed = await ulyana.click("✖️ Убрать: Ооржак Чечек")
    assert any("Убрано" in a for a in removed.alerts)
    assert await marks(running, "ufo-seminar") == []


@pytest.mark.parametrize(
    ("kind", "own", "attended", "says"),
    [
        ("seminar", None, 15, "пришли 15 из 15 необходимых ✓"),
        ("seminar", None, 14, "пришли 14 из 15 необходимых ✗ (не хватает 1)"),
        ("round_table", None, 17, "пришли 17 из 30 необходимых ✗ (не хватает 13)"),
        ("round_table", 10, 10, "пришли 10 из 10 необходимых ✓"),  # the event's own minimum
        ("webinar", None, 3, None),  # no minimum: nothing said about one
    ],
)
async def test_thresholds_by_kind_and_the_events_own(
    running: RunningBot, kind: str, own: int | None, attended: int, says: str | None
) -> None:
    event = replace(seminar(), kind=kind, min_participants=own)
    await running.add_events(event)
    async with running.db.transaction() as conn:
        for n in range(attended):
            walk_in = (f"Гость {n}", "НКО", "Тыва")
            await AttendanceRepo(running.db).add_walk_in(conn, event.id, walk_in, utcnow(), None)
    line = summary_line(await summary_of(running.db, event), translator("ru"))
    assert line.startswith(f"Пришли {attended} из 0 записавшихся")
    if says is None:
        assert "необходимых" not in line
    else:
        assert line.endswith(says), line
