"""Coordinators' work without Telegram: who coordinates what, one-time invitations,
creating, changing and cancelling events from the chat, the participants of an event.

Plain values in, plain values out (the typed answers are checked in bot/events/input.py).
"""

from __future__ import annotations

import builtins
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, TypeVar

import aiosqlite

from bot.events.files import import_events
from bot.events.input import (
    Draft,
    EventField,
    check_event,
    draft_of,
    event_from_draft,
    new_event_id,
)
from bot.registration.regions import DISTRICT_CODES, Regions
from storage.attendance import VolunteerRepo
from storage.coordinators import CoordinatorRepo
from storage.coordinators import Invite as Invite  # re-exported for the views
from storage.db import Database
from storage.events import EventRepo
from storage.experts import ExpertRepo
from storage.models import Event, EventStatus, RegStatus
from storage.participants import ParticipantRepo
from storage.roster import Entry, RosterRepo

T = TypeVar("T")

ALL = "all"  # the scope "the whole programme" where a district code could stand
INVITE_PREFIX = "co_"
#: The roles an invitation gives (``invites.role``); another role adds an entry to
#: ``Coordinators.grants``.
ROLE_COORDINATOR = "coordinator"
ROLE_EXPERT = "expert"
ROLE_VOLUNTEER = "volunteer"  # issue 10: a door volunteer for one event

# --- coordinators and invitations ---------------------------------------------------------


def parse_scope(text: str | None) -> str | None:
    """``None`` / ``"all"`` -> the whole programme; a district code -> that district."""
    if text is None or text.strip().lower() in ("", ALL):
        return None
    code = text.strip().lower()
    if code not in DISTRICT_CODES:
        raise ValueError(f"unknown district {text!r}; one of {', '.join(DISTRICT_CODES)} or all")
    return code


@dataclass(frozen=True, slots=True)
class CoordinatorInfo:
    telegram_id: int
    district: str | None
    first_name: str | None  # None: the person has not written to the bot yet
    username: str | None
    added_by: int | None
    created_at: datetime


class InviteRefusal(StrEnum):
    """Why an invitation link did not work (texts: coord.invite_<value>)."""

    BAD = "bad"  # unknown, or already used
    EXPIRED = "expired"
    REVOKED = "revoked"
    CREATOR_GONE = "creator_gone"  # its author is no longer staff with that scope


@dataclass(frozen=True, slots=True)
class InviteOutcome:
    invite: Invite | None  # the invitation used (None when refused)
    refusal: InviteRefusal | None = None


DEFAULT_INVITE_TTL = timedelta(days=7)
#: Gives an invitation's role to its opener, inside the transaction that marks it used.
Grant = Callable[[aiosqlite.Connection, Invite, int, datetime], Awaitable[None]]


