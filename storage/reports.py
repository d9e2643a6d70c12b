"""The report each event owes the federal centre (text, files, status) and what it reads of
attendance: who came, walk-ins, counts. Attendance is written by the check-in (issue 10,
items 1-4); here it is only read, with SQL of its own, so the two features stay apart."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from storage.db import Repo, from_db, from_row, to_db
from storage.events import _event
from storage.models import Event
from storage.participants import PROFILE


@dataclass(frozen=True, slots=True)
class Report:
    event_id: str
    text: str | None
    status: str  # draft | submitted
    submitted_by: int | None
    submitted_at: datetime | None
    reminded_at: datetime | None

    @property
    def submitted(self) -> bool:
        return self.status == "submitted"


@dataclass(frozen=True, slots=True)
class ReportFile:
    id: int
    event_id: str
    kind: str  # sheet | photo | document
    file_id: str
    file_unique_id: str
    name: str | None
    size: int | None
    path: str | None  # relative to REPORTS_DIR once downloaded
    added_by: int | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class NewFile:
    """A file a coordinator sent, as Telegram described it."""

    kind: str
    file_id: str
    file_unique_id: str
    name: str | None
    size: int | None


@dataclass(frozen=True, slots=True)
class SheetRow:
    """One line of an event's attendance sheet: a registrant (attended or not) or a walk-in
    (no Telegram id)."""

    participant_id: int | None
    name: str
    organisation: str
    region: str
    attended: bool
    method: str | None
    checked_in_at: datetime | None


def _report(row: aiosqlite.Row) -> Report:
    return from_row(Report, row, moments=("submitted_at", "reminded_at"))


def _file(row: aiosqlite.Row) -> ReportFile:
    return from_row(ReportFile, row, moments=("created_at",))


class ReportRepo(Repo):
    # --- the report ----------------------------------------------------------------------

    async def get(self, event_id: str) -> Report | None:
        row = await self.db.fetchone("SELECT * FROM reports WHERE event_id = ?", (event_id,))
        return _report(row) if row else None

    async def of_events(self, event_ids: list[str]) -> dict[str, Report]:
        rows = await self.db.fetchall(
            "SELECT * FROM reports WHERE event_id IN (SELECT value FROM json_each(?))",
            (json.dumps(event_ids),),
        )
        return {r["event_id"]: _report(r) for r in rows}

    @staticmethod
    async def ensure(conn: aiosqlite.Connection, event_id: str, now: datetime) -> None:
        await conn.execute(
            "INSERT OR IGNORE INTO reports (event_id, created_at, updated_at) VALUES (?, ?, ?)",
            (event_id, to_db(now), to_db(now)),
        )

    async def set_text(self, event_id: str, text: str, now: datetime) -> None:
        async with self.db.transaction() as conn:
            await self.ensure(conn, event_id, now)
            await conn.execute(
                "UPDATE reports SET text = ?, updated_at = ? WHERE event_id = ?",
                (text, to_db(now), event_id),
            )

    async def submit(self, event_id: str, by: int, now: datetime) -> bool:
        """Mark the report submitted; False when it already was (a double tap)."""
        async with self.db.transaction() as conn:
            await self.ensure(conn, event_id, now)
            cur = await conn.execute(
                "UPDATE reports SET status = 'submitted', submitted_by = ?, submitted_at = ?, "
                "updated_at = ? WHERE event_id = ? AND status != 'submitted'",
                (by, to_db(now), to_db(now), event_id),
            )
            return cur.rowcount > 0

    @staticmethod
    async def mark_reminded(conn: aiosqlite.Connection, event_id: str, now: datetime) -> None:
        await ReportRepo.ensure(conn, event_id, now)
        await conn.execute(
            "UPDATE reports SET reminded_at = ? WHERE event_id = ?", (to_db(now), event_id)
        )

    # --- its files -----------------------------------------------------------------------

    async def files(self, event_id: str) -> list[ReportFile]:
        rows = await self.db.fetchall(
            "SELECT * FROM report_files WHERE event_id = ? ORDER BY id", (event_id,)
        )
        return [_file(r) for r in rows]

    async def add_file(
        self, event_id: str, new: NewFile, added_by: int, now: datetime
    ) -> tuple[ReportFile, bool]:
        """Store a file (once per Telegram file): the row, and whether it was new."""
        async with self.db.transaction() as conn:
            await self.ensure(conn, event_id, now)
            cur = await conn.execute(
                "INSERT OR IGNORE INTO report_files (event_id, kind, file_id, file_unique_id, "
                "name, size, added_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    event_id,
                    new.kind,
                    new.file_id,
                    new.file_unique_id,
                    new.name,
                    new.size,
                    added_by,
                    to_db(now),
                ),
            )
            fresh = cur.rowcount > 0
            async with conn.execute(
                "SELECT * FROM report_files WHERE event_id = ? AND file_unique_id = ?",
                (event_id, new.file_unique_id),
            ) as c:
                row = await c.fetchone()
        assert row is not None
        return _file(row), fresh

    async def set_kind(self, event_id: str, file_row: int, kind: str) -> bool:
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE report_files SET kind = ? WHERE id = ? AND event_id = ?",
                (kind, file_row, event_id),
            )
            return cur.rowcount > 0

    async def set_path(self, file_row: int, path: str) -> None:
        async with self.db.transaction() as conn:
            await conn.execute("UPDATE report_files SET path = ? WHERE id = ?", (path, file_row))

    async def undownloaded(
        self, limit: int, max_size: int, event_id: str | None = None
    ) -> list[ReportFile]:
        """Files kept by file_id only (Telegram failed, or the bot stopped), oldest first, of
        one event or of all; those larger than the Bot API lets a bot download stay so."""
        rows = await self.db.fetchall(
            "SELECT * FROM report_files WHERE path IS NULL AND coalesce(size, 0) <= ? "
            "AND (? IS NULL OR event_id = ?) ORDER BY id LIMIT ?",
            (max_size, event_id, event_id, limit),
        )
        return [_file(r) for r in rows]

    # --- events --------------------------------------------------------------------------

    async def ended(self, since: datetime, until: datetime) -> list[Event]:
        """Scheduled events that ended in [since, until], oldest first."""
        rows = await self.db.fetchall(
            "SELECT * FROM events WHERE status = 'scheduled' "
            "AND datetime(starts_at, '+' || duration_minutes || ' minutes') "
            "BETWEEN datetime(?) AND datetime(?) ORDER BY starts_at, id",
            (to_db(since), to_db(until)),
        )
        return [_event(r) for r in rows]


class AttendanceReader(Repo):
    """What the reports read of attendance (written by the check-in)."""

    async def taken(self, event_id: str, conn: aiosqlite.Connection | None = None) -> bool:
        """Whether anyone was marked for the event (then only they count as having come)."""
        c = conn or self.db.conn
        async with c.execute(
            "SELECT 1 FROM attendance WHERE event_id = ? LIMIT 1", (event_id,)
        ) as cur:
            return await cur.fetchone() is not None

    async def came(self, event_id: str, participant_id: int) -> bool:
        row = await self.db.fetchone(
            "SELECT 1 FROM attendance WHERE event_id = ? AND participant_id = ?",
            (event_id, participant_id),
        )
        return row is not None

    async def counts(self, event_ids: list[str]) -> dict[str, int]:
        """Everyone who came (walk-ins too), per event."""
        rows = await self.db.fetchall(
            "SELECT event_id, count(*) FROM attendance "
            "WHERE event_id IN (SELECT value FROM json_each(?)) GROUP BY event_id",
            (json.dumps(event_ids),),
        )
        return {r[0]: r[1] for r in rows}

    @staticmethod
    async def reachable_attendees(conn: aiosqlite.Connection, event_id: str) -> list[int]:
        """People with Telegram who came, who can be written to, registered or not."""
        async with conn.execute(
            "SELECT a.participant_id FROM attendance a "
            "JOIN participants p ON p.telegram_id = a.participant_id "
            "WHERE a.event_id = ? AND p.unreachable_since IS NULL ORDER BY a.id",
            (event_id,),
        ) as cur:
            return [r[0] for r in await cur.fetchall()]

    async def certificate_events(self, participant_id: int) -> list[Event]:
        """Events the person came to that give certificates, newest first."""
        rows = await self.db.fetchall(
            "SELECT e.* FROM attendance a JOIN events e ON e.id = a.event_id "
            "WHERE a.participant_id = ? AND e.certificates = 1 AND e.status = 'scheduled' "
            "ORDER BY e.starts_at DESC, e.id",
            (participant_id,),
        )
        return [_event(r) for r in rows]

    async def sheet(self, event_id: str) -> list[SheetRow]:
        """Registrants (registered, or marked as come) with their marks, then the walk-ins."""
        rows = await self.db.fetchall(
            """
            SELECT p.telegram_id AS pid, p.first_name, p.region AS p_region,
                   a.method, a.checked_in_at,
                   (SELECT value FROM answers WHERE participant_id = p.telegram_id
                      AND event_id = ? AND question_id = 'full_name') AS full_name,
                   (SELECT value FROM answers WHERE participant_id = p.telegram_id
                      AND event_id = ? AND question_id = 'organization') AS organisation,
                   (SELECT value FROM answers WHERE participant_id = p.telegram_id
                      AND event_id = ? AND question_id = 'region') AS region
            FROM participants p
            LEFT JOIN registrations r ON r.participant_id = p.telegram_id AND r.event_id = ?
            LEFT JOIN attendance a ON a.participant_id = p.telegram_id AND a.event_id = ?
            WHERE r.status = 'registered' OR a.id IS NOT NULL
            ORDER BY coalesce(r.registered_at, a.checked_in_at), p.telegram_id
            """,
            (PROFILE, PROFILE, PROFILE, event_id, event_id),
        )
        people = [
            SheetRow(
                participant_id=r["pid"],
                name=r["full_name"] or r["first_name"],
                organisation=r["organisation"] or "",
                region=r["region"] or r["p_region"] or "",
                attended=r["method"] is not None,
                method=r["method"],
                checked_in_at=from_db(r["checked_in_at"]),
            )
            for r in rows
        ]
        walk_ins = await self.db.fetchall(
            "SELECT * FROM attendance WHERE event_id = ? AND participant_id IS NULL "
            "ORDER BY checked_in_at, id",
            (event_id,),
        )
        return people + [
            SheetRow(
                participant_id=None,
                name=r["name"] or "",
                organisation=r["organisation"] or "",
                region=r["region"] or "",
                attended=True,
                method=r["method"],
                checked_in_at=from_db(r["checked_in_at"]),
            )
            for r in walk_ins
        ]


async def profile_name(repo: Repo, participant_id: int) -> str:
    """The name the person gave in their profile (``full_name``), else their Telegram name."""
    row = await repo.db.fetchone(
        "SELECT coalesce((SELECT value FROM answers WHERE participant_id = p.telegram_id "
        "AND event_id = ? AND question_id = 'full_name'), p.first_name) "
        "FROM participants p WHERE p.telegram_id = ?",
        (PROFILE, participant_id),
    )
    return str(row[0]) if row and row[0] else ""
