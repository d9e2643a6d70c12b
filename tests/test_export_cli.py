"""`python -m bot export`: CSV with BOM and XLSX, one row per registration, safe cells."""

from __future__ import annotations

import asyncio
import csv
import io
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from bot.cli.main import main
from bot.events.files import import_events, read_events_file
from bot.registration.form import default_form
from bot.registration.regions import default_regions
from bot.registration.service import RegistrationService
from bot.staff.export import FIXED, Table, registration_table, to_csv, to_xlsx
from storage.db import Database, utcnow
from storage.participants import ParticipantRepo
from tests.support.columns import ATTENDANCE_COLUMNS, EXPORT_FIXED_COLUMNS, SHIPPED_FORM_IDS
from tests.support.process import ROOT

MSK = ZoneInfo("Europe/Moscow")
NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)  # 12:00 in Moscow
EVENT = "seminar-kazan"
FORMULA = '=HYPERLINK("http://evil.example","Нажмите")'
HEADER = [*EXPORT_FIXED_COLUMNS, *SHIPPED_FORM_IDS, "topic", "arrival", *ATTENDANCE_COLUMNS]

EVENTS_YAML = """
events:
  - id: seminar-kazan
    title: "Семинар «НКО и местное самоуправление»"
    kind: seminar
    district: pfo
    starts_at: "2027-01-20T10:00:00"
    duration_minutes: 420
    location: "г. Казань, ул. Пушкина, д. 66/33, Дом дружбы народов Татарстана"
    capacity: 2
    questions:
      - id: topic
        type: text
        prompt: "Какой вопрос обсудить?"
        required: false
      - id: arrival
        type: choice
        prompt: "Как добираетесь?"
        options:
          - {id: local, label: {ru: "Живу в Казани", en: "I live in Kazan"}}
          - {id: bus, label: {ru: "Автобусом", en: "By bus"}}
  - id: empty-webinar
    title: "Вебинар без регистраций"
    kind: webinar
    starts_at: "2027-01-21T11:00:00"
    duration_minutes: 60
    online_url: https://events.example.ru/empty
"""

PEOPLE = {
    # telegram id: (username, full name, organization, topic, arrival)
    101: ("ivanova_m", "Иванова Мария Петровна", FORMULA, "Гранты для НКО", "local"),
    102: (None, "Петров Пётр", "@SUM(A1:A9)", None, "bus"),
    103: ("gabdullin", "Габдуллин Рустам Ильдарович", "АНО «Татарская слобода»", "-2+3", "bus"),
    104: (None, "Смирнова Анна", "Фонд «Наследие»", "+7 912 000", "local"),
    105: ("nkoleader", "Ли Виктор", "Корейский культурный центр", "=1+1", "bus"),
}


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


async def populate(path: Path) -> None:
    """Registrations made through the service, as the bot makes them."""
    events_file = path.parent / "events.yaml"
    events_file.write_text(EVENTS_YAML, "utf-8")
    clock = Clock()
    async with Database(path) as db:
        await import_events(db, read_events_file(events_file, MSK), utcnow())
        service = RegistrationService(db, default_form(), default_regions(), clock=clock)
        people = ParticipantRepo(db)
        async with db.transaction() as conn:
            for pid, (username, *_rest) in PEOPLE.items():
                await people.upsert_seen(conn, pid, "Имя", username, "ru", clock())

        async def register(pid: int) -> None:
            _, name, org, topic, arrival = PEOPLE[pid]
            profile: dict[str, str | None] = {
                "consent": "yes",
                "full_name": name,
                "organization": org,
                "position": "председатель",
                "role": "ngo_leader",
                "region": "RU-TA",
                "phone": f"+7912000{pid:04d}",
                "email": f"p{pid}@example.ru",
            }
            await service.register(pid, EVENT, profile, {"topic": topic, "arrival": arrival})
            clock.now += timedelta(minutes=1)

        for pid in (101, 102, 103, 104):  # 103 and 104 wait
            await register(pid)
        await service.cancel(102, EVENT)  # 103 is promoted
        clock.now += timedelta(minutes=1)
        await register(105)  # waits behind 104


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("export") / "bot.sqlite3"
    asyncio.run(populate(path))
    return path


