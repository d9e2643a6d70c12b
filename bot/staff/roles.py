"""Who may do what: admins (ADMIN_IDS), coordinators with a scope, participants.

Checked on every update (commands and button presses alike) by handlers/filters.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from storage.coordinators import Coordinator, CoordinatorRepo
from storage.db import Database
from storage.models import Event


class RoleKind(StrEnum):
    PARTICIPANT = "participant"
    COORDINATOR = "coordinator"
    ADMIN = "admin"


@dataclass(frozen=True, slots=True)
class Role:
    kind: RoleKind
    district: str | None = None  # a district coordinator's scope; None: the whole programme

    @property
    def is_staff(self) -> bool:
        return self.kind is not RoleKind.PARTICIPANT

    @property
    def is_admin(self) -> bool:
        return self.kind is RoleKind.ADMIN

    def covers_district(self, district: str | None) -> bool:
        """May this role see and message people/events of ``district``?"""
        if not self.is_staff:
            return False
        return self.district is None or self.district == district

    def covers_event(self, event: Event) -> bool:
        # A district coordinator manages the events of their district only; events for the
        # whole programme (no district) belong to programme-wide staff.
        return self.covers_district(event.district)


PARTICIPANT = Role(RoleKind.PARTICIPANT)


ADMIN = Role(RoleKind.ADMIN)


def role_for(user_id: int, admin_ids: frozenset[int], coordinator: Coordinator | None) -> Role:
    """The role of ``user_id`` given their coordinator row (None: not a coordinator), as read
    with their participant row in one query (storage/participants.py ``person``)."""
    if user_id in admin_ids:
        return ADMIN
    if coordinator is not None:
        return Role(RoleKind.COORDINATOR, coordinator.district)
    return PARTICIPANT


async def role_of(user_id: int, admin_ids: frozenset[int], db: Database) -> Role:
    if user_id in admin_ids:
        return ADMIN
    return role_for(user_id, admin_ids, await CoordinatorRepo(db).get(user_id))
