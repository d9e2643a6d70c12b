"""Plain records read from the database (no Telegram, no behaviour)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any


class RegStatus(StrEnum):
    REGISTERED = "registered"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"


class EventStatus(StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class Participant:
    telegram_id: int
    first_name: str
    username: str | None
    language: str
    language_chosen: bool
    region: str | None
    district: str | None
    timezone: str | None
    consent_at: datetime | None
    consent_version: str | None
    unreachable_since: datetime | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Event:
    id: str
    title: str
    kind: str
    district: str | None
    starts_at: datetime
    duration_minutes: int
    location: str | None
    online_url: str | None
    capacity: int | None
    registration_deadline: datetime | None
    description: str
    questions: list[dict[str, Any]] = field(default_factory=list)
    reminders: list[str] | None = None
    status: EventStatus = EventStatus.SCHEDULED
    feedback: list[dict[str, Any]] | None = None  # own feedback questions, or the standard
    selection: dict[str, Any] | None = None  # bot.selection.config.SelectionSpec as JSON
    min_participants: int | None = None  # attendance minimum; None: the kind's
    certificates: bool = True  # certificates of participation for those who came

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.duration_minutes)

    @property
    def is_online(self) -> bool:
        return bool(self.online_url)


@dataclass(frozen=True, slots=True)
class Registration:
    id: int
    event_id: str
    participant_id: int
    status: RegStatus
    registered_at: datetime
    queued_at: datetime
    cancelled_at: datetime | None


@dataclass(frozen=True, slots=True)
class EventCounts:
    registered: int = 0
    waitlisted: int = 0
    cancelled: int = 0
