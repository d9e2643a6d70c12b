"""The events file: the shipped examples, validation, all-or-nothing import, the CLI."""

from __future__ import annotations

import dataclasses
import json
import os
import sqlite3
import subprocess
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

from bot.cli.main import main
from bot.events.durations import parse_offset
from bot.events.files import EventsFileError, import_events, read_events_file
from bot.registration.form import QuestionType, parse_questions
from storage.db import Database
from storage.events import EventRepo
from storage.models import EventStatus
from tests.support.process import ROOT, run_cli
from tests.support.running import MSK

EXAMPLES = ROOT / "examples" / "events.yaml"
NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    async with Database(tmp_path / "bot.sqlite3") as database:
        yield database


def example_events() -> list[dict[str, Any]]:
    events = yaml.safe_load(EXAMPLES.read_text("utf-8"))["events"]
    assert isinstance(events, list)
    return events


def write_yaml(tmp_path: Path, events: list[Any], name: str = "events.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump({"events": events}, allow_unicode=True), "utf-8")
    return path


def minimal(**fields: Any) -> dict[str, Any]:
    event: dict[str, Any] = {
        "id": "webinar-1",
        "title": "Вебинар «Грантовые конкурсы для этнокультурных НКО»",
        "kind": "webinar",
        "starts_at": "2026-12-09T11:00:00",
        "duration_minutes": 90,
        "online_url": "https://events.example.ru/webinar-1",
    }
    event.update(fields)
    return {k: v for k, v in event.items() if v is not None}


def refused(tmp_path: Path, event: dict[str, Any]) -> str:
    path = write_yaml(tmp_path, [minimal(id="first"), minimal(id="second"), event])
    with pytest.raises(EventsFileError) as caught:
        read_events_file(path, MSK)
    return str(caught.value)


# --- the shipped examples ---------------------------------------------------------------------


def test_examples_file_is_valid_and_complete() -> None:
    events = read_events_file(EXAMPLES, MSK)
    assert len(events) == 10
    online = [e for e in events if e.kind == "online_session"]
    assert sorted(e.district or "" for e in online) == sorted(
        ["cfo", "szfo", "yufo", "skfo", "pfo", "ufo", "sfo", "dfo"]
    )
    for event in online:
        assert event.title.startswith("Онлайн стратегическая сессия для НКО")
        assert event.online_url
        assert event.online_url.startswith("https://")
        assert event.duration_minutes == 180
        assert event.capacity
        assert event.registration_deadline is not None
        assert event.registration_deadline < event.starts_at
    seminar = next(e for e in events if e.kind == "seminar")
    assert seminar.capacity is not None
    assert seminar.capacity >= 15
    assert seminar.location
    assert not seminar.online_url
    questions = parse_questions(seminar.questions)
    assert [q.type for q in questions] == [QuestionType.TEXT, QuestionType.CHOICE]
    assert questions[0].id == "topic"
    round_table = next(e for e in events if e.kind == "round_table")
    assert round_table.capacity is not None
    assert round_table.capacity >= 30
    assert round_table.location
    for event in events:
        local = event.starts_at.astimezone(MSK)
        assert (local.year, local.month) in {(2026, 12), (2027, 1), (2027, 2)}, event.id
        assert any("а" <= ch <= "я" for ch in event.title.lower()), event.id
        assert event.description


async def test_examples_import_and_reimport_updates(db: Database) -> None:
    events = read_events_file(EXAMPLES, MSK)
    first = await import_events(db, events, NOW)
    assert len(first.created) == 10
    assert first.updated == []
    again = await import_events(db, read_events_file(EXAMPLES, MSK), NOW)
    assert again.created == []
    assert sorted(again.updated) == sorted(e.id for e in events)
    stored = await EventRepo(db).all()
    assert len(stored) == 10


async def test_reimport_changes_fields_of_the_same_event(db: Database, tmp_path: Path) -> None:
    await import_events(db, read_events_file(EXAMPLES, MSK), NOW)
    changed = example_events()
    changed[0]["title"] = "Онлайн стратегическая сессия ЦФО (перенесена)"
    changed[0]["starts_at"] = "2026-12-02T15:00:00"
    changed[0]["capacity"] = 150
    changed[0]["status"] = "cancelled"
    result = await import_events(db, read_events_file(write_yaml(tmp_path, changed), MSK), NOW)
    assert len(result.updated) == 10
    event = await EventRepo(db).get(changed[0]["id"])
    assert event is not None
    assert event.title == "Онлайн стратегическая сессия ЦФО (перенесена)"
    assert event.starts_at == datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
    assert event.capacity == 150
    assert event.status is EventStatus.CANCELLED
    assert len(await EventRepo(db).all()) == 10


# --- times -----------------------------------------------------------------------------------


async def test_times_without_offset_are_in_timezone_and_stored_in_utc(db: Database) -> None:
    await import_events(db, read_events_file(EXAMPLES, MSK), NOW)
    row = await db.fetchone(
        "SELECT starts_at, registration_deadline FROM events WHERE id = 'online-ufo-2026'"
    )
    assert row is not None
    # 14:00 Moscow time is 11:00 UTC
    assert row["starts_at"].startswith("2026-12-17T11:00:00")
    assert row["starts_at"].endswith("+00:00")
    assert row["registration_deadline"].startswith("2026-12-16T15:00:00")
    event = await EventRepo(db).get("online-ufo-2026")
    assert event is not None
    assert event.starts_at.astimezone(MSK).hour == 14


async def test_explicit_offset_is_honoured(db: Database) -> None:
    await import_events(db, read_events_file(EXAMPLES, MSK), NOW)
    repo = EventRepo(db)
    dfo = await repo.get("online-dfo-2026")
    table = await repo.get("roundtable-ekb-2027")
    assert dfo is not None
    assert table is not None
    assert dfo.starts_at == datetime(2026, 12, 24, 6, 0, tzinfo=UTC)  # 09:00+03:00
    assert table.starts_at == datetime(2027, 2, 18, 10, 0, tzinfo=UTC)  # 15:00+05:00


def test_timezone_setting_places_times_without_offset(tmp_path: Path) -> None:
    path = write_yaml(tmp_path, [minimal(starts_at="2026-12-09T11:00:00")])
    (in_moscow,) = read_events_file(path, MSK)
    (in_yekaterinburg,) = read_events_file(path, ZoneInfo("Asia/Yekaterinburg"))
    assert in_moscow.starts_at.astimezone(UTC).hour == 8
    assert in_yekaterinburg.starts_at.astimezone(UTC).hour == 6


def test_unquoted_yaml_timestamps_work(tmp_path: Path) -> None:
    path = tmp_path / "events.yaml"
    path.write_text(
        "events:\n"
        "  - id: unquoted\n"
        "    title: Мастер-класс\n"
        "    kind: master_class\n"
        "    starts_at: 2026-12-09T11:00:00\n"
        "    registration_deadline: 2026-12-08 18:00:00+03:00\n"
        "    duration_minutes: 60\n"
        "    location: г. Казань, ул. Пушкина, 1\n",
        "utf-8",
    )
    (event,) = read_events_file(path, MSK)
    assert event.starts_at == datetime(2026, 12, 9, 8, 0, tzinfo=UTC)
    assert event.registration_deadline == datetime(2026, 12, 8, 15, 0, tzinfo=UTC)


@pytest.mark.parametrize("starts_at", ["2026-12-09", "9 декабря, 14:00", "tomorrow", 1765000000])
def test_start_without_a_clock_time_is_refused(tmp_path: Path, starts_at: object) -> None:
    # Regression: a bare date (or a Unix timestamp) was accepted as midnight UTC/TIMEZONE.
    message = refused(tmp_path, minimal(id="bad-time", starts_at=starts_at))
    assert message.startswith("event 'bad-time' (#3): field starts_at: ")
    assert "2026-12-03T14:00:00" in message  # the hint


def test_unquoted_yaml_date_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "events.yaml"
    path.write_text(
        "events:\n  - {id: d, title: Т, kind: other, starts_at: 2026-12-09, "
        "duration_minutes: 60, location: Казань}\n",
        "utf-8",
    )
    with pytest.raises(EventsFileError, match=r"field starts_at: 2026-12-09 has no time of day"):
        read_events_file(path, MSK)


# --- all or nothing ----------------------------------------------------------------------------


async def test_bad_third_event_imports_nothing(db: Database, tmp_path: Path) -> None:
    events = example_events()
    events[2]["starts_at"] = "в четверг"
    path = write_yaml(tmp_path, events)
    with pytest.raises(EventsFileError) as caught:
        await import_events(db, read_events_file(path, MSK), NOW)
    message = str(caught.value)
    assert message.startswith("event 'online-yufo-2026' (#3): field starts_at: ")
    assert "'в четверг'" in message
    assert await EventRepo(db).all() == []


async def test_import_is_one_transaction(db: Database) -> None:
    good = read_events_file(EXAMPLES, MSK)
    broken = dataclasses.replace(good[2], starts_at=datetime(2026, 12, 8, 14, 0))  # naive: refused
    with pytest.raises(ValueError, match="naive datetime"):
        await import_events(db, [good[0], good[1], broken, good[3]], NOW)
    assert await EventRepo(db).all() == []


def test_several_errors_each_name_the_event_and_field(tmp_path: Path) -> None:
    # Regression: several errors were joined into one line and only the first named the
    # field cleanly ("...; event 'x' (#3).capacity: ...").
    message = refused(tmp_path, minimal(id="x", kind="party", capacity=0))
    lines = message.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("event 'x' (#3): field kind: ")
    assert "online_session" in lines[0]
    assert lines[1] == "event 'x' (#3): field capacity: Input should be greater than 0"


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"kind": "concert"}, "field kind: Input should be 'strategic_session'"),
        ({"district": "xfo"}, "field district: unknown district 'xfo'; one of cfo, szfo"),
        ({"district": "PFO"}, None),
        ({"online_url": None}, "field location: give location (in person) or online_url"),
        ({"online_url": "zoom"}, "field online_url: must be an http(s) link"),
        (
            {"registration_deadline": "2026-12-09T13:00:00"},
            "field registration_deadline: is after the event ends",
        ),
        (
            {"registration_deadline": "2026-12-09T12:31:00+03:00"},
            "field registration_deadline: is after the event ends",
        ),
        ({"reminders": ["1d", "2x"]}, "field reminders: '2x' is not a duration"),
        ({"capacity": -5}, "field capacity: Input should be greater than 0"),
        ({"duration_minutes": 0}, "field duration_minutes: Input should be greater than 0"),
        ({"title": "   "}, "field title: String should have at least 1 character"),
        ({"title": None}, "field title: is missing"),
        ({"colour": "red"}, "field colour: is not a known field"),
        ({"status": "postponed"}, "field status: Input should be 'scheduled' or 'cancelled'"),
        (
            {
                "questions": [
                    {
                        "id": "c",
                        "type": "consent",
                        "prompt": "x",
                        "version": "1",
                        "text": "Согласие",
                    }
                ]
            },
            "field questions: question 'c': consent belongs to the profile form",
        ),
        (
            {
                "questions": [
                    {"id": "topic", "type": "text", "prompt": "x"},
                    {"id": "Format", "type": "choice", "prompt": "y"},
                ]
            },
            "field questions: question #2: field id: 'Format' does not match",
        ),
        (
            {"questions": [{"id": "size", "type": "choice", "prompt": "x"}]},
            "field questions: question #1: a choice question needs options",
        ),
    ],
)
def test_bad_field_is_refused_naming_event_and_field(
    tmp_path: Path, fields: dict[str, Any], expected: str | None
) -> None:
    event = minimal(id="bad-one", **{k: v for k, v in fields.items() if v is not None})
    for key in [k for k, v in fields.items() if v is None]:
        event.pop(key)
    path = write_yaml(tmp_path, [minimal(id="first"), minimal(id="second"), event])
    if expected is None:
        assert read_events_file(path, MSK)[2].district == "pfo"
        return
    with pytest.raises(EventsFileError) as caught:
        read_events_file(path, MSK)
    assert str(caught.value).startswith("event 'bad-one' (#3): ")
    assert expected in str(caught.value)