class Coordinators:
    """Adding, removing and listing coordinators; one-time invitations that expire after
    ``invite_ttl``, can be revoked, and work only while their author is still staff with at
    least their scope (an admin still in ``admin_ids``, a coordinator not removed)."""

    def __init__(
        self,
        db: Database,
        *,
        admin_ids: frozenset[int] = frozenset(),
        invite_ttl: timedelta = DEFAULT_INVITE_TTL,
    ) -> None:
        self.db = db
        self.repo = CoordinatorRepo(db)
        self.admin_ids = admin_ids
        self.invite_ttl = invite_ttl

    async def add(
        self, telegram_id: int, district: str | None, added_by: int | None, now: datetime
    ) -> bool:
        """Make ``telegram_id`` a coordinator (or change the scope); True when new."""
        existed = await self.repo.get(telegram_id) is not None
        async with self.db.transaction() as conn:
            await self.repo.put(conn, telegram_id, district, added_by, now)
        return not existed

    async def remove(self, telegram_id: int) -> bool:
        async with self.db.transaction() as conn:
            return await self.repo.remove(conn, telegram_id)

    async def get(self, telegram_id: int) -> CoordinatorInfo | None:
        found = [c for c in await self.list() if c.telegram_id == telegram_id]
        return found[0] if found else None

    async def list(self) -> list[CoordinatorInfo]:
        people = ParticipantRepo(self.db)
        result = []
        for c in await self.repo.all():
            person = await people.get(c.telegram_id)
            result.append(
                CoordinatorInfo(
                    telegram_id=c.telegram_id,
                    district=c.district,
                    first_name=person.first_name if person else None,
                    username=person.username if person else None,
                    added_by=c.added_by,
                    created_at=c.created_at,
                )
            )
        result.sort(key=lambda c: (c.district is not None, c.district or "", c.created_at))
        return result

    async def invite(
        self,
        district: str | None,
        created_by: int | None,
        now: datetime,
        *,
        role: str = ROLE_COORDINATOR,
        event_id: str | None = None,
    ) -> str:
        """A new one-time invitation; the deep-link payload is ``co_<token>``. ``role``: what
        it makes its opener (a coordinator of ``district``, an expert of ``event_id``)."""
        token = secrets.token_urlsafe(16)  # 22 characters of [A-Za-z0-9_-]
        async with self.db.transaction() as conn:
            await self.repo.create_invite(
                conn,
                token,
                district,
                created_by,
                now,
                now + self.invite_ttl,
                role=role,
                event_id=event_id,
            )
        return token

    async def open_invites(self, now: datetime) -> builtins.list[Invite]:
        return await self.repo.open_invites(now)

    async def revoke(
        self,
        now: datetime,
        revoked_by: int | None = None,
        *,
        token: str | None = None,
        invite_id: int | None = None,
    ) -> Invite | None:
        """Revoke an unused invitation by its token (the CLI) or its number (a button)."""
        async with self.db.transaction() as conn:
            return await self.repo.revoke(conn, now, revoked_by, token=token, invite_id=invite_id)

    async def accept(self, token: str, user_id: int, now: datetime) -> InviteOutcome:
        """Use an invitation: its opener becomes a coordinator with its scope. Refused (and
        nothing changes) when it is unknown, used, revoked, expired, or its author may no
        longer give that scope."""
        async with self.db.transaction() as conn:
            invite = await self.repo.find_invite(conn, token)
            refusal = await self._refusal(conn, invite, now)
            if refusal is not None or invite is None:
                return InviteOutcome(None, refusal or InviteRefusal.BAD)
            await self.repo.mark_used(conn, token, user_id, now)
            await self.grants[invite.role](conn, invite, user_id, now)
        return InviteOutcome(replace(invite, used_by=user_id))

    # --- what an invitation gives, by its role: a new role adds one method and one entry ---

    @property
    def grants(self) -> dict[str, Grant]:
        return {
            ROLE_COORDINATOR: self._grant_coordinator,
            ROLE_EXPERT: self._grant_expert,
            ROLE_VOLUNTEER: self._grant_volunteer,
        }

    async def _grant_coordinator(
        self, conn: aiosqlite.Connection, invite: Invite, user_id: int, now: datetime
    ) -> None:
        await self.repo.put(conn, user_id, invite.district, invite.created_by, now)

    async def _grant_expert(
        self, conn: aiosqlite.Connection, invite: Invite, user_id: int, now: datetime
    ) -> None:
        assert invite.event_id is not None
        await ExpertRepo(self.db).add(conn, invite.event_id, user_id, invite.created_by, now)

    async def _grant_volunteer(
        self, conn: aiosqlite.Connection, invite: Invite, user_id: int, now: datetime
    ) -> None:
        assert invite.event_id is not None
        await VolunteerRepo(self.db).put(conn, invite.event_id, user_id, invite.created_by, now)

    async def _refusal(
        self, conn: aiosqlite.Connection, invite: Invite | None, now: datetime
    ) -> InviteRefusal | None:
        if invite is None or invite.used_by is not None:
            return InviteRefusal.BAD
        if invite.revoked_at is not None:
            return InviteRefusal.REVOKED
        if invite.expires_at is not None and invite.expires_at <= now:
            return InviteRefusal.EXPIRED
        if invite.role not in self.grants:
            return InviteRefusal.BAD
        if not await self._may_give(conn, invite.created_by, await self._scope(conn, invite)):
            return InviteRefusal.CREATOR_GONE
        return None

    async def _scope(self, conn: aiosqlite.Connection, invite: Invite) -> str | None:
        """The district an invitation's author must cover: its own, or its event's."""
        if invite.event_id is None:
            return invite.district
        event = await EventRepo(self.db).get(invite.event_id, conn)
        return event.district if event is not None else invite.district

    async def _may_give(
        self, conn: aiosqlite.Connection, author: int | None, district: str | None
    ) -> bool:
        """Whether ``author`` is, now, staff with at least the scope ``district``."""
        if author is None or author in self.admin_ids:
            return True  # the command line (the operator), or an admin
        coordinator = await self.repo.get(author, conn)
        return coordinator is not None and coordinator.district in (None, district)


