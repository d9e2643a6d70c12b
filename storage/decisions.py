"""The SQL of competitive selection's second half: the applications as the coordinator decides
on them, the reviews they are ranked by, publishing and what follows it (confirmations, the
reserve list moving up).

Writes take the ``conn`` of the caller's transaction (the service call is the boundary); reads
use the shared connection unless a ``conn`` is given.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

import aiosqlite

from storage.applications import AppStatus
from storage.db import Repo, from_db, from_row, to_db


class Decision(StrEnum):
    """A draft decision, and the status it becomes when published."""

    ACCEPTED = "accepted"
    RESERVE = "reserve"
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class Application:
    id: int
    event_id: str
    participant_id: int
    status: AppStatus
    draft_decision: Decision | None
    reserve_position: int | None
    note: str | None
    submitted_at: datetime
    updated_at: datetime
    decided_at: datetime | None
    confirm_by: datetime | None
    confirmed_at: datetime | None


@dataclass(frozen=True, slots=True)
class ReviewRow:
    application_id: int
    expert_id: int
    scores: dict[str, Any]
    comment: str | None
    recused: bool
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class SelectionTimes:
    """The selection moments kept on the event row (not part of ``Event``)."""

    review_opened_at: datetime | None
    decisions_published_at: datetime | None


@dataclass(frozen=True, slots=True)
class DraftUpdate:
    application_id: int
    decision: Decision
    reserve_position: int | None


def _application(row: aiosqlite.Row) -> Application:
    draft = row["draft_decision"]
    return from_row(
        Application,
        row,
        moments=("submitted_at", "updated_at", "decided_at", "confirm_by", "confirmed_at"),
        status=AppStatus(row["status"]),
        draft_decision=Decision(draft) if draft else None,
    )


def _review(row: aiosqlite.Row) -> ReviewRow:
    try:
        scores = json.loads(row["scores"] or "{}")
    except ValueError:
        scores = {}
    return from_row(
        ReviewRow,
        row,
        moments=("updated_at",),
        scores=scores if isinstance(scores, dict) else {},
        recused=bool(row["recused"]),
    )


class DecisionRepo(Repo):
    # --- reading ---------------------------------------------------------------------------

    async def applications(
        self, event_id: str, conn: aiosqlite.Connection | None = None
    ) -> list[Application]:
        c = conn or self.db.conn
        rows = await c.execute_fetchall(
            "SELECT * FROM applications WHERE event_id = ? ORDER BY submitted_at, id", (event_id,)
        )
        return [_application(r) for r in rows]

    async def get(
        self, application_id: int, conn: aiosqlite.Connection | None = None
    ) -> Application | None:
        c = conn or self.db.conn
        rows = list(
            await c.execute_fetchall("SELECT * FROM applications WHERE id = ?", (application_id,))
        )
        return _application(rows[0]) if rows else None

    async def reviews(
        self, event_id: str, conn: aiosqlite.Connection | None = None
    ) -> list[ReviewRow]:
        c = conn or self.db.conn
        rows = await c.execute_fetchall(
            "SELECT r.* FROM reviews r JOIN applications a ON a.id = r.application_id "
            "WHERE a.event_id = ? ORDER BY r.application_id, r.expert_id",
            (event_id,),
        )
        return [_review(r) for r in rows]

    async def experts(self, event_id: str) -> list[int]:
        rows = await self.db.fetchall(
            "SELECT telegram_id FROM experts WHERE event_id = ? ORDER BY created_at, telegram_id",
            (event_id,),
        )
        return [int(r[0]) for r in rows]

    async def names(self, ids: list[int]) -> dict[int, str]:
        """The full name from the profile (else the Telegram first name) of each person."""
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = await self.db.fetchall(
            "SELECT p.telegram_id, COALESCE(NULLIF(a.value, ''), p.first_name) "  # noqa: S608
            "FROM participants p LEFT JOIN answers a ON a.participant_id = p.telegram_id "
            f"AND a.event_id = '' AND a.question_id = 'full_name' WHERE p.telegram_id IN ({marks})",
            tuple(ids),
        )
        return {int(r[0]): str(r[1] or "") for r in rows}

    async def answers(self, event_id: str) -> dict[int, dict[str, str]]:
        """participant id -> question id -> stored value, for the event's own questions."""
        rows = await self.db.fetchall(
            "SELECT a.participant_id, a.question_id, a.value FROM answers a "
            "JOIN applications p ON p.participant_id = a.participant_id AND p.event_id = ? "
            "WHERE a.event_id = ?",
            (event_id, event_id),
        )
        found: dict[int, dict[str, str]] = {}
        for row in rows:
            found.setdefault(int(row[0]), {})[str(row[1])] = str(row[2])
        return found

    async def times(
        self, event_id: str, conn: aiosqlite.Connection | None = None
    ) -> SelectionTimes:
        c = conn or self.db.conn
        rows = list(
            await c.execute_fetchall(
                "SELECT review_opened_at, decisions_published_at FROM events WHERE id = ?",
                (event_id,),
            )
        )
        if not rows:
            return SelectionTimes(None, None)
        return SelectionTimes(from_db(rows[0][0]), from_db(rows[0][1]))

    async def accepted_due(self, now: datetime) -> list[Application]:
        """Accepted applicants whose time to confirm is over (the expiry job's work)."""
        rows = await self.db.fetchall(
            "SELECT * FROM applications WHERE status = 'accepted' AND confirm_by <= ? "
            "ORDER BY confirm_by, id",
            (to_db(now),),
        )
        return [_application(r) for r in rows]

    @staticmethod
    async def seats_of(conn: aiosqlite.Connection, participant_id: int) -> list[Application]:
        """The person's accepted or confirmed applications: the seats they hold."""
        rows = await conn.execute_fetchall(
            "SELECT * FROM applications WHERE participant_id = ? "
            "AND status IN ('accepted', 'confirmed') ORDER BY id",
            (participant_id,),
        )
        return [_application(r) for r in rows]

    @staticmethod
    async def first_reserve(conn: aiosqlite.Connection, event_id: str) -> Application | None:
        rows = list(
            await conn.execute_fetchall(
                "SELECT * FROM applications WHERE event_id = ? AND status = 'reserve' "
                "ORDER BY reserve_position, submitted_at, id LIMIT 1",
                (event_id,),
            )
        )
        return _application(rows[0]) if rows else None

    # --- writing ---------------------------------------------------------------------------

    @staticmethod
    async def set_drafts(conn: aiosqlite.Connection, updates: list[DraftUpdate]) -> None:
        await conn.executemany(
            "UPDATE applications SET draft_decision = ?, reserve_position = ? "
            "WHERE id = ? AND status = 'applied'",
            [(u.decision.value, u.reserve_position, u.application_id) for u in updates],
        )

    @staticmethod
    async def set_note(conn: aiosqlite.Connection, event_id: str, note: str | None) -> int:
        """The coordinator's words to those who are not accepted, kept on every application
        still undecided (shown only to the rejected)."""
        cur = await conn.execute(
            "UPDATE applications SET note = ? WHERE event_id = ? AND status = 'applied'",
            (note, event_id),
        )
        return cur.rowcount

    @staticmethod
    async def mark_published(conn: aiosqlite.Connection, event_id: str, now: datetime) -> bool:
        """Set once: False when the decisions were published already."""
        cur = await conn.execute(
            "UPDATE events SET decisions_published_at = ? "
            "WHERE id = ? AND decisions_published_at IS NULL",
            (to_db(now), event_id),
        )
        return cur.rowcount > 0

    @staticmethod
    async def set_status(
        conn: aiosqlite.Connection,
        application: Application,
        status: AppStatus,
        now: datetime,
        confirm_by: datetime | None = None,
    ) -> bool:
        """Move one application on, only from the status it was read in (a double tap or a
        race with the expiry job changes nothing the second time). True if it moved."""
        cur = await conn.execute(
            "UPDATE applications SET status = ?, updated_at = ?, "
            "decided_at = CASE WHEN ? IN ('accepted', 'reserve', 'rejected', 'expired') "
            "THEN ? ELSE decided_at END, "
            "confirm_by = CASE WHEN ? = 'accepted' THEN ? ELSE confirm_by END, "
            "confirmed_at = CASE WHEN ? = 'confirmed' THEN ? ELSE confirmed_at END, "
            "draft_decision = NULL "
            "WHERE id = ? AND status = ?",
            (
                status.value,
                to_db(now),
                status.value,
                to_db(now),
                status.value,
                to_db(confirm_by),
                status.value,
                to_db(now),
                application.id,
                application.status.value,
            ),
        )
        return cur.rowcount > 0
