"""Attendance rows for the certificate and report tests, written straight into the table the
check-in fills (storage/migrations/0006): the check-in's chat flows are tested in their own
files; here who came is the fixture, not the thing under test."""

from __future__ import annotations

from datetime import datetime

from storage.db import Database, to_db, utcnow
from storage.participants import ParticipantRepo


async def mark_came(
    db: Database,
    event_id: str,
    participant_id: int,
    *,
    method: str = "manual",
    by: int | None = None,
    at: datetime | None = None,
) -> None:
    """A person with Telegram marked as having come."""
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO attendance (event_id, participant_id, method, checked_in_at, "
            "checked_in_by) VALUES (?, ?, ?, ?, ?)",
            (event_id, participant_id, method, to_db(at or utcnow()), by),
        )


async def walk_in(
    db: Database, event_id: str, name: str, organisation: str = "", region: str = ""
) -> None:
    """Someone who came without Telegram, typed in by staff."""
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO attendance (event_id, participant_id, name, organisation, region, "
            "method, checked_in_at) VALUES (?, NULL, ?, ?, ?, 'walk_in', ?)",
            (event_id, name, organisation, region, to_db(utcnow())),
        )


async def give_profile_name(db: Database, participant_id: int, full_name: str) -> None:
    """The name a person typed in their profile (what a certificate carries)."""
    async with db.transaction() as conn:
        await ParticipantRepo(db).save_answers(
            conn, participant_id, {"full_name": full_name}, utcnow()
        )
