"""Checking people in: plain values in, plain results out (the handlers say them).

Who may mark someone else: staff with the event in scope (an admin, a coordinator of the
event's district or of the whole programme) or a door volunteer of that event. A person may
mark only themselves, by the room link (an hour before the start to the end) or by the
"I'm at the session" button of an online session (15 minutes before the start to the end).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from cachetools import TTLCache

from bot.attendance import tokens
from bot.config import Settings
from bot.events.minimums import minimum_of
from bot.registration.service import RegistrationService
from bot.staff.coordination import NAME_ID
from bot.staff.roles import Role
from storage.attendance import AttendanceRepo, Mark, Stamp, VolunteerRepo
from storage.db import Database
from storage.events import EventRepo
from storage.models import Event, EventStatus, RegStatus

ROOM_OPENS = timedelta(hours=1)  # the room link works from an hour before the start
#: How long someone sent from the room link to the questionnaire is checked in when they finish.
AT_THE_DOOR = timedelta(minutes=30)
ONLINE_OPENS = timedelta(minutes=15)  # "I'm at the session" from 15 minutes before


class Method(StrEnum):
    QR = "qr"
    ROOM = "room"
    ONLINE = "online"
    MANUAL = "manual"
    WALK_IN = "walk_in"


class Outcome(StrEnum):
    """What came of a check-in (texts: att.outcome.<value> where a person reads it)."""

    MARKED = "marked"
    ALREADY = "already"
    FORGED = "forged"  # a link that does not verify: nothing is said about any event
    NOT_ALLOWED = "not_allowed"  # a personal link opened by someone who may not mark
    NOT_REGISTERED = "not_registered"
    CLOSED = "closed"  # outside the window, or the event is cancelled
    OFFER = "offer"  # the room link, unregistered: registration on the spot is possible
    FULL = "full"  # ... but no seat is left
    NO_PROFILE = "no_profile"  # ... but there is no profile to register with
    # ... registration goes through the questionnaire (no profile yet, or the event asks its
    # own questions); they are checked in as soon as they are registered
    REGISTER_FIRST = "register_first"


@dataclass(frozen=True, slots=True)
class CheckIn:
    outcome: Outcome
    event: Event | None = None
    name: str = ""  # the person checked in, as they gave their name
    attended: int = 0
    registered: int = 0
    at: datetime | None = None  # when they were marked (ALREADY: the first time)


@dataclass(frozen=True, slots=True)
class Summary:
    """Registered against attended, and the minimum of the event's kind."""

    registered: int
    attended: int
    minimum: int | None

    @property
    def met(self) -> bool | None:
        return None if self.minimum is None else self.attended >= self.minimum

    @property
    def missing(self) -> int:
        return max((self.minimum or 0) - self.attended, 0)


def secret_of(settings: Settings) -> bytes:
    """The key of the personal links: CHECKIN_SECRET, else derived from the bot token; with
    neither (a command-line tool) a random one, so nothing signed then verifies later."""
    own = settings.checkin_secret.get_secret_value() if settings.checkin_secret else None
    token = settings.bot_token.get_secret_value() if settings.bot_token else None
    if not own and not token:
        return secrets.token_bytes(32)
    return tokens.derive_secret(own, token)


async def summary_of(db: Database, event: Event) -> Summary:
    """Registered, attended (walk-ins included) and the minimum of one event."""
    counts = (await EventRepo(db).counts([event.id])).get(event.id)
    registered = counts.registered if counts else 0
    return Summary(registered, await AttendanceRepo(db).count(event.id), minimum_of(event))


def in_person(event: Event) -> bool:
    """An event with a place to come to (a hybrid one too): it gets personal QR codes."""
    return bool(event.location)


def room_open(event: Event, now: datetime) -> bool:
    return event.starts_at - ROOM_OPENS <= now < event.ends_at


def online_open(event: Event, now: datetime) -> bool:
    return event.starts_at - ONLINE_OPENS <= now < event.ends_at


