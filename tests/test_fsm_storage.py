"""The FSM storage on SQLite: memory never ahead of the file, and bounded; per-person locks
that do not outlive their use."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiogram.fsm.context import FSMContext
from aiogram.fsm.storage.base import StorageKey

from storage.db import Database
from storage.fsm import CACHE_SIZE, BoundedEventIsolation, SQLiteStorage

BOT_ID = 42


def key_of(user_id: int, chat_id: int | None = None) -> StorageKey:
    return StorageKey(bot_id=BOT_ID, chat_id=chat_id or user_id, user_id=user_id)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    async with Database(tmp_path / "bot.sqlite3", busy_timeout_ms=100) as database:
        yield database


def rows(path: Path) -> dict[str, tuple[str | None, str]]:
    """What the file holds, read by another connection."""
    with sqlite3.connect(path) as conn:
        return {k: (s, d) for k, s, d in conn.execute("SELECT key, state, data FROM fsm")}


def hold_write_lock(path: Path) -> sqlite3.Connection:
    """Another process's writer (a backup, an admin's shell) holding the lock."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    return conn


async def test_a_failed_fsm_write_leaves_memory_equal_to_the_database_and_clear_is_retried(
    db: Database,
) -> None:
    storage = SQLiteStorage(db)
    state = FSMContext(storage, key_of(1001))
    # An unfinished questionnaire left with /cancel: no state, the answers kept as data.
    await state.set_data({"full_name": "Иванова Ирина", "phone": "+79123456789"})
    before = rows(db.path)
    assert len(before) == 1

    blocker = hold_write_lock(db.path)
    try:
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            await state.clear()
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            await state.update_data(email="irina@example.ru")
    finally:
        blocker.rollback()
        blocker.close()

    # Memory says what the file says: neither the failed clear nor the failed update.
    assert rows(db.path) == before
    assert await state.get_data() == {"full_name": "Иванова Ирина", "phone": "+79123456789"}
    fresh = SQLiteStorage(db)  # no cache: reads the file
    assert await FSMContext(fresh, key_of(1001)).get_data() == await state.get_data()

    await state.clear()  # the retry really deletes (it used to be skipped as "no change")
    assert rows(db.path) == {}
    assert await state.get_data() == {}


async def test_a_failed_state_change_is_written_when_made_again(db: Database) -> None:
    storage = SQLiteStorage(db)
    state = FSMContext(storage, key_of(1002))
    await state.set_state("Questionnaire:phone")
    blocker = hold_write_lock(db.path)
    try:
        with pytest.raises(sqlite3.OperationalError):
            await state.set_state("Questionnaire:email")
    finally:
        blocker.rollback()
        blocker.close()
    assert await state.get_state() == "Questionnaire:phone"
    await state.set_state("Questionnaire:email")
    assert [s for s, _ in rows(db.path).values()] == ["Questionnaire:email"]


async def test_the_fsm_cache_stays_bounded_when_20000_people_are_touched(db: Database) -> None:
    storage = SQLiteStorage(db)
    for user_id in range(1, 20_001):
        await storage.get_state(key_of(user_id))
    await storage.set_data(key_of(20_001), {"a": 1})
    assert storage.cached <= CACHE_SIZE
    # An entry that was pushed out is read again from the file, not lost.
    await storage.set_data(key_of(1), {"kept": True})
    for user_id in range(2, 12_000):
        await storage.get_state(key_of(user_id))
    assert storage.cached <= CACHE_SIZE
    assert await storage.get_data(key_of(1)) == {"kept": True}


async def test_forget_user_drops_only_that_persons_entries(db: Database) -> None:
    storage = SQLiteStorage(db)
    await storage.set_data(key_of(7), {"name": "Семь"})
    await storage.set_data(key_of(7, chat_id=-100500), {"name": "Семь в группе"})
    await storage.set_data(key_of(77), {"name": "Другой"})
    # The erasure deletes the rows in SQL, then tells the storage.
    await db.conn.execute("DELETE FROM fsm WHERE key LIKE ?", ("%:7:default",))
    assert storage.forget_user(7) == 2
    assert await storage.get_data(key_of(7)) == {}
    assert await storage.get_data(key_of(7, chat_id=-100500)) == {}
    assert await storage.get_data(key_of(77)) == {"name": "Другой"}


async def test_isolation_serialises_one_person_and_forgets_their_lock_afterwards() -> None:
    isolation = BoundedEventIsolation()
    order: list[str] = []

    async def step(name: str, key: StorageKey) -> None:
        async with isolation.lock(key):
            order.append(f"{name} in")
            await asyncio.sleep(0.01)
            order.append(f"{name} out")

    await asyncio.gather(step("a", key_of(1)), step("b", key_of(1)))
    assert order == ["a in", "a out", "b in", "b out"]  # one at a time for one person
    await asyncio.gather(*(step(str(n), key_of(n)) for n in range(2, 20_002)))
    assert isolation.held == 0  # no lock kept for people who are not being served


async def test_isolation_survives_an_exception_inside_the_lock() -> None:
    isolation = BoundedEventIsolation()
    with pytest.raises(RuntimeError):
        async with isolation.lock(key_of(5)):
            raise RuntimeError("handler failed")
    assert isolation.held == 0
    async with asyncio.timeout(5), isolation.lock(key_of(5)):
        assert isolation.held == 1
