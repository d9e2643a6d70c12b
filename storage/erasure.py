"""Erasing one person ("Delete my data", 152-FZ) and forgetting abandoned drafts.

Everything that names a person is removed in the caller's transaction: profile and event
answers, consent, registrations, feedback, their dialog state and drafts (``fsm``), the
messages still queued for them. The outbox rows already sent (or failed, or dropped) stay,
because the announcements' counters are counted from them, but with nothing of the person
left in them: no chat, no payload, no event, and a de-duplication key without their id.

With ``PRAGMA secure_delete`` (storage/db.py) deleted cells are overwritten with zeros;
:func:`checkpoint` then moves the pages out of the write-ahead log and truncates it, so the
old text is neither in the database file nor in its ``-wal``.
"""

from __future__ import annotations

import json
import logging
import secrets
import sqlite3
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from storage.db import Database, to_db, utcnow

log = logging.getLogger(__name__)

#: Statuses of outbox rows not sent yet: they are deleted (the person leaves the audience).
_UNSENT = ("pending", "sending")


@dataclass(frozen=True, slots=True)
class Inventory:
    """What is stored about one person (before an erasure: what it will remove)."""

    consent: bool = False
    profile_answers: int = 0
    event_answers: int = 0
    registrations: int = 0  # of any status, cancelled ones included
    feedback: int = 0
    drafts: int = 0  # rows of dialog state and drafts in ``fsm``
    queued: int = 0  # messages waiting in the outbox (deleted)
    sent: int = 0  # messages sent or tried (their rows scrubbed)
    # Selection (issue 9): the person's applications (their answers are event_answers,
    # file references included) and the reviews of them; as an expert, their roles and the
    # comments they wrote (blanked: the scores stay, so rankings stay explainable).
    applications: int = 0
    expert_roles: int = 0
    review_comments: int = 0

    @property
    def anything(self) -> bool:
        """True when "Delete my data" has something to delete. The bare row with the
        Telegram id and language (needed to answer at all) does not count."""
        return bool(
            self.consent
            or self.profile_answers
            or self.event_answers
            or self.registrations
            or self.feedback
            or self.drafts
            or self.applications
            or self.expert_roles
            or self.review_comments
        )


def fsm_key_names(key: str, user_id: int) -> bool:
    """Whether an aiogram FSM key belongs to ``user_id``.

    aiogram's ``DefaultKeyBuilder`` builds ``fsm[:bot_id]:chat_id[:thread_id]:user_id:destiny``
    (``with_destiny=True``, no business connection), so the user id is always the segment
    before the last one. Compared exactly: a LIKE alone would also match another person whose
    chat or thread id has the same digits.
    """
    parts = key.split(":")
    return len(parts) >= 4 and parts[0] == "fsm" and parts[-2] == str(user_id)


async def _count(conn: aiosqlite.Connection, sql: str, params: tuple[object, ...]) -> int:
    async with conn.execute(sql, params) as cur:
        row = await cur.fetchone()
    return int(row[0]) if row and row[0] is not None else 0


