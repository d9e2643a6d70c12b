"""Participants and their stored answers."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from storage.coordinators import Coordinator, coordinator_of
from storage.db import Repo, from_row, to_db
from storage.models import Participant

PROFILE = ""  # event_id of profile answers


def _participant(row: aiosqlite.Row) -> Participant:
    moments = ("consent_at", "unreachable_since", "created_at")
    return from_row(Participant, row, moments=moments, language_chosen=bool(row["language_chosen"]))


#: The person behind an update in one read: their participant row and coordinator row, each
#: NULL when there is none (the coordinator's columns renamed, as both tables have
#: ``telegram_id`` and ``created_at``).
PERSON_SQL = """
SELECT p.*, c.telegram_id AS coordinator_id, c.district AS coordinator_district,
       c.added_by AS coordinator_added_by, c.created_at AS coordinator_created_at
FROM (SELECT ? AS id) AS who
LEFT JOIN participants AS p ON p.telegram_id = who.id
LEFT JOIN coordinators AS c ON c.telegram_id = who.id
"""


class ParticipantRepo(Repo):
    async def get(self, telegram_id: int) -> Participant | None:
        row = await self.db.fetchone(
            "SELECT * FROM participants WHERE telegram_id = ?", (telegram_id,)
        )
        return _participant(row) if row else None

    async def person(self, telegram_id: int) -> tuple[Participant | None, Coordinator | None]:
        """The participant and the coordinator with this id (either None), read together: the
        per-update lookup of handlers/middlewares.py costs one trip to the database thread,
        and is read fresh every time, so a change made by another process (the CLI adding or
        removing a coordinator, erasing a person) counts from the very next update."""
        row = await self.db.fetchone(PERSON_SQL, (telegram_id,))
        if row is None:  # pragma: no cover - the query always returns its one row
            return None, None
        participant = _participant(row) if row["telegram_id"] is not None else None
        coordinator = None
        if row["coordinator_id"] is not None:
            coordinator = coordinator_of(
                row["coordinator_id"],
                row["coordinator_district"],
                row["coordinator_added_by"],
                row["coordinator_created_at"],
            )
        return participant, coordinator

    async def upsert_seen(
        self,
        conn: aiosqlite.Connection,
        telegram_id: int,
        first_name: str,
        username: str | None,
        language: str,
        now: datetime,
    ) -> None:
        """Create the participant, or refresh the name and clear 'unreachable'."""
        await conn.execute(
            """
            INSERT INTO participants (telegram_id, first_name, username, language,
                                      created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (telegram_id) DO UPDATE SET
                first_name = excluded.first_name,
                username = excluded.username,
                unreachable_since = NULL,
                updated_at = excluded.updated_at
            """,
            (telegram_id, first_name, username, language, to_db(now), to_db(now)),
        )

    async def set_language(
        self, conn: aiosqlite.Connection, telegram_id: int, language: str, now: datetime
    ) -> None:
        await conn.execute(
            "UPDATE participants SET language = ?, language_chosen = 1, updated_at = ? "
            "WHERE telegram_id = ?",
            (language, to_db(now), telegram_id),
        )

    async def set_region(
        self,
        conn: aiosqlite.Connection,
        telegram_id: int,
        region: str | None,
        district: str | None,
        timezone: str | None,
        now: datetime,
    ) -> None:
        await conn.execute(
            "UPDATE participants SET region = ?, district = ?, timezone = ?, updated_at = ? "
            "WHERE telegram_id = ?",
            (region, district, timezone, to_db(now), telegram_id),
        )

    async def set_consent(
        self,
        conn: aiosqlite.Connection,
        telegram_id: int,
        version: str | None,
        now: datetime,
    ) -> None:
        """Record consent to ``version`` of the text (None: no consent). The moment of
        agreement is set only when the version changes: saving the same consent again (the
        answers are saved again at every confirmation) keeps the first moment."""
        await conn.execute(
            """
            UPDATE participants SET
                consent_at = CASE
                    WHEN ? IS NULL THEN NULL
                    WHEN consent_version IS ? AND consent_at IS NOT NULL THEN consent_at
                    ELSE ? END,
                consent_version = ?,
                updated_at = ?
            WHERE telegram_id = ?
            """,
            (version, version, to_db(now), version, to_db(now), telegram_id),
        )

    async def mark_unreachable(
        self, conn: aiosqlite.Connection, telegram_id: int, now: datetime
    ) -> None:
        await conn.execute(
            "UPDATE participants SET unreachable_since = COALESCE(unreachable_since, ?) "
            "WHERE telegram_id = ?",
            (to_db(now), telegram_id),
        )

    # answers ---------------------------------------------------------------------------------

    async def answers(self, telegram_id: int, event_id: str = PROFILE) -> dict[str, str]:
        rows = await self.db.fetchall(
            "SELECT question_id, value FROM answers WHERE participant_id = ? AND event_id = ?",
            (telegram_id, event_id),
        )
        return {row["question_id"]: row["value"] for row in rows}

    async def save_answers(
        self,
        conn: aiosqlite.Connection,
        telegram_id: int,
        answers: dict[str, str | None],
        now: datetime,
        event_id: str = PROFILE,
    ) -> None:
        """Store answers; a ``None`` value (a skipped question) removes the stored one."""
        for question_id, value in answers.items():
            if value is None:
                await conn.execute(
                    "DELETE FROM answers WHERE participant_id = ? AND event_id = ? "
                    "AND question_id = ?",
                    (telegram_id, event_id, question_id),
                )
            else:
                await conn.execute(
                    """
                    INSERT INTO answers (participant_id, event_id, question_id, value, updated_at)
                    VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (participant_id, event_id, question_id)
                    DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
                    """,
                    (telegram_id, event_id, question_id, value, to_db(now)),
                )

    async def count(self) -> int:
        row = await self.db.fetchone("SELECT count(*) FROM participants")
        return int(row[0]) if row else 0
