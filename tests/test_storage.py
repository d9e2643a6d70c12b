"""The SQLite file: migrations, pragmas, refusal of newer schemas, FSM storage."""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import threading
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.fsm.storage.base import StorageKey

from bot.cli.main import main
from storage.db import Database, SchemaTooNewError, from_db, migrations, to_db
from storage.fsm import SQLiteStorage
from tests.support.process import ROOT, run_cli

TABLES = {"participants", "answers", "events", "registrations", "fsm"}


class Form(StatesGroup):
    full_name = State()
    phone = State()


def key(user_id: int = 501, chat_id: int = 501) -> StorageKey:
    return StorageKey(bot_id=42, chat_id=chat_id, user_id=user_id)


async def tables(db: Database) -> set[str]:
    rows = await db.fetchall("SELECT name FROM sqlite_master WHERE type = 'table'")
    return {row["name"] for row in rows}


# --- migrations --------------------------------------------------------------------------------


async def test_migrations_create_the_schema_and_set_user_version(tmp_path: Path) -> None:
    path = tmp_path / "new" / "dir" / "bot.sqlite3"
    async with Database(path) as db:
        assert await tables(db) >= TABLES
        assert await db.schema_version() == len(migrations()) >= 1
    assert path.is_file()
    with sqlite3.connect(path) as plain:
        assert plain.execute("PRAGMA user_version").fetchone()[0] == len(migrations())