class ErasureRepo:
    def __init__(self, db: Database, *, consent_ids: tuple[str, ...] = ()) -> None:
        """``consent_ids``: profile "answers" that record the consent, counted as the consent,
        not as answers."""
        self.db = db
        self.consent_ids = json.dumps(list(consent_ids))

    async def fsm_keys(self, conn: aiosqlite.Connection, user_id: int) -> list[str]:
        """The person's FSM keys (every chat and topic), matched exactly."""
        async with conn.execute(
            "SELECT key FROM fsm WHERE key LIKE ?", (f"fsm:%:{int(user_id)}:%",)
        ) as cur:
            rows = await cur.fetchall()
        return [row[0] for row in rows if fsm_key_names(row[0], user_id)]

    async def inventory(self, user_id: int, conn: aiosqlite.Connection | None = None) -> Inventory:
        c = conn or self.db.conn
        pid = (user_id,)
        return Inventory(
            consent=bool(
                await _count(
                    c,
                    "SELECT count(*) FROM participants WHERE telegram_id = ? "
                    "AND (consent_at IS NOT NULL OR consent_version IS NOT NULL)",
                    pid,
                )
            ),
            profile_answers=await _count(
                c,
                "SELECT count(*) FROM answers WHERE participant_id = ? AND event_id = '' "
                "AND question_id NOT IN (SELECT value FROM json_each(?))",
                (user_id, self.consent_ids),
            ),
            event_answers=await _count(
                c, "SELECT count(*) FROM answers WHERE participant_id = ? AND event_id != ''", pid
            ),
            registrations=await _count(
                c, "SELECT count(*) FROM registrations WHERE participant_id = ?", pid
            ),
            feedback=await _count(c, "SELECT count(*) FROM feedback WHERE participant_id = ?", pid),
            drafts=len(await self.fsm_keys(c, user_id)),
            queued=await _count(
                c,
                "SELECT count(*) FROM outbox WHERE chat_id = ? AND status IN (?, ?)",
                (user_id, *_UNSENT),
            ),
            sent=await _count(
                c,
                "SELECT count(*) FROM outbox WHERE chat_id = ? AND status NOT IN (?, ?)",
                (user_id, *_UNSENT),
            ),
            **await _selection_inventory(c, user_id),
        )

    async def erase(self, conn: aiosqlite.Connection, user_id: int) -> Inventory:
        """Remove every row and payload that names ``user_id`` (inside the caller's
        ``BEGIN IMMEDIATE``). Returns what was there. Seats are the caller's business."""
        found = await self.inventory(user_id, conn)
        pid = (user_id,)
        await conn.executemany(
            "DELETE FROM fsm WHERE key = ?", [(k,) for k in await self.fsm_keys(conn, user_id)]
        )
        await self._forget_queued(conn, user_id)
        await conn.execute(
            "UPDATE outbox SET chat_id = 0, payload = '{}', event_id = NULL, "
            "dedup_key = 'erased:' || id WHERE chat_id = ?",
            pid,
        )
        await conn.execute("DELETE FROM feedback WHERE participant_id = ?", pid)
        # Check-in (issue 10): their attendance marks and door-volunteer rights go (the marks
        # they made for others stay without their id: _forget_staff_marks; walk-ins: README).
        await conn.execute("DELETE FROM attendance WHERE participant_id = ?", pid)
        await conn.execute("DELETE FROM volunteers WHERE telegram_id = ?", pid)
        await conn.execute("DELETE FROM answers WHERE participant_id = ?", pid)
        await _erase_selection(conn, user_id)
        await _forget_staff_marks(conn, user_id)
        await conn.execute("DELETE FROM registrations WHERE participant_id = ?", pid)
        await conn.execute("DELETE FROM participants WHERE telegram_id = ?", pid)
        return found

    @staticmethod
    async def _forget_queued(conn: aiosqlite.Connection, user_id: int) -> None:
        """Delete the messages not sent yet; an announcement's ``total`` shrinks by as many,
        so its report still adds up (sent + undelivered + stopped + waiting = total)."""
        async with conn.execute(
            "SELECT broadcast_id FROM outbox WHERE chat_id = ? AND status IN (?, ?) "
            "AND broadcast_id IS NOT NULL",
            (user_id, *_UNSENT),
        ) as cur:
            per_broadcast = Counter(row[0] for row in await cur.fetchall())
        await conn.executemany(
            "UPDATE broadcasts SET total = max(total - ?, 0) WHERE id = ?",
            [(n, broadcast_id) for broadcast_id, n in per_broadcast.items()],
        )
        await conn.execute(
            "DELETE FROM outbox WHERE chat_id = ? AND status IN (?, ?)", (user_id, *_UNSENT)
        )

    # --- drafts nobody finished -------------------------------------------------------------

    @staticmethod
    async def expire_drafts(conn: aiosqlite.Connection, before: datetime) -> int:
        """Delete FSM rows (dialog state, drafts) not changed since ``before``."""
        cur = await conn.execute("DELETE FROM fsm WHERE updated_at < ?", (to_db(before),))
        return cur.rowcount

    @staticmethod
    async def forget_names_without_consent(
        conn: aiosqlite.Connection, staff_ids: frozenset[int]
    ) -> int:
        """Blank the Telegram name and username of people who never consented (rows written
        before names were kept for consenting people and staff only)."""
        cur = await conn.execute(
            "UPDATE participants SET first_name = '', username = NULL "
            "WHERE consent_at IS NULL AND (first_name != '' OR username IS NOT NULL) "
            "AND telegram_id NOT IN (SELECT telegram_id FROM coordinators) "
            "AND telegram_id NOT IN (SELECT value FROM json_each(?))",
            (_json_ids(staff_ids),),
        )
        return cur.rowcount


