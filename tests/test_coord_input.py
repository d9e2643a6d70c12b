"""What a coordinator types in /newevent or an edit: each answer checked on its own."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.events.files import EventKind
from bot.events.input import (
    KIND_BY_CODE,
    KIND_CODES,
    EventField,
    EventProblem,
    InputProblem,
    check_event,
    draft_of,
    event_from_draft,
    new_event_id,
    parse_capacity,
    parse_deadline,
    parse_duration,
    parse_field,
    parse_place,
    parse_starts,
    parse_title,
    slug,
)
from storage.models import EventStatus

MSK = ZoneInfo("Europe/Moscow")
NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)  # 12:00 in Moscow


def problem(call: object) -> EventProblem:
    assert isinstance(call, InputProblem)
    return call.problem


@pytest.mark.parametrize(
    ("text", "utc"),
    [
        ("29.11.2026 14:00", datetime(2026, 11, 29, 11, 0, tzinfo=UTC)),
        ("29.11.26 14:00", datetime(2026, 11, 29, 11, 0, tzinfo=UTC)),
        ("  29.11.2026   в 9:05 ", datetime(2026, 11, 29, 6, 5, tzinfo=UTC)),
        ("29.11.2026, 14.00", datetime(2026, 11, 29, 11, 0, tzinfo=UTC)),
        ("2026-11-29 14:00", datetime(2026, 11, 29, 11, 0, tzinfo=UTC)),
        ("29.11.2026 14:00 МСК", datetime(2026, 11, 29, 11, 0, tzinfo=UTC)),
        ("29.11.2026 14:00 мск+4", datetime(2026, 11, 29, 7, 0, tzinfo=UTC)),
        ("29.11.2026 14:00 MSK-1", datetime(2026, 11, 29, 12, 0, tzinfo=UTC)),
        ("29.11.2026 14:00 UTC+5", datetime(2026, 11, 29, 9, 0, tzinfo=UTC)),
        ("29.11.2026 14:00 +05:30", datetime(2026, 11, 29, 8, 30, tzinfo=UTC)),
    ],
)
def test_start_is_read_in_moscow_time_unless_a_zone_is_given(text: str, utc: datetime) -> None:
    assert parse_starts(text, MSK, NOW) == utc


def test_start_in_another_base_zone() -> None:
    moment = parse_starts("29.11.2026 14:00", ZoneInfo("Asia/Yekaterinburg"), NOW)
    assert moment == datetime(2026, 11, 29, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("завтра", EventProblem.WHEN_FORMAT),
        ("29.11.2026", EventProblem.WHEN_FORMAT),  # the time of day is needed
        ("14:00", EventProblem.WHEN_FORMAT),
        ("31.02.2027 10:00", EventProblem.WHEN_INVALID),
        ("29.11.2026 25:00", EventProblem.WHEN_INVALID),
        ("29.11.2026 14:00 по-нашему", EventProblem.WHEN_ZONE),
        ("29.11.2026 14:00 UTC+15", EventProblem.WHEN_ZONE),
        ("20.11.2026 11:00", EventProblem.WHEN_PAST),
        ("20.11.2026 12:00", EventProblem.WHEN_PAST),  # exactly now
        ("01.01.2031 10:00", EventProblem.WHEN_FAR),
    ],
)
def test_bad_starts(text: str, expected: EventProblem) -> None:
    with pytest.raises(InputProblem) as caught:
        parse_starts(text, MSK, NOW)
    assert problem(caught.value) is expected


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("90", 90),
        ("1h30m", 90),
        ("1H30M", 90),
        ("1ч30м", 90),
        ("1 ч 30 мин", 90),
        ("2 часа", 120),
        ("3ч", 180),
        ("45 минут", 45),
        ("1:30", 90),
        ("2д", 2880),
        ("1 день 2 ч", 1560),
    ],
)
def test_durations(text: str, minutes: int) -> None:
    assert parse_duration(text) == minutes


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("полтора часа", EventProblem.DURATION_FORMAT),
        ("", EventProblem.DURATION_FORMAT),
        ("1.5h", EventProblem.DURATION_FORMAT),
        ("0", EventProblem.DURATION_RANGE),
        ("32д", EventProblem.DURATION_RANGE),
    ],
)
def test_bad_durations(text: str, expected: EventProblem) -> None:
    with pytest.raises(InputProblem) as caught:
        parse_duration(text)
    assert problem(caught.value) is expected


def test_place_online_in_person_and_both() -> None:
    online = parse_place("https://meet.example.org/ufo-2026")
    assert (online.location, online.online_url) == (None, "https://meet.example.org/ufo-2026")
    place = parse_place("г. Казань, ул. Пушкина, д. 66/33")
    assert (place.location, place.online_url) == ("г. Казань, ул. Пушкина, д. 66/33", None)
    both = parse_place("Екатеринбург, Дом дружбы\nhttps://meet.example.org/x.")
    assert both.location == "Екатеринбург, Дом дружбы"
    assert both.online_url == "https://meet.example.org/x"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("   ", EventProblem.PLACE_EMPTY),
        ("zoom.us/j/123456", EventProblem.PLACE_URL),
        ("www.example.org/meet", EventProblem.PLACE_URL),
        ("д" * 501, EventProblem.PLACE_LONG),
    ],
)
def test_bad_places(text: str, expected: EventProblem) -> None:
    with pytest.raises(InputProblem) as caught:
        parse_place(text)
    assert problem(caught.value) is expected


def test_titles_and_capacity() -> None:
    assert parse_title("  Круглый   стол\n«НКО» ") == "Круглый стол «НКО»"
    assert parse_capacity("1 200") == 1200
    for text, expected in [
        ("", EventProblem.TITLE_EMPTY),
        ("x" * 201, EventProblem.TITLE_LONG),
    ]:
        with pytest.raises(InputProblem) as caught:
            parse_title(text)
        assert problem(caught.value) is expected
    for text, expected in [
        ("тридцать", EventProblem.CAPACITY_FORMAT),
        ("-5", EventProblem.CAPACITY_FORMAT),
        ("0", EventProblem.CAPACITY_RANGE),
        ("100001", EventProblem.CAPACITY_RANGE),
    ]:
        with pytest.raises(InputProblem) as caught:
            parse_capacity(text)
        assert problem(caught.value) is expected


def test_deadline_a_date_alone_means_the_end_of_that_day() -> None:
    starts = datetime(2026, 11, 29, 11, 0, tzinfo=UTC)
    assert parse_deadline("25.11.2026", MSK, NOW, starts) == datetime(
        2026, 11, 25, 20, 59, tzinfo=UTC
    )
    assert parse_deadline("29.11.2026 14:00", MSK, NOW, starts) == starts
    for text, expected in [
        ("скоро", EventProblem.DEADLINE_FORMAT),
        ("19.11.2026", EventProblem.DEADLINE_PAST),
        ("29.11.2026 14:01", EventProblem.DEADLINE_AFTER_START),
        ("30.11.2026", EventProblem.DEADLINE_AFTER_START),
        ("30.02.2026", EventProblem.WHEN_INVALID),
    ]:
        with pytest.raises(InputProblem) as caught:
            parse_deadline(text, MSK, NOW, starts)
        assert problem(caught.value) is expected, text


def draft() -> dict[str, object]:
    d: dict[str, object] = {}
    for field, text in [
        (EventField.TITLE, "Семинар «НКО и власть»"),
        (EventField.STARTS, "29.11.2026 14:00"),
        (EventField.DURATION, "1h30m"),
        (EventField.PLACE, "Казань, Дом дружбы https://meet.example.org/k"),
        (EventField.CAPACITY, "30"),
        (EventField.DEADLINE, "28.11.2026"),
        (EventField.DESCRIPTION, "  О взаимодействии НКО и органов власти.  "),
    ]:
        d[field] = parse_field(field, text, d, MSK, NOW)
    d[EventField.KIND] = EventKind.SEMINAR.value
    d[EventField.DISTRICT] = "pfo"
    return d


def test_a_draft_makes_an_event_checked_by_the_events_file_rules() -> None:
    event = event_from_draft(draft(), "seminar-nko-1a2b")
    assert event.id == "seminar-nko-1a2b"
    assert event.title == "Семинар «НКО и власть»"
    assert (event.kind, event.district) == ("seminar", "pfo")
    assert event.starts_at == datetime(2026, 11, 29, 11, 0, tzinfo=UTC)
    assert event.duration_minutes == 90
    assert (event.location, event.online_url) == (
        "Казань, Дом дружбы",
        "https://meet.example.org/k",
    )
    assert event.capacity == 30
    assert event.registration_deadline == datetime(2026, 11, 28, 20, 59, tzinfo=UTC)
    assert event.description == "О взаимодействии НКО и органов власти."
    assert event.status is EventStatus.SCHEDULED
    # and back: the edit dialog starts from the event as a draft
    assert event_from_draft(draft_of(event), event.id) == event


def test_an_edit_keeps_the_questions_reminders_and_status() -> None:
    base = replace(
        event_from_draft(draft(), "sem"),
        questions=[{"id": "topic", "type": "text", "prompt": "Какую тему обсудить?"}],
        reminders=["2h"],
    )
    changed = draft_of(base)
    changed[EventField.TITLE] = "Новое название"
    result = event_from_draft(changed, "sem", base=base)
    assert result.title == "Новое название"
    assert result.reminders == ["2h"]
    assert [q["id"] for q in result.questions] == ["topic"]
    assert result.starts_at == base.starts_at


def test_check_event_when_times_have_passed_meanwhile() -> None:
    event = event_from_draft(draft(), "sem")
    check_event(event, NOW)
    with pytest.raises(InputProblem) as caught:
        check_event(event, event.starts_at)
    assert problem(caught.value) is EventProblem.WHEN_PAST
    d = draft()  # registration until 28.11 23:59 Moscow time
    d[EventField.STARTS] = datetime(2026, 11, 27, 11, 0, tzinfo=UTC).isoformat()
    with pytest.raises(InputProblem) as caught:
        event_from_draft(d, "sem")  # moved two days earlier: the deadline is after the end
    assert problem(caught.value) is EventProblem.DEADLINE_AFTER_START
    # moved to 23:00 on the 28th: the deadline falls inside the event, as the file allows
    d[EventField.STARTS] = datetime(2026, 11, 28, 20, 0, tzinfo=UTC).isoformat()
    check_event(event_from_draft(d, "sem"), NOW)


def test_kind_codes_are_short_and_cover_every_kind() -> None:
    assert set(KIND_CODES) == set(EventKind)
    assert all(len(code) == 2 for code in KIND_CODES.values())
    assert {KIND_BY_CODE[c] for c in KIND_CODES.values()} == set(EventKind)


def test_slugs() -> None:
    assert slug("Круглый стол «НКО» 2026") == "kruglyy-stol-nko-2026"
    assert slug("Объединение, съезд и подъём дружбы") == "obedinenie-sezd-i-podem"
    assert slug("!!!") == "event"
    assert slug("Щ" * 40) == ("shch" * 40)[:24]
    assert re.fullmatch(r"[a-z0-9-]{1,24}", slug("Стратегическая сессия Уральского ФО"))


async def test_new_event_ids_are_free_and_fit_a_deep_link() -> None:
    taken: set[str] = set()
    calls = 0

    async def exists(candidate: str) -> bool:
        nonlocal calls
        calls += 1
        return calls <= 2 or candidate in taken  # the first two guesses are taken

    event_id = await new_event_id("Стратегическая сессия НКО Уральского округа 2026", exists)
    assert calls == 3
    assert re.fullmatch(r"[a-z0-9-]{1,24}-[0-9a-f]{4}", event_id)
    assert len(f"ev_{event_id}") <= 64  # a /start payload
