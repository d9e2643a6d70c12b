"""Announcements to many people (``/broadcast`` and ``python -m bot broadcast``).

An announcement is one ``broadcasts`` row plus one ``outbox`` row per recipient, written in
ONE transaction; the delivery queue's sender (bot/delivery/sender.py) does the rest: the rate limit,
429 pauses, 403 "unreachable", a restart that repeats nobody and skips nobody. What is sent is
read from the ``broadcasts`` row when each message goes out: a copy of the coordinator's
message (``copyMessage``, so formatting and media stay as written) or the HTML text given on
the command line (``sendMessage``).

Audiences (``broadcasts.audience``): ``all`` (everyone who started the bot), ``event:ID`` (the
people registered for an event), ``event+wait:ID`` (and its waiting list), ``district:CODE``
(the participants of a federal district). A district coordinator's scope is their district:
their "everyone" is stored as ``district:CODE``, and other districts' events are refused.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import aiosqlite

from bot.delivery.progress import KIND, ProgressReporter, Publisher
from bot.registration.regions import Regions
from bot.staff.roles import Role
from storage.broadcasts import Broadcast, BroadcastRepo, NewBroadcast, Recipient
from storage.db import Database, utcnow
from storage.events import EventRepo
from storage.models import Event
from storage.outbox import NewItem, OutboxRepo, OutItem, Priority

if TYPE_CHECKING:
    from aiogram import Bot

    from bot.delivery.sender import Sender
    from bot.runtime import Runtime


RECENT = timedelta(days=30)  # past events still offered as an audience (materials, thanks)


class AudienceKind(StrEnum):
    ALL = "all"
    EVENT = "event"
    EVENT_WAIT = "event+wait"
    DISTRICT = "district"


class AudienceError(ValueError):
    """An audience that does not exist or is outside the sender's scope (one message for both,
    so a coordinator cannot probe for other districts' events)."""


@dataclass(frozen=True, slots=True)
class Audience:
    kind: AudienceKind
    value: str = ""  # the event id or the district code

    def __str__(self) -> str:
        return self.kind.value if self.kind is AudienceKind.ALL else f"{self.kind}:{self.value}"

    @classmethod
    def parse(cls, text: str) -> Audience:
        kind, _, value = text.strip().partition(":")
        try:
            parsed = AudienceKind(kind.strip().lower())
        except ValueError:
            raise AudienceError(f"unknown audience {text!r}") from None
        value = value.strip()
        if parsed is AudienceKind.ALL:
            if value:
                raise AudienceError(f"unknown audience {text!r}")
            return cls(parsed)
        if not value:
            raise AudienceError(f"{parsed.value}: needs a value, like {parsed.value}:ID")
        return cls(parsed, value.lower() if parsed is AudienceKind.DISTRICT else value)


@dataclass(frozen=True, slots=True)
class Resolved:
    """An audience checked against a scope: what is stored, and who it reaches now."""

    audience: Audience
    event: Event | None
    recipients: list[Recipient]


# --- quiet hours --------------------------------------------------------------------------------


def in_quiet_hours(local: time, quiet: tuple[time, time]) -> bool:
    start, end = quiet
    if start == end:
        return False
    if start < end:
        return start <= local < end
    return local >= start or local < end  # across midnight, e.g. 22:00-09:00


def not_before(now: datetime, zone: ZoneInfo, quiet: tuple[time, time] | None) -> datetime:
    """``now``, or the end of the quiet hours in the recipient's own zone if it is quiet there."""
    if quiet is None:
        return now
    local = now.astimezone(zone)
    if not in_quiet_hours(local.time().replace(tzinfo=None), quiet):
        return now
    end = quiet[1]
    day = local.date() if local.time().replace(tzinfo=None) < end else local.date() + timedelta(1)
    return datetime.combine(day, end, tzinfo=zone)


def zone_of(name: str | None, default: ZoneInfo) -> ZoneInfo:
    if not name:
        return default
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return default


# --- the service ----------------------------------------------------------------------------


