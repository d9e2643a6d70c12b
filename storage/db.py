"""The SQLite database: one file, WAL, foreign keys, numbered migrations."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import sqlite3
import time
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import fields
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import aiosqlite

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

    Row = TypeVar("Row", bound=DataclassInstance)
else:
    Row = TypeVar("Row")

log = logging.getLogger(__name__)

MIGRATION_RE = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
BUSY_TIMEOUT_MS = 10_000


def utcnow() -> datetime:
    return datetime.now(UTC)


def to_db(moment: datetime | None) -> str | None:
    """A moment as stored: ISO 8601 in UTC with seconds (sortable as text)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        raise ValueError("naive datetime cannot be stored; attach a time zone")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def from_db(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def from_row(
    cls: type[Row], row: aiosqlite.Row, *, moments: Iterable[str] = (), **converted: Any
) -> Row:
    """The dataclass ``cls`` from a row whose columns bear its fields' names: the one row
    mapper of every repository. ``moments`` are stored times (:func:`from_db`), ``converted``
    the values that need more than a copy (JSON, enums, flags)."""
    values = {f.name: row[f.name] for f in fields(cls) if f.name not in converted}
    for name in moments:
        values[name] = from_db(values[name])
    return cls(**values, **converted)


#: SQLite's primary result codes of a database that is there but cannot take a write now:
#: another connection holds the lock past the busy timeout, or the disk (or
#: ``max_page_count``) is full.
UNAVAILABLE_CODES = frozenset({sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_FULL})
_UNAVAILABLE_TEXTS = ("database is locked", "database table is locked", "busy", "is full")


def database_unavailable(exc: BaseException) -> bool:
    """True for "locked", "busy" and "full": a fault that passes, not a bug in a statement."""
    if not isinstance(exc, sqlite3.OperationalError):
        return False
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int) and code & 0xFF in UNAVAILABLE_CODES:
        return True
    text = str(exc).lower()
    return any(fragment in text for fragment in _UNAVAILABLE_TEXTS)


class SchemaTooNewError(RuntimeError):
    """The database was written by a newer version of the program."""


def migrations() -> list[tuple[int, str, str]]:
    """(number, name, sql) of every shipped migration, in order."""
    found = []
    for entry in resources.files("storage.migrations").iterdir():
        match = MIGRATION_RE.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text("utf-8")))
    found.sort()
    numbers = [n for n, _, _ in found]
    if numbers != list(range(1, len(found) + 1)):
        raise RuntimeError(f"migrations must be numbered 0001, 0002, ... without gaps: {numbers}")
    return found


