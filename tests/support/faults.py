"""Faults injected for real into the bot's database: another connection holding the write
lock past the busy timeout, and a "full disk" (``PRAGMA max_page_count``)."""

from __future__ import annotations

import asyncio
import sqlite3
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from storage.db import Database
from tests.support.stand_in import StandInServer

#: The bot's busy timeout in these tests: a lock held longer than this refuses its writes.
BUSY_MS = 300
#: SQLite's largest max_page_count: "no limit" again.
NO_LIMIT = 1_073_741_823


class WriteLock:
    """Another connection to the bot's file holding the write lock, as a backup tool, a
    ``VACUUM`` or an admin's ``sqlite3`` shell does: ``BEGIN IMMEDIATE`` and a write, kept
    until :meth:`release` (which commits). Taken in a thread: waiting for the lock must not
    stop the event loop the bot runs on."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._conn: sqlite3.Connection | None = None

    async def take(self) -> None:
        await asyncio.to_thread(self._take)

    def _take(self) -> None:
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("UPDATE participants SET updated_at = updated_at")
        self._conn = conn

    async def release(self) -> None:
        await asyncio.to_thread(self._release)

    async def __aenter__(self) -> WriteLock:
        """``async with WriteLock(path):`` holds the lock for the block, released however the
        block ends."""
        await self.take()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.release()

    def _release(self) -> None:
        if self._conn is not None:
            self._conn.execute("COMMIT")
            self._conn.close()
            self._conn = None


async def fill_the_disk(db: Database) -> None:
    """Make the bot's connection's database "full": no new page beyond its size now.

    ``max_page_count`` cannot go below the file's size, so the free pages and the room in the
    last pages are taken by a ballast table first; after this, a write that needs one more page
    fails with "database or disk is full" (SQLITE_FULL), as on a full disk."""
    async with db.transaction() as conn:
        await conn.execute("CREATE TABLE IF NOT EXISTS test_ballast (data BLOB)")
    row = await db.fetchone("PRAGMA page_count")
    assert row is not None
    async with db.transaction() as conn:
        await conn.execute(f"PRAGMA max_page_count = {int(row[0]):d}")
    for size in (4000, 1000, 200, 50):
        while True:
            try:
                async with db.transaction() as conn:
                    await conn.execute("INSERT INTO test_ballast VALUES (zeroblob(?))", (size,))
            except sqlite3.OperationalError as exc:
                if "full" not in str(exc):
                    raise
                break


async def free_the_disk(db: Database) -> None:
    async with db.transaction() as conn:
        await conn.execute(f"PRAGMA max_page_count = {NO_LIMIT:d}")


def texts_to(server: StandInServer, ids: Iterable[int], text: str) -> Counter[int]:
    """How many times each of these chats got a message with this text."""
    wanted = set(ids)
    return Counter(
        call.chat_id
        for call in server.calls
        if call.ok
        and call.method == "sendMessage"
        and call.chat_id in wanted
        and call.params.get("text") == text
    )
