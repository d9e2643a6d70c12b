"""Experts' reviews of applications: scores per criterion, a comment, or a recusal."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from storage.db import Repo, from_row, to_db


@dataclass(frozen=True, slots=True)
class Review:
    application_id: int
    expert_id: int
    scores: dict[str, int]
    comment: str | None
    recused: bool
    created_at: datetime
    updated_at: datetime


def _review(row: aiosqlite.Row) -> Review:
    return from_row(
        Review,
        row,
        moments=("created_at", "updated_at"),
        scores=json.loads(row["scores"]),
        recused=bool(row["recused"]),
    )


@dataclass(frozen=True, slots=True)
class ExpertProgress:
    """How far one expert is: reviews saved and recusals, in one event."""

    expert_id: int
    reviewed: int
    recused: int


#: Applications still to be scored, for one expert: status applied, not their own, neither
#: reviewed nor recused by them, and (with ``reviews_per_application`` = N, the last two
#: parameters) fewer than N reviews that are not recusals; fewest reviews first, then oldest.
_QUEUE_SQL = """
SELECT a.id,
       (SELECT count(*) FROM reviews r WHERE r.application_id = a.id AND r.recused = 0) AS done
FROM applications a
WHERE a.event_id = ? AND a.status = 'applied' AND a.participant_id != ?
  AND NOT EXISTS (SELECT 1 FROM reviews r WHERE r.application_id = a.id AND r.expert_id = ?)
  AND (? IS NULL OR (SELECT count(*) FROM reviews r
                     WHERE r.application_id = a.id AND r.recused = 0) < ?)
ORDER BY done, a.submitted_at, a.id
"""


class ReviewRepo(Repo):
    async def get(self, application_id: int, expert_id: int) -> Review | None:
        row = await self.db.fetchone(
            "SELECT * FROM reviews WHERE application_id = ? AND expert_id = ?",
            (application_id, expert_id),
        )
        return _review(row) if row else None

    async def of_application(self, application_id: int) -> list[Review]:
        rows = await self.db.fetchall(
            "SELECT * FROM reviews WHERE application_id = ? ORDER BY created_at, expert_id",
            (application_id,),
        )
        return [_review(r) for r in rows]

    async def save(
        self,
        conn: aiosqlite.Connection,
        review: Review,
    ) -> None:
        """Store (or change) a score; a recusal withdrawn by scoring becomes a review."""
        await conn.execute(
            "INSERT INTO reviews (application_id, expert_id, scores, comment, recused, "
            "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (application_id, expert_id) DO UPDATE SET scores = excluded.scores, "
            "comment = excluded.comment, recused = excluded.recused, "
            "updated_at = excluded.updated_at",
            (
                review.application_id,
                review.expert_id,
                json.dumps(review.scores, sort_keys=True),
                review.comment,
                int(review.recused),
                to_db(review.created_at),
                to_db(review.updated_at),
            ),
        )

    async def queue(self, event_id: str, expert_id: int, per_application: int | None) -> list[int]:
        """The ids of the applications waiting for this expert, in the order to score them."""
        rows = await self.db.fetchall(
            _QUEUE_SQL, (event_id, expert_id, expert_id, per_application, per_application)
        )
        return [int(r[0]) for r in rows]

    async def handled(self, event_id: str, expert_id: int) -> int:
        """Applications (still applied) this expert has scored or recused."""
        row = await self.db.fetchone(
            "SELECT count(*) FROM reviews r JOIN applications a ON a.id = r.application_id "
            "WHERE a.event_id = ? AND a.status = 'applied' AND r.expert_id = ?",
            (event_id, expert_id),
        )
        return int(row[0]) if row else 0

    async def progress(self, event_id: str) -> list[ExpertProgress]:
        """Per expert of the event: reviews saved and recusals."""
        rows = await self.db.fetchall(
            "SELECT x.telegram_id, "
            "coalesce(sum(CASE WHEN r.recused = 0 THEN 1 ELSE 0 END), 0), "
            "coalesce(sum(CASE WHEN r.recused = 1 THEN 1 ELSE 0 END), 0) "
            "FROM experts x LEFT JOIN reviews r ON r.expert_id = x.telegram_id "
            "AND r.application_id IN (SELECT id FROM applications WHERE event_id = x.event_id) "
            "WHERE x.event_id = ? GROUP BY x.telegram_id ORDER BY x.created_at",
            (event_id,),
        )
        return [ExpertProgress(int(r[0]), int(r[1]), int(r[2])) for r in rows]