class EventDesk:
    """Creating, changing and cancelling events from the chat: always through
    :func:`bot.events.files.import_events`, the one way an event is written."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.events = EventRepo(db)

    async def create(self, draft: Draft, now: datetime) -> Event:
        event_id = await new_event_id(draft[EventField.TITLE], self._exists)
        event = event_from_draft(draft, event_id)
        check_event(event, now)
        await import_events(self.db, [event], now)
        return event

    async def _exists(self, event_id: str) -> bool:
        return await self.events.get(event_id) is not None

    async def change(self, event: Event, field: EventField, value: Any, now: datetime) -> Event:
        draft = draft_of(event)
        draft[field] = value
        changed = event_from_draft(draft, event.id, base=event)
        check_event(changed, now)
        await import_events(self.db, [changed], now)
        return changed

    async def cancel(self, event: Event, now: datetime) -> Event:
        cancelled = replace(event, status=EventStatus.CANCELLED)
        await import_events(self.db, [cancelled], now)
        return cancelled


# --- the participants of an event ---------------------------------------------------------

NAME_ID = "full_name"
ORGANISATION_ID = "organization"
ROLE_ID = "role"
PROFILE_IDS = (NAME_ID, ORGANISATION_ID, ROLE_ID)


@dataclass(frozen=True, slots=True)
class RosterRow:
    number: int
    participant_id: int
    name: str
    organisation: str
    region: str
    status: RegStatus
    position: int | None  # on the waiting list


STATUS_ORDER = {RegStatus.REGISTERED: 0, RegStatus.WAITLISTED: 1, RegStatus.CANCELLED: 2}


def roster_rows(
    entries: list[Entry], regions: Regions, locale: str, *, with_cancelled: bool = True
) -> list[RosterRow]:
    """Registered first (in the order they came), then the waiting list in its order, then
    the cancelled; numbered from 1."""
    waiting = sorted(
        (e for e in entries if e.status is RegStatus.WAITLISTED),
        key=lambda e: (e.queued_at, e.reg_id),
    )
    position = {e.reg_id: n for n, e in enumerate(waiting, start=1)}
    chosen = [e for e in entries if with_cancelled or e.status is not RegStatus.CANCELLED]
    chosen.sort(
        key=lambda e: (STATUS_ORDER[e.status], position.get(e.reg_id, 0), e.registered_at, e.reg_id)
    )
    rows = []
    for number, entry in enumerate(chosen, start=1):
        region = regions.get(entry.region) if entry.region else None
        rows.append(
            RosterRow(
                number=number,
                participant_id=entry.participant_id,
                name=entry.answers.get(NAME_ID) or entry.first_name,
                organisation=entry.answers.get(ORGANISATION_ID, ""),
                region=region.name(locale) if region else "",
                status=entry.status,
                position=position.get(entry.reg_id),
            )
        )
    return rows


async def roster(
    db: Database, event_id: str, regions: Regions, locale: str, *, with_cancelled: bool = True
) -> list[RosterRow]:
    entries = await RosterRepo(db).entries([event_id], PROFILE_IDS)
    return roster_rows(entries, regions, locale, with_cancelled=with_cancelled)


def page_of(items: list[T], page: int, size: int) -> tuple[list[T], int, int]:
    """(the items of ``page``, the page actually shown, the number of pages)."""
    pages = max(1, -(-len(items) // size))
    page = min(max(page, 0), pages - 1)
    return items[page * size : (page + 1) * size], page, pages
