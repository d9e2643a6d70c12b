"""aiogram FSM state and data kept in the bot's SQLite file (survives restarts).

The running bot is the only writer of the ``fsm`` table, so state and data are cached in
memory and written through on every change: one statement (an upsert, or a delete when the
dialog is over) on the storage's own connection. FSM writes are the most frequent writes of
all (every answer) and so never queue behind the application's write lock; SQLite's own
locking (WAL, busy timeout) orders them with the other writers.

The cache holds what the database holds, never more: it is changed only after the write
succeeded (a failed write leaves the old value, so the same call made again writes again),
and it is bounded (least recently used out past ``CACHE_SIZE`` keys, any key idle for
``CACHE_TTL`` seconds reloaded from the database), so memory does not grow with the number
of people who ever wrote.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncGenerator, Hashable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import aiosqlite
from aiogram.fsm.state import State
from aiogram.fsm.storage.base import (
    BaseEventIsolation,
    BaseStorage,
    DefaultKeyBuilder,
    KeyBuilder,
    StorageKey,
)
from cachetools import TTLCache

from storage.db import Database, to_db, utcnow

EMPTY = "{}"
#: Keys kept in memory; a dialog step of one person touches one key.
CACHE_SIZE = 10_000
#: Seconds a key may sit unused in memory before it is read again from the database.
CACHE_TTL = 3_600.0

Entry = tuple[str | None, str]  # (state, data as JSON)


class SQLiteStorage(BaseStorage):
    def __init__(
        self,
        db: Database,
        key_builder: KeyBuilder | None = None,
        *,
        cache_size: int = CACHE_SIZE,
        cache_ttl: float = CACHE_TTL,
    ) -> None:
        self.db = db
        self.key_builder = key_builder or DefaultKeyBuilder(with_destiny=True)
        self._cache: TTLCache[str, Entry] = TTLCache(maxsize=cache_size, ttl=cache_ttl)

    async def _writer(self) -> aiosqlite.Connection:
        # The database's autocommit companion (the main one for an in-memory database).
        return await self.db.autocommit()

    async def _load(self, key: str) -> Entry:
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        row = await self.db.fetchone("SELECT state, data FROM fsm WHERE key = ?", (key,))
        found = (row["state"], row["data"]) if row else (None, EMPTY)
        self._cache[key] = found
        return found

    async def _store(self, key: str, state: str | None, data: str) -> None:
        if (state, data) == self._cache.get(key):
            return
        conn = await self._writer()
        if state is None and data == EMPTY:
            await conn.execute("DELETE FROM fsm WHERE key = ?", (key,))
        else:
            await conn.execute(
                "INSERT INTO fsm (key, state, data, updated_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (key) DO UPDATE SET state = excluded.state, data = excluded.data, "
                "updated_at = excluded.updated_at",
                (key, state, data, to_db(utcnow())),
            )
        # Only now: had the statement raised, memory would still say what the file says.
        self._cache[key] = (state, data)

    async def set_state(self, key: StorageKey, state: str | State | None = None) -> None:
        value = state.state if isinstance(state, State) else state
        built = self.key_builder.build(key)
        _, data = await self._load(built)
        await self._store(built, value, data)

    async def get_state(self, key: StorageKey) -> str | None:
        state, _ = await self._load(self.key_builder.build(key))
        return state

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        built = self.key_builder.build(key)
        state, _ = await self._load(built)
        payload = json.dumps(dict(data), ensure_ascii=False, separators=(",", ":"))
        await self._store(built, state, payload)

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        _, data = await self._load(self.key_builder.build(key))
        return dict(json.loads(data))

    def forget_user(self, user_id: int) -> int:
        """Drop what memory holds about one person (every chat, every destiny).

        For the erasure, which deletes their ``fsm`` rows in SQL: without this, a cached
        state or draft would outlive the rows and be written back at the next step.
        Keys are aiogram's ``DefaultKeyBuilder`` ones, ``fsm[:<bot_id>]:<chat_id>[:<thread_id>]
        :<user_id>[:<destiny>]``: the user id is counted from the end. Returns how many
        entries were dropped.
        """
        marker = str(user_id)
        from_end = 2 if getattr(self.key_builder, "with_destiny", False) else 1
        gone = [
            key
            for key in list(self._cache.keys())
            if len(parts := key.split(":")) > from_end + 1 and parts[-from_end] == marker
        ]
        for key in gone:
            self._cache.pop(key, None)
        return len(gone)

    @property
    def cached(self) -> int:
        """How many keys memory holds now (bounded by the cache size)."""
        return len(self._cache)

    async def close(self) -> None:
        """Forget the cache; the connection is the database's companion, closed with it."""
        self._cache.clear()


@dataclass
class _Slot:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    users: int = 0  # holders and waiters


class BoundedEventIsolation(BaseEventIsolation):
    """One person's updates one at a time, like aiogram's ``SimpleEventIsolation``, which
    keeps a lock for every key that ever came; here a key's lock is dropped as soon as
    nobody holds or waits for it, so memory is bounded by the updates in flight."""

    def __init__(self) -> None:
        self._slots: dict[Hashable, _Slot] = {}

    @asynccontextmanager
    async def lock(self, key: StorageKey) -> AsyncGenerator[None, None]:
        slot = self._slots.get(key)
        if slot is None:
            slot = self._slots[key] = _Slot()
        slot.users += 1
        try:
            async with slot.lock:
                yield
        finally:
            slot.users -= 1
            if slot.users == 0 and self._slots.get(key) is slot:
                del self._slots[key]

    @property
    def held(self) -> int:
        """Keys with a holder or a waiter now."""
        return len(self._slots)

    async def close(self) -> None:
        self._slots.clear()
