"""Events: the import file format, validation and the import itself (all or nothing)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from bot.delivery.notices import queue_changes
from bot.events.durations import parse_offset
from bot.registration.form import Form, QuestionType, error_message, question_problems
from bot.selection.config import SelectionSpec
from storage.db import Database
from storage.events import EventRepo
from storage.models import Event, EventStatus

DISTRICTS = ("cfo", "szfo", "yufo", "skfo", "pfo", "ufo", "sfo", "dfo")


class EventKind(StrEnum):
    STRATEGIC_SESSION = "strategic_session"
    ONLINE_SESSION = "online_session"
    SEMINAR = "seminar"
    ROUND_TABLE = "round_table"
    WEBINAR = "webinar"
    MASTER_CLASS = "master_class"
    INTERNSHIP = "internship"
    CONFERENCE = "conference"
    OTHER = "other"


#: Limits of the event fields, one source for the events file, /newevent and an edit.
#: The id goes into buttons (handlers/callbacks.py; Telegram allows 64 bytes of callback data,
#: tests/test_callback_limits.py proves every button fits). The free texts are bounded so that
#: a card, a reminder or a change notice with every field at its maximum stays under Telegram's
#: 4096 characters (tests/test_event_limits.py renders them).
EVENT_ID_MAX = 48
TITLE_MAX = 200
LOCATION_MAX = 500
ONLINE_URL_MAX = 500
DESCRIPTION_MAX = 2000
CAPACITY_MAX = 100_000
DURATION_MAX = 60 * 24 * 31
REMINDERS_MAX = 10
EVENT_ID_PATTERN = rf"^[A-Za-z0-9_-]{{1,{EVENT_ID_MAX}}}$"

MOMENT_RE = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{1,2}:\d{2}")
MOMENT_HINT = "like 2026-12-03T14:00:00 (TIMEZONE time) or 2026-12-03T14:00:00+05:00"


class FieldProblem(ValueError):
    """A check of the whole event that is about one field (named in the error message)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _moment(value: Any) -> Any:
    """A date and time: a YAML timestamp or an ISO 8601 string; a bare date is refused."""
    if value is None or isinstance(value, datetime):
        return value
    if isinstance(value, date):
        raise ValueError(f"{value.isoformat()} has no time of day; write it {MOMENT_HINT}")
    if isinstance(value, str) and MOMENT_RE.match(value.strip()):
        try:
            return datetime.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError(f"{value!r} is not a date and time; write it {MOMENT_HINT}")


