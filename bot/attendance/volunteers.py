"""Door volunteers: people who may check others in at one event, and nothing else.

Granted by the command line (``python -m bot volunteers add``) or by a one-time invitation
link (``invites`` with role 'volunteer' and the event) made from an admin's or the event's
coordinator's chat; the link is redeemed by the coordinators' invitation code
(bot/staff/coordination.py ``Coordinators.accept``, its role branch).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from storage.attendance import Volunteer, VolunteerRepo
from storage.db import Database
from storage.events import EventRepo

ROLE = "volunteer"


class VolunteerError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class VolunteerInvite:
    token: str
    expires_at: datetime


class Volunteers:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.repo = VolunteerRepo(db)
        self.events = EventRepo(db)

    async def add(self, telegram_id: int, event_id: str, by: int | None, now: datetime) -> bool:
        """True when new; VolunteerError when there is no such event."""
        if await self.events.get(event_id) is None:
            raise VolunteerError(f"no event with id {event_id!r}")
        async with self.db.transaction() as conn:
            return await self.repo.put(conn, event_id, telegram_id, by, now)

    async def remove(self, telegram_id: int, event_id: str) -> bool:
        async with self.db.transaction() as conn:
            return await self.repo.remove(conn, event_id, telegram_id)

    async def list(self, event_id: str | None = None) -> list[Volunteer]:
        return await self.repo.all(event_id)

    async def invite(
        self, event_id: str, created_by: int | None, now: datetime, ttl: timedelta
    ) -> VolunteerInvite:
        """A one-time link ``co_<token>`` that makes its opener a volunteer of the event."""
        event = await self.events.get(event_id)
        if event is None:
            raise VolunteerError(f"no event with id {event_id!r}")
        token = secrets.token_urlsafe(16)
        async with self.db.transaction() as conn:
            await self.repo.create_invite(
                conn, token, (event.id, event.district), created_by, (now, now + ttl)
            )
        return VolunteerInvite(token, now + ttl)
