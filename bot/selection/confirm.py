"""After publishing: the accepted confirm or decline, and those who do not confirm in time lose
the seat. Each freed seat goes to the first on the reserve list (the lowest position), who is
told with their own deadline, and so on down the list.

A confirmed applicant also gets an ordinary registration (storage/events.py's
``RegistrationRepo.put``, the registration service's own path), so reminders, the door and
the exports treat them as any registered participant.

Every change moves an application only from the status it was read in, inside one
transaction: a double tap, an old button or a race with the expiry job changes nothing twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

import aiosqlite

from bot.jobs import every
from bot.resilience import Backoff, guarded
from bot.selection.config import SelectionSpec
from bot.selection.publish import News, news_item, tell
from storage.applications import AppStatus
from storage.db import Database, utcnow
from storage.decisions import Application, DecisionRepo
from storage.events import EventRepo, RegistrationRepo
from storage.models import EventStatus, RegStatus

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger(__name__)

JOB_ID = "selection:expire"
INTERVAL = timedelta(minutes=5)


class Reply(StrEnum):
    """What a press of "Подтверждаю участие" / "Не смогу" did (texts: ``seldec.reply.*``)."""

    CONFIRMED = "confirmed"
    DECLINED = "declined"
    ALREADY_CONFIRMED = "already_confirmed"
    ALREADY_DECLINED = "already_declined"
    TOO_LATE = "too_late"  # the time to confirm is over
    NOT_YOURS = "not_yours"  # somebody else's button
    GONE = "gone"  # no such application, or it has no seat to confirm


@dataclass(frozen=True, slots=True)
class Answer:
    reply: Reply
    event_id: str | None = None
    promoted: list[int] = field(default_factory=list)  # participant ids given a seat


def refusal(app: Application | None, participant_id: int, now: datetime) -> Reply | None:
    """Why the person may not answer for this application now, or None."""
    if app is None:
        return Reply.GONE
    if app.participant_id != participant_id:
        return Reply.NOT_YOURS
    if app.status is AppStatus.EXPIRED:
        return Reply.TOO_LATE
    if app.status is AppStatus.DECLINED:
        return Reply.ALREADY_DECLINED
    if app.status is AppStatus.ACCEPTED and app.confirm_by is not None and app.confirm_by <= now:
        return Reply.TOO_LATE
    if app.status not in (AppStatus.ACCEPTED, AppStatus.CONFIRMED):
        return Reply.GONE
    return None


async def _refused(
    conn: aiosqlite.Connection,
    db: Database,
    app: Application | None,
    participant_id: int,
    now: datetime,
) -> Reply | None:
    """:func:`refusal`, and an event cancelled or begun takes no answers any more."""
    refused = refusal(app, participant_id, now)
    if refused is not None or app is None:
        return refused
    event = await EventRepo(db).get(app.event_id, conn)
    if event is None or event.status is EventStatus.CANCELLED or event.starts_at <= now:
        return Reply.GONE
    return None


async def confirm(db: Database, application_id: int, participant_id: int, now: datetime) -> Answer:
    """ "Подтверждаю участие": confirmed, and registered for the event."""
    repo = DecisionRepo(db)
    async with db.transaction() as conn:
        app = await repo.get(application_id, conn)
        refused = await _refused(conn, db, app, participant_id, now)
        if refused is not None:
            return Answer(refused, app.event_id if app else None)
        assert app is not None
        if app.status is AppStatus.CONFIRMED:
            return Answer(Reply.ALREADY_CONFIRMED, app.event_id)
        await DecisionRepo.set_status(conn, app, AppStatus.CONFIRMED, now)
        await RegistrationRepo(db).put(
            conn, app.event_id, app.participant_id, RegStatus.REGISTERED, now
        )
        return Answer(Reply.CONFIRMED, app.event_id)


async def decline(db: Database, application_id: int, participant_id: int, now: datetime) -> Answer:
    """ "Не смогу" (confirmed): declined, the registration (if any) cancelled, the seat
    passed on down the reserve list."""
    repo = DecisionRepo(db)
    async with db.transaction() as conn:
        app = await repo.get(application_id, conn)
        refused = await _refused(conn, db, app, participant_id, now)
        if refused is not None:
            return Answer(refused, app.event_id if app else None)
        assert app is not None
        await DecisionRepo.set_status(conn, app, AppStatus.DECLINED, now)
        if app.status is AppStatus.CONFIRMED:
            await RegistrationRepo(db).set_status(
                conn, app.event_id, app.participant_id, RegStatus.CANCELLED, now
            )
        promoted = await promote_next(conn, db, app.event_id, now)
        return Answer(Reply.DECLINED, app.event_id, promoted)


async def promote_next(
    conn: aiosqlite.Connection, db: Database, event_id: str, now: datetime
) -> list[int]:
    """One freed seat: the first on the reserve list is accepted and told, with their own
    deadline to confirm. Nobody moves into an event that is cancelled or has begun."""
    event = await EventRepo(db).get(event_id, conn)
    spec = SelectionSpec.of(event) if event is not None else None
    if event is None or spec is None:
        return []
    if event.status is EventStatus.CANCELLED or event.starts_at <= now:
        return []
    nxt = await DecisionRepo.first_reserve(conn, event_id)
    if nxt is None:
        return []
    deadline = now + timedelta(days=spec.confirm_days)
    await DecisionRepo.set_status(conn, nxt, AppStatus.ACCEPTED, now, deadline)
    await tell(conn, [news_item(nxt, News.PROMOTED, now)], now)
    return [nxt.participant_id]


async def release_seats(
    db: Database, conn: aiosqlite.Connection, participant_id: int, now: datetime
) -> list[int]:
    """ "Delete my data" from someone who was accepted or has confirmed: each seat passes down
    the reserve list as if they had declined (the application itself goes with the erasure,
    inside the same transaction). Returns who was given a seat."""
    promoted: list[int] = []
    for app in await DecisionRepo.seats_of(conn, participant_id):
        if await DecisionRepo.set_status(conn, app, AppStatus.DECLINED, now):
            promoted += await promote_next(conn, db, app.event_id, now)
    return promoted


async def expire_due(db: Database, now: datetime) -> int:
    """Accepted applicants past their deadline: expired (told politely), each seat passed on.
    Returns how many expired."""
    expired = 0
    for app in await DecisionRepo(db).accepted_due(now):
        async with db.transaction() as conn:
            if not await DecisionRepo.set_status(conn, app, AppStatus.EXPIRED, now):
                continue  # confirmed or declined meanwhile
            await tell(conn, [news_item(app, News.EXPIRED, now)], now)
            await promote_next(conn, db, app.event_id, now)
            expired += 1
    return expired


class ConfirmExpiry:
    """The scheduled job: never raises (a locked database is tried again next time)."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.backoff = Backoff("selection: expiring unconfirmed seats", log)

    async def run(self) -> None:
        expired = await guarded(self.backoff, lambda: expire_due(self.runtime.db, utcnow()))
        if expired:
            log.info("selection: %d unconfirmed seat(s) expired", expired)
            self.runtime.sender.wake()


def setup(runtime: Runtime) -> None:
    every(runtime.scheduler, ConfirmExpiry(runtime).run, INTERVAL.total_seconds(), JOB_ID)
