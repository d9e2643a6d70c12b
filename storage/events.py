"""Events and registrations."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import aiosqlite

from storage.db import Repo, from_db, from_row, to_db
from storage.models import Event, EventCounts, EventStatus, Registration, RegStatus


def _event(row: aiosqlite.Row) -> Event:
    return from_row(
        Event,
        row,
        moments=("starts_at", "registration_deadline"),
        questions=json.loads(row["questions"]),
        reminders=json.loads(row["reminders"]) if row["reminders"] is not None else None,
        status=EventStatus(row["status"]),
        feedback=json.loads(row["feedback"]) if row["feedback"] is not None else None,
        selection=json.loads(row["selection"]) if row["selection"] is not None else None,
        certificates=bool(row["certificates"]),
    )


def registration_of(row: aiosqlite.Row) -> Registration:
    """A ``registrations`` row (also the first columns of a roster entry, storage/roster.py)."""
    moments = ("registered_at", "queued_at", "cancelled_at")
    return from_row(Registration, row, moments=moments, status=RegStatus(row["status"]))


class EventRepo(Repo):
    async def get(self, event_id: str, conn: aiosqlite.Connection | None = None) -> Event | None:
        c = conn or self.db.conn
        rows = list(await c.execute_fetchall("SELECT * FROM events WHERE id = ?", (event_id,)))
        row = rows[0] if rows else None
        return _event(row) if row else None

    async def all(self) -> list[Event]:
        rows = await self.db.fetchall("SELECT * FROM events ORDER BY starts_at, id")
        return [_event(r) for r in rows]

    async def upcoming(self, now: datetime) -> list[Event]:
        """Scheduled events that have not ended yet, soonest first."""
        rows = await self.db.fetchall(
            "SELECT * FROM events WHERE status = 'scheduled' "
            "AND datetime(starts_at, '+' || duration_minutes || ' minutes') > datetime(?) "
            "ORDER BY starts_at, id",
            (to_db(now),),
        )
        return [_event(r) for r in rows]

    async def upsert(self, conn: aiosqlite.Connection, event: Event, now: datetime) -> bool:
        """Create or update an event by id; True when it was new."""
        async with conn.execute("SELECT 1 FROM events WHERE id = ?", (event.id,)) as cur:
            existed = await cur.fetchone() is not None
        values: dict[str, Any] = {
            "id": event.id,
            "title": event.title,
            "kind": event.kind,
            "district": event.district,
            "starts_at": to_db(event.starts_at),
            "duration_minutes": event.duration_minutes,
            "location": event.location,
            "online_url": event.online_url,
            "capacity": event.capacity,
            "registration_deadline": to_db(event.registration_deadline),
            "description": event.description,
            "questions": json.dumps(event.questions, ensure_ascii=False),
            "reminders": None if event.reminders is None else json.dumps(event.reminders),
            "status": str(event.status),
            "feedback": None
            if event.feedback is None
            else json.dumps(event.feedback, ensure_ascii=False),
            "selection": None
            if event.selection is None
            else json.dumps(event.selection, ensure_ascii=False),
            "min_participants": event.min_participants,
            "certificates": int(event.certificates),
        }
        columns = list(values)
        if existed:
            assignments = ", ".join(f"{c} = ?" for c in columns[1:])
            await conn.execute(
                f"UPDATE events SET {assignments}, updated_at = ? WHERE id = ?",  # noqa: S608
                (*[values[c] for c in columns[1:]], to_db(now), event.id),
            )
        else:
            await conn.execute(
                f"INSERT INTO events ({', '.join(columns)}, created_at, updated_at) "  # noqa: S608
                f"VALUES ({', '.join('?' for _ in columns)}, ?, ?)",
                (*values.values(), to_db(now), to_db(now)),
            )
        return not existed

    async def counts(self, event_ids: list[str] | None = None) -> dict[str, EventCounts]:
        rows = await self.db.fetchall(
            "SELECT event_id, status, count(*) AS n FROM registrations GROUP BY event_id, status"
        )
        found: dict[str, dict[str, int]] = {}
        for row in rows:
            found.setdefault(row["event_id"], {})[row["status"]] = row["n"]
        return {
            event_id: EventCounts(**by_status)
            for event_id, by_status in found.items()
            if event_ids is None or event_id in event_ids
        }


class RegistrationRepo(Repo):
    async def get(
        self, event_id: str, participant_id: int, conn: aiosqlite.Connection | None = None
    ) -> Registration | None:
        c = conn or self.db.conn
        rows = list(
            await c.execute_fetchall(
                "SELECT * FROM registrations WHERE event_id = ? AND participant_id = ?",
                (event_id, participant_id),
            )
        )
        row = rows[0] if rows else None
        return registration_of(row) if row else None

    async def count(self, conn: aiosqlite.Connection, event_id: str, status: RegStatus) -> int:
        async with conn.execute(
            "SELECT count(*) FROM registrations WHERE event_id = ? AND status = ?",
            (event_id, str(status)),
        ) as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def waitlist_position(
        self, event_id: str, participant_id: int, conn: aiosqlite.Connection | None = None
    ) -> int | None:
        """1-based place in the waiting list, or None when not waitlisted."""
        c = conn or self.db.conn
        ids = [
            row[0]
            for row in await c.execute_fetchall(
                """
            SELECT participant_id FROM registrations
            WHERE event_id = ? AND status = 'waitlisted' ORDER BY queued_at, id
            """,
                (event_id,),
            )
        ]
        return ids.index(participant_id) + 1 if participant_id in ids else None

    async def first_waitlisted(
        self, conn: aiosqlite.Connection, event_id: str, limit: int
    ) -> list[Registration]:
        return [
            registration_of(r)
            for r in await conn.execute_fetchall(
                "SELECT * FROM registrations WHERE event_id = ? AND status = 'waitlisted' "
                "ORDER BY queued_at, id LIMIT ?",
                (event_id, limit),
            )
        ]

    async def put(
        self,
        conn: aiosqlite.Connection,
        event_id: str,
        participant_id: int,
        status: RegStatus,
        now: datetime,
    ) -> None:
        """Create the registration or re-activate a cancelled one (keeping its first time)."""
        await conn.execute(
            """
            INSERT INTO registrations (event_id, participant_id, status, registered_at,
                                       queued_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (event_id, participant_id) DO UPDATE SET
                status = excluded.status, queued_at = excluded.queued_at,
                cancelled_at = NULL, updated_at = excluded.updated_at
            """,
            (event_id, participant_id, str(status), to_db(now), to_db(now), to_db(now)),
        )

    async def set_status(
        self,
        conn: aiosqlite.Connection,
        event_id: str,
        participant_id: int,
        status: RegStatus,
        now: datetime,
    ) -> None:
        await conn.execute(
            "UPDATE registrations SET status = ?, updated_at = ?, "
            "cancelled_at = CASE WHEN ? = 'cancelled' THEN ? ELSE NULL END "
            "WHERE event_id = ? AND participant_id = ?",
            (str(status), to_db(now), str(status), to_db(now), event_id, participant_id),
        )

    async def of_participant(self, participant_id: int) -> list[tuple[Registration, Event]]:
        rows = await self.db.fetchall(
            """
            SELECT r.id AS r_id, r.event_id AS r_event_id, r.participant_id, r.status AS r_status,
                   r.registered_at, r.queued_at, r.cancelled_at, e.*
            FROM registrations r JOIN events e ON e.id = r.event_id
            WHERE r.participant_id = ? ORDER BY e.starts_at, e.id
            """,
            (participant_id,),
        )
        result = []
        for row in rows:
            reg = Registration(
                id=row["r_id"],
                event_id=row["r_event_id"],
                participant_id=row["participant_id"],
                status=RegStatus(row["r_status"]),
                registered_at=from_db(row["registered_at"]),  # type: ignore[arg-type]
                queued_at=from_db(row["queued_at"]),  # type: ignore[arg-type]
                cancelled_at=from_db(row["cancelled_at"]),
            )
            result.append((reg, _event(row)))
        return result

    async def active_of_participant(
        self, conn: aiosqlite.Connection, participant_id: int
    ) -> list[Registration]:
        return [
            registration_of(r)
            for r in await conn.execute_fetchall(
                "SELECT * FROM registrations WHERE participant_id = ? AND status != 'cancelled'",
                (participant_id,),
            )
        ]

    async def of_event(self, event_id: str) -> list[Registration]:
        rows = await self.db.fetchall(
            "SELECT * FROM registrations WHERE event_id = ? ORDER BY registered_at, id",
            (event_id,),
        )
        return [registration_of(r) for r in rows]