@pytest.mark.parametrize("bad_id", ["bad id", "событие", "a/b", "x" * 49, ""])
def test_bad_id_characters_are_refused(tmp_path: Path, bad_id: str) -> None:
    message = refused(tmp_path, minimal(id=bad_id))
    assert "(#3): field id: " in message
    assert "does not match the pattern ^[A-Za-z0-9_-]{1,48}$" in message


def test_duplicate_id_in_the_file_is_refused(tmp_path: Path) -> None:
    message = refused(tmp_path, minimal(id="first"))
    assert message == "event 'first' (#3): field id: 'first' appears twice in the file"


def test_event_that_is_not_a_mapping(tmp_path: Path) -> None:
    path = write_yaml(tmp_path, [minimal(id="a"), "Семинар в Казани"])
    with pytest.raises(EventsFileError, match=r"^event #2: must be a mapping of fields$"):
        read_events_file(path, MSK)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("- id: a\n", "the top level must be 'events:'"),
        ("events: {id: a}\n", "the top level must be 'events:'"),
        ("events: [\n", "not valid YAML/JSON"),
        ("", "the top level must be 'events:'"),
    ],
)
def test_bad_file_structure(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "events.yaml"
    path.write_text(text, "utf-8")
    with pytest.raises(EventsFileError, match=expected):
        read_events_file(path, MSK)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(EventsFileError, match="cannot read"):
        read_events_file(tmp_path / "nope.yaml", MSK)


def test_json_file_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "events.json"
    path.write_text(
        json.dumps({"events": example_events()[8:]}, ensure_ascii=False, default=str), "utf-8"
    )
    events = read_events_file(path, MSK)
    assert [e.kind for e in events] == ["seminar", "round_table"]
    assert len(events[0].questions) == 2


def test_event_questions_are_stored_in_the_form_format(tmp_path: Path) -> None:
    (seminar,) = [e for e in read_events_file(EXAMPLES, MSK) if e.kind == "seminar"]
    questions = parse_questions(seminar.questions)
    arrival = questions[1]
    assert arrival.option("need_help") is not None
    assert arrival.option("bus") is not None
    assert arrival.prompt.get("en").startswith("How will you get")


@pytest.mark.parametrize(
    ("text", "minutes"), [("1d", 1440), ("24h", 1440), ("1h30m", 90), ("15m", 15), ("30s", 0.5)]
)
def test_reminder_offsets(text: str, minutes: float) -> None:
    assert parse_offset(text).total_seconds() == minutes * 60


@pytest.mark.parametrize("text", ["", "1", "1w", "h", "-1h", "1h 30m"])
def test_bad_reminder_offsets(text: str) -> None:
    with pytest.raises(ValueError, match="is not a duration"):
        parse_offset(text)


# --- the CLI ----------------------------------------------------------------------------------


def cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k.upper() not in {"BOT_TOKEN", "FORM_PATH"}}
    env |= {
        "PYTHONPATH": str(ROOT),
        "DATABASE_PATH": str(tmp_path / "db" / "bot.sqlite3"),
        "TIMEZONE": "Europe/Moscow",
    }
    return run_cli(tmp_path, *args, env=env)