def cli_env(database: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k.upper() not in {"BOT_TOKEN", "FORM_PATH"}}
    return env | {
        "PYTHONPATH": str(ROOT),
        "DATABASE_PATH": str(database),
        "TIMEZONE": "Europe/Moscow",
        "DEFAULT_LOCALE": "ru",
    }


def run_cli(database: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "export", *args],
        cwd=cwd,
        env=cli_env(database),
        capture_output=True,
        timeout=60,
        check=False,
    )


def by_id(rows: list[list[str]]) -> dict[str, list[str]]:
    return {row[1]: row for row in rows}


# --- CSV ---------------------------------------------------------------------------------------


def test_csv_to_stdout(database: Path, tmp_path: Path) -> None:
    done = run_cli(database, tmp_path, "--event", EVENT)
    assert done.returncode == 0, done.stderr.decode()
    data = done.stdout
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 with BOM, so Excel reads Cyrillic"
    text = data.decode("utf-8-sig")
    assert text.startswith("event_id,telegram_id,username,status,waitlist_position,registered_at,")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == HEADER
    body = rows[1:]
    # registered first, then the waiting list in order, then the cancelled
    assert [(r[1], r[3], r[4]) for r in body] == [
        ("101", "registered", ""),
        ("103", "registered", ""),
        ("104", "waitlisted", "1"),
        ("105", "waitlisted", "2"),
        ("102", "cancelled", ""),
    ]
    rows_by_id = by_id(body)
    first = dict(zip(HEADER, rows_by_id["101"], strict=True))
    assert first["event_id"] == EVENT
    assert first["username"] == "ivanova_m"
    assert first["registered_at"] == "2026-11-20 12:00:00"  # 09:00 UTC in Moscow
    assert first["consent"] == "2026-11-20 12:00:00"
    assert first["full_name"] == "Иванова Мария Петровна"
    assert first["role"] == "Руководитель НКО"
    assert first["region"] == "Республика Татарстан"
    assert first["phone"] == "+79120000101"
    assert first["topic"] == "Гранты для НКО"
    assert first["arrival"] == "Живу в Казани"
    # what a person typed never becomes a formula
    assert first["organization"] == "'" + FORMULA
    assert dict(zip(HEADER, rows_by_id["102"], strict=True))["organization"] == "'@SUM(A1:A9)"
    assert dict(zip(HEADER, rows_by_id["105"], strict=True))["topic"] == "'=1+1"
    assert dict(zip(HEADER, rows_by_id["103"], strict=True))["topic"] == "'-2+3"
    cancelled = dict(zip(HEADER, rows_by_id["102"], strict=True))
    assert cancelled["username"] == ""
    assert cancelled["topic"] == ""
    assert cancelled["registered_at"] == "2026-11-20 12:01:00"


# --- XLSX --------------------------------------------------------------------------------------


def test_xlsx_file_has_the_same_rows(database: Path, tmp_path: Path) -> None:
    async def as_csv() -> bytes:
        async with Database(database) as db:
            return to_csv(
                await registration_table(db, EVENT, default_form(), default_regions(), MSK)
            )

    csv_rows = list(csv.reader(io.StringIO(asyncio.run(as_csv()).decode("utf-8-sig"))))
    out = tmp_path / "out" / "seminar.xlsx"
    done = run_cli(database, tmp_path, "--event", EVENT, "--format", "xlsx", "--output", str(out))
    assert done.returncode == 0, done.stderr.decode()
    assert "5 row(s) written" in done.stderr.decode()
    sheet = openpyxl.load_workbook(out).active
    assert sheet is not None
    assert sheet.title == EVENT
    cells = list(sheet.iter_rows())
    assert [c.value for c in cells[0]] == HEADER
    assert len(cells) == len(csv_rows) == 6
    for xlsx_row, csv_row in zip(cells[1:], csv_rows[1:], strict=True):
        for cell, text in zip(xlsx_row, csv_row, strict=True):
            value = "" if cell.value is None else str(cell.value)
            assert value == text.removeprefix("'"), (cell.coordinate, text)
            assert cell.data_type != "f", f"{cell.coordinate} became a formula"
    organizations = {str(row[1].value): row[8] for row in cells[1:]}
    assert organizations["101"].value == FORMULA
    assert organizations["101"].data_type == "s"
    assert cells[1][1].value == 101  # ids stay numbers


