"""Coordinators (whole programme or one district) and one-time invitations."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

import aiosqlite

from storage.db import Repo, from_db, from_row, to_db


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
    created_by: int | None  # None: made from the command line
    used_by: int | None
    id: int = 0  # the rowid: short enough for a button (the token is not)
    created_at: datetime | None = None
    expires_at: datetime | None = None
    revoked_at: datetime | None = None
    #: What the invitation makes its opener (bot/staff/coordination.py: Coordinators.grants):
    #: "coordinator" (of ``district``), "expert" or "volunteer" (of ``event_id``).
    role: str = "coordinator"
    event_id: str | None = None

    def is_open(self, now: datetime) -> bool:
        """Neither used, nor revoked, nor expired."""
        expired = self.expires_at is not None and self.expires_at <= now
        return self.used_by is None and self.revoked_at is None and not expired


class CoordinatorRepo(Repo):
    async def get(
        self, telegram_id: int, conn: aiosqlite.Connection | None = None
    ) -> Coordinator | None:
        sql, params = "SELECT * FROM coordinators WHERE telegram_id = ?", (telegram_id,)
        if conn is None:
            row = await self.db.fetchone(sql, params)
        else:
            async with conn.execute(sql, params) as cur:
                row = await cur.fetchone()
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
        expires_at: datetime,
        *,
        role: str = "coordinator",
        event_id: str | None = None,
    ) -> None:
        await conn.execute(
            "INSERT INTO invites (token, district, created_by, created_at, expires_at, role, "
            "event_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (token, district, created_by, to_db(now), to_db(expires_at), role, event_id),
        )

    async def find_invite(self, conn: aiosqlite.Connection, token: str) -> Invite | None:
        """The invitation with this token, whatever its state."""
        async with conn.execute(
            "SELECT rowid AS id, * FROM invites WHERE token = ?", (token,)
        ) as cur:
            row = await cur.fetchone()
        return _invite(row) if row else None

    async def mark_used(
        self, conn: aiosqlite.Connection, token: str, user_id: int, now: datetime
    ) -> bool:
        cur = await conn.execute(
            "UPDATE invites SET used_by = ?, used_at = ? "
            "WHERE token = ? AND used_by IS NULL AND revoked_at IS NULL",
            (user_id, to_db(now), token),
        )
        return cur.rowcount > 0

    async def open_invites(self, now: datetime) -> list[Invite]:
        """Invitations that would still work (not used, not revoked, not expired), oldest
        first. Whether their creator is still staff is checked when one is opened."""
        rows = await self.db.fetchall(
            "SELECT rowid AS id, * FROM invites "
            "WHERE used_by IS NULL AND revoked_at IS NULL AND expires_at > ? "
            "AND role != 'volunteer' "
            "ORDER BY created_at, rowid",
            (to_db(now),),
        )
        return [_invite(r) for r in rows]

    async def revoke(
        self,
        conn: aiosqlite.Connection,
        now: datetime,
        revoked_by: int | None,
        *,
        token: str | None = None,
        invite_id: int | None = None,
    ) -> Invite | None:
        """Revoke an unused invitation (by its token or its number); None if there is no
        such unused, unrevoked invitation."""
        async with conn.execute(
            "SELECT rowid AS id, * FROM invites WHERE (token = ? OR rowid = ?) "
            "AND used_by IS NULL AND revoked_at IS NULL",
            (token, invite_id),
        ) as cur:
            row = await cur.fetchone()
        if row is None:
            return None
        await conn.execute(
            "UPDATE invites SET revoked_at = ?, revoked_by = ? WHERE rowid = ?",
            (to_db(now), revoked_by, row["id"]),
        )
        return replace(_invite(row), revoked_at=now)


def _invite(row: aiosqlite.Row) -> Invite:
    return from_row(Invite, row, moments=("created_at", "expires_at", "revoked_at"))


def _coordinator(row: aiosqlite.Row) -> Coordinator:
    return from_row(Coordinator, row, moments=("created_at",))


def coordinator_of(
    telegram_id: int, district: str | None, added_by: int | None, created_at: str
) -> Coordinator:
    """A coordinator from its stored columns read under other names (a joined read)."""
    return Coordinator(telegram_id, district, added_by, from_db(created_at) or datetime.min)
