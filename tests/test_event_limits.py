"""Every free-text field of an event has a limit, and an event with every field at its limit
still fits in one Telegram message wherever it is shown.

Once ``online_url`` had no limit: a long link was accepted by the import and by /newevent and
pushed the card, the reminder and the change notice past 4096 characters, and Telegram refused
them (the stand-in refuses them as well)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from bot.events.files import (
    CAPACITY_MAX,
    DESCRIPTION_MAX,
    EVENT_ID_MAX,
    LOCATION_MAX,
    ONLINE_URL_MAX,
    TITLE_MAX,
    EventsFileError,
    read_events_file,
)
from bot.events.input import draft_of
from bot.i18n import LOCALES, Html, translator
from bot.registration.regions import default_regions
from handlers.participant.reminders import reminder_text
from handlers.views import participant as views
from handlers.views import staff as coord_views
from storage.models import Event, EventCounts, RegStatus
from tests.support.coord import appoint, open_event, staff
from tests.support.people import Person
from tests.support.running import RunningBot, fill_profile
from tests.support.stand_in import MAX_TEXT, StandInServer, parse_html, utf16_len

MSK = ZoneInfo("Europe/Moscow")


def filled(length: int, pattern: str) -> str:
    return (pattern * (length // len(pattern) + 1))[:length]


def url(length: int) -> str:
    head = "https://meet.example.org/j/"
    return head + filled(length - len(head), "a1&b=2?")


def widest_event(starts: datetime) -> Event:
    """Every field at its limit, with characters that HTML must escape."""
    return Event(
        id=filled(EVENT_ID_MAX, "long-id_"),
        title=filled(TITLE_MAX, "Сессия <НКО> & «Дружба» "),
        kind="strategic_session",
        district="skfo",
        starts_at=starts,
        duration_minutes=60 * 24 * 31 - 1,
        location=filled(LOCATION_MAX, "г. Пятигорск, ул. Дружбы & Мира, д. 1 "),
        online_url=url(ONLINE_URL_MAX),
        capacity=CAPACITY_MAX,
        registration_deadline=starts - timedelta(days=1),
        description=filled(DESCRIPTION_MAX, "Описание <b>не</b> тег & абзац.\n"),
    )


def shown_length(text: str) -> int:
    plain, _entities = parse_html(text)
    return utf16_len(plain.strip())


def renders(event: Event, locale: str) -> dict[str, Html]:
    t = translator(locale)
    regions = default_regions()
    now = event.starts_at - timedelta(days=3)
    link = "https://t.me/ethnic_test_bot?start=ev_" + event.id
    head = t("newevent.summary_head")
    return {
        "card": views.event_card(
            event,
            t,
            regions,
            views.CardState(
                own_zone="Asia/Vladivostok",
                seats_left=CAPACITY_MAX - 1,
                status=RegStatus.REGISTERED,
                position=None,
                closed=None,
            ),
        ),
        "registered": views.registered(
            event, t, status=RegStatus.REGISTERED, position=None, already=True, own_zone=None
        ),
        "reminder": reminder_text(event, t, "Asia/Vladivostok", now),
        "coordinator card": coord_views.event_card(
            event,
            EventCounts(CAPACITY_MAX, 99_999, 99_999),
            link,
            coord_views.Look(t, regions, MSK),
        ),
        "draft": coord_views.draft_summary(draft_of(event), t, regions, MSK, head),
    }


@pytest.mark.parametrize("locale", LOCALES)
def test_an_event_with_every_field_at_its_limit_renders_within_4096(locale: str) -> None:
    event = widest_event(datetime(2027, 3, 3, 11, 0, tzinfo=UTC))
    for name, text in renders(event, locale).items():
        length = shown_length(text)
        assert length <= MAX_TEXT, f"{name}: {length} characters"
        assert event.online_url is not None
        if name in ("card", "reminder", "registered", "coordinator card"):
            assert event.online_url in text.replace("&amp;", "&"), name  # not cut


def write_events(tmp_path: Path, **fields: object) -> Path:
    event = {
        "id": "seminar",
        "title": "Семинар",
        "kind": "seminar",
        "starts_at": "2027-03-03T14:00:00",
        "duration_minutes": 90,
        "location": "Тюмень",
    }
    event.update(fields)
    path = tmp_path / "events.yaml"
    path.write_text(yaml.safe_dump({"events": [event]}, allow_unicode=True), "utf-8")
    return path


@pytest.mark.parametrize(
    ("field", "limit"),
    [
        ("title", TITLE_MAX),
        ("location", LOCATION_MAX),
        ("online_url", ONLINE_URL_MAX),
        ("description", DESCRIPTION_MAX),
    ],
)
def test_an_overlong_field_is_refused_at_import_naming_field_and_limit(
    tmp_path: Path, field: str, limit: int
) -> None:
    value = url(limit + 1) if field == "online_url" else "я" * (limit + 1)
    with pytest.raises(EventsFileError) as caught:
        read_events_file(write_events(tmp_path, **{field: value}), MSK)
    message = str(caught.value)
    assert f"event 'seminar' (#1): field {field}: " in message
    assert f"at most {limit} characters" in message
    at_limit = url(limit) if field == "online_url" else "я" * limit
    [event] = read_events_file(write_events(tmp_path, **{field: at_limit}), MSK)
    assert getattr(event, field) == at_limit


def test_capacity_and_reminders_are_bounded_at_import(tmp_path: Path) -> None:
    with pytest.raises(EventsFileError, match=r"field capacity: .*100000"):
        read_events_file(write_events(tmp_path, capacity=CAPACITY_MAX + 1), MSK)
    with pytest.raises(EventsFileError, match=r"field reminders: .*at most 10"):
        read_events_file(write_events(tmp_path, reminders=[f"{h}h" for h in range(1, 12)]), MSK)


# --- through the real bot -----------------------------------------------------------------


pytestmark = pytest.mark.with_admin


async def test_a_widest_event_is_shown_edited_and_announced_within_telegram_limits(
    running: RunningBot, server: StandInServer, irina: Person
) -> None:
    await appoint(running.db)
    starts = (datetime.now(UTC) + timedelta(days=20)).replace(second=0, microsecond=0)
    event = replace(widest_event(starts), district="ufo")
    await running.add_events(event)
    reply = await irina.send(f"/start ev_{event.id}")
    await fill_profile(irina)
    reply = await irina.click("Подтвердить")
    assert "Вы зарегистрированы" in reply.text
    reply = await irina.send("/my")
    await irina.click(lambda b: "· Сессия" in b)
    assert "Ссылка для подключения" in irina.last_text

    ulyana = staff(server)["ufo"]
    await open_event(ulyana, "Сессия")
    await ulyana.click("✏️ Изменить")
    await ulyana.click("Место")
    too_long = "Тюмень " + url(ONLINE_URL_MAX + 1)
    reply = await ulyana.send(too_long)
    assert "Слишком длинная ссылка: не больше 500 знаков" in reply.text
    new_place = filled(LOCATION_MAX - 1, "Тюмень, ул. Республики & Ленина ") + " " + url(500)
    reply = await ulyana.send(new_place)
    assert "Станет:" in reply.text
    since = len(server.calls)
    await ulyana.click("Сохранить")
    notice = await server.wait_for(
        lambda c: c.chat_id == irina.id and "Изменения" in str(c.params.get("text")),
        since=since,
    )
    assert notice.ok, notice.error
    assert url(500) in str(notice.result["text"])
    # Telegram refused nothing (a staff menu for a chat not opened yet is set when they write)
    assert not [c for c in server.calls if not c.ok and c.method != "setMyCommands"]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ({"prompt": "я" * 1001}, "field prompt: the ru text is 1001 characters long; at most 1000"),
        ({"label": {"ru": "x", "en": "y" * 101}}, "field label: the en text is 101"),
        (
            {"type": "choice", "options": [{"id": "a", "label": "z" * 101}]},
            "option #1: field label: the ru text is 101 characters long; at most 100",
        ),
    ],
)
def test_overlong_question_texts_are_refused_at_import(
    tmp_path: Path, question: dict[str, object], expected: str
) -> None:
    full = {"id": "q", "type": "text", "prompt": "Вопрос?", **question}
    with pytest.raises(EventsFileError) as caught:
        read_events_file(write_events(tmp_path, questions=[full]), MSK)
    assert "field questions: question #1: " + expected.split(": ", 1)[0] in str(caught.value)
    assert expected.split(": ", 1)[1] in str(caught.value)