def test_cli_import_and_list(tmp_path: Path) -> None:
    done = cli(tmp_path, "events", "import", str(EXAMPLES))
    assert done.returncode == 0, done.stderr
    assert "Imported 10 event(s): 10 new, 0 updated." in done.stdout
    listed = cli(tmp_path, "events", "list")
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.strip().splitlines()
    assert len(lines) == 10
    assert lines[0].split("\t")[:5] == [
        "online-cfo-2026",
        "2026-12-01 14:00 Europe/Moscow",
        "online_session",
        "cfo",
        "0/100",
    ]
    assert "Онлайн стратегическая сессия для НКО Уральского федерального округа" in listed.stdout
    assert "Traceback" not in listed.stderr


def test_cli_bad_file_imports_nothing(tmp_path: Path) -> None:
    events = example_events()
    events[2]["district"] = "юфо"
    path = write_yaml(tmp_path, events)
    done = cli(tmp_path, "events", "import", str(path))
    assert done.returncode == 1
    assert "event 'online-yufo-2026' (#3): field district: unknown district" in done.stderr
    assert "Nothing was imported." in done.stderr
    assert "Traceback" not in done.stderr
    with sqlite3.connect(tmp_path / "db" / "bot.sqlite3") as plain:
        assert plain.execute("SELECT count(*) FROM events").fetchone() == (0,)


