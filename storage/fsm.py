"""aiogram FSM state and data kept in the bot's SQLite file (survives restarts)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, DefaultKeyBuilder, KeyBuilder, StorageKey

from storage.db import Database, to_db, utcnow


class SQLiteStorage(BaseStorage):
    def __init__(self, db: Database, key_builder: KeyBuilder | None = None) -> None:
        self.db = db
        self.key_builder = key_builder or DefaultKeyBuilder(with_destiny=True)

    async def set_state(self, key: StorageKey, state: str | State | None = None) -> None:
        value = state.state if isinstance(state, State) else state
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO fsm (key, state, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT (key) DO UPDATE SET state = excluded.state, "
                "updated_at = excluded.updated_at",
                (self.key_builder.build(key), value, to_db(utcnow())),
            )
            await conn.execute(
                "DELETE FROM fsm WHERE key = ? AND state IS NULL AND data = '{}'",
                (self.key_builder.build(key),),
            )

    async def get_state(self, key: StorageKey) -> str | None:
        row = await self.db.fetchone(
            "SELECT state FROM fsm WHERE key = ?", (self.key_builder.build(key),)
        )
        return row["state"] if row else None

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        payload = json.dumps(dict(data), ensure_ascii=False, separators=(",", ":"))
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO fsm (key, data, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT (key) DO UPDATE SET data = excluded.data, "
                "updated_at = excluded.updated_at",
                (self.key_builder.build(key), payload, to_db(utcnow())),
            )
            await conn.execute(
                "DELETE FROM fsm WHERE key = ? AND state IS NULL AND data = '{}'",
                (self.key_builder.build(key),),
            )

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        row = await self.db.fetchone(
            "SELECT data FROM fsm WHERE key = ?", (self.key_builder.build(key),)
        )
        return dict(json.loads(row["data"])) if row else {}

    async def close(self) -> None:
        """The database belongs to the application, which closes it."""
