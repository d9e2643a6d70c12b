"""The report of an event (issue 10, item 6), through the real bot: the checklist to the
district's coordinator, the dialog taking photos, a document and the text in any order across
a restart, the files downloaded into REPORTS_DIR (and fetched again after Telegram failed),
the reminder when the report is due (once), and who may do what."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings
from storage.db import utcnow
from storage.reports import NewFile, ReportRepo
from tests.support.coord import PFO, appoint, staff
from tests.support.people import Person
from tests.support.reports import ended, eventually, quick_job, report_settings
from tests.support.running import RunningBot, make_event
from tests.support.stand_in import ApiCall, StandInServer

PDF = b"%PDF-1.4 scanned registration sheet"
PHOTOS = [b"\xff\xd8\xff photo %d" % n for n in range(1, 4)]


@pytest.fixture
def settings(tmp_path: Path, server: StandInServer) -> Settings:
    return report_settings(tmp_path, server)


@pytest.fixture(autouse=True)
def _quick(monkeypatch: pytest.MonkeyPatch) -> None:
    quick_job(monkeypatch)


def text_to(person: Person, fragment: str) -> Any:
    return lambda c: (
        c.ok
        and c.chat_id == person.id
        and c.method == "sendMessage"
        and fragment in str(c.params.get("text"))
    )


def sent_to(server: StandInServer, person: Person, fragment: str) -> list[ApiCall]:
    return [c for c in server.calls if text_to(person, fragment)(c)]


async def restart(running: RunningBot, server: StandInServer) -> None:
    await running.stop()
    await running.start()
    await server.wait_polling()


async def test_the_coordinator_sends_the_report_in_any_order_across_a_restart(
    running: RunningBot, server: StandInServer, settings: Settings
) -> None:
    await appoint(running.db)
    people = staff(server)
    pavel, ulyana, admin = people["pfo"], people["ufo"], people["admin"]
    for person in people.values():
        server.add_chat(person.user)
    await running.add_events(ended())

    checklist = await server.wait_for(text_to(pavel, "прошло"), timeout=10)
    assert "Семинар в Казани" in str(checklist.params["text"])
    assert "Пришли 0 из 15 необходимых ✗" in str(checklist.params["text"])
    reply = await pavel.click("Заполнить отчёт")
    assert "в любом порядке" in reply.text
    assert "⬜ Фотографии: 0 из 3" in reply.text

    reply = await pavel.send("Пришли 17 человек из 9 организаций, обсудили гранты.")
    assert "Текст отчёта сохранён" in reply.text
    assert "✅ Короткий текстовый отчёт" in reply.text
    reply = await pavel.send_photo(content=PHOTOS[0])
    assert "Фото сохранено" in reply.text and "Фотографии: 1 из 3" in reply.text

    await restart(running, server)  # the dialog and what was sent survive it

    reply = await pavel.send_photo(content=PHOTOS[1])
    assert "Фотографии: 2 из 3" in reply.text
    reply = await pavel.send_document(PDF, "лист регистрации.pdf", "application/pdf")
    assert "Файл «лист регистрации.pdf» сохранён" in reply.text
    assert "⬜ Скан регистрационного листа: 0" in reply.text
    reply = await pavel.click("Это регистрационный лист")
    assert "✅ Скан регистрационного листа: 1" in reply.text
    reply = await pavel.click("Готово")  # two photos of three: not yet
    assert reply.alerts and "не меньше 3 фотографий" in reply.alerts[0]
    assert not (await ReportRepo(running.db).get("pfo-kazan")).submitted  # type: ignore[union-attr]
    reply = await pavel.send_sticker()
    assert "фото, файл" in reply.text
    reply = await pavel.send_photo(content=PHOTOS[2])
    assert "Всё на месте" in reply.text
    reply = await pavel.click("Готово")
    assert "отправлен" in reply.text

    report = await ReportRepo(running.db).get("pfo-kazan")
    assert report is not None and report.submitted and report.submitted_by == PFO
    assert report.text == "Пришли 17 человек из 9 организаций, обсудили гранты."
    files = await ReportRepo(running.db).files("pfo-kazan")
    assert sorted(f.kind for f in files) == ["photo", "photo", "photo", "sheet"]
    root = settings.reports_dir
    stored = sorted((root / f.path).read_bytes() for f in files if f.path)
    assert stored == sorted([*PHOTOS, PDF])  # every file on disk, in the event's folder
    assert all(f.path and f.path.startswith("pfo-kazan/") for f in files)

    reply = await pavel.click_data("rp1:d:pfo-kazan:0")  # "Done" again
    assert reply.alerts == ["Этот отчёт уже отправлен — спасибо!"]
    await server.wait_idle()
    # the district has its coordinator: neither the other district's nor the admin is asked
    assert sent_to(server, ulyana, "прошло") == [] and sent_to(server, admin, "прошло") == []


async def test_a_file_telegram_would_not_give_is_kept_and_fetched_later(
    running: RunningBot, server: StandInServer, settings: Settings
) -> None:
    await appoint(running.db)
    pavel = staff(server)["pfo"]
    server.add_chat(pavel.user)
    await running.add_events(ended())
    await server.wait_for(text_to(pavel, "прошло"), timeout=10)
    await pavel.click("Заполнить отчёт")
    server.fail(
        "getFile", error_code=400, description="Bad Request: file is temporarily unavailable"
    )
    reply = await pavel.send_document(
        PDF, "scan.pdf", "application/pdf", caption="Лист регистрации"
    )
    assert "регистрационный лист" in reply.text  # the caption said "лист": it is the sheet
    repo = ReportRepo(running.db)
    (file,) = await repo.files("pfo-kazan")
    assert file.kind == "sheet" and file.file_id  # kept by file_id at once

    async def downloaded() -> bool:
        (row,) = await repo.files("pfo-kazan")
        return row.path is not None

    await eventually(downloaded)  # the report job tried again
    (file,) = await repo.files("pfo-kazan")
    assert (settings.reports_dir / str(file.path)).read_bytes() == PDF


async def test_files_telegram_no_longer_has_do_not_hold_up_the_others(
    running: RunningBot, server: StandInServer, settings: Settings
) -> None:
    """Sixty older files whose file_id Telegram refuses for good come first in the list the
    running bot's report job works through; a scan kept after them is still fetched, and the
    refused ones are not asked for again at every run (they wait 1, 2, 4 ... minutes)."""
    await appoint(running.db)
    await running.add_events(ended())
    repo = ReportRepo(running.db)
    for n in range(60):
        gone = NewFile("photo", f"gone-{n}", f"gone-unique-{n}", None, 10)
        await repo.add_file("pfo-kazan", gone, staff(server)["pfo"].id, utcnow())
    file_id, unique_id = server.store_file(PDF, "scan.pdf", "application/pdf")
    scan = NewFile("sheet", file_id, unique_id, "scan.pdf", len(PDF))
    await repo.add_file("pfo-kazan", scan, staff(server)["pfo"].id, utcnow())

    async def scan_downloaded() -> bool:
        return any(f.path for f in await repo.files("pfo-kazan"))

    await eventually(scan_downloaded)
    [fetched] = [f for f in await repo.files("pfo-kazan") if f.path]
    assert (settings.reports_dir / str(fetched.path)).read_bytes() == PDF
    asked = Counter(str(c.params.get("file_id")) for c in server.calls if c.method == "getFile")
    gone_asked = {k: n for k, n in asked.items() if k.startswith("gone-")}
    assert len(gone_asked) == 60 and set(gone_asked.values()) == {1}, gone_asked


@pytest.fixture
def due_tomorrow(settings: Settings) -> Settings:
    return settings.model_copy(update={"report_due_days": 1})


async def test_the_report_due_reminder_comes_once(
    due_tomorrow: Settings, server: StandInServer
) -> None:
    running = RunningBot(due_tomorrow)
    await running.start()
    try:
        await server.wait_polling()
        await appoint(running.db)
        pavel = staff(server)["pfo"]
        server.add_chat(pavel.user)
        await running.add_events(ended(ago=timedelta(days=2)))
        first = await server.wait_for(text_to(pavel, "Напоминание: отчёт"), timeout=10)
        assert "Семинар в Казани" in str(first.params["text"])
        assert "1 дн." in str(first.params["text"])
        report = await ReportRepo(running.db).get("pfo-kazan")
        assert report is not None and report.reminded_at is not None

        await restart(running, server)
        # a second late event: when its reminder has come, the job has run again since
        await running.add_events(ended("pfo-ufa", ago=timedelta(days=3), title="Семинар в Уфе"))
        await server.wait_for(text_to(pavel, "Напоминание: отчёт по «Семинар в Уфе»"), timeout=10)
        assert len(sent_to(server, pavel, "Напоминание: отчёт по «Семинар в Казани»")) == 1
    finally:
        await running.stop()


async def test_who_may_open_a_report(
    running: RunningBot, server: StandInServer, irina: Person
) -> None:
    await appoint(running.db)
    people = staff(server)
    pavel, ulyana = people["pfo"], people["ufo"]
    server.add_chat(pavel.user)
    await running.add_events(ended(), make_event("ufo-future", kind="seminar"))
    await server.wait_for(text_to(pavel, "прошло"), timeout=10)

    # another district's coordinator: the list is empty, forged buttons open nothing
    reply = await ulyana.send("/report")
    assert "Отчётов пока не нужно" in reply.text
    no_access = (
        "Этот отчёт недоступен: мероприятие не из вашего округа, ещё не закончилось "
        "или было отменено."
    )
    for data in ("rp1:o:pfo-kazan:0", "rp1:d:pfo-kazan:0", "rp1:s:pfo-kazan:1", "rp1:o:nope:0"):
        reply = await ulyana.click_data(data)
        assert reply.alerts == [no_access], data
    reply = await ulyana.send("/reports")
    assert "только администраторам" in reply.text
    reply = await ulyana.click_data("rs1:h::")
    assert reply.alerts == ["Это доступно только администраторам."]

    # the event's own coordinator: not before the event has ended
    reply = await pavel.send("/report")
    assert "Семинар в Казани" in reply.buttons[0]
    reply = await pavel.click_data("rp1:o:ufo-future:0")
    assert reply.alerts == [no_access]
    await pavel.click("Семинар в Казани")
    too_long = "Очень подробно. " * 400
    reply = await pavel.send(too_long)
    assert "Текст слишком длинный" in reply.text
    report = await ReportRepo(running.db).get("pfo-kazan")
    assert report is None or report.text is None  # nothing changed
    reply = await pavel.send("/cancel")
    assert "Всё присланное сохранено" in reply.text
    assert (await ReportRepo(running.db).files("pfo-kazan")) == []

    # a participant: neither command, nor the buttons
    for command in ("/report", "/reports"):
        reply = await irina.send(command)
        assert "для координаторов программы" in reply.text
    for data in ("rp1:o:pfo-kazan:0", "rs1:p::", "rs1:n:pfo:pfo-kazan"):
        reply = await irina.click_data(data)
        assert reply.alerts == ["Эта кнопка — для координаторов программы."], data
    assert await ReportRepo(running.db).get("pfo-kazan") is None  # nobody changed anything
