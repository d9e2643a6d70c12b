"""Registration rules: who may register, capacity, the waiting list, cancellation, erasure.

Plain values in, plain results out; every read-then-write runs in one BEGIN IMMEDIATE
transaction, so the capacity holds however many people confirm at the same moment.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

import aiosqlite

from bot.refusal import Refused
from bot.registration.form import CONSENT_YES, Form, Question, QuestionType, parse_questions
from bot.registration.regions import Regions
from storage.db import Database, utcnow
from storage.erasure import ErasureRepo, Inventory, checkpoint
from storage.events import EventRepo, RegistrationRepo
from storage.models import Event, EventStatus, Participant, RegStatus
from storage.participants import ParticipantRepo


class Closed(StrEnum):
    """Why registration for an event is not possible (texts: closed.*)."""

    NOT_FOUND = "not_found"
    CANCELLED = "cancelled"
    STARTED = "started"
    DEADLINE = "deadline"


class RegistrationError(Refused[Closed]):
    """Registration refused; ``reason`` says why."""


@dataclass(frozen=True, slots=True)
class Promotion:
    participant_id: int
    event_id: str


@dataclass(frozen=True, slots=True)
class RegisterOutcome:
    status: RegStatus
    position: int | None  # on the waiting list
    already: bool  # the person was already registered or waitlisted
    promoted: list[Promotion] = field(default_factory=list)  # others moved up meanwhile


#: Another feature's seats held by a person about to be erased (an accepted application, issue
#: 9): called inside the erasure's transaction, before the rows go, to pass the seats on.
#: Arguments: the connection, the person, now.
SeatRelease = Callable[[aiosqlite.Connection, int, datetime], Awaitable[object]]


@dataclass(frozen=True, slots=True)
class Erasure:
    """What "Delete my data" removed, and who got a freed seat."""

    erased: Inventory
    promoted: list[Promotion] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class CancelOutcome:
    was: RegStatus | None  # None: there was nothing to cancel
    promoted: list[Promotion] = field(default_factory=list)


class RegistrationService:
    def __init__(
        self,
        db: Database,
        form: Form,
        regions: Regions,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.db = db
        self.form = form
        self.regions = regions
        self.clock = clock
        self.events = EventRepo(db)
        self.registrations = RegistrationRepo(db)
        #: Filled by the app factory (bot/app.py): what else gives up a seat on erasure.
        self.seat_releases: list[SeatRelease] = []
        self.participants = ParticipantRepo(db)
        self.erasure = ErasureRepo(
            db, consent_ids=tuple(q.id for q in form.questions if q.type is QuestionType.CONSENT)
        )

    # --- reading ---------------------------------------------------------------------------

    def closed_reason(self, event: Event | None, now: datetime | None = None) -> Closed | None:
        now = now or self.clock()
        if event is None:
            return Closed.NOT_FOUND
        if event.status is EventStatus.CANCELLED:
            return Closed.CANCELLED
        if event.starts_at <= now:
            return Closed.STARTED
        if event.registration_deadline is not None and event.registration_deadline <= now:
            return Closed.DEADLINE
        return None

    async def seats_left(self, event: Event) -> int | None:
        if event.capacity is None:
            return None
        taken = await self.registrations.count(self.db.conn, event.id, RegStatus.REGISTERED)
        return max(event.capacity - taken, 0)

    async def missing_profile(self, participant: Participant | None) -> list[Question]:
        """Profile questions still to ask: never answered, or consent to a newer text."""
        answers = await self.participants.answers(participant.telegram_id) if participant else {}
        missing = []
        for question in self.form.questions:
            if question.type is QuestionType.CONSENT:
                if participant is None or participant.consent_version != question.version:
                    missing.append(question)
            elif question.id not in answers:
                missing.append(question)
        return missing

    def event_questions(self, event: Event) -> list[Question]:
        return parse_questions(event.questions, f"event {event.id}")

    # --- writing ---------------------------------------------------------------------------

    async def save_profile(
        self, participant_id: int, answers: dict[str, str | None], conn: aiosqlite.Connection
    ) -> None:
        """Store profile answers ('' for a skipped optional one); consent and region
        also update the participant's row."""
        now = self.clock()
        stored: dict[str, str | None] = {}
        for question_id, value in answers.items():
            question = self.form.get(question_id)
            if question is None:
                continue  # the form changed since the answer was given
            if question.type is QuestionType.CONSENT:
                # Saved again at the confirmation: the moment of agreement stays (152-FZ).
                agreed = value == CONSENT_YES
                await self.participants.set_consent(
                    conn, participant_id, question.version if agreed else None, now
                )
            elif question.type is QuestionType.REGION:
                region = self.regions.get(value) if value else None
                await self.participants.set_region(
                    conn,
                    participant_id,
                    region.code if region else None,
                    region.district if region else None,
                    region.timezone if region else None,
                    now,
                )
            stored[question_id] = value if value is not None else ""
        await self.participants.save_answers(conn, participant_id, stored, now)

    async def update_profile_answer(
        self, participant_id: int, question_id: str, value: str | None
    ) -> None:
        async with self.db.transaction() as conn:
            await self.save_profile(participant_id, {question_id: value}, conn)

    async def register(
        self,
        participant_id: int,
        event_id: str,
        profile_answers: dict[str, str | None],
        event_answers: dict[str, str | None],
    ) -> RegisterOutcome:
        """Confirm a registration: a seat if one is free, otherwise the waiting list."""
        now = self.clock()
        async with self.db.transaction() as conn:
            event = await self.events.get(event_id, conn)
            reason = self.closed_reason(event, now)
            if reason is not None:
                raise RegistrationError(reason)
            assert event is not None
            await self.save_profile(participant_id, profile_answers, conn)
            await self.participants.save_answers(
                conn,
                participant_id,
                {k: ("" if v is None else v) for k, v in event_answers.items()},
                now,
                event_id=event_id,
            )
            current = await self.registrations.get(event_id, participant_id, conn)
            if current is not None and current.status is not RegStatus.CANCELLED:
                position = await self.registrations.waitlist_position(
                    event_id, participant_id, conn
                )
                return RegisterOutcome(current.status, position, already=True)
            # Seats freed by a larger capacity go to the waiting list first, in order.
            promoted = await self._fill_seats(conn, event_id, now)
            status = RegStatus.REGISTERED
            if event.capacity is not None:
                taken = await self.registrations.count(conn, event_id, RegStatus.REGISTERED)
                if taken >= event.capacity:
                    status = RegStatus.WAITLISTED
            await self.registrations.put(conn, event_id, participant_id, status, now)
            position = None
            if status is RegStatus.WAITLISTED:
                position = await self.registrations.waitlist_position(
                    event_id, participant_id, conn
                )
            return RegisterOutcome(status, position, already=False, promoted=promoted)

    async def cancel(self, participant_id: int, event_id: str) -> CancelOutcome:
        """Cancel a registration or a waiting-list place; promote whoever is next."""
        now = self.clock()
        async with self.db.transaction() as conn:
            current = await self.registrations.get(event_id, participant_id, conn)
            if current is None or current.status is RegStatus.CANCELLED:
                return CancelOutcome(None)
            await self.registrations.set_status(
                conn, event_id, participant_id, RegStatus.CANCELLED, now
            )
            promoted = await self._fill_seats(conn, event_id, now)
            return CancelOutcome(current.status, promoted)

    async def record_consent(self, participant_id: int) -> None:
        """The person agreed just now: the consent (and its moment) is recorded at once, not
        when the registration is confirmed later. Agreeing again to the same version of the
        text keeps the first moment."""
        consent = next((q for q in self.form.questions if q.type is QuestionType.CONSENT), None)
        if consent is None:
            return
        async with self.db.one_statement() as conn:  # one UPDATE: atomic by itself
            await self.participants.set_consent(conn, participant_id, consent.version, self.clock())

    async def stored(self, participant_id: int) -> Inventory:
        """What is stored about the person ("Delete my data" is offered when anything is)."""
        return await self.erasure.inventory(participant_id)

    async def erase_participant(self, participant_id: int) -> Erasure:
        """Withdrawal of consent (152-FZ): everything stored about the person goes in one
        transaction (storage/erasure.py); the seats they held go to the waiting lists (and, through
        ``seat_releases``, a selection's seat to its reserve list). Then
        the write-ahead log is checkpointed so the old text leaves the files too."""
        now = self.clock()
        async with self.db.transaction() as conn:
            active = await self.registrations.active_of_participant(conn, participant_id)
            for release in self.seat_releases:
                await release(conn, participant_id, now)
            erased = await self.erasure.erase(conn, participant_id)
            promoted: list[Promotion] = []
            for reg in active:
                if reg.status is RegStatus.REGISTERED:
                    promoted += await self._fill_seats(conn, reg.event_id, now)
        await checkpoint(self.db)
        return Erasure(erased, promoted)

    async def _fill_seats(
        self, conn: aiosqlite.Connection, event_id: str, now: datetime
    ) -> list[Promotion]:
        event = await self.events.get(event_id, conn)
        if event is None or event.capacity is None or event.status is EventStatus.CANCELLED:
            return []
        if event.starts_at <= now:
            return []  # nobody is promoted into a session that has already begun
        taken = await self.registrations.count(conn, event_id, RegStatus.REGISTERED)
        free = event.capacity - taken
        if free <= 0:
            return []
        promoted = []
        for reg in await self.registrations.first_waitlisted(conn, event_id, free):
            await self.registrations.set_status(
                conn, event_id, reg.participant_id, RegStatus.REGISTERED, now
            )
            promoted.append(Promotion(reg.participant_id, event_id))
        return promoted
