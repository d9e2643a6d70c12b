"""A role scoped to one event and granted by staff: one table per role, one shape.

Experts of a selection (issue 9, table ``experts``) and door volunteers (issue 10, table
``volunteers``) are the same thing in storage: a (event, person) pair with who granted it and
when. :class:`EventRoleRepo` is that repository once; each role is a subclass naming its
table (storage/experts.py, storage/attendance.py) and adding what only it needs.
"""

# The one name put into the SQL text is ``table``, a ``RoleTable`` literal, never user input.
# ruff: noqa: S608

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar, Literal

import aiosqlite

from storage.db import Repo, from_row, to_db

#: The tables of the roles (migrations 0005 and 0006); a table name cannot be a bound
#: parameter, so the SQL below is only ever built with one of these.
RoleTable = Literal["experts", "volunteers"]


@dataclass(frozen=True, slots=True)
class RoleHolder:
    """One row: ``telegram_id`` holds the role at ``event_id``."""

    event_id: str
    telegram_id: int
    added_by: int | None  # None: the command line
    created_at: datetime


class EventRoleRepo(Repo):
    """Add, remove and look up the holders of one role; ``table`` is set by each subclass."""

    table: ClassVar[RoleTable]

    async def add(
        self,
        conn: aiosqlite.Connection,
        event_id: str,
        telegram_id: int,
        added_by: int | None,
        now: datetime,
    ) -> bool:
        """True when new (adding twice changes nothing)."""
        cur = await conn.execute(
            f"INSERT INTO {self.table} (event_id, telegram_id, added_by, created_at) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (event_id, telegram_id) DO NOTHING",
            (event_id, telegram_id, added_by, to_db(now)),
        )
        return cur.rowcount > 0

    async def remove(self, conn: aiosqlite.Connection, event_id: str, telegram_id: int) -> bool:
        cur = await conn.execute(
            f"DELETE FROM {self.table} WHERE event_id = ? AND telegram_id = ?",
            (event_id, telegram_id),
        )
        return cur.rowcount > 0

    async def holds(self, event_id: str, telegram_id: int) -> bool:
        row = await self.db.fetchone(
            f"SELECT 1 FROM {self.table} WHERE event_id = ? AND telegram_id = ?",
            (event_id, telegram_id),
        )
        return row is not None

    async def all(self, event_id: str | None = None) -> list[RoleHolder]:
        """The holders of one event, or of all, by event and then in the order they came."""
        sql = f"SELECT * FROM {self.table}"
        params: tuple[object, ...] = ()
        if event_id is not None:
            sql, params = sql + " WHERE event_id = ?", (event_id,)
        rows = await self.db.fetchall(sql + " ORDER BY event_id, created_at, telegram_id", params)
        return [from_row(RoleHolder, r, moments=("created_at",)) for r in rows]

    async def event_ids_of(self, telegram_id: int) -> list[str]:
        """The events where this person holds the role, in the order they were granted."""
        rows = await self.db.fetchall(
            f"SELECT event_id FROM {self.table} WHERE telegram_id = ? ORDER BY created_at",
            (telegram_id,),
        )
        return [r["event_id"] for r in rows]

    async def people(self) -> set[int]:
        """Everyone who holds the role at some event."""
        rows = await self.db.fetchall(f"SELECT DISTINCT telegram_id FROM {self.table}")
        return {int(r[0]) for r in rows}
