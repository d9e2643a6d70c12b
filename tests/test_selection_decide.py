"""The coordinator's "Отбор" through the real bot and ``python -m bot selection``: progress and
the ranked list, "Принять лучших" and ``decide``, changing one decision (the reserve
renumbered in ranked order), opening reviewing early, the export (CSV and XLSX, from the
command line and as a document in the chat), and buttons replayed by people who may not use
them: they learn nothing and change nothing."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import timedelta
from pathlib import Path

import openpyxl
import pytest

from bot.config import Settings
from bot.selection.decisions import change, decide
from handlers.selection.decision_buttons import SdAction, SelEventCb
from storage.db import Database
from storage.decisions import Decision, DecisionRepo
from tests.support.coord import coordinator, open_event, staff
from tests.support.people import Person
from tests.support.process import env_for, python_m_bot
from tests.support.running import RunningBot
from tests.support.selection_seed import APPLICANTS, EVENT, competition, selection_event
from tests.support.stand_in import StandInServer

pytestmark = pytest.mark.with_admin

HEADER = [
    "event_id",
    "telegram_id",
    "status",
    "reserve_position",
    "score_percent",
    "rank",
    "project",
    "letter",
    "score:6001:relevance",
    "score:6001:experience",
    "comment:6001",
    "score:6002:relevance",
    "score:6002:experience",
    "comment:6002",
]


async def drafts(db: Database) -> dict[int, tuple[str | None, int | None]]:
    """Telegram id -> (draft decision, reserve position)."""
    return {
        a.participant_id: (a.draft_decision.value if a.draft_decision else None, a.reserve_position)
        for a in await DecisionRepo(db).applications(EVENT)
    }


async def open_selection(running: RunningBot, server: StandInServer, who: str = "ufo") -> Person:
    """The competition seeded, and its coordinator on the "Отбор" screen."""
    await running.add_events(selection_event())
    await competition(running.db)
    person = await coordinator(running, server, who)
    card = await open_event(person, "ЭтНик")
    assert "🏆 Отбор" in card.buttons
    await person.click("🏆 Отбор")
    return person


async def cli(tmp_path: Path, settings: Settings, *args: str) -> tuple[int, str, str]:
    env = env_for(tmp_path, DATABASE_PATH=str(settings.database_path))
    process = await python_m_bot(tmp_path, "selection", *args, env=env)
    out, err = await asyncio.wait_for(process.communicate(), 60)
    return process.returncode or 0, out.decode(), err.decode()


async def test_progress_ranking_and_accepting_the_best(
    running: RunningBot, server: StandInServer
) -> None:
    ulyana = await open_selection(running, server)
    screen = ulyana.last_text
    assert "Отбор: ЭтНик: ресурсное сообщество" in screen
    assert "Заявок: 5 · мест: 2 · резерв: 2" in screen
    assert "Иванова Мария — 4 из 5" in screen and "Петров Олег — 4 из 5" in screen
    assert "отстаёт" not in screen  # both saved today
    assert "1. 100.0% — Заявитель1 Иван — не решено" in screen
    assert "3. 86.7% — Заявитель3 Иван" in screen
    assert "5. нет оценок — Заявитель5 Иван" in screen
    assert await drafts(running.db) == dict.fromkeys(APPLICANTS, (None, None))

    reply = await ulyana.click("Принять лучших")
    assert "принять 2, резерв 2, отклонить 1" in " ".join(reply.alerts)
    assert await drafts(running.db) == {
        5001: ("accepted", None),
        5002: ("accepted", None),
        5003: ("reserve", 1),
        5004: ("reserve", 2),
        5005: ("rejected", None),
    }
    screen = ulyana.last_text
    assert "2. 93.3% — Заявитель2 Иван — ✅ принять" in screen
    assert "4. 80.0% — Заявитель4 Иван — ⏳ резерв №2" in screen
    assert "Черновик решений: принять 2, резерв 2, отклонить 1" in screen
    assert not [c for c in server.calls if c.chat_id in APPLICANTS]  # nothing sent


async def test_changing_one_decision_renumbers_the_reserve(
    running: RunningBot, server: StandInServer
) -> None:
    ulyana = await open_selection(running, server)
    await ulyana.click("Принять лучших")
    reply = await ulyana.click("5. Заявитель5 Иван")
    assert "Место 5: Заявитель5 Иван" in reply.text and "✖️ отклонить" in reply.text
    reply = await ulyana.click("В резерв")
    assert "⏳ резерв №3" in reply.text
    await ulyana.click("К отбору")
    await ulyana.click("1. Заявитель1 Иван")
    await ulyana.click("В резерв")  # the best one to the reserve: first on it
    assert await drafts(running.db) == {
        5001: ("reserve", 1),
        5002: ("accepted", None),
        5003: ("reserve", 2),
        5004: ("reserve", 3),
        5005: ("reserve", 4),
    }
    await ulyana.click("Принять")
    assert (await drafts(running.db))[5003] == ("reserve", 1)


async def test_opening_reviewing_before_the_deadline(
    running: RunningBot, server: StandInServer
) -> None:
    await running.add_events(selection_event(deadline_in=timedelta(days=2)))
    await competition(running.db)
    ulyana = await coordinator(running, server)
    await open_event(ulyana, "ЭтНик")
    reply = await ulyana.click("🏆 Отбор")
    assert "Рассмотрение откроется" in reply.text
    reply = await ulyana.click("Открыть рассмотрение сейчас")
    assert "Рассмотрение открыто" in " ".join(reply.alerts)
    assert "Рассмотрение открыто с" in ulyana.last_text
    assert "Открыть рассмотрение сейчас" not in reply.buttons
    times = await DecisionRepo(running.db).times(EVENT)
    assert times.review_opened_at is not None


async def test_others_replaying_the_coordinators_buttons_learn_nothing(
    running: RunningBot, server: StandInServer, irina: Person
) -> None:
    ulyana = await open_selection(running, server)
    decide_data = _data(ulyana, "Принять лучших")
    await ulyana.click("2. Заявитель2 Иван")
    set_data = _data(ulyana, "В резерв")
    open_data = _data(ulyana, "К отбору")
    pavel = staff(server)["pfo"]  # the Volga district's coordinator
    await pavel.send("/coord")

    for who, says in ((pavel, "Мероприятие не найдено"), (irina, "только координаторам")):
        if who is irina:
            await irina.send("/start")
        for data in (decide_data, set_data, open_data):
            reply = await who.click_data(data)
            assert reply.answered and says in " ".join(reply.alerts), (who, data)
            assert not reply.messages  # no screen, no names, no scores
            assert "Заявитель" not in who.last_text
    assert await drafts(running.db) == dict.fromkeys(APPLICANTS, (None, None))


def _data(person: Person, label: str) -> str:
    message = person.last_message
    assert message is not None and message.inline_keyboard
    for row in message.inline_keyboard:
        for button in row:
            if label in str(button.get("text")):
                return str(button["callback_data"])
    raise AssertionError(f"no button {label!r}")


async def test_decide_from_the_command_line(
    running: RunningBot, server: StandInServer, tmp_path: Path
) -> None:
    del server
    await running.add_events(selection_event())
    await competition(running.db)
    code, out, err = await cli(
        tmp_path,
        running.settings,
        "decide",
        "--event",
        EVENT,
        "--accept-top",
        "1",
        "--reserve",
        "3",
    )
    assert code == 0, err
    assert "1 accepted, 3 reserve, 1 rejected (nothing sent" in out
    assert await drafts(running.db) == {
        5001: ("accepted", None),
        5002: ("reserve", 1),
        5003: ("reserve", 2),
        5004: ("reserve", 3),
        5005: ("rejected", None),
    }
    code, _, err = await cli(tmp_path, running.settings, "decide", "--event", "nope")
    assert code == 1 and "no event with this id" in err
    code, out, err = await cli(tmp_path, running.settings, "open-review", "--event", EVENT)
    assert code == 0 and "reviewing is open now" in out, err
    code, out, err = await cli(tmp_path, running.settings, "open-review", "--event", EVENT)
    assert code == 0 and "reviewing was open already" in out, err
    assert (await DecisionRepo(running.db).times(EVENT)).review_opened_at is not None


async def test_decide_and_change_as_services(tmp_path: Path) -> None:
    async with Database(tmp_path / "bot.sqlite3") as db:
        from bot.events.files import import_events
        from storage.db import utcnow

        await import_events(db, [selection_event(seats=3, reserve=1)], utcnow())
        apps = await competition(db)
        done = await decide(db, EVENT)
        assert (done.accepted, done.reserve, done.rejected) == (3, 1, 1)
        await change(db, apps[5002], Decision.REJECTED)
        await change(db, apps[5005], Decision.RESERVE)
        assert await drafts(db) == {
            5001: ("accepted", None),
            5002: ("rejected", None),
            5003: ("accepted", None),
            5004: ("reserve", 1),
            5005: ("reserve", 2),
        }


async def test_export_csv_xlsx_and_the_document(
    running: RunningBot, server: StandInServer, tmp_path: Path
) -> None:
    ulyana = await open_selection(running, server)
    await ulyana.click("Принять лучших")
    code, out, err = await cli(tmp_path, running.settings, "export", "--event", EVENT)
    assert code == 0, err
    rows = list(csv.reader(io.StringIO(out.lstrip("\ufeff"))))
    assert rows[0] == HEADER
    assert rows[1] == [
        EVENT, "5001", "applied", "", "100.0", "1", "Проект №1", "rec.pdf",
        "5", "5", "ок", "5", "5", "ок",
    ]  # fmt: skip
    assert rows[4][:6] == [EVENT, "5004", "applied", "2", "80.0", "4"]
    assert rows[5][:6] == [EVENT, "5005", "applied", "", "", "5"]
    assert rows[5][8:] == ["", "", "", "", "", ""]

    out_path = tmp_path / "sel.xlsx"
    code, _, err = await cli(
        tmp_path, running.settings, "export", "--event", EVENT, "--output", str(out_path)
    )
    assert code == 0 and "5 row(s) written" in err
    sheet = openpyxl.load_workbook(out_path).active
    assert sheet is not None and sheet.freeze_panes == "A2"
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert list(values[0]) == HEADER
    assert [r[1] for r in values[1:]] == list(APPLICANTS)  # ranked order
    assert values[1][4] == 100.0 and values[1][5] == 1

    reply = await ulyana.click("Выгрузить")
    assert len(reply.documents) == 1
    document = reply.documents[0]
    assert document.filename == f"selection-{EVENT}.xlsx"
    chat = openpyxl.load_workbook(io.BytesIO(document.content)).active
    assert chat is not None
    assert [list(r) for r in chat.iter_rows(values_only=True)] == values


async def test_the_words_to_the_rejected(running: RunningBot, server: StandInServer) -> None:
    ulyana = await open_selection(running, server)
    await ulyana.click("Слова для не прошедших")
    reply = await ulyana.send_sticker()
    assert "отправьте текст" in reply.text
    reply = await ulyana.send("Очень " * 200)
    assert "Слишком длинно: 1200 знаков, можно до 1000" in reply.text
    reply = await ulyana.send("Спасибо всем & до встречи")
    assert "Текст сохранён" in reply.text and "Отбор:" in reply.text
    notes = {a.note for a in await DecisionRepo(running.db).applications(EVENT)}
    assert notes == {"Спасибо всем & до встречи"}
    await ulyana.click("Слова для не прошедших")
    reply = await ulyana.send("-")
    assert "убран" in reply.text
    assert {a.note for a in await DecisionRepo(running.db).applications(EVENT)} == {None}


async def test_an_ordinary_event_has_no_selection_button(
    running: RunningBot, server: StandInServer
) -> None:
    from tests.support.running import make_event

    await running.add_events(make_event("ufo-online"))
    ulyana = await coordinator(running, server)
    card = await open_event(ulyana, "УФО")
    assert "🏆 Отбор" not in card.buttons
    reply = await ulyana.click_data(
        SelEventCb(action=SdAction.SCREEN, event_id="ufo-online").pack()
    )
    assert "не найдено" in " ".join(reply.alerts) and not reply.messages