# --- errors --------------------------------------------------------------------------------------


def test_unknown_event_exits_1_with_a_clear_message(
    database: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, value in cli_env(database).items():
        monkeypatch.setenv(name, value)
    assert main(["export", "--event", "no-such-event"]) == 1
    err = capsys.readouterr().err
    assert "Error: no event with id 'no-such-event'" in err
    assert "Traceback" not in err


def test_xlsx_needs_an_output_file(
    database: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, value in cli_env(database).items():
        monkeypatch.setenv(name, value)
    assert main(["export", "--event", EVENT, "--format", "xlsx"]) == 2
    assert "XLSX needs --output" in capsys.readouterr().err


def test_export_without_a_database_creates_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Regression: run from the wrong directory, export created an empty database there and
    # then reported the event as unknown.
    missing = tmp_path / "data" / "bot.sqlite3"
    for name, value in cli_env(missing).items():
        monkeypatch.setenv(name, value)
    assert main(["export", "--event", EVENT]) == 1
    assert f"no database at {missing}" in capsys.readouterr().err
    assert not missing.exists()


# --- the table itself --------------------------------------------------------------------------


async def test_registered_at_follows_timezone(database: Path) -> None:
    async with Database(database) as db:
        table = await registration_table(
            db, EVENT, default_form(), default_regions(), ZoneInfo("Asia/Vladivostok")
        )
    assert table.header[: len(FIXED)] == FIXED
    first = dict(zip(table.header, table.rows[0], strict=True))
    assert first["registered_at"] == "2026-11-20 19:00:00"  # UTC+10
    assert first["telegram_id"] == 101
    assert first["waitlist_position"] is None


async def test_english_labels_and_an_event_without_registrations(database: Path) -> None:
    async with Database(database) as db:
        english = await registration_table(db, EVENT, default_form(), default_regions(), MSK, "en")
        empty = await registration_table(
            db, "empty-webinar", default_form(), default_regions(), MSK
        )
    first = dict(zip(english.header, english.rows[0], strict=True))
    assert first["role"] == "NGO leader"
    assert first["region"] == "Republic of Tatarstan"
    assert first["arrival"] == "I live in Kazan"
    assert empty.rows == []
    assert empty.header == FIXED + default_form().ids + ATTENDANCE_COLUMNS
    assert to_csv(empty).decode("utf-8-sig").strip() == ",".join(empty.header)


def test_xlsx_with_control_characters_in_an_answer() -> None:
    # Regression: openpyxl refuses control characters, so one answer pasted with a form
    # feed or an escape stopped the whole export with IllegalCharacterError.
    table = Table(["full_name", "topic"], [["Иванова\x0cМария", "строка 1\nстрока 2\x1b"]])
    sheet = openpyxl.load_workbook(io.BytesIO(to_xlsx(table))).active
    assert sheet is not None
    assert [c.value for c in sheet[2]] == ["ИвановаМария", "строка 1\nстрока 2"]


def test_csv_keeps_phone_numbers_and_negative_numbers_plain() -> None:
    table = Table(["phone", "count", "note"], [["+79120000101", "-5", "- пункт"]])
    rows = list(csv.reader(io.StringIO(to_csv(table).decode("utf-8-sig"))))
    assert rows[1] == ["+79120000101", "-5", "'- пункт"]
