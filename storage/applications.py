"""Applications to a selection event (issue 9): one row per person and event.

The answers live in ``answers`` under the event id (storage/participants.py), like the answers
to an ordinary event's own questions; a ``file`` answer is JSON with the Telegram file id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import aiosqlite

from storage.db import Repo, from_row, to_db
from storage.events import _event as event_of_row
from storage.models import Event


class AppStatus(StrEnum):
    """Where an application stands; texts: ``selection.status.<value>``."""

    APPLIED = "applied"
    WITHDRAWN = "withdrawn"
    ACCEPTED = "accepted"
    CONFIRMED = "confirmed"
    DECLINED = "declined"
    EXPIRED = "expired"
    RESERVE = "reserve"
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class Application:
    id: int
    event_id: str
    participant_id: int
    status: AppStatus
    reserve_position: int | None
    submitted_at: datetime
    updated_at: datetime


def _application(row: aiosqlite.Row) -> Application:
    return from_row(
        Application,
        row,
        moments=("submitted_at", "updated_at"),
        status=AppStatus(row["status"]),
    )


class ApplicationRepo(Repo):
    async def get(
        self, event_id: str, participant_id: int, conn: aiosqlite.Connection | None = None
    ) -> Application | None:
        c = conn or self.db.conn
        async with c.execute(
            "SELECT * FROM applications WHERE event_id = ? AND participant_id = ?",
            (event_id, participant_id),
        ) as cur:
            row = await cur.fetchone()
        return _application(row) if row else None

    async def by_id(self, application_id: int) -> Application | None:
        row = await self.db.fetchone("SELECT * FROM applications WHERE id = ?", (application_id,))
        return _application(row) if row else None

    async def submit(
        self, conn: aiosqlite.Connection, event_id: str, participant_id: int, now: datetime
    ) -> None:
        """Applied (again): a withdrawn application comes back; the first submission's time
        stays, since it breaks ties in the ranking."""
        await conn.execute(
            "INSERT INTO applications (event_id, participant_id, status, submitted_at, "
            "updated_at) VALUES (?, ?, 'applied', ?, ?) "
            "ON CONFLICT (event_id, participant_id) DO UPDATE SET "
            "status = 'applied', updated_at = excluded.updated_at",
            (event_id, participant_id, to_db(now), to_db(now)),
        )

    async def set_status(
        self, conn: aiosqlite.Connection, application_id: int, status: AppStatus, now: datetime
    ) -> None:
        await conn.execute(
            "UPDATE applications SET status = ?, updated_at = ? WHERE id = ?",
            (str(status), to_db(now), application_id),
        )

    async def of_participant(self, participant_id: int) -> list[tuple[Application, Event]]:
        rows = await self.db.fetchall(
            "SELECT a.id AS a_id, a.event_id AS a_event_id, a.participant_id AS a_participant_id,"
            " a.status AS a_status, a.reserve_position, a.submitted_at, a.updated_at AS a_updated,"
            " e.* FROM applications a JOIN events e ON e.id = a.event_id "
            "WHERE a.participant_id = ? ORDER BY e.starts_at, e.id",
            (participant_id,),
        )
        return [
            (
                Application(
                    id=row["a_id"],
                    event_id=row["a_event_id"],
                    participant_id=row["a_participant_id"],
                    status=AppStatus(row["a_status"]),
                    reserve_position=row["reserve_position"],
                    submitted_at=datetime.fromisoformat(row["submitted_at"]),
                    updated_at=datetime.fromisoformat(row["a_updated"]),
                ),
                event_of_row(row),
            )
            for row in rows
        ]

    async def count(self, event_id: str, status: AppStatus = AppStatus.APPLIED) -> int:
        row = await self.db.fetchone(
            "SELECT count(*) FROM applications WHERE event_id = ? AND status = ?",
            (event_id, str(status)),
        )
        return int(row[0]) if row else 0

    async def review_moments(self, event_id: str) -> tuple[datetime | None, datetime | None]:
        """(``review_opened_at``, ``decisions_published_at``) of the event."""
        row = await self.db.fetchone(
            "SELECT review_opened_at, decisions_published_at FROM events WHERE id = ?",
            (event_id,),
        )
        if row is None:
            return None, None
        opened, published = row[0], row[1]
        return (
            datetime.fromisoformat(opened) if opened else None,
            datetime.fromisoformat(published) if published else None,
        )

    async def open_review(self, conn: aiosqlite.Connection, event_id: str, now: datetime) -> bool:
        """Open reviewing now (before the deadline); False if it was opened already."""
        cur = await conn.execute(
            "UPDATE events SET review_opened_at = ? WHERE id = ? AND review_opened_at IS NULL",
            (to_db(now), event_id),
        )
        return cur.rowcount > 0

    async def answers_for_review(self, participant_id: int, event_id: str) -> dict[str, str]:
        """The application's answers (question id -> value) and, under ``p.full_name`` and
        ``p.organization``, who the applicant is."""
        rows = await self.db.fetchall(
            "SELECT event_id, question_id, value FROM answers WHERE participant_id = ? "
            "AND (event_id = ? OR (event_id = '' AND question_id IN (?, ?)))",
            (participant_id, event_id, "full_name", "organization"),
        )
        return {("" if r[0] else "p.") + r[1]: r[2] for r in rows}