def test_cli_in_process_reimport_and_empty_list(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("BOT_TOKEN", raising=False)
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "bot.sqlite3"))
    monkeypatch.setenv("TIMEZONE", "Europe/Moscow")
    assert main(["events", "list"]) == 0
    assert capsys.readouterr().out.startswith("No events yet.")
    assert main(["events", "import", str(EXAMPLES)]) == 0
    assert main(["events", "import", str(EXAMPLES)]) == 0
    out = capsys.readouterr().out
    assert "Imported 10 event(s): 10 new, 0 updated." in out
    assert "Imported 10 event(s): 0 new, 10 updated." in out
    assert main(["events", "import", str(tmp_path / "missing.yaml")]) == 1
    err = capsys.readouterr().err
    assert "cannot read" in err
    assert "Nothing was imported." in err


# --- a selection block (issue 9) --------------------------------------------------------------

SELECTION: dict[str, Any] = {
    "seats": 40,
    "reserve": 10,
    "criteria": [
        {
            "id": "relevance",
            "title": {"ru": "Актуальность проекта", "en": "Relevance"},
            "weight": 2,
            "max": 5,
        },
        {"id": "experience", "title": {"ru": "Опыт организации"}, "weight": 1, "max": 5},
    ],
    "reviews_per_application": 2,
    "confirm_days": 5,
}
APPLICATION_FORM = [
    {"id": "project", "type": "text", "prompt": "Опишите проект", "max_length": 3000},
    {"id": "letter", "type": "file", "prompt": "Письмо поддержки", "required": False},
]


