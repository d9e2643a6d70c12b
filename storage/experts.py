"""Experts: a role scoped to one selection event (issue 9); the table ``experts``."""

from __future__ import annotations

from storage.event_roles import EventRoleRepo, RoleHolder
from storage.events import _event as event_of_row
from storage.models import Event

#: One expert of one event (``added_by`` None: the command line).
Expert = RoleHolder


class ExpertRepo(EventRoleRepo):
    table = "experts"

    #: The names the selection code reads best with.
    is_expert = EventRoleRepo.holds

    async def of_event(self, event_id: str) -> list[Expert]:
        return await self.all(event_id)

    async def events_of(self, telegram_id: int) -> list[Event]:
        """The events this person reviews, soonest first."""
        rows = await self.db.fetchall(
            "SELECT e.* FROM experts x JOIN events e ON e.id = x.event_id "
            "WHERE x.telegram_id = ? ORDER BY e.starts_at, e.id",
            (telegram_id,),
        )
        return [event_of_row(r) for r in rows]
