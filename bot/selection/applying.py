"""Applying to a selection event: an application instead of a seat (issue 9, item 1).

The applicant answers the event's questions (the application form) like any registration;
confirming stores an ``applications`` row with status ``applied`` and the answers under the
event id. Until the application deadline (``registration_deadline``, else the start) the
applicant may change the answers or withdraw, and apply again after withdrawing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.registration.service import Closed, RegistrationError, RegistrationService
from bot.selection.config import SelectionSpec
from storage.applications import Application, ApplicationRepo, AppStatus
from storage.models import Event


@dataclass(frozen=True, slots=True)
class Applied:
    """A stored application; ``already``: it was there (the answers were changed)."""

    application: Application
    already: bool


def is_selection(event: Event | None) -> bool:
    return event is not None and event.selection is not None


def application_deadline(event: Event) -> datetime:
    """Applications are taken until the registration deadline, or else the start."""
    return event.registration_deadline or event.starts_at


class Applying:
    """Applications of one bot: built on the registration service (its clock, its rules for
    when an event is open, its way of storing profile answers)."""

    def __init__(self, registration: RegistrationService) -> None:
        self.registration = registration
        self.db = registration.db
        self.repo = ApplicationRepo(registration.db)

    def spec(self, event: Event) -> SelectionSpec | None:
        return SelectionSpec.of(event)

    async def get(self, participant_id: int, event_id: str) -> Application | None:
        return await self.repo.get(event_id, participant_id)

    async def answers(self, participant_id: int, event_id: str) -> dict[str, str]:
        return await self.registration.participants.answers(participant_id, event_id)

    def closed(self, event: Event | None) -> Closed | None:
        """Why the application cannot be made, changed or withdrawn now (None: it can)."""
        return self.registration.closed_reason(event)

    async def apply(
        self,
        participant_id: int,
        event_id: str,
        profile_answers: dict[str, str | None],
        event_answers: dict[str, str | None],
    ) -> Applied:
        """Submit (or change) the application with these answers."""
        now = self.registration.clock()
        registration = self.registration
        async with self.db.transaction() as conn:
            event = await registration.events.get(event_id, conn)
            reason = registration.closed_reason(event, now)
            if reason is not None:
                raise RegistrationError(reason)
            current = await self.repo.get(event_id, participant_id, conn)
            await registration.save_profile(participant_id, profile_answers, conn)
            await registration.participants.save_answers(
                conn, participant_id, event_answers, now, event_id=event_id
            )
            await self.repo.submit(conn, event_id, participant_id, now)
            stored = await self.repo.get(event_id, participant_id, conn)
        assert stored is not None
        already = current is not None and current.status is AppStatus.APPLIED
        return Applied(stored, already)

    async def withdraw(self, participant_id: int, event_id: str) -> Application | None:
        """Withdraw an application still under consideration (before the deadline); None
        when there is none to withdraw. Raises RegistrationError after the deadline."""
        now = self.registration.clock()
        async with self.db.transaction() as conn:
            event = await self.registration.events.get(event_id, conn)
            reason = self.registration.closed_reason(event, now)
            if reason is not None:
                raise RegistrationError(reason)
            current = await self.repo.get(event_id, participant_id, conn)
            if current is None or current.status is not AppStatus.APPLIED:
                return None
            await self.repo.set_status(conn, current.id, AppStatus.WITHDRAWN, now)
        return current

    async def of_participant(self, participant_id: int) -> list[tuple[Application, Event]]:
        return await self.repo.of_participant(participant_id)

    async def open_count(self, event_id: str) -> int:
        return await self.repo.count(event_id, AppStatus.APPLIED)


__all__ = ["Applied", "Applying", "Closed", "application_deadline", "is_selection"]
