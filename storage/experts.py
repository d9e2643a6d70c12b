"""Experts: a role scoped to one selection event (issue 9)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from storage.db import Repo, from_row, to_db
from storage.events import _event as event_of_row
from storage.models import Event


@dataclass(frozen=True, slots=True)
class Expert:
    event_id: str
    telegram_id: int
    added_by: int | None  # None: the command line
    created_at: datetime


class ExpertRepo(Repo):
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
            "INSERT OR IGNORE INTO experts (event_id, telegram_id, added_by, created_at) "
            "VALUES (?, ?, ?, ?)",
            (event_id, telegram_id, added_by, to_db(now)),
        )
        return cur.rowcount > 0

    async def remove(self, conn: aiosqlite.Connection, event_id: str, telegram_id: int) -> bool:
        cur = await conn.execute(
            "DELETE FROM experts WHERE event_id = ? AND telegram_id = ?", (event_id, telegram_id)
        )
        return cur.rowcount > 0

    async def of_event(self, event_id: str) -> list[Expert]:
        rows = await self.db.fetchall(
            "SELECT * FROM experts WHERE event_id = ? ORDER BY created_at, telegram_id",
            (event_id,),
        )
        return [from_row(Expert, r, moments=("created_at",)) for r in rows]

    async def all(self) -> list[Expert]:
        rows = await self.db.fetchall("SELECT * FROM experts ORDER BY event_id, created_at")
        return [from_row(Expert, r, moments=("created_at",)) for r in rows]

    async def is_expert(self, event_id: str, telegram_id: int) -> bool:
        row = await self.db.fetchone(
            "SELECT 1 FROM experts WHERE event_id = ? AND telegram_id = ?", (event_id, telegram_id)
        )
        return row is not None

    async def events_of(self, telegram_id: int) -> list[Event]:
        """The events this person reviews, soonest first."""
        rows = await self.db.fetchall(
            "SELECT e.* FROM experts x JOIN events e ON e.id = x.event_id "
            "WHERE x.telegram_id = ? ORDER BY e.starts_at, e.id",
            (telegram_id,),
        )
        return [event_of_row(r) for r in rows]

    async def people(self) -> set[int]:
        """Everyone who is an expert of some event (their command menu has /review)."""
        rows = await self.db.fetchall("SELECT DISTINCT telegram_id FROM experts")
        return {int(r[0]) for r in rows}
