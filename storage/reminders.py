"""What reminders, change notices and feedback requests are decided and rendered from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from storage.db import Database, from_db, to_db
from storage.events import _event
from storage.models import Event, RegStatus


@dataclass(frozen=True, slots=True)
class Attendee:
    """A registration as the delivery queue needs it."""

    participant_id: int
    status: RegStatus
    #: When the registration took its current status: the confirmation, or the promotion
    #: from the waiting list (``registrations.updated_at``; every status change sets it).
    since: datetime
    language: str
    timezone: str | None


_ATTENDEE = """
    SELECT r.participant_id, r.status, r.updated_at, p.language, p.timezone
    FROM registrations r JOIN participants p ON p.telegram_id = r.participant_id
"""


def _attendee(row: aiosqlite.Row) -> Attendee:
    return Attendee(
        participant_id=row[0],
        status=RegStatus(row[1]),
        since=from_db(row[2]),  # type: ignore[arg-type]
        language=row[3],
        timezone=row[4],
    )


async def attendees(
    conn: aiosqlite.Connection, event_id: str, statuses: tuple[RegStatus, ...]
) -> list[Attendee]:
    """Registrations of an event with one of ``statuses``, of people who can be reached
    (a person who blocked the bot gets nothing until they write again)."""
    marks = ", ".join("?" for _ in statuses)
    async with conn.execute(
        _ATTENDEE + f" WHERE r.event_id = ? AND r.status IN ({marks}) "
        "AND p.unreachable_since IS NULL ORDER BY r.id",
        (event_id, *[str(s) for s in statuses]),
    ) as cur:
        return [_attendee(r) for r in await cur.fetchall()]


async def scheduled_since(db: Database, since: datetime) -> list[Event]:
    """Scheduled (not cancelled) events that start at ``since`` or later."""
    rows = await db.fetchall(
        "SELECT * FROM events WHERE status = 'scheduled' AND starts_at >= ? ORDER BY starts_at",
        (to_db(since),),
    )
    return [_event(r) for r in rows]


async def without_feedback(conn: aiosqlite.Connection, event_id: str) -> list[int]:
    """Registered, reachable participants of an event who have not answered its feedback;
    once attendance was taken for the event (anyone marked), only those who came."""
    async with conn.execute(
        "SELECT r.participant_id FROM registrations r "
        "JOIN participants p ON p.telegram_id = r.participant_id "
        "WHERE r.event_id = ? AND r.status = 'registered' AND p.unreachable_since IS NULL "
        "AND NOT EXISTS (SELECT 1 FROM feedback f WHERE f.event_id = r.event_id "
        "AND f.participant_id = r.participant_id) "
        "AND (NOT EXISTS (SELECT 1 FROM attendance a WHERE a.event_id = r.event_id) "
        "OR EXISTS (SELECT 1 FROM attendance a WHERE a.event_id = r.event_id "
        "AND a.participant_id = r.participant_id)) ORDER BY r.id",
        (event_id,),
    ) as cur:
        return [row[0] for row in await cur.fetchall()]


async def event_and_attendee(
    db: Database, event_id: str, participant_id: int
) -> tuple[Event | None, Attendee | None]:
    """An event and one person's registration for it, in one query (what a renderer of the
    delivery queue reads for each message it sends)."""
    row = await db.fetchone(
        "SELECT e.*, r.participant_id AS a_id, r.status AS a_status, r.updated_at AS a_since, "
        "p.language AS a_language, p.timezone AS a_timezone FROM events e "
        "LEFT JOIN registrations r ON r.event_id = e.id AND r.participant_id = ? "
        "LEFT JOIN participants p ON p.telegram_id = r.participant_id WHERE e.id = ?",
        (participant_id, event_id),
    )
    if row is None:
        return None, None
    person = None
    if row["a_id"] is not None and row["a_language"] is not None:
        person = Attendee(
            participant_id=row["a_id"],
            status=RegStatus(row["a_status"]),
            since=from_db(row["a_since"]),  # type: ignore[arg-type]
            language=row["a_language"],
            timezone=row["a_timezone"],
        )
    return _event(row), person