async def test_reopening_does_not_apply_migrations_again(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "bot.sqlite3"
    caplog.set_level(logging.INFO, logger="storage.db")
    async with Database(path) as db, db.transaction() as conn:
        await conn.execute(
            "INSERT INTO fsm (key, state, updated_at) VALUES ('k', 's', ?)",
            (to_db(datetime.now(UTC)),),
        )
    first = [r.message for r in caplog.records if "applying migration" in r.message]
    assert first == [f"applying migration {name}" for _, name, _ in migrations()]
    caplog.clear()
    async with Database(path) as db:
        assert await db.schema_version() == len(migrations())
        assert await db.migrate() == len(migrations())
        row = await db.fetchone("SELECT state FROM fsm WHERE key = 'k'")
        assert row is not None
        assert row["state"] == "s"
    assert not [r for r in caplog.records if "applying migration" in r.message]


async def test_wal_foreign_keys_and_busy_timeout(tmp_path: Path) -> None:
    async with Database(tmp_path / "bot.sqlite3") as db:
        mode = await db.fetchone("PRAGMA journal_mode")
        fk = await db.fetchone("PRAGMA foreign_keys")
        busy = await db.fetchone("PRAGMA busy_timeout")
        assert mode is not None
        assert fk is not None
        assert busy is not None
        assert mode[0] == "wal"
        assert fk[0] == 1
        assert busy[0] >= 1000
        with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
            async with db.transaction() as conn:
                await conn.execute(
                    "INSERT INTO answers (participant_id, question_id, value, updated_at) "
                    "VALUES (999, 'full_name', 'x', '2026-01-01')"
                )


async def test_newer_schema_is_refused_with_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    with sqlite3.connect(path) as plain:
        plain.execute(f"PRAGMA user_version = {len(migrations()) + 5}")
    db = Database(path)
    with pytest.raises(SchemaTooNewError) as caught:
        await db.connect()
    message = str(caught.value)
    assert str(path) in message
    assert "newer than this program" in message
    assert "upgrade the program" in message
    assert isinstance(caught.value, RuntimeError)


async def test_refused_database_leaves_no_open_connection(tmp_path: Path) -> None:
    # Regression: the connection opened before the version check was never closed, so its
    # worker thread outlived the event loop ("Event loop is closed" at exit).
    path = tmp_path / "bot.sqlite3"
    with sqlite3.connect(path) as plain:
        plain.execute("PRAGMA user_version = 999")
    db = Database(path)
    with pytest.raises(SchemaTooNewError):
        await db.connect()
    with pytest.raises(RuntimeError, match="not connected"):
        _ = db.conn


async def test_connections_opening_a_new_file_at_once_all_succeed(tmp_path: Path) -> None:
    # Regressions: both connections read user_version 0 before either took the write lock,
    # and the second failed with "table participants already exists"; and PRAGMA
    # journal_mode = WAL on a new file answered "database is locked" without waiting.
    for attempt in range(25):
        path = tmp_path / f"race{attempt}.sqlite3"
        dbs = [Database(path) for _ in range(3)]
        results = await asyncio.gather(*(d.connect() for d in dbs), return_exceptions=True)
        try:
            assert results == [None, None, None]
            for d in dbs:
                assert await d.schema_version() == len(migrations())
        finally:
            for d in dbs:
                await d.close()


async def test_file_that_is_not_a_database_leaves_no_thread_behind(tmp_path: Path) -> None:
    # Regression: a failure in the PRAGMAs after opening left the connection's worker
    # thread running, and the process hung at exit.
    path = tmp_path / "bot.sqlite3"
    path.write_bytes(b"this is a spreadsheet, not a database" * 100)
    before = set(threading.enumerate())
    db = Database(path)
    with pytest.raises(sqlite3.DatabaseError, match="not a database"):
        await db.connect()
    started = set(threading.enumerate()) - before
    for thread in started:
        thread.join(timeout=2)  # a closed connection's worker ends at once
    assert [t for t in started if t.is_alive()] == []
    with pytest.raises(RuntimeError, match="not connected"):
        _ = db.conn


def test_cli_on_a_file_that_is_not_a_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bot.sqlite3"
    path.write_bytes(b"\x00garbage" * 500)
    monkeypatch.setenv("DATABASE_PATH", str(path))
    assert main(["events", "list"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"Error: database {path}: file is not a database")


def test_cli_refuses_a_newer_database_without_traceback(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    with sqlite3.connect(path) as plain:
        plain.execute("PRAGMA user_version = 999")
    env = {k: v for k, v in os.environ.items() if k.upper() not in {"BOT_TOKEN", "FORM_PATH"}}
    env |= {"PYTHONPATH": str(ROOT), "DATABASE_PATH": str(path)}
    done = run_cli(tmp_path, "events", "list", env=env)
    assert done.returncode == 1
    assert "schema version 999, newer than this program" in done.stderr
    assert "Traceback" not in done.stderr
    assert "Event loop is closed" not in done.stderr


async def test_failed_transaction_rolls_back(tmp_path: Path) -> None:
    async with Database(tmp_path / "bot.sqlite3") as db:

        async def insert_then_fail() -> None:
            async with db.transaction() as conn:
                await conn.execute(
                    "INSERT INTO fsm (key, state, updated_at) VALUES ('a', 's', '2026')"
                )
                raise RuntimeError("boom")

        with pytest.raises(RuntimeError, match="boom"):
            await insert_then_fail()
        assert await db.fetchone("SELECT * FROM fsm") is None
        # the lock and the connection are usable again
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO fsm (key, state, updated_at) VALUES ('b', 's', '2026')")
        assert await db.fetchone("SELECT key FROM fsm") is not None


def test_times_are_stored_in_utc() -> None:
    moment = datetime(2026, 12, 3, 14, 0, tzinfo=ZoneInfo("Europe/Moscow"))
    stored = to_db(moment)
    assert stored == "2026-12-03T11:00:00.000000+00:00"
    assert from_db(stored) == moment
    assert to_db(None) is None
    with pytest.raises(ValueError, match="naive datetime"):
        to_db(datetime(2026, 12, 3, 14, 0))


# --- FSM storage ----------------------------------------------------------------------------


async def test_fsm_state_and_data_survive_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    async with Database(path) as db:
        storage = SQLiteStorage(db)
        await storage.set_state(key(), Form.phone)
        await storage.set_data(key(), {"full_name": "Иванова Мария", "answers": {"role": "expert"}})
        await storage.set_state(key(user_id=777, chat_id=777), "Form:full_name")
        await storage.close()
    async with Database(path) as db:
        storage = SQLiteStorage(db)
        assert await storage.get_state(key()) == "Form:phone"
        assert await storage.get_data(key()) == {
            "full_name": "Иванова Мария",
            "answers": {"role": "expert"},
        }
        assert await storage.get_state(key(user_id=777, chat_id=777)) == "Form:full_name"
        assert await storage.get_data(key(user_id=777, chat_id=777)) == {}
        assert await storage.get_state(key(user_id=1, chat_id=1)) is None


async def test_fsm_context_clear_removes_the_row(tmp_path: Path) -> None:
    async with Database(tmp_path / "bot.sqlite3") as db:
        storage = SQLiteStorage(db)
        context = FSMContext(storage, key())
        await context.set_state(Form.full_name)
        await context.update_data(event_id="online-cfo-2026")
        await context.update_data(step=2)
        assert await context.get_data() == {"event_id": "online-cfo-2026", "step": 2}
        rows = await db.fetchall("SELECT key FROM fsm")
        assert len(rows) == 1
        await context.clear()
        assert await context.get_state() is None
        assert await context.get_data() == {}
        assert await db.fetchall("SELECT * FROM fsm") == []


async def test_fsm_state_cleared_but_data_kept(tmp_path: Path) -> None:
    async with Database(tmp_path / "bot.sqlite3") as db:
        storage = SQLiteStorage(db)
        await storage.set_state(key(), Form.phone)
        await storage.set_data(key(), {"locale": "en"})
        await storage.set_state(key(), None)
        assert await storage.get_state(key()) is None
        assert await storage.get_data(key()) == {"locale": "en"}
        await storage.set_data(key(), {})
        assert await db.fetchall("SELECT * FROM fsm") == []


async def test_fsm_data_with_markup_and_quotes_round_trips(tmp_path: Path) -> None:
    async with Database(tmp_path / "bot.sqlite3") as db:
        storage = SQLiteStorage(db)
        data = {"organization": "Robert'); DROP TABLE fsm;--", "note": '<b>😀</b>\n"кавычки"'}
        await storage.set_data(key(), data)
        assert await storage.get_data(key()) == data
        assert {"fsm"} <= await tables(db)


async def test_a_task_cancelled_while_it_waits_for_the_write_lock_leaves_no_open_transaction(
    tmp_path: Path,
) -> None:
    """Regression: a sender task cancelled inside BEGIN IMMEDIATE left the shared connection in
    a transaction ("cannot start a transaction within a transaction" for every later writer)."""
    path = tmp_path / "bot.sqlite3"
    async with Database(path, busy_timeout_ms=2000) as db:
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")

        async def write() -> None:
            async with db.transaction() as conn:
                await conn.execute("CREATE TABLE never (x)")

        task = asyncio.create_task(write())
        await asyncio.sleep(0.2)  # blocked in BEGIN, in the connection's thread
        task.cancel()
        other.execute("ROLLBACK")
        other.close()
        with pytest.raises(asyncio.CancelledError):
            await task
        async with db.transaction() as conn:
            await conn.execute("CREATE TABLE later (x)")
        assert not db.conn.in_transaction
        assert await db.fetchone("SELECT name FROM sqlite_master WHERE name = 'later'")
