"""What the operator's tools read and prune (issue 11): the backups taken, the health of the
delivery queue, the people whose data retention erases, and the old rows of the queue.

Plain SQL on the one ``Database``; no Telegram, no scheduling (bot/ops/ decides when).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import aiosqlite

from storage.db import Database, Repo, from_db, to_db


@dataclass(frozen=True, slots=True)
class BackupRecord:
    path: str
    size: int
    taken_at: datetime
    scheduled: bool


@dataclass(frozen=True, slots=True)
class Counts:
    participants: int
    events: int
    registrations: int  # active ones: registered or waitlisted


@dataclass(frozen=True, slots=True)
class QueueState:
    pending: int
    sending: int
    oldest_due: datetime | None  # the oldest pending row that is already due
    failed_last_hour: int
    last_sent: datetime | None


def record_backup_sync(conn: sqlite3.Connection, record: BackupRecord) -> None:
    """Note a backup (from the thread that took it, on its own sqlite3 connection)."""
    with conn:
        conn.execute(
            "INSERT INTO backups (path, size, taken_at, scheduled) VALUES (?, ?, ?, ?)",
            (record.path, record.size, to_db(record.taken_at), int(record.scheduled)),
        )


async def _scalar(db: Database, sql: str, params: tuple[object, ...] = ()) -> int:
    row = await db.fetchone(sql, params)
    return int(row[0]) if row is not None and row[0] is not None else 0


class OpsRepo(Repo):
    async def last_backup(self) -> BackupRecord | None:
        row = await self.db.fetchone(
            "SELECT path, size, taken_at, scheduled FROM backups ORDER BY taken_at DESC LIMIT 1"
        )
        if row is None:
            return None
        taken = from_db(row["taken_at"])
        assert taken is not None
        return BackupRecord(row["path"], int(row["size"]), taken, bool(row["scheduled"]))

    async def counts(self) -> Counts:
        return Counts(
            participants=await _scalar(self.db, "SELECT count(*) FROM participants"),
            events=await _scalar(self.db, "SELECT count(*) FROM events"),
            registrations=await _scalar(
                self.db,
                "SELECT count(*) FROM registrations WHERE status IN ('registered', 'waitlisted')",
            ),
        )

    async def queue(self, now: datetime, hour_ago: datetime) -> QueueState:
        by_status = {
            row[0]: int(row[1])
            for row in await self.db.fetchall(
                "SELECT status, count(*) FROM outbox WHERE status IN ('pending', 'sending') "
                "GROUP BY status"
            )
        }
        oldest = await self.db.fetchone(
            "SELECT min(not_before) FROM outbox WHERE status = 'pending' AND not_before <= ?",
            (to_db(now),),
        )
        last = await self.db.fetchone("SELECT max(sent_at) FROM outbox WHERE status = 'sent'")
        return QueueState(
            pending=by_status.get("pending", 0),
            sending=by_status.get("sending", 0),
            oldest_due=from_db(oldest[0]) if oldest else None,
            failed_last_hour=await _scalar(
                self.db,
                "SELECT count(*) FROM outbox WHERE status = 'failed' AND sent_at >= ?",
                (to_db(hour_ago),),
            ),
            last_sent=from_db(last[0]) if last else None,
        )

    async def pending_depth(self) -> int:
        return await _scalar(self.db, "SELECT count(*) FROM outbox WHERE status = 'pending'")

    # --- retention ---------------------------------------------------------------------------

    async def inactive_since(self, cutoff: datetime, keep: frozenset[int]) -> list[int]:
        """People with nothing of theirs touched since ``cutoff``: no registration, application,
        attendance, answer, feedback or dialog step, no registration for an event that has not
        ended by then, and their own row unchanged. Staff (``keep`` and the coordinators,
        experts and volunteers) are never among them.

        One pass over each table (the set of people active since then), not a lookup per
        person: 20,000 people take milliseconds, and the shared connection is not held."""
        at = to_db(cutoff)
        drafting = {
            int(parts[-2])
            for row in await self.db.fetchall("SELECT key FROM fsm WHERE updated_at >= ?", (at,))
            if len(parts := str(row[0]).split(":")) >= 4 and parts[-2].isdigit()
        }
        spared = "[" + ",".join(str(int(i)) for i in sorted(keep | drafting)) + "]"
        rows = await self.db.fetchall(
            "WITH active(id) AS ("
            " SELECT participant_id FROM registrations"
            "  WHERE updated_at >= ?1 OR registered_at >= ?1"
            " UNION SELECT r.participant_id FROM registrations r JOIN events e"
            "  ON e.id = r.event_id WHERE e.starts_at >= ?1"
            " UNION SELECT participant_id FROM applications WHERE updated_at >= ?1"
            " UNION SELECT a.participant_id FROM applications a JOIN events e"
            "  ON e.id = a.event_id WHERE e.starts_at >= ?1"
            " UNION SELECT participant_id FROM attendance WHERE checked_in_at >= ?1"
            " UNION SELECT participant_id FROM answers WHERE updated_at >= ?1"
            " UNION SELECT participant_id FROM feedback WHERE created_at >= ?1"
            " UNION SELECT telegram_id FROM coordinators"
            " UNION SELECT telegram_id FROM experts"
            " UNION SELECT telegram_id FROM volunteers"
            " UNION SELECT value FROM json_each(?2))"
            " SELECT telegram_id FROM participants WHERE updated_at < ?1"
            " AND telegram_id NOT IN (SELECT id FROM active WHERE id IS NOT NULL)"
            " ORDER BY telegram_id",
            (at, spared),
        )
        return [int(row[0]) for row in rows]

    @staticmethod
    async def prune_sent(
        conn: aiosqlite.Connection, before: datetime, events_before: datetime
    ) -> int:
        """Delete the queue's rows sent before ``before``: not an announcement's (its report is
        counted from them), and not of an event that started after ``events_before`` (their
        de-duplication keys still keep a reminder or feedback request from being sent twice)."""
        cur = await conn.execute(
            "DELETE FROM outbox WHERE status = 'sent' AND sent_at < ? AND broadcast_id IS NULL "
            "AND (event_id IS NULL OR NOT EXISTS (SELECT 1 FROM events e "
            "WHERE e.id = outbox.event_id AND e.starts_at >= ?))",
            (to_db(before), to_db(events_before)),
        )
        return cur.rowcount


def database_files(path: Path) -> list[Path]:
    """The database and the files SQLite keeps beside it (write-ahead log, shared memory)."""
    return [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]