async def _selection_inventory(c: aiosqlite.Connection, user_id: int) -> dict[str, int]:
    pid = (user_id,)
    return {
        "applications": await _count(
            c, "SELECT count(*) FROM applications WHERE participant_id = ?", pid
        ),
        "expert_roles": await _count(c, "SELECT count(*) FROM experts WHERE telegram_id = ?", pid),
        "review_comments": await _count(
            c, "SELECT count(*) FROM reviews WHERE expert_id = ? AND comment IS NOT NULL", pid
        ),
    }


async def _erase_selection(conn: aiosqlite.Connection, user_id: int) -> None:
    """Applications and the reviews of them go (their answers went with ``answers``); an
    expert's roles go and their comments are blanked, their scores kept."""
    pid = (user_id,)
    await conn.execute(
        "DELETE FROM reviews WHERE application_id IN "
        "(SELECT id FROM applications WHERE participant_id = ?)",
        pid,
    )
    await conn.execute("DELETE FROM applications WHERE participant_id = ?", pid)
    await conn.execute("DELETE FROM experts WHERE telegram_id = ?", pid)
    # Their scores stay (the ranking stays explainable) under a random stand-in for their id,
    # the same for all their reviews, negative so it is no Telegram id; the comments go.
    stand_in = -(secrets.randbelow(2**52) + 1)
    await conn.execute(
        "UPDATE reviews SET comment = NULL, expert_id = ? WHERE expert_id = ?", (stand_in, user_id)
    )


async def _forget_staff_marks(conn: aiosqlite.Connection, user_id: int) -> None:
    """What a member of staff did stays (the people they checked in, the expert, volunteer or
    coordinator they added, the report they sent, the announcement they made), without their
    id. Their open invitations are revoked: one without an author would pass for one made on
    the command line. An invitation they accepted stays used (``used_by`` 0, as an erased chat
    in the outbox)."""
    pid = (user_id,)
    await conn.execute("UPDATE attendance SET checked_in_by = NULL WHERE checked_in_by = ?", pid)
    await conn.execute("UPDATE coordinators SET added_by = NULL WHERE added_by = ?", pid)
    await conn.execute("UPDATE experts SET added_by = NULL WHERE added_by = ?", pid)
    await conn.execute("UPDATE volunteers SET added_by = NULL WHERE added_by = ?", pid)
    await conn.execute("UPDATE report_files SET added_by = NULL WHERE added_by = ?", pid)
    await conn.execute("UPDATE reports SET submitted_by = NULL WHERE submitted_by = ?", pid)
    await conn.execute(
        "UPDATE invites SET revoked_at = ? "
        "WHERE created_by = ? AND used_by IS NULL AND revoked_at IS NULL",
        (to_db(utcnow()), user_id),
    )
    await conn.execute("UPDATE invites SET created_by = NULL WHERE created_by = ?", pid)
    await conn.execute("UPDATE invites SET revoked_by = NULL WHERE revoked_by = ?", pid)
    await conn.execute("UPDATE invites SET used_by = 0 WHERE used_by = ?", pid)
    await conn.execute("UPDATE broadcasts SET created_by = NULL WHERE created_by = ?", pid)
    await conn.execute(
        "UPDATE broadcasts SET status_chat_id = NULL, status_message_id = NULL "
        "WHERE status_chat_id = ?",
        pid,
    )
    # The message an announcement copies from is needed while it still goes out.
    await conn.execute(
        "UPDATE broadcasts SET source_chat_id = NULL, source_message_id = NULL "
        "WHERE source_chat_id = ? AND status IN ('done', 'stopped')",
        pid,
    )


def _json_ids(ids: frozenset[int]) -> str:
    return "[" + ",".join(str(int(i)) for i in sorted(ids)) + "]"


async def checkpoint(db: Database) -> bool:
    """Copy the write-ahead log into the database file and truncate it (best effort).

    Run on a connection of its own, outside any transaction, after the erasure committed: the
    freed pages in the ``-wal`` still hold the old text until then. False (and a warning)
    when another connection kept the log busy; the next checkpoint takes care of it.
    """
    if str(db.path) == ":memory:":
        return True
    try:
        async with aiosqlite.connect(db.path, isolation_level=None) as conn:
            await conn.execute(f"PRAGMA busy_timeout = {int(db.busy_timeout_ms)}")
            async with conn.execute("PRAGMA wal_checkpoint(TRUNCATE)") as cur:
                row = await cur.fetchone()
    except sqlite3.Error as exc:
        log.warning("checkpoint after an erasure failed: %s", exc)
        return False
    busy = bool(row and row[0])
    if busy:
        log.warning("checkpoint after an erasure incomplete: the log was busy")
    return not busy
