"""Events typed in the chat: each answer of /newevent (or an edit) checked on its own, the
draft kept as JSON in the FSM data, and the event it makes, checked by the events-file rules.

Plain values in, plain values out; the text for every problem is ``newevent.problem.*``.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, timezone, tzinfo
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from bot.events.files import (
    CAPACITY_MAX,
    DESCRIPTION_MAX,
    DURATION_MAX,
    LOCATION_MAX,
    ONLINE_URL_MAX,
    TITLE_MAX,
    EventKind,
    EventSpec,
)
from bot.refusal import Refused
from storage.models import Event


class EventField(StrEnum):
    """The fields of an event a coordinator types or picks (short: they go into buttons)."""

    TITLE = "ti"
    KIND = "ki"
    DISTRICT = "di"
    STARTS = "st"
    DURATION = "du"
    PLACE = "pl"
    CAPACITY = "ca"
    DEADLINE = "de"
    DESCRIPTION = "ds"


#: The order of the /newevent dialog.
STEPS = tuple(EventField)
#: Fields that may be left empty (a "skip" button).
OPTIONAL = frozenset({EventField.CAPACITY, EventField.DEADLINE, EventField.DESCRIPTION})
#: Fields chosen with buttons rather than typed.
BUTTONS = frozenset({EventField.KIND, EventField.DISTRICT})

#: Two letters per kind, for callback data (64 bytes hold an event id of 48 and these).
KIND_CODES: dict[str, str] = {
    EventKind.STRATEGIC_SESSION: "ss",
    EventKind.ONLINE_SESSION: "os",
    EventKind.SEMINAR: "se",
    EventKind.ROUND_TABLE: "rt",
    EventKind.WEBINAR: "we",
    EventKind.MASTER_CLASS: "mc",
    EventKind.INTERNSHIP: "in",
    EventKind.CONFERENCE: "co",
    EventKind.OTHER: "ot",
}
KIND_BY_CODE = {code: kind for kind, code in KIND_CODES.items()}


class EventProblem(StrEnum):
    """Why a typed value was refused (texts: newevent.problem.*)."""

    TITLE_EMPTY = "title_empty"
    TITLE_LONG = "title_long"
    WHEN_FORMAT = "when_format"
    WHEN_INVALID = "when_invalid"
    WHEN_ZONE = "when_zone"
    WHEN_PAST = "when_past"
    WHEN_FAR = "when_far"
    DURATION_FORMAT = "duration_format"
    DURATION_RANGE = "duration_range"
    PLACE_EMPTY = "place_empty"
    PLACE_LONG = "place_long"
    PLACE_URL = "place_url"
    PLACE_URL_LONG = "place_url_long"
    CAPACITY_FORMAT = "capacity_format"
    CAPACITY_RANGE = "capacity_range"
    DEADLINE_FORMAT = "deadline_format"
    DEADLINE_PAST = "deadline_past"
    DEADLINE_AFTER_START = "deadline_after_start"
    DESCRIPTION_LONG = "description_long"
    NOT_TEXT = "not_text"
    OUT_OF_SCOPE = "out_of_scope"
    STARTED = "started"


class InputProblem(Refused[EventProblem], ValueError):
    """A typed value refused; ``reason`` (or ``problem``) says why."""

    @property
    def problem(self) -> EventProblem:
        """The reason, under the name the event-input code has always read."""
        return self.reason


HORIZON = timedelta(days=3 * 366)  # an event more than three years ahead is a typo

_DMY = re.compile(
    r"^(?P<d>\d{1,2})[./](?P<m>\d{1,2})[./](?P<y>\d{4}|\d{2})"
    r"(?:(?:\s*,\s*|\s+(?:в\s+)?|\s*T\s*)(?P<H>\d{1,2})[:.](?P<M>\d{2}))?(?P<zone>.*)$",
    re.IGNORECASE,
)
_YMD = re.compile(
    r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})"
    r"(?:(?:\s+|T)(?P<H>\d{1,2}):(?P<M>\d{2}))?(?P<zone>.*)$",
    re.IGNORECASE,
)
_MSK = re.compile(r"^(?:мск|msk)(?:\s*(?P<sign>[+-])\s*(?P<h>\d{1,2}))?$")
_OFFSET = re.compile(r"^(?:utc|gmt)?\s*(?P<sign>[+-])\s*(?P<h>\d{1,2})(?::?(?P<m>\d{2}))?$")
_DURATION = re.compile(
    r"^(?:(?P<d>\d+)\s*(?:d|day|days|д|дн|день|дня|дней|сут|суток)\.?)?\s*"
    r"(?:(?P<h>\d+)\s*(?:h|hr|hrs|hour|hours|ч|час|часа|часов)\.?)?\s*"
    r"(?:(?P<m>\d+)\s*(?:m|min|mins|minute|minutes|м|мин|минут|минуты|минута)\.?)?$"
)
_URL = re.compile(r"https?://[^\s/$.?#][^\s]*", re.IGNORECASE)
_URL_CHECK = re.compile(r"^https?://[^\s/$.?#][^\s]*$")
_BARE_LINK = re.compile(r"^(?:www\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)+/\S*$", re.IGNORECASE)
MOSCOW_OFFSET = timedelta(hours=3)


def _zone(text: str, base: tzinfo) -> tzinfo:
    """'' -> the base zone; 'МСК', 'МСК+4', 'UTC+5', '+05:00' -> that offset."""
    text = text.strip().lower()
    if not text:
        return base
    if match := _MSK.match(text):
        hours = int(match["h"] or 0) * (-1 if match["sign"] == "-" else 1)
        offset = MOSCOW_OFFSET + timedelta(hours=hours)
    elif match := _OFFSET.match(text):
        sign = -1 if match["sign"] == "-" else 1
        offset = sign * timedelta(hours=int(match["h"]), minutes=int(match["m"] or 0))
    else:
        raise InputProblem(EventProblem.WHEN_ZONE)
    if not timedelta(hours=-12) <= offset <= timedelta(hours=14):
        raise InputProblem(EventProblem.WHEN_ZONE)
    return timezone(offset)


def parse_moment(text: str, base: ZoneInfo, *, need_time: bool = True) -> datetime:
    """'29.11.2026 14:00' (in ``base`` unless a zone follows) -> an aware UTC moment.

    Without ``need_time`` a bare date means the end of that day (23:59)."""
    text = " ".join(text.split())
    match = _DMY.match(text) or _YMD.match(text)
    if match is None or (need_time and match["H"] is None):
        raise InputProblem(EventProblem.WHEN_FORMAT)
    zone = _zone(match["zone"], base)
    year = int(match["y"])
    if year < 100:
        year += 2000
    try:
        day = datetime(year, int(match["m"]), int(match["d"]))
        clock = time(23, 59) if match["H"] is None else time(int(match["H"]), int(match["M"]))
    except ValueError:
        raise InputProblem(EventProblem.WHEN_INVALID) from None
    return datetime.combine(day.date(), clock, tzinfo=zone).astimezone(UTC)


def parse_title(text: str) -> str:
    title = " ".join(text.split())
    if not title:
        raise InputProblem(EventProblem.TITLE_EMPTY)
    if len(title) > TITLE_MAX:
        raise InputProblem(EventProblem.TITLE_LONG)
    return title


def parse_starts(text: str, base: ZoneInfo, now: datetime) -> datetime:
    moment = parse_moment(text, base)
    if moment <= now:
        raise InputProblem(EventProblem.WHEN_PAST)
    if moment > now + HORIZON:
        raise InputProblem(EventProblem.WHEN_FAR)
    return moment


def parse_duration(text: str) -> int:
    """'90', '1h30m', '1ч 30м', '2 часа', '1:30' -> minutes."""
    cleaned = " ".join(text.strip().lower().split())
    if re.fullmatch(r"\d+", cleaned):
        minutes = int(cleaned)
    elif clock := re.fullmatch(r"(\d{1,3}):(\d{2})", cleaned):
        minutes = int(clock[1]) * 60 + int(clock[2])
    else:
        match = _DURATION.match(cleaned)
        if not cleaned or match is None or not any(match.groups()):
            raise InputProblem(EventProblem.DURATION_FORMAT)
        d, h, m = (int(g or 0) for g in match.groups())
        minutes = d * 24 * 60 + h * 60 + m
    if not 1 <= minutes <= DURATION_MAX:
        raise InputProblem(EventProblem.DURATION_RANGE)
    return minutes


@dataclass(frozen=True, slots=True)
class Place:
    location: str | None
    online_url: str | None


def parse_place(text: str) -> Place:
    """A link (online), an address (in person), or both (the link anywhere in the text)."""
    text = text.strip()
    urls = _URL.findall(text)
    url = urls[0].rstrip(".,;)") if urls else None
    rest = _URL.sub(" ", text) if url else text
    location = " ".join(rest.replace("\n", ", ").split()).strip(" ,;—-") or None
    if url is None and location and _BARE_LINK.match(location):
        raise InputProblem(EventProblem.PLACE_URL)  # 'zoom.us/j/1': a link without https://
    if url is not None and not _URL_CHECK.match(url):
        raise InputProblem(EventProblem.PLACE_URL)
    if url is not None and len(url) > ONLINE_URL_MAX:
        raise InputProblem(EventProblem.PLACE_URL_LONG)
    if url is None and location is None:
        raise InputProblem(EventProblem.PLACE_EMPTY)
    if location is not None and len(location) > LOCATION_MAX:
        raise InputProblem(EventProblem.PLACE_LONG)
    return Place(location, url)


def parse_capacity(text: str) -> int:
    cleaned = text.strip().replace(" ", "")
    if not cleaned.isdigit():
        raise InputProblem(EventProblem.CAPACITY_FORMAT)
    value = int(cleaned)
    if not 1 <= value <= CAPACITY_MAX:
        raise InputProblem(EventProblem.CAPACITY_RANGE)
    return value


def parse_deadline(text: str, base: ZoneInfo, now: datetime, starts_at: datetime) -> datetime:
    try:
        moment = parse_moment(text, base, need_time=False)
    except InputProblem as exc:
        if exc.problem is EventProblem.WHEN_FORMAT:
            raise InputProblem(EventProblem.DEADLINE_FORMAT) from None
        raise
    if moment <= now:
        raise InputProblem(EventProblem.DEADLINE_PAST)
    if moment > starts_at:
        raise InputProblem(EventProblem.DEADLINE_AFTER_START)
    return moment


def parse_description(text: str) -> str:
    text = text.strip()
    if len(text) > DESCRIPTION_MAX:
        raise InputProblem(EventProblem.DESCRIPTION_LONG)
    return text


# --- drafts (JSON in the FSM data) and events ---------------------------------------------

Draft = dict[str, Any]


def parse_field(field: EventField, text: str, draft: Draft, base: ZoneInfo, now: datetime) -> Any:
    """The typed value of a field, as kept in a draft (JSON); raises InputProblem."""
    if field is EventField.TITLE:
        return parse_title(text)
    if field is EventField.STARTS:
        return parse_starts(text, base, now).isoformat()
    if field is EventField.DURATION:
        return parse_duration(text)
    if field is EventField.PLACE:
        place = parse_place(text)
        return {"location": place.location, "online_url": place.online_url}
    if field is EventField.CAPACITY:
        return parse_capacity(text)
    if field is EventField.DEADLINE:
        starts = datetime.fromisoformat(draft[EventField.STARTS])
        return parse_deadline(text, base, now, starts).isoformat()
    if field is EventField.DESCRIPTION:
        return parse_description(text)
    raise InputProblem(EventProblem.NOT_TEXT)  # kind and district are chosen with buttons


def draft_of(event: Event) -> Draft:
    """An event as a draft (the form the edit dialog keeps)."""
    return {
        EventField.TITLE: event.title,
        EventField.KIND: event.kind,
        EventField.DISTRICT: event.district,
        EventField.STARTS: event.starts_at.astimezone(UTC).isoformat(),
        EventField.DURATION: event.duration_minutes,
        EventField.PLACE: {"location": event.location, "online_url": event.online_url},
        EventField.CAPACITY: event.capacity,
        EventField.DEADLINE: (
            event.registration_deadline.astimezone(UTC).isoformat()
            if event.registration_deadline
            else None
        ),
        EventField.DESCRIPTION: event.description,
    }


def _moment(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def event_from_draft(draft: Draft, event_id: str, base: Event | None = None) -> Event:
    """The event a draft describes, checked by the same rules as the events file."""
    place = draft.get(EventField.PLACE) or {}
    starts = _moment(draft.get(EventField.STARTS))
    assert starts is not None
    spec: dict[str, Any] = {
        "id": event_id,
        "title": draft[EventField.TITLE],
        "kind": draft[EventField.KIND],
        "district": draft.get(EventField.DISTRICT),
        "starts_at": starts,
        "duration_minutes": draft[EventField.DURATION],
        "location": place.get("location"),
        "online_url": place.get("online_url"),
        "capacity": draft.get(EventField.CAPACITY),
        "registration_deadline": _moment(draft.get(EventField.DEADLINE)),
        "description": draft.get(EventField.DESCRIPTION) or "",
    }
    deadline, ends = (
        spec["registration_deadline"],
        starts + timedelta(minutes=spec["duration_minutes"]),
    )
    if deadline is not None and deadline > ends:
        raise InputProblem(EventProblem.DEADLINE_AFTER_START)
    if base is not None:
        spec.update(
            questions=base.questions,
            reminders=base.reminders,
            status=base.status,
            selection=base.selection,  # a change from the chat keeps the selection (issue 9)
        )
    try:
        checked = EventSpec.model_validate(spec)
    except ValidationError as exc:  # every field was checked on the way; a safety net
        raise ValueError(f"event {event_id}: {exc}") from None
    return checked.to_event(ZoneInfo("UTC"))


def check_event(event: Event, now: datetime) -> None:
    """What must hold when an event is saved from the chat (times may have passed since
    they were typed; a new start may leave the deadline behind)."""
    if event.starts_at <= now:
        raise InputProblem(EventProblem.WHEN_PAST)
    deadline = event.registration_deadline
    if deadline is not None and deadline > event.ends_at:
        raise InputProblem(EventProblem.DEADLINE_AFTER_START)


_TRANSLIT = {
    "а": "a",
    "б": "b",
    "в": "v",
    "г": "g",
    "д": "d",
    "е": "e",
    "ё": "e",
    "ж": "zh",
    "з": "z",
    "и": "i",
    "й": "y",
    "к": "k",
    "л": "l",
    "м": "m",
    "н": "n",
    "о": "o",
    "п": "p",
    "р": "r",
    "с": "s",
    "т": "t",
    "у": "u",
    "ф": "f",
    "х": "kh",
    "ц": "ts",
    "ч": "ch",
    "ш": "sh",
    "щ": "shch",
    "ы": "y",
    "э": "e",
    "ю": "yu",
    "я": "ya",
    "ъ": "",
    "ь": "",
}


def slug(title: str, limit: int = 24) -> str:
    """'Круглый стол «НКО» 2026' -> 'kruglyy-stol-nko-2026'."""
    latin = "".join(_TRANSLIT.get(ch, ch) for ch in title.lower())
    words = re.sub(r"[^a-z0-9]+", " ", latin).split()
    text = ""
    for word in words:
        candidate = f"{text}-{word}" if text else word
        if len(candidate) > limit:
            break
        text = candidate
    return text or (words[0][:limit] if words else "event")


async def new_event_id(title: str, exists: Callable[[str], Awaitable[bool]]) -> str:
    """A slug of the title and a short random suffix, not taken yet."""
    base = slug(title)
    while True:
        candidate = f"{base}-{secrets.token_hex(2)}"
        if not await exists(candidate):
            return candidate
