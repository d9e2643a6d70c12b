"""Feedback after an event: one row per participant and event, each answer given once."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from storage.db import Repo, from_db, to_db


@dataclass(frozen=True, slots=True)
class FeedbackRow:
    event_id: str
    participant_id: int
    answers: dict[str, str]
    created_at: datetime


class FeedbackRepo(Repo):
    async def answers(self, event_id: str, participant_id: int) -> dict[str, str] | None:
        """The answers given so far, or None when the person has not started."""
        row = await self.db.fetchone(
            "SELECT answers FROM feedback WHERE event_id = ? AND participant_id = ?",
            (event_id, participant_id),
        )
        return dict(json.loads(row[0])) if row else None

    async def add_answer(
        self, event_id: str, participant_id: int, question_id: str, value: str, now: datetime
    ) -> bool:
        """Store one answer; False (and nothing changes) when it was already given."""
        async with self.db.transaction() as conn:
            async with conn.execute(
                "SELECT answers FROM feedback WHERE event_id = ? AND participant_id = ?",
                (event_id, participant_id),
            ) as cur:
                row = await cur.fetchone()
            if row is None:
                await conn.execute(
                    "INSERT INTO feedback (event_id, participant_id, answers, created_at) "
                    "VALUES (?, ?, ?, ?)",
                    (
                        event_id,
                        participant_id,
                        json.dumps({question_id: value}, ensure_ascii=False),
                        to_db(now),
                    ),
                )
                return True
            answers = json.loads(row[0])
            if question_id in answers:
                return False
            answers[question_id] = value
            await conn.execute(
                "UPDATE feedback SET answers = ? WHERE event_id = ? AND participant_id = ?",
                (json.dumps(answers, ensure_ascii=False), event_id, participant_id),
            )
            return True

    async def of_event(self, event_id: str) -> list[FeedbackRow]:
        rows = await self.db.fetchall(
            "SELECT * FROM feedback WHERE event_id = ? ORDER BY created_at, participant_id",
            (event_id,),
        )
        return [
            FeedbackRow(
                event_id=r["event_id"],
                participant_id=r["participant_id"],
                answers=dict(json.loads(r["answers"])),
                created_at=from_db(r["created_at"]),  # type: ignore[arg-type]
            )
            for r in rows
        ]