class CheckInService:
    def __init__(self, db: Database, secret: bytes, registration: RegistrationService) -> None:
        self.db = db
        self.secret = secret
        self.registration = registration
        self.events = EventRepo(db)
        self.marks = AttendanceRepo(db)
        self.volunteers = VolunteerRepo(db)
        # Who opened the room link and went to the questionnaire: person -> event. In memory
        # (after a restart they open the room link once more), for AT_THE_DOOR.
        self._at_the_door: TTLCache[int, str] = TTLCache(10_000, AT_THE_DOOR.total_seconds())

    # --- links ------------------------------------------------------------------------------

    def personal_link_payload(self, event_id: str, participant_id: int) -> str:
        return tokens.personal_payload(self.secret, event_id, participant_id)

    async def room_payload(self, event_id: str) -> str:
        """The room link's payload; its code is made on first use and kept."""
        code = await self.marks.room_code(event_id)
        if code is None:
            async with self.db.transaction() as conn:
                code = await self.marks.set_room_code(conn, event_id, secrets.token_hex(6))
        return tokens.room_payload(event_id, code)

    async def _by_ref(self, ref: str) -> list[Event]:
        return [e for e in await self.events.all() if tokens.event_ref(e.id) == ref]

    # --- who may ----------------------------------------------------------------------------

    async def may_check_in(self, user_id: int, role: Role, event: Event) -> bool:
        return role.covers_event(event) or await self.volunteers.is_volunteer(event.id, user_id)

    # --- marking ----------------------------------------------------------------------------

    async def scan(self, payload: str, user_id: int, role: Role, now: datetime) -> CheckIn:
        """A personal link opened by ``user_id``: marks the person when ``user_id`` may."""
        link = tokens.parse_personal(payload)
        found = (
            [e for e in await self._by_ref(link.ref) if link.verify(self.secret, e.id)]
            if (link)
            else []
        )
        if link is None or not found:
            return CheckIn(Outcome.FORGED)
        event = found[0]
        if not await self.may_check_in(user_id, role, event):
            return CheckIn(Outcome.NOT_ALLOWED, event)
        if event.status is EventStatus.CANCELLED:
            return CheckIn(Outcome.CLOSED, event)
        return await self._mark(event, link.participant_id, Method.QR, now, by=user_id)

    async def room(self, payload: str, user_id: int, now: datetime) -> CheckIn:
        """The room link opened by ``user_id``: marks them if registered and in the window."""
        parsed = tokens.parse_room(payload)
        event = await self._room_event(parsed) if parsed else None
        if event is None:
            return CheckIn(Outcome.FORGED)
        if event.status is EventStatus.CANCELLED or not room_open(event, now):
            return CheckIn(Outcome.CLOSED, event)
        reg = await self.registration.registrations.get(event.id, user_id)
        if reg is not None and reg.status is RegStatus.REGISTERED:
            return await self._mark(event, user_id, Method.ROOM, now, by=None)
        offer = await self._offer(event, user_id, now)
        if offer is Outcome.REGISTER_FIRST:
            self._at_the_door[user_id] = event.id
        return CheckIn(offer, event)

    async def after_registration(self, event_id: str, user_id: int, now: datetime) -> CheckIn:
        """A registration confirmed: someone the room link sent to the questionnaire (in the
        room, then) is checked in now; anyone else is not (``NOT_REGISTERED``)."""
        if self._at_the_door.pop(user_id, None) != event_id:
            return CheckIn(Outcome.NOT_REGISTERED)
        event = await self.events.get(event_id)
        if event is None or event.status is EventStatus.CANCELLED or not room_open(event, now):
            return CheckIn(Outcome.CLOSED, event)
        return await self._mark(event, user_id, Method.ROOM, now, by=None)

    async def _room_event(self, parsed: tuple[str, str]) -> Event | None:
        ref, code = parsed
        for event in await self._by_ref(ref):
            stored = await self.marks.room_code(event.id)
            if stored is not None and secrets.compare_digest(stored, code):
                return event
        return None

    async def _offer(self, event: Event, user_id: int, now: datetime) -> Outcome:
        person = await self.registration.participants.get(user_id)
        questionnaire = person is None or await self.registration.missing_profile(person)
        if questionnaire or event.questions:  # the spot would skip the event's own questions
            if self.registration.closed_reason(event, now) is None:
                return Outcome.REGISTER_FIRST
            return Outcome.NO_PROFILE
        left = await self.registration.seats_left(event)
        return Outcome.FULL if left == 0 else Outcome.OFFER

    async def register_on_spot(self, event_id: str, user_id: int, now: datetime) -> CheckIn:
        """A walk-in with Telegram at the room link: registered (a seat must be free; the
        profile they gave before is used) and marked, in one transaction."""
        event = await self.events.get(event_id)
        if event is None or event.status is EventStatus.CANCELLED or not room_open(event, now):
            return CheckIn(Outcome.CLOSED, event)
        outcome = await self._offer(event, user_id, now)
        if outcome is not Outcome.OFFER:
            reg = await self.registration.registrations.get(event.id, user_id)
            if reg is not None and reg.status is RegStatus.REGISTERED:
                return await self._mark(event, user_id, Method.ROOM, now, by=None)
            return CheckIn(outcome, event)
        regs = self.registration.registrations
        async with self.db.transaction() as conn:
            taken = await regs.count(conn, event.id, RegStatus.REGISTERED)
            if event.capacity is not None and taken >= event.capacity:
                return CheckIn(Outcome.FULL, event)
            await regs.put(conn, event.id, user_id, RegStatus.REGISTERED, now)
            await self.marks.mark(conn, event.id, user_id, Stamp(Method.ROOM, now))
        return await self._result(event, user_id, Outcome.MARKED)

    async def online(self, event_id: str, user_id: int, now: datetime) -> CheckIn:
        """The "I'm at the session" button of a registered participant."""
        event = await self.events.get(event_id)
        if event is None:
            return CheckIn(Outcome.FORGED)
        if event.status is EventStatus.CANCELLED or not online_open(event, now):
            return CheckIn(Outcome.CLOSED, event)
        return await self._mark(event, user_id, Method.ONLINE, now, by=None)

    async def set_mark(
        self, event: Event, participant_id: int, on: bool, by: int, now: datetime
    ) -> bool:
        """By hand, from the door list: mark (method manual) or remove the mark. The button
        says which, so a double tap changes nothing the second time. Whether the person is
        marked afterwards; only the registered can be marked."""
        async with self.db.transaction() as conn:
            if not on:
                await self.marks.unmark(conn, event.id, participant_id)
                return False
            reg = await self.registration.registrations.get(event.id, participant_id, conn)
            if reg is None or reg.status is not RegStatus.REGISTERED:
                return False
            await self.marks.mark(conn, event.id, participant_id, Stamp(Method.MANUAL, now, by))
        return True

    async def add_walk_in(
        self, event: Event, person: tuple[str, str, str], by: int, now: datetime
    ) -> int:
        """Someone without Telegram: (name, organisation, region) as staff typed them."""
        async with self.db.transaction() as conn:
            return await self.marks.add_walk_in(conn, event.id, person, now, by)

    async def remove_walk_in(self, event: Event, mark_id: int) -> bool:
        async with self.db.transaction() as conn:
            return await self.marks.remove_walk_in(conn, event.id, mark_id)

    async def _mark(
        self, event: Event, participant_id: int, method: Method, now: datetime, by: int | None
    ) -> CheckIn:
        regs = self.registration.registrations
        async with self.db.transaction() as conn:
            reg = await regs.get(event.id, participant_id, conn)
            if reg is None or reg.status is not RegStatus.REGISTERED:
                return CheckIn(Outcome.NOT_REGISTERED, event, await self.name_of(participant_id))
            new = await self.marks.mark(conn, event.id, participant_id, Stamp(method, now, by))
        return await self._result(event, participant_id, Outcome.MARKED if new else Outcome.ALREADY)

    async def _result(self, event: Event, participant_id: int, outcome: Outcome) -> CheckIn:
        mark = await self.marks.get(event.id, participant_id)
        summary = await self.summary(event)
        return CheckIn(
            outcome,
            event,
            await self.name_of(participant_id),
            summary.attended,
            summary.registered,
            mark.checked_in_at if mark else None,
        )

    # --- reading ----------------------------------------------------------------------------

    async def name_of(self, participant_id: int) -> str:
        """The name as the person gave it in the questionnaire, else their Telegram name."""
        answers = await self.registration.participants.answers(participant_id)
        if answers.get(NAME_ID):
            return answers[NAME_ID]
        person = await self.registration.participants.get(participant_id)
        return person.first_name if person else str(participant_id)

    async def summary(self, event: Event) -> Summary:
        return await summary_of(self.db, event)

    async def marks_of(self, event_id: str) -> list[Mark]:
        return await self.marks.of_event(event_id)

    async def volunteer_events(self, user_id: int, now: datetime) -> list[Event]:
        """The events not yet over where ``user_id`` is a door volunteer."""
        found = []
        for event_id in await self.volunteers.events_of(user_id):
            event = await self.events.get(event_id)
            if event is not None and event.ends_at > now - timedelta(hours=12):
                found.append(event)
        return found
