"""Coordinators (whole programme or one district) and one-time invitations."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from storage.db import Database, from_db, to_db


@dataclass(frozen=True, slots=True)
class Coordinator:
    telegram_id: int
    district: str | None  # None: the whole programme
    added_by: int | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Invite:
    token: str
    district: str | None
    created_by: int | None
    used_by: int | None


class CoordinatorRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, telegram_id: int) -> Coordinator | None:
        row = await self.db.fetchone(
            "SELECT * FROM coordinators WHERE telegram_id = ?", (telegram_id,)
        )
        return _coordinator(row) if row else None

    async def all(self) -> list[Coordinator]:
        rows = await self.db.fetchall("SELECT * FROM coordinators ORDER BY created_at")
        return [_coordinator(r) for r in rows]

    async def put(
        self,
        conn: aiosqlite.Connection,
        telegram_id: int,
        district: str | None,
        added_by: int | None,
        now: datetime,
    ) -> None:
        await conn.execute(
            "INSERT INTO coordinators (telegram_id, district, added_by, created_at) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (telegram_id) DO UPDATE SET "
            "district = excluded.district, added_by = excluded.added_by",
            (telegram_id, district, added_by, to_db(now)),
        )

    async def remove(self, conn: aiosqlite.Connection, telegram_id: int) -> bool:
        cur = await conn.execute("DELETE FROM coordinators WHERE telegram_id = ?", (telegram_id,))
        return cur.rowcount > 0

    async def create_invite(
        self,
        conn: aiosqlite.Connection,
        token: str,
        district: str | None,
        created_by: int | None,
        now: datetime,
    ) -> None:
        await conn.execute(
            "INSERT INTO invites (token, district, created_by, created_at) VALUES (?, ?, ?, ?)",
            (token, district, created_by, to_db(now)),
        )

    async def use_invite(
        self, conn: aiosqlite.Connection, token: str, user_id: int, now: datetime
    ) -> Invite | None:
        """Mark an unused invitation used by ``user_id``; None if unknown or already used."""
        async with conn.execute(
            "SELECT * FROM invites WHERE token = ? AND used_by IS NULL", (token,)
        ) as cur:
            row = await cur.fetchone()
        if row is None:
            return None
        await conn.execute(
            "UPDATE invites SET used_by = ?, used_at = ? WHERE token = ?",
            (user_id, to_db(now), token),
        )
        return Invite(row["token"], row["district"], row["created_by"], user_id)


def _coordinator(row: aiosqlite.Row) -> Coordinator:
    return Coordinator(
        telegram_id=row["telegram_id"],
        district=row["district"],
        added_by=row["added_by"],
        created_at=from_db(row["created_at"]),  # type: ignore[arg-type]
    )