class BroadcastService:
    def __init__(
        self,
        db: Database,
        regions: Regions,
        *,
        default_zone: ZoneInfo,
        quiet_hours: tuple[time, time] | None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.db = db
        self.regions = regions
        self.repo = BroadcastRepo(db)
        self.events = EventRepo(db)
        self.outbox = OutboxRepo(db)
        self.default_zone = default_zone
        self.quiet_hours = quiet_hours
        self.clock = clock

    async def check(self, audience: Audience, role: Role | None) -> tuple[Audience, Event | None]:
        """The audience as stored for this sender (``role`` None: the command line, no limits).

        Raises :class:`AudienceError` for an unknown event or district, or one out of scope.
        """
        if role is not None and not role.is_staff:
            raise AudienceError("not allowed")
        if audience.kind is AudienceKind.ALL:
            if role is not None and role.district is not None:
                return Audience(AudienceKind.DISTRICT, role.district), None
            return audience, None
        if audience.kind is AudienceKind.DISTRICT:
            if self.regions.district(audience.value) is None:
                raise AudienceError(f"unknown district {audience.value!r}")
            if role is not None and not role.covers_district(audience.value):
                raise AudienceError(f"unknown district {audience.value!r}")
            return audience, None
        event = await self.events.get(audience.value)
        if event is None or (role is not None and not role.covers_event(event)):
            raise AudienceError(f"unknown event {audience.value!r}")
        return audience, event

    async def recipients(
        self, audience: Audience, conn: aiosqlite.Connection | None = None
    ) -> list[Recipient]:
        """Who an (already checked) audience reaches now; unreachable people are left out."""
        if audience.kind is AudienceKind.ALL:
            return await self.repo.everyone(None, conn)
        if audience.kind is AudienceKind.DISTRICT:
            return await self.repo.everyone(audience.value, conn)
        waitlist = audience.kind is AudienceKind.EVENT_WAIT
        return await self.repo.registrants(audience.value, waitlist=waitlist, conn=conn)

    async def resolve(self, audience: Audience, role: Role | None) -> Resolved:
        checked, event = await self.check(audience, role)
        return Resolved(checked, event, await self.recipients(checked))

    async def events_for(self, role: Role, limit: int = 20) -> list[Event]:
        """Events a sender may announce to: in scope, not ended more than 30 days ago;
        upcoming ones first (soonest first), then past ones (latest first)."""
        now = self.clock()
        recent = now - RECENT
        events = [e for e in await self.events.all() if role.covers_event(e) and e.ends_at > recent]
        upcoming = [e for e in events if e.ends_at > now]
        past = sorted((e for e in events if e.ends_at <= now), key=lambda e: e.starts_at)
        return (upcoming + past[::-1])[:limit]

    async def create(
        self,
        audience: Audience,
        role: Role | None,
        *,
        created_by: int | None,
        source: tuple[int, int] | None = None,
        text: str | None = None,
        status_message: tuple[int, int] | None = None,
    ) -> tuple[int, int]:
        """Queue an announcement: the row and one outbox row per recipient, in one transaction.

        ``source`` is (chat id, message id) to copy, else ``text`` is sent as HTML.
        Returns (broadcast id, number of recipients); nothing is written for nobody.
        """
        if (source is None) == (text is None):
            raise ValueError("give either a message to copy or a text")
        checked, _ = await self.check(audience, role)
        now = self.clock()
        async with self.db.transaction() as conn:
            people = await self.recipients(checked, conn)
            if not people:
                return 0, 0
            new = NewBroadcast(
                audience=str(checked),
                total=len(people),
                created_by=created_by,
                text=text,
                source_chat_id=source[0] if source else None,
                source_message_id=source[1] if source else None,
                status_chat_id=status_message[0] if status_message else None,
                status_message_id=status_message[1] if status_message else None,
            )
            broadcast_id = await self.repo.insert(conn, new, now)
            zones: dict[str | None, ZoneInfo] = {}
            items = []
            for person in people:
                zone = zones.get(person.timezone)
                if zone is None:
                    zone = zones[person.timezone] = zone_of(person.timezone, self.default_zone)
                items.append(
                    NewItem(
                        key=f"broadcast:{broadcast_id}:{person.telegram_id}",
                        chat_id=person.telegram_id,
                        kind=KIND,
                        not_before=not_before(now, zone, self.quiet_hours),
                        priority=Priority.BROADCAST,
                        broadcast_id=broadcast_id,
                    )
                )
            await self.outbox.enqueue(conn, items, now)
        return broadcast_id, len(people)

    async def stop(self, broadcast_id: int) -> int:
        async with self.db.transaction() as conn:
            return await self.repo.stop(conn, broadcast_id, self.clock())


# --- sending ---------------------------------------------------------------------------------


class BroadcastRenderer:
    """The outbox renderer of ``kind = "broadcast"``: one copyMessage or sendMessage."""

    def __init__(self, repo: BroadcastRepo) -> None:
        self.repo = repo
        self.stopped: set[int] = set()  # stopped in this process: rows already taken are dropped
        self._cache: dict[int, Broadcast] = {}

    def forget(self, broadcast_id: int) -> None:
        self._cache.pop(broadcast_id, None)

    async def __call__(self, bot: Bot, item: OutItem) -> bool:
        if item.broadcast_id is None or item.broadcast_id in self.stopped:
            return False
        broadcast = self._cache.get(item.broadcast_id)
        if broadcast is None:
            broadcast = await self.repo.get(item.broadcast_id)
            if broadcast is None or broadcast.status == "stopped":
                return False
            if len(self._cache) > 100:
                self._cache.clear()
            self._cache[broadcast.id] = broadcast
        if broadcast.source_chat_id is not None and broadcast.source_message_id is not None:
            await bot.copy_message(
                chat_id=item.chat_id,
                from_chat_id=broadcast.source_chat_id,
                message_id=broadcast.source_message_id,
            )
        else:
            await bot.send_message(chat_id=item.chat_id, text=broadcast.text or "")
        return True


@dataclass
class Broadcasting:
    """What the handlers use (``broadcasting`` in the handler data)."""

    service: BroadcastService
    renderer: BroadcastRenderer
    progress: ProgressReporter
    view: Publisher
    sender: Sender

    def wake(self) -> None:
        """Rows were queued: the sender looks now rather than at its next poll."""
        self.sender.wake()


def setup(runtime: Runtime, view: Publisher) -> None:
    """Register the renderer, the progress reporter and its restart work.

    ``view`` shows an announcement's progress: Telegram presentation (texts, the Stop button)
    that lives with the handlers and is handed over by the app factory (bot/app.py)."""
    settings = runtime.settings
    service = BroadcastService(
        runtime.db,
        runtime.regions,
        default_zone=settings.zone,
        quiet_hours=settings.quiet_hours,
    )
    renderer = BroadcastRenderer(service.repo)
    runtime.sender.register(KIND, renderer)
    reporter = ProgressReporter(runtime.db, view, on_finished=renderer.forget)
    runtime.sender.listeners.append(reporter.on_batch)
    runtime.on_started.append(reporter.start)
    runtime.dp.shutdown.register(reporter.stop)
    broadcasting = Broadcasting(service, renderer, reporter, view, runtime.sender)
    runtime.broadcasting = broadcasting
    runtime.dp["broadcasting"] = broadcasting  # handler data
