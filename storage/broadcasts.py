"""Announcements: the ``broadcasts`` rows, their audiences and their progress in ``outbox``."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

import aiosqlite

from storage.db import Repo, from_row, to_db

#: ``outbox.error`` of rows dropped by "Stop" (the sender writes "no longer relevant" for a
#: row it had already taken when the announcement was stopped).
STOPPED_ERRORS = frozenset({"stopped", "no longer relevant"})


@dataclass(frozen=True, slots=True)
class Broadcast:
    id: int
    created_by: int | None
    audience: str
    source_chat_id: int | None
    source_message_id: int | None
    text: str | None
    status: str  # queued | sending | done | stopped
    total: int
    status_chat_id: int | None
    status_message_id: int | None
    created_at: datetime
    finished_at: datetime | None

    @property
    def finished(self) -> bool:
        return self.status in ("done", "stopped")


@dataclass(frozen=True, slots=True)
class NewBroadcast:
    """An announcement about to be queued: a message to copy (source chat and message) or an
    HTML text, and where its status message is, if it has one."""

    audience: str
    total: int
    created_by: int | None = None
    text: str | None = None
    source_chat_id: int | None = None
    source_message_id: int | None = None
    status_chat_id: int | None = None
    status_message_id: int | None = None


@dataclass(frozen=True, slots=True)
class Recipient:
    telegram_id: int
    timezone: str | None


@dataclass(frozen=True, slots=True)
class Progress:
    """Where an announcement stands, from its outbox rows."""

    total: int
    sent: int = 0
    blocked: int = 0  # 403: blocked the bot, deactivated; marked unreachable
    failed: int = 0  # other errors (400, repeated 5xx), with their reasons
    stopped: int = 0  # not sent because of "Stop"
    waiting: int = 0  # still to send (pending or being sent)
    held: int = 0  # of ``waiting``: held until the end of the quiet hours
    reasons: dict[str, int] = field(default_factory=dict)

    @property
    def undelivered(self) -> int:
        return self.blocked + self.failed

    @property
    def finished(self) -> bool:
        return self.waiting == 0


def _broadcast(row: aiosqlite.Row) -> Broadcast:
    return from_row(Broadcast, row, moments=("created_at", "finished_at"))


_REACHABLE = "p.unreachable_since IS NULL"


class BroadcastRepo(Repo):
    # --- audiences (read inside the transaction that queues the announcement) ------------------

    async def _recipients(
        self, conn: aiosqlite.Connection | None, sql: str, params: tuple[object, ...]
    ) -> list[Recipient]:
        c = conn or self.db.conn
        async with c.execute(sql, params) as cur:
            rows = await cur.fetchall()
        return [Recipient(row[0], row[1]) for row in rows]

    async def everyone(
        self, district: str | None = None, conn: aiosqlite.Connection | None = None
    ) -> list[Recipient]:
        """Everyone who started the bot (of one district, if given), reachable ones only."""
        if district is None:
            return await self._recipients(
                conn,
                f"SELECT telegram_id, timezone FROM participants p WHERE {_REACHABLE} "  # noqa: S608
                "ORDER BY telegram_id",
                (),
            )
        return await self._recipients(
            conn,
            f"SELECT telegram_id, timezone FROM participants p WHERE {_REACHABLE} "  # noqa: S608
            "AND district = ? ORDER BY telegram_id",
            (district,),
        )

    async def registrants(
        self, event_id: str, *, waitlist: bool, conn: aiosqlite.Connection | None = None
    ) -> list[Recipient]:
        """The people registered for an event (and its waiting list), reachable ones only."""
        statuses = ("registered", "waitlisted") if waitlist else ("registered", "registered")
        return await self._recipients(
            conn,
            "SELECT p.telegram_id, p.timezone FROM registrations r "  # noqa: S608
            "JOIN participants p ON p.telegram_id = r.participant_id "
            f"WHERE r.event_id = ? AND r.status IN (?, ?) AND {_REACHABLE} "
            "ORDER BY p.telegram_id",
            (event_id, *statuses),
        )

    async def by_district(self) -> dict[str, int]:
        """Reachable people per district code."""
        rows = await self.db.fetchall(
            "SELECT district, count(*) FROM participants "
            "WHERE unreachable_since IS NULL AND district IS NOT NULL GROUP BY district"
        )
        return {row[0]: row[1] for row in rows}

    # --- the rows -------------------------------------------------------------------------------

    async def insert(self, conn: aiosqlite.Connection, new: NewBroadcast, now: datetime) -> int:
        cur = await conn.execute(
            "INSERT INTO broadcasts (created_by, audience, source_chat_id, source_message_id, "
            "text, status, total, status_chat_id, status_message_id, created_at) "
            "VALUES (?, ?, ?, ?, ?, 'queued', ?, ?, ?, ?)",
            (
                new.created_by,
                new.audience,
                new.source_chat_id,
                new.source_message_id,
                new.text,
                new.total,
                new.status_chat_id,
                new.status_message_id,
                to_db(now),
            ),
        )
        assert cur.lastrowid is not None
        return cur.lastrowid

    async def get(self, broadcast_id: int) -> Broadcast | None:
        row = await self.db.fetchone("SELECT * FROM broadcasts WHERE id = ?", (broadcast_id,))
        return _broadcast(row) if row else None

    async def latest(self, limit: int = 10) -> list[Broadcast]:
        rows = await self.db.fetchall("SELECT * FROM broadcasts ORDER BY id DESC LIMIT ?", (limit,))
        return [_broadcast(r) for r in rows]

    async def unfinished(self) -> list[Broadcast]:
        rows = await self.db.fetchall(
            "SELECT * FROM broadcasts WHERE status IN ('queued', 'sending') ORDER BY id"
        )
        return [_broadcast(r) for r in rows]

    async def set_status(
        self,
        conn: aiosqlite.Connection,
        broadcast_id: int,
        status: str,
        finished_at: datetime | None = None,
    ) -> None:
        """Move an announcement on; a finished one (done, stopped) stays as it is."""
        await conn.execute(
            "UPDATE broadcasts SET status = ?, finished_at = COALESCE(?, finished_at) "
            "WHERE id = ? AND status IN ('queued', 'sending')",
            (status, to_db(finished_at), broadcast_id),
        )

    async def stop(self, conn: aiosqlite.Connection, broadcast_id: int, now: datetime) -> int:
        """ "Stop": the rows not sent yet are dropped. Returns how many were dropped."""
        cur = await conn.execute(
            "UPDATE outbox SET status = 'dropped', error = 'stopped' "
            "WHERE broadcast_id = ? AND status = 'pending'",
            (broadcast_id,),
        )
        await conn.execute(
            "UPDATE broadcasts SET status = 'stopped', finished_at = ? "
            "WHERE id = ? AND status IN ('queued', 'sending')",
            (to_db(now), broadcast_id),
        )
        return cur.rowcount

    async def progress(self, broadcast: Broadcast, now: datetime) -> Progress:
        rows = await self.db.fetchall(
            "SELECT status, error, not_before > ? AS later, count(*) FROM outbox "
            "WHERE broadcast_id = ? GROUP BY 1, 2, 3",
            (to_db(now), broadcast.id),
        )
        counts: Counter[str] = Counter()
        reasons: Counter[str] = Counter()
        for status, error, later, n in rows:
            if status == "sent":
                counts["sent"] += n
            elif status in ("pending", "sending"):
                counts["waiting"] += n
                if status == "pending" and later:
                    counts["held"] += n
            elif status == "failed":
                counts["failed"] += n
                reasons[error or "?"] += n
            elif error is None or error in STOPPED_ERRORS:
                counts["stopped"] += n
            else:  # dropped after a 403 (or because an earlier 403 made the person unreachable)
                counts["blocked"] += n
        return Progress(total=broadcast.total, reasons=dict(reasons.most_common()), **counts)