class Database:
    """One aiosqlite connection shared by the whole process.

    Writes go through :meth:`transaction`, which serialises writers inside the process
    with a lock and across processes (the CLI beside the running bot) with
    ``BEGIN IMMEDIATE`` and the busy timeout.
    """

    def __init__(self, path: Path | str, *, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> None:
        self.path = Path(path)
        self.busy_timeout_ms = busy_timeout_ms
        self._conn: aiosqlite.Connection | None = None
        self._write_lock = asyncio.Lock()
        self._companions: list[aiosqlite.Connection] = []
        # Told how long each writer waited for the write lock and whether it got it (the
        # metrics of bot/ops/metrics.py); None: nobody asks.
        self.on_write_wait: Callable[[float, bool], None] | None = None
        self._autocommit: aiosqlite.Connection | None = None
        self._opening = asyncio.Lock()

    @property
    def conn(self) -> aiosqlite.Connection:
        if self._conn is None:
            raise RuntimeError("database is not connected")
        return self._conn

    async def connect(self) -> None:
        if str(self.path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = await aiosqlite.connect(self.path, isolation_level=None)
        self._conn = conn
        try:
            conn.row_factory = aiosqlite.Row
            await conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_ms)}")
            # Deleted rows are overwritten with zeros, so "delete my data" leaves nothing of a
            # person in the file's free pages (152-FZ).
            await conn.execute("PRAGMA secure_delete = ON")
            await _wal(conn, self.busy_timeout_ms)
            await conn.execute("PRAGMA synchronous = NORMAL")
            await conn.execute("PRAGMA foreign_keys = ON")
            await self.migrate()
        except BaseException:
            # A refused or failed start must not leave the connection (and its worker
            # thread, which keeps the process from exiting) behind: the caller never gets
            # an object it could close.
            await self.close()
            raise

    async def open_companion(self) -> aiosqlite.Connection:
        """A second connection to the same file (closed with this one), for writers that
        must not wait for the write lock: one statement each, ordered by SQLite itself."""
        conn = await aiosqlite.connect(self.path, isolation_level=None)
        await conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_ms)}")
        await conn.execute("PRAGMA secure_delete = ON")
        await conn.execute("PRAGMA synchronous = NORMAL")
        await conn.execute("PRAGMA foreign_keys = ON")
        self._companions.append(conn)
        return conn

    async def autocommit(self) -> aiosqlite.Connection:
        """The companion connection of writes of one statement each (the FSM storage's, a
        person's first contact, a consent), opened on first use, closed with this one. Its
        statements run one after another in its own thread, each committed by itself, never
        inside a transaction of the shared connection and without waiting for this process's
        write lock; SQLite orders them with the transactions (WAL, the busy timeout). One
        in-memory database has one connection: that one."""
        if str(self.path) == ":memory:":
            return self.conn
        if self._autocommit is None:
            async with self._opening:
                if self._autocommit is None:
                    self._autocommit = await self.open_companion()
        return self._autocommit

    async def close(self) -> None:
        self._autocommit = None
        while self._companions:
            await self._companions.pop().close()
        if self._conn is not None:
            await self._conn.close()
            self._conn = None

    async def __aenter__(self) -> Database:
        await self.connect()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def schema_version(self) -> int:
        async with self.conn.execute("PRAGMA user_version") as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def migrate(self) -> int:
        """Apply the migrations newer than ``PRAGMA user_version``, each in one transaction.

        The version is read again inside ``BEGIN IMMEDIATE``: when two processes (the bot and
        the CLI) open a new file at the same moment, only the first applies a migration.
        """
        available = migrations()
        current = await self.schema_version()
        if current > len(available):
            raise SchemaTooNewError(
                f"database {self.path} has schema version {current}, newer than this program "
                f"({len(available)}); upgrade the program"
            )
        for number, name, sql in available[current:]:
            async with self._write_lock:
                await self.conn.execute("BEGIN IMMEDIATE")
                try:
                    if await self.schema_version() >= number:
                        await self.conn.execute("ROLLBACK")
                        continue  # another connection applied it meanwhile
                    log.info("applying migration %s", name)
                    # executescript would commit on its own; run the statements one by one.
                    for statement in _split_sql(sql):
                        await self.conn.execute(statement)
                    await self.conn.execute(f"PRAGMA user_version = {number:d}")
                    await self.conn.execute("COMMIT")
                except BaseException:
                    if self.conn.in_transaction:
                        await self.conn.execute("ROLLBACK")
                    raise
        return len(available)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """``BEGIN IMMEDIATE`` ... ``COMMIT`` (or ``ROLLBACK`` on any exception).

        Whatever ends the transaction early (an exception, a refused COMMIT, a task cancelled
        while its BEGIN or a statement still runs in the connection's thread) is followed by a
        ROLLBACK queued behind that statement, so the next writer never meets "cannot start a
        transaction within a transaction".
        """
        waiting_since = time.perf_counter()
        async with self._write_lock:
            try:
                await self._begin_immediate()
            except asyncio.CancelledError:
                await self._rollback()  # the BEGIN itself may still complete in the thread
                raise
            except sqlite3.OperationalError:
                self._waited(waiting_since, acquired=False)
                raise
            self._waited(waiting_since, acquired=True)
            try:
                yield self.conn
            except BaseException:
                await self._rollback()
                raise
            try:
                await self.conn.execute("COMMIT")
            except BaseException:
                # a COMMIT refused (disk full) must not leave the transaction open either
                await self._rollback()
                raise

    def _waited(self, since: float, *, acquired: bool) -> None:
        if self.on_write_wait is not None:
            self.on_write_wait(time.perf_counter() - since, acquired)

    @asynccontextmanager
    async def one_statement(self) -> AsyncIterator[aiosqlite.Connection]:
        """The connection for a write of ONE statement, which SQLite makes atomic by itself:
        :meth:`autocommit`'s. Not :meth:`transaction`: its ``BEGIN IMMEDIATE`` and ``COMMIT``
        are two more trips to the database thread, each waiting for the event loop's turn,
        with this process's write lock held all along; under load a person's first contact
        and consent waited most of a second for that lock (``python -m bench.registration``).
        (In memory, where the one connection is shared, the write lock is still taken.)"""
        conn = await self.autocommit()
        if conn is not self.conn:
            yield conn
            return
        async with self._write_lock:
            yield conn

    async def _rollback(self) -> None:
        """ROLLBACK if a transaction is open, run in the connection's thread after whatever is
        still running there (SQLite may also have rolled back on its own)."""
        with contextlib.suppress(sqlite3.OperationalError):  # "no transaction is active"
            await self.conn.execute("ROLLBACK")

    async def _begin_immediate(self) -> None:
        """BEGIN IMMEDIATE, waiting out SQLITE_BUSY that the busy timeout does not cover.

        SQLite answers BUSY at once (no busy handler) when this connection still holds a read
        snapshot older than another connection's commit, e.g. a cursor another coroutine has
        not closed yet while the FSM storage's connection wrote. The cursor closes within a
        moment, so try again briefly instead of failing the update.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.busy_timeout_ms / 1000
        delay = 0.001
        while True:
            try:
                await self.conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise
                if loop.time() >= deadline:
                    raise
                await asyncio.sleep(delay)
                delay = min(delay * 2, 0.05)

    async def fetchall(self, sql: str, params: tuple[object, ...] = ()) -> list[aiosqlite.Row]:
        # one trip to the database thread (execute + fetch + close would be three)
        return list(await self.conn.execute_fetchall(sql, params))

    async def fetchone(self, sql: str, params: tuple[object, ...] = ()) -> aiosqlite.Row | None:
        rows = await self.conn.execute_fetchall(sql, params)
        return next(iter(rows), None)


async def _wal(conn: aiosqlite.Connection, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> None:
    """``PRAGMA journal_mode = WAL``, retried: on a new file opened by two connections at
    once SQLite answers "database is locked" at once, without waiting the busy timeout."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + busy_timeout_ms / 1000
    while True:
        try:
            await conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or loop.time() > deadline:
                raise
            await asyncio.sleep(0.01)


class Repo:
    """The base of the repositories in storage/: each one holds the one ``Database`` (reads go
    through its connection, writes through the ``conn`` of a transaction passed to them)."""

    def __init__(self, db: Database) -> None:
        self.db = db


def _split_sql(script: str) -> list[str]:
    """Split a migration into statements (our migrations hold no triggers or literals with ';')."""
    lines = [line for line in script.splitlines() if not line.strip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]
