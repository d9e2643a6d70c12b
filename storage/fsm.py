"""aiogram FSM state and data kept in the bot's SQLite file (survives restarts).

The running bot is the only writer of the ``fsm`` table, so state and data are cached in
memory and written through on every change: one statement (an upsert, or a delete when the
dialog is over) on the storage's own connection. FSM writes are the most frequent writes of
all (every answer) and so never queue behind the application's write lock; SQLite's own
locking (WAL, busy timeout) orders them with the other writers.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import aiosqlite
from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, DefaultKeyBuilder, KeyBuilder, StorageKey

from storage.db import Database, to_db, utcnow

EMPTY = "{}"


class SQLiteStorage(BaseStorage):
    def __init__(self, db: Database, key_builder: KeyBuilder | None = None) -> None:
        self.db = db
        self.key_builder = key_builder or DefaultKeyBuilder(with_destiny=True)
        self._cache: dict[str, tuple[str | None, str]] = {}  # key -> (state, data as JSON)
        self._conn: aiosqlite.Connection | None = None

    async def _writer(self) -> aiosqlite.Connection:
        if str(self.db.path) == ":memory:":
            return self.db.conn  # one in-memory database has one connection
        if self._conn is None:
            self._conn = await self.db.open_companion()
        return self._conn

    async def _load(self, key: str) -> tuple[str | None, str]:
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
        self._cache[key] = (state, data)
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

    async def close(self) -> None:
        """Forget the cache; the connection is the database's companion, closed with it."""
        self._conn = None
        self._cache.clear()