async def test_a_selection_block_and_a_file_question_are_read_and_stored(
    db: Database, tmp_path: Path
) -> None:
    event = minimal(
        id="ethnic",
        selection=SELECTION,
        questions=APPLICATION_FORM,
        registration_deadline="2026-12-01T18:00:00",
    )
    [read] = read_events_file(write_yaml(tmp_path, [event]), MSK)
    assert read.selection is not None and read.selection["seats"] == 40
    await import_events(db, [read], NOW)
    stored = await EventRepo(db).get("ethnic")
    assert stored is not None and stored.selection == read.selection
    assert stored.selection["criteria"][0]["weight"] == 2
    questions = parse_questions(stored.questions)
    assert questions[1].type is QuestionType.FILE and questions[0].limit == 3000


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"seats": 0}, "field selection.seats"),
        ({"criteria": []}, "field selection.criteria"),
        ({"criteria": [{"id": "Bad Id", "title": {"ru": "x"}}]}, "field selection.criteria"),
        ({"criteria": [{"id": "a", "title": {"ru": "x"}, "max": 11}]}, "field selection.criteria"),
        ({"criteria": [{"id": "a", "title": {"ru": "x"}, "weight": 0}]}, "selection.criteria"),
        (
            {"criteria": [{"id": "a", "title": {"ru": "x"}}, {"id": "a", "title": {"ru": "y"}}]},
            "criteria ids must be unique",
        ),
        ({"reviews_per_application": 0}, "field selection.reviews_per_application"),
        ({"confirm_days": 0}, "field selection.confirm_days"),
        ({"seets": 40}, "field selection.seets"),
    ],
)
def test_a_bad_selection_block_is_refused_naming_the_field(
    tmp_path: Path, change: dict[str, Any], expected: str
) -> None:
    message = refused(tmp_path, minimal(id="bad-one", selection={**SELECTION, **change}))
    assert message.startswith("event 'bad-one' (#3): ")
    assert expected in message


def test_a_text_answer_over_3000_characters_is_refused_in_the_file(tmp_path: Path) -> None:
    question = {"id": "project", "type": "text", "prompt": "x", "max_length": 3001}
    message = refused(tmp_path, minimal(id="bad-one", questions=[question]))
    assert "max_length" in message
