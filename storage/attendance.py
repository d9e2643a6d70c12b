"""Who came (the ``attendance`` table of migration 0006), door volunteers, the room code and
volunteer invitations.

One attendance row per person who came: ``participant_id`` for someone with Telegram (the
UNIQUE key makes a second mark a no-op), NULL for a walk-in without Telegram whose name,
organisation and region staff typed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from storage.db import Repo, from_row, to_db
from storage.event_roles import EventRoleRepo, RoleHolder
from storage.events import registration_of
from storage.models import Registration


@dataclass(frozen=True, slots=True)
class Mark:
    """One attendance row."""

    id: int
    event_id: str
    participant_id: int | None  # None: a walk-in without Telegram
    name: str | None  # walk-ins only
    organisation: str | None
    region: str | None
    method: str  # qr | room | online | manual | walk_in
    checked_in_at: datetime
    checked_in_by: int | None  # None: self check-in (room QR, online)


@dataclass(frozen=True, slots=True)
class Stamp:
    """How, when and by whom a person was marked."""

    method: str
    at: datetime
    by: int | None = None  # None: self check-in


#: One door volunteer of one event (``added_by`` None: the command line).
Volunteer = RoleHolder


def _mark(row: aiosqlite.Row) -> Mark:
    return from_row(Mark, row, moments=("checked_in_at",))


async def _one(
    conn: aiosqlite.Connection, sql: str, params: tuple[object, ...]
) -> aiosqlite.Row | None:
    async with conn.execute(sql, params) as cur:
        return await cur.fetchone()


class AttendanceRepo(Repo):
    async def get(
        self, event_id: str, participant_id: int, conn: aiosqlite.Connection | None = None
    ) -> Mark | None:
        row = await _one(
            conn or self.db.conn,
            "SELECT * FROM attendance WHERE event_id = ? AND participant_id = ?",
            (event_id, participant_id),
        )
        return _mark(row) if row else None

    async def by_id(self, mark_id: int) -> Mark | None:
        row = await self.db.fetchone("SELECT * FROM attendance WHERE id = ?", (mark_id,))
        return _mark(row) if row else None

    async def registration(self, reg_id: int) -> Registration | None:
        """A registration by its row id (the door list's buttons carry it: short and stable)."""
        row = await self.db.fetchone("SELECT * FROM registrations WHERE id = ?", (reg_id,))
        return registration_of(row) if row else None

    async def mark(
        self, conn: aiosqlite.Connection, event_id: str, participant_id: int, stamp: Stamp
    ) -> bool:
        """Mark a person with Telegram as come; False (and nothing changes) if already."""
        cur = await conn.execute(
            "INSERT INTO attendance (event_id, participant_id, method, checked_in_at, "
            "checked_in_by) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (event_id, participant_id) DO NOTHING",
            (event_id, participant_id, stamp.method, to_db(stamp.at), stamp.by),
        )
        return cur.rowcount > 0

    async def unmark(self, conn: aiosqlite.Connection, event_id: str, participant_id: int) -> bool:
        cur = await conn.execute(
            "DELETE FROM attendance WHERE event_id = ? AND participant_id = ?",
            (event_id, participant_id),
        )
        return cur.rowcount > 0

    async def add_walk_in(
        self,
        conn: aiosqlite.Connection,
        event_id: str,
        person: tuple[str, str, str],
        now: datetime,
        by: int | None,
    ) -> int:
        """A walk-in without Telegram: ``person`` is (name, organisation, region)."""
        name, organisation, region = person
        cur = await conn.execute(
            "INSERT INTO attendance (event_id, participant_id, name, organisation, region, "
            "method, checked_in_at, checked_in_by) VALUES (?, NULL, ?, ?, ?, 'walk_in', ?, ?)",
            (event_id, name, organisation, region, to_db(now), by),
        )
        return int(cur.lastrowid or 0)

    async def remove_walk_in(self, conn: aiosqlite.Connection, event_id: str, mark_id: int) -> bool:
        cur = await conn.execute(
            "DELETE FROM attendance WHERE id = ? AND event_id = ? AND participant_id IS NULL",
            (mark_id, event_id),
        )
        return cur.rowcount > 0

    async def of_event(self, event_id: str) -> list[Mark]:
        rows = await self.db.fetchall(
            "SELECT * FROM attendance WHERE event_id = ? ORDER BY checked_in_at, id", (event_id,)
        )
        return [_mark(r) for r in rows]

    async def count(self, event_id: str, conn: aiosqlite.Connection | None = None) -> int:
        row = await _one(
            conn or self.db.conn, "SELECT count(*) FROM attendance WHERE event_id = ?", (event_id,)
        )
        return int(row[0]) if row else 0

    async def counts(self) -> dict[str, int]:
        """Attended (walk-ins included) per event that has any."""
        rows = await self.db.fetchall(
            "SELECT event_id, count(*) AS n FROM attendance GROUP BY event_id"
        )
        return {r["event_id"]: int(r["n"]) for r in rows}

    async def room_code(self, event_id: str) -> str | None:
        row = await self.db.fetchone("SELECT room_code FROM events WHERE id = ?", (event_id,))
        return row["room_code"] if row else None

    async def set_room_code(self, conn: aiosqlite.Connection, event_id: str, code: str) -> str:
        """Set the code unless one exists; the code in force is returned."""
        await conn.execute(
            "UPDATE events SET room_code = ? WHERE id = ? AND room_code IS NULL", (code, event_id)
        )
        row = await _one(conn, "SELECT room_code FROM events WHERE id = ?", (event_id,))
        return str(row["room_code"]) if row else code


class VolunteerRepo(EventRoleRepo):
    """Door volunteers (the table ``volunteers``), and their one-time invitations."""

    table = "volunteers"

    #: The names the check-in code and the invitations read best with.
    put = EventRoleRepo.add
    is_volunteer = EventRoleRepo.holds
    events_of = EventRoleRepo.event_ids_of

    async def create_invite(
        self,
        conn: aiosqlite.Connection,
        token: str,
        event: tuple[str, str | None],
        created_by: int | None,
        moments: tuple[datetime, datetime],
    ) -> None:
        """A one-time invitation (``invites`` with role 'volunteer') for ``event`` = (id,
        district): the district is the scope its author must still cover when it is used."""
        event_id, district = event
        now, expires_at = moments
        await conn.execute(
            "INSERT INTO invites (token, district, created_by, created_at, expires_at, role, "
            "event_id) VALUES (?, ?, ?, ?, ?, 'volunteer', ?)",
            (token, district, created_by, to_db(now), to_db(expires_at), event_id),
        )