class EventSpec(BaseModel):
    """One event as written in the events file."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: Annotated[str, Field(pattern=EVENT_ID_PATTERN)]
    title: Annotated[str, Field(min_length=1, max_length=TITLE_MAX)]
    kind: EventKind
    district: str | None = None
    starts_at: datetime
    duration_minutes: Annotated[int, Field(gt=0, le=DURATION_MAX)]
    location: Annotated[str, Field(max_length=LOCATION_MAX)] | None = None
    online_url: Annotated[str, Field(max_length=ONLINE_URL_MAX)] | None = None
    capacity: Annotated[int, Field(gt=0, le=CAPACITY_MAX)] | None = None
    registration_deadline: datetime | None = None
    description: Annotated[str, Field(max_length=DESCRIPTION_MAX)] = ""
    questions: list[dict[str, Any]] = Field(default_factory=list)
    reminders: Annotated[list[str], Field(max_length=REMINDERS_MAX)] | None = None
    status: EventStatus = EventStatus.SCHEDULED
    feedback: list[dict[str, Any]] | None = None  # own questions after the event
    selection: SelectionSpec | None = None  # applications scored by experts instead of seats
    min_participants: Annotated[int, Field(ge=0, le=CAPACITY_MAX)] | None = None
    certificates: bool = True

    @field_validator("district")
    @classmethod
    def _district(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        value = value.lower()
        if value not in DISTRICTS:
            raise ValueError(f"unknown district {value!r}; one of {', '.join(DISTRICTS)}")
        return value

    @field_validator("starts_at", "registration_deadline", mode="before")
    @classmethod
    def _moments(cls, value: Any) -> Any:
        return _moment(value)

    @field_validator("online_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if not re.match(r"^https?://[^\s/$.?#][^\s]*$", value):
            raise ValueError("must be an http(s) link")
        return value

    @field_validator("questions")
    @classmethod
    def _questions(cls, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        try:
            questions = Form.model_validate({"questions": value or []}).questions
        except ValidationError as exc:
            raise ValueError("; ".join(question_problems(exc))) from None
        for q in questions:
            if q.type is QuestionType.CONSENT:
                raise ValueError(
                    f"question {q.id!r}: consent belongs to the profile form, not to an event"
                )
        return [q.model_dump(mode="json", exclude_none=True) for q in questions]

    @field_validator("feedback")
    @classmethod
    def _feedback(cls, value: list[dict[str, Any]] | None) -> list[dict[str, Any]] | None:
        if value is None:
            return None
        try:
            questions = Form.model_validate({"questions": value}).questions
        except ValidationError as exc:
            raise ValueError("; ".join(question_problems(exc))) from None
        if not questions:
            raise ValueError("give at least one question, or leave feedback out for the standard")
        for q in questions:
            if q.type not in (QuestionType.TEXT, QuestionType.CHOICE):
                raise ValueError(f"question {q.id!r}: feedback questions are text or choice")
        return [q.model_dump(mode="json", exclude_none=True) for q in questions]

    @field_validator("reminders")
    @classmethod
    def _reminders(cls, value: list[str] | None) -> list[str] | None:
        if value is not None:
            for item in value:
                parse_offset(str(item))
            value = [str(v) for v in value]
        return value

    @model_validator(mode="after")
    def _consistent(self) -> EventSpec:
        if not self.location and not self.online_url:
            raise FieldProblem(
                "location", "give location (in person) or online_url (online), or both"
            )
        if self.registration_deadline is not None and self.registration_deadline_after_end():
            raise FieldProblem("registration_deadline", "is after the event ends")
        return self

    def registration_deadline_after_end(self) -> bool:
        assert self.registration_deadline is not None
        end = self.starts_at + timedelta(minutes=self.duration_minutes)
        a, b = self.registration_deadline, end
        if (a.tzinfo is None) != (b.tzinfo is None):
            return False  # compared again once both are placed in a zone
        return a > b

    def to_event(self, zone: ZoneInfo) -> Event:
        def aware(moment: datetime | None) -> datetime | None:
            if moment is None:
                return None
            return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment

        starts = aware(self.starts_at)
        assert starts is not None
        return Event(
            id=self.id,
            title=self.title,
            kind=self.kind.value,
            district=self.district,
            starts_at=starts,
            duration_minutes=self.duration_minutes,
            location=self.location or None,
            online_url=self.online_url,
            capacity=self.capacity,
            registration_deadline=aware(self.registration_deadline),
            description=self.description,
            questions=self.questions,
            reminders=self.reminders,
            status=self.status,
            feedback=self.feedback,
            selection=None if self.selection is None else self.selection.dump(),
            min_participants=self.min_participants,
            certificates=self.certificates,
        )


class EventsFileError(ValueError):
    pass


def read_events_file(path: Path, zone: ZoneInfo) -> list[Event]:
    """Parse and validate a YAML (or JSON) events file; raise EventsFileError naming the field."""
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise EventsFileError(f"cannot read {path}: {exc.strerror}") from None
    try:
        raw = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (yaml.YAMLError, json.JSONDecodeError) as exc:
        raise EventsFileError(f"{path}: not valid YAML/JSON: {exc}") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("events"), list):
        raise EventsFileError(f"{path}: the top level must be 'events:' with a list of events")
    events: list[Event] = []
    seen: set[str] = set()
    for index, item in enumerate(raw["events"], start=1):
        name = f"event #{index}"
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            name = f"event '{item['id']}' (#{index})"
        if not isinstance(item, dict):
            raise EventsFileError(f"{name}: must be a mapping of fields")
        try:
            spec = EventSpec.model_validate(item)
        except ValidationError as exc:
            raise EventsFileError(describe_event_errors(exc, name)) from None
        if spec.id in seen:
            raise EventsFileError(f"{name}: field id: {spec.id!r} appears twice in the file")
        seen.add(spec.id)
        event = spec.to_event(zone)
        if event.registration_deadline and event.registration_deadline > event.ends_at:
            raise EventsFileError(f"{name}: field registration_deadline: is after the event ends")
        events.append(event)
    return events


def describe_event_errors(exc: ValidationError, name: str) -> str:
    """One line per problem, each naming the event and the field:
    ``event 'x' (#3): field starts_at: ...``."""
    lines = []
    for err in exc.errors():
        cause = err.get("ctx", {}).get("error")
        if isinstance(cause, FieldProblem):
            field = cause.field
            message = str(cause)
        else:
            field = ".".join(str(part) for part in err["loc"])
            message = error_message(err)
            if err["type"] == "missing":
                message = "is missing"
        lines.append(f"{name}: field {field}: {message}" if field else f"{name}: {message}")
    return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class ImportResult:
    created: list[str]
    updated: list[str]


async def import_events(db: Database, events: list[Event], now: datetime) -> ImportResult:
    """Create or update every event in one transaction. A change of time, duration, link or
    place, or a cancellation, queues one notice to each registrant in the same transaction
    (bot/delivery/notices.py); the running bot sends them and moves the reminders."""
    repo = EventRepo(db)
    created: list[str] = []
    updated: list[str] = []
    async with db.transaction() as conn:
        for event in events:
            old = await repo.get(event.id, conn)
            (created if await repo.upsert(conn, event, now) else updated).append(event.id)
            await queue_changes(conn, old, event, now)
    return ImportResult(created, updated)
