"""The admins' overview and the pack for the federal centre (issue 10, item 7): /reports per
district with attendance against the minimum and the report's state, a nudge to a late
coordinator, the ZIP in the chat, and ``python -m bot reports pack``."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import zipfile
from datetime import timedelta
from pathlib import Path

import openpyxl
import pytest

import handlers.reports.overview
from bot.config import Settings
from bot.events.files import import_events
from storage.db import Database, utcnow
from storage.feedback import FeedbackRepo
from storage.reports import NewFile, ReportRepo
from tests.support.attendance_seed import mark_came, walk_in
from tests.support.coord import appoint, staff
from tests.support.process import ROOT
from tests.support.reports import ended, enrol, report_settings
from tests.support.running import RunningBot
from tests.support.stand_in import StandInServer

SEMINAR = "Семинар в Казани"
ROUND = "Круглый стол «Диалог культур»"
PHOTO = b"\xff\xd8\xff a photo of the seminar %d"
SHEET = b"%PDF-1.4 the signed sheet"


@pytest.fixture
def settings(tmp_path: Path, server: StandInServer) -> Settings:
    return report_settings(tmp_path, server)


async def seed(db: Database, server: StandInServer, reports_dir: Path) -> None:
    """The Kazan seminar: 20 registered, 16 came and a walk-in, two ratings, its report
    submitted (three photos on disk, the sheet still only in Telegram). The Ural round
    table the day before: 5 registered, 3 came, no report."""
    now = utcnow()
    await import_events(
        db,
        [
            ended(),
            ended(
                "ufo-round",
                ago=timedelta(days=1),
                title=ROUND,
                kind="round_table",
                district="ufo",
                location=None,
                online_url="https://meet.example.org/round",
            ),
        ],
        now,
    )
    for n in range(1, 21):
        profile: dict[str, str | None] = {
            "full_name": f"Участник Семинара {n:02d}",
            "organization": f"НКО № {n}",
            "region": "RU-TA",
        }
        await enrol(db, "pfo-kazan", 20_000 + n, profile)
        if n <= 16:
            await mark_came(db, "pfo-kazan", 20_000 + n, method="qr" if n % 2 else "manual")
    await walk_in(db, "pfo-kazan", "Гость Без Телеграма", "Дом дружбы", "Казань")
    for n in range(1, 6):
        await enrol(db, "ufo-round", 21_000 + n)
        if n <= 3:
            await mark_came(db, "ufo-round", 21_000 + n)
    feedback = FeedbackRepo(db)
    await feedback.add_answer("pfo-kazan", 20_001, "rating", "4", now)
    await feedback.add_answer("pfo-kazan", 20_002, "rating", "5", now)
    await feedback.add_answer("pfo-kazan", 20_002, "comment", "=SUM(A1) полезно", now)

    repo = ReportRepo(db)
    for n in range(1, 4):
        file_id, unique = server.store_file(PHOTO % n, "photo.jpg", "image/jpeg", "photo")
        row, _ = await repo.add_file(
            "pfo-kazan", NewFile("photo", file_id, unique, None, 30), 7003, now
        )
        target = reports_dir / "pfo-kazan" / f"{row.id}_photo.jpg"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(PHOTO % n)
        await repo.set_path(row.id, f"pfo-kazan/{target.name}")
    file_id, unique = server.store_file(SHEET, "sheet.pdf", "application/pdf")
    await repo.add_file("pfo-kazan", NewFile("sheet", file_id, unique, "sheet.pdf", 25), 7003, now)
    await repo.set_text("pfo-kazan", "Семинар прошёл: 17 участников, 9 организаций.", now)
    await repo.submit("pfo-kazan", 7003, now)


def rows_of(data: bytes) -> list[list[object]]:
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert sheet is not None
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def check_seminar_folder(archive: zipfile.ZipFile, folder: str) -> None:
    names = set(archive.namelist())
    for part in ("attendance.xlsx", "report.txt", "feedback.csv"):
        assert f"{folder}/{part}" in names
    photos = sorted(n for n in names if n.startswith(f"{folder}/photos/"))
    assert [archive.read(n) for n in photos] == [PHOTO % n for n in range(1, 4)]
    sheet = rows_of(archive.read(f"{folder}/attendance.xlsx"))
    assert sheet[0] == [
        "no", "name", "organisation", "region", "attended", "checked_in_at", "check_in_method"
    ]  # fmt: skip
    people = sheet[1:]
    assert len(people) == 21  # 20 registered and the walk-in
    assert [r[4] for r in people].count("yes") == 17
    assert people[0][1:5] == ["Участник Семинара 01", "НКО № 1", "Республика Татарстан", "yes"]
    assert people[19][1] == "Участник Семинара 20" and people[19][4] == "no"
    assert people[19][5] is None and people[19][6] is None
    assert people[20][1:5] == ["Гость Без Телеграма", "Дом дружбы", "Казань", "yes"]
    assert people[20][6] == "walk_in"
    report = archive.read(f"{folder}/report.txt").decode()
    assert "Семинар прошёл: 17 участников" in report and "attended: 17" in report
    feedback = archive.read(f"{folder}/feedback.csv").decode("utf-8-sig")
    assert "'=SUM(A1) полезно" in feedback  # never a formula


async def test_the_overview_the_nudge_and_the_pack_in_the_chat(
    running: RunningBot, server: StandInServer, settings: Settings
) -> None:
    await appoint(running.db)
    people = staff(server)
    admin, ulyana = people["admin"], people["ufo"]
    server.add_chat(ulyana.user)
    await seed(running.db, server, settings.reports_dir)

    reply = await admin.send("/start")
    assert "/reports" in reply.text  # admins find it from /start
    reply = await admin.send("/reports")
    assert (
        "Приволжский федеральный округ</b>: проведено 1, порог выполнен 1, отчётов 1 из 1"
        in (reply.last.params["text"])
    )
    assert (
        "Уральский федеральный округ</b>: проведено 1, порог выполнен 0, отчётов 0 из 1"
        in (reply.last.params["text"])
    )
    reply = await admin.click("Уральский федеральный округ")
    assert f"{ROUND}\n   пришли 3 из 30 ✗ · отчёт: ❌ нет" in reply.text
    reply = await admin.click(f"🔔 Напомнить: {ROUND}")
    assert reply.alerts == ["Напоминание отправлено координатору."]
    nudge = await server.wait_for(
        lambda c: c.ok and c.chat_id == ulyana.id and "Администратор просит" in str(c.params)
    )
    assert ROUND in str(nudge.params["text"]) and "Пришли 3 из 30 необходимых ✗" in str(
        nudge.params["text"]
    )
    reply = await admin.click(f"🔔 Напомнить: {ROUND}")
    assert reply.alerts == ["Сегодня напоминание уже отправлялось."]
    reply = await admin.click("Все округа")
    reply = await admin.click("Приволжский федеральный округ")
    assert "пришли 17 из 15 ✓ · отчёт: ✅ отправлен" in reply.text
    assert not [b for b in reply.buttons if "Напомнить" in b]  # submitted: nothing to nudge
    reply = await admin.click("Все округа")

    reply = await admin.click("Пакет отчётов всех округов")
    (document,) = reply.documents
    archive = zipfile.ZipFile(io.BytesIO(document.content))
    day = utcnow().date()
    folders = sorted({n.split("/")[0] for n in archive.namelist() if "/" in n})
    assert len(folders) == 2 and folders[1].endswith("_pfo-kazan")
    assert folders[0].endswith("_ufo-round")
    check_seminar_folder(archive, folders[1])
    # the sheet was only in Telegram: downloaded now, for the pack
    assert [archive.read(n) for n in archive.namelist() if "/sheets/" in n] == [SHEET]
    summary = rows_of(archive.read("summary.xlsx"))
    assert summary[0] == [
        "date", "district", "kind", "event_id", "title", "registered", "attended", "minimum",
        "minimum_met", "feedback_average", "report_submitted",
    ]  # fmt: skip
    by_id = {row[3]: row for row in summary[1:]}
    seminar, table = by_id["pfo-kazan"], by_id["ufo-round"]
    assert seminar[1:] == [
        "Приволжский федеральный округ", "seminar", "pfo-kazan", SEMINAR, 20, 17, 15, "yes",
        4.5, "yes",
    ]  # fmt: skip
    assert table[1:] == [
        "Уральский федеральный округ", "round_table", "ufo-round", ROUND, 5, 3, 30, "no",
        None, "no",
    ]  # fmt: skip
    assert str(seminar[0]) in {str(day), str(day - timedelta(days=1))}


def pack(settings: Settings, cwd: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    env = {k: v for k, v in os.environ.items() if k.upper() not in {"BOT_TOKEN", "FORM_PATH"}}
    env |= {
        "PYTHONPATH": str(ROOT),
        "DATABASE_PATH": str(settings.database_path),
        "REPORTS_DIR": str(settings.reports_dir),
        "TIMEZONE": "Europe/Moscow",
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", "reports", "pack", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        timeout=120,
        check=False,
    )


async def test_the_pack_command_for_one_district(
    settings: Settings, server: StandInServer, tmp_path: Path
) -> None:
    async with Database(settings.database_path) as db:
        await seed(db, server, settings.reports_dir)
    output = tmp_path / "out" / "pack.zip"
    done = pack(settings, tmp_path, "--district", "pfo", "--output", str(output))
    assert done.returncode == 0, done.stderr.decode()
    assert "1 event(s)" in done.stderr.decode()
    archive = zipfile.ZipFile(output)
    (folder,) = {n.split("/")[0] for n in archive.namelist() if "/" in n}
    check_seminar_folder(archive, folder)
    # no BOT_TOKEN: the sheet still only in Telegram is named in report.txt, not lost
    report = archive.read(f"{folder}/report.txt").decode()
    assert "sheet: sheet.pdf file_id=" in report
    summary = rows_of(archive.read("summary.xlsx"))
    assert [row[3] for row in summary[1:]] == ["pfo-kazan"]

    later = (utcnow() + timedelta(days=2)).date().isoformat()
    done = pack(settings, tmp_path, "--from", later, "--output", str(tmp_path / "none.zip"))
    assert done.returncode == 0 and "0 event(s)" in done.stderr.decode()
    done = pack(settings, tmp_path, "--district", "atlantis", "--output", str(output))
    assert done.returncode == 2 and "unknown district" in done.stderr.decode()
    done = pack(settings, tmp_path, "--from", "30.11.2026", "--output", str(output))
    assert done.returncode == 2 and "not a date" in done.stderr.decode()


async def test_a_pack_too_big_for_telegram_names_the_command(
    running: RunningBot,
    server: StandInServer,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(handlers.reports.overview, "TELEGRAM_LIMIT", 100)  # bytes, not 50 MB
    await appoint(running.db)
    admin = staff(server)["admin"]
    await seed(running.db, server, settings.reports_dir)
    await admin.send("/reports")
    await admin.click("Приволжский федеральный округ")
    reply = await admin.click("Пакет отчётов округа")
    assert not reply.documents
    assert "больше 50 МБ" in reply.text
    assert "python -m bot reports pack --district pfo --output pack.zip" in reply.text
