"""The delivery queue's table: everything the bot sends on its own."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum, StrEnum
from typing import Any

import aiosqlite

from storage.db import Repo, from_db, from_row, to_db


class Priority(IntEnum):
    """Higher first: what a person needs for a session beats an announcement."""

    BROADCAST = 0
    FEEDBACK = 10
    NOTICE = 20
    REMINDER = 30


class OutStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    DROPPED = "dropped"


@dataclass(frozen=True, slots=True)
class OutItem:
    id: int
    dedup_key: str
    chat_id: int
    kind: str
    payload: dict[str, Any]
    priority: int
    not_before: datetime
    attempts: int
    event_id: str | None
    broadcast_id: int | None


@dataclass(frozen=True, slots=True)
class NewItem:
    key: str
    chat_id: int
    kind: str
    not_before: datetime
    priority: int = Priority.BROADCAST
    payload: dict[str, Any] = field(default_factory=dict)
    event_id: str | None = None
    broadcast_id: int | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened to one item; written in batches by the sender."""

    item_id: int
    status: OutStatus
    at: datetime
    error: str | None = None
    retry_at: datetime | None = None  # with PENDING: try again then
    unreachable_chat: int | None = None  # 403: the person blocked the bot
    count_attempt: bool = True


def _item(row: aiosqlite.Row) -> OutItem:
    return from_row(OutItem, row, moments=("not_before",), payload=json.loads(row["payload"]))


class OutboxRepo(Repo):
    @staticmethod
    async def enqueue(conn: aiosqlite.Connection, items: Iterable[NewItem], now: datetime) -> int:
        """Insert items; one whose key already exists is ignored. Returns how many were new."""
        rows = [
            (
                i.key,
                i.chat_id,
                i.kind,
                json.dumps(i.payload, ensure_ascii=False),
                int(i.priority),
                to_db(i.not_before),
                i.event_id,
                i.broadcast_id,
                to_db(now),
            )
            for i in items
        ]
        if not rows:
            return 0
        before = conn.total_changes
        await conn.executemany(
            "INSERT OR IGNORE INTO outbox (dedup_key, chat_id, kind, payload, priority, "
            "not_before, event_id, broadcast_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        return conn.total_changes - before

    async def reset_in_flight(self) -> int:
        """At start: what was being sent when the process stopped is sent again."""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE outbox SET status = 'pending' WHERE status = 'sending'"
            )
            return cur.rowcount

    async def claim_due(self, now: datetime, limit: int) -> list[OutItem]:
        async with self.db.transaction() as conn:
            async with conn.execute(
                "SELECT * FROM outbox WHERE status = 'pending' AND not_before <= ? "
                "ORDER BY priority DESC, not_before, id LIMIT ?",
                (to_db(now), limit),
            ) as cur:
                items = [_item(r) for r in await cur.fetchall()]
            if items:
                await conn.executemany(
                    "UPDATE outbox SET status = 'sending' WHERE id = ?", [(i.id,) for i in items]
                )
            return items

    async def next_due(self) -> datetime | None:
        row = await self.db.fetchone("SELECT min(not_before) FROM outbox WHERE status = 'pending'")
        return from_db(row[0]) if row and row[0] else None

    async def record(self, outcomes: list[Outcome]) -> None:
        """Write a batch of outcomes in one transaction."""
        if not outcomes:
            return
        again = [
            (to_db(o.retry_at), 1 if o.count_attempt else 0, o.error, o.item_id)
            for o in outcomes
            if o.status is OutStatus.PENDING
        ]
        done = [
            (o.status.value, o.error, o.status.value, to_db(o.at), o.item_id)
            for o in outcomes
            if o.status is not OutStatus.PENDING
        ]
        unreachable = [(to_db(o.at), o.unreachable_chat) for o in outcomes if o.unreachable_chat]
        async with self.db.transaction() as conn:
            # One statement per kind of outcome for the whole batch (thousands of messages a
            # minute leave in a big announcement or at a reminder moment).
            if again:
                await conn.executemany(
                    "UPDATE outbox SET status = 'pending', not_before = COALESCE(?, not_before), "
                    "attempts = attempts + ?, error = ? WHERE id = ?",
                    again,
                )
            if done:
                await conn.executemany(
                    "UPDATE outbox SET status = ?, error = ?, attempts = attempts + 1, "
                    "sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at END WHERE id = ?",
                    done,
                )
            if unreachable:
                await conn.executemany(
                    "UPDATE participants SET unreachable_since = COALESCE(unreachable_since, ?)"
                    " WHERE telegram_id = ?",
                    unreachable,
                )
                await conn.executemany(
                    "UPDATE outbox SET status = 'dropped', error = 'unreachable' "
                    "WHERE chat_id = ? AND status = 'pending'",
                    [(chat,) for _, chat in unreachable],
                )

    @staticmethod
    async def drop(conn: aiosqlite.Connection, where: str, params: tuple[Any, ...]) -> int:
        """Drop pending items matching a fixed condition (callers pass constant SQL)."""
        cur = await conn.execute(
            f"UPDATE outbox SET status = 'dropped' WHERE status = 'pending' AND ({where})",  # noqa: S608
            params,
        )
        return cur.rowcount

    @staticmethod
    async def pending_payloads(
        conn: aiosqlite.Connection, kind: str, event_id: str
    ) -> dict[int, dict[str, Any]]:
        """chat id -> payload of the pending items of one kind for one event (oldest first)."""
        rows = await conn.execute_fetchall(
            "SELECT chat_id, payload FROM outbox WHERE event_id = ? AND kind = ? "
            "AND status = 'pending' ORDER BY id",
            (event_id, kind),
        )
        return {row[0]: json.loads(row[1]) for row in rows}

    async def counts(self, broadcast_id: int | None = None) -> dict[str, int]:
        if broadcast_id is None:
            rows = await self.db.fetchall("SELECT status, count(*) FROM outbox GROUP BY status")
        else:
            rows = await self.db.fetchall(
                "SELECT status, count(*) FROM outbox WHERE broadcast_id = ? GROUP BY status",
                (broadcast_id,),
            )
        return {row[0]: row[1] for row in rows}

    async def by_key(self, key: str) -> OutItem | None:
        row = await self.db.fetchone("SELECT * FROM outbox WHERE dedup_key = ?", (key,))
        return _item(row) if row else None
