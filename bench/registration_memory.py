"""The memory figure of ``bench/registration.py``: the RSS of ``python -m bot`` whose database
holds a season's worth of people, beside the RSS of a bare aiogram bot (``bench/floor_bot.py``).

Both run as processes of their own (RSS is a process's figure: the benchmark's own process holds
the stand-in, the bot's modules and its measurements), polling a stand-in server in this
process. The bot's database is seeded with bulk SQL (not through the bot, which would take
hours): ``--people`` participants with consent and a profile, registrations across ``--events``
events (two each), a broadcast history (every participant got each of five broadcasts), and the
first ``--active`` of them seen in the last hour. RSS is read from ``/proc/<pid>/status``:

* **start-up**: once the process polls (its start-up hooks have run), after a second of quiet;
* **active**: after the ``--active`` people each sent ``/start``, ``/events`` and ``/my``, one
  after the other (each waits for the answer before the next), ``ACTIVE_AT_ONCE`` people at a
  time (as the bot's own ``UPDATES_CONCURRENCY``: two thousand people in an hour are not two
  thousand at the same instant, and a bare aiogram bot would hold a task for each), and a
  second of quiet.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tests.support.stand_in import TEST_TOKEN, StandInServer, TgUser

FIRST_USER_ID = 5_000_001
ACTIVE_STEPS = ("/start", "/events", "/my")
BROADCASTS = 5
#: People of the active phase walking at the same time.
ACTIVE_AT_ONCE = 100
#: The messages that count as "answered" for the active phase.
ANSWERS = frozenset({"sendMessage", "editMessageText", "sendDocument", "copyMessage"})
START_TIMEOUT = 120.0
#: This checkout (bench/floor_bot.py is always run from here).
HERE = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class MemorySpec:
    people: int
    active: int
    events: int
    root: Path  # the checkout whose ``python -m bot`` runs


@dataclass(frozen=True)
class MemoryResult:
    system: str
    rss_start_mb: float
    rss_active_mb: float
    active_seconds: float


class AnsweringServer(StandInServer):
    """The stand-in, telling a waiting person the moment the bot answered in their chat."""

    def __init__(self) -> None:
        super().__init__(TEST_TOKEN, record=False)
        self.waiting: dict[int, asyncio.Future[None]] = {}

    def _finish(self, req: Any, at: float, *, ok: bool, result: Any, error: Any) -> None:
        super()._finish(req, at, ok=ok, result=result, error=error)
        if ok and req.method in ANSWERS:
            future = self.waiting.pop(req.chat_id, None)
            if future is not None and not future.done():
                future.set_result(None)


def rss_mb(pid: int) -> float:
    """The resident set of a process, in MB (Linux: ``/proc/<pid>/status``)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


# --------------------------------------------------------------------------- the seed


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def migrate(root: Path, db_path: Path, workdir: Path) -> None:
    """An empty database with the schema of the code under test (its own migrations)."""
    code = "import asyncio, sys; from storage.db import Database\n" + (
        "async def main():\n    async with Database(sys.argv[1]):\n        pass\n"
        "asyncio.run(main())"
    )
    env = {**os.environ, "PYTHONPATH": str(root)}
    subprocess.run([sys.executable, "-c", code, str(db_path)], cwd=workdir, env=env, check=True)


def seed(db_path: Path, spec: MemorySpec) -> None:
    """People, profiles, events, registrations and a broadcast history, in bulk."""
    now = datetime.now(UTC)
    old, recent = _iso(now - timedelta(days=60)), _iso(now - timedelta(minutes=30))
    ids = [FIRST_USER_ID + i for i in range(spec.people)]
    conn = sqlite3.connect(db_path)
    try:
        with conn:
            conn.executemany(
                "INSERT INTO participants (telegram_id, first_name, username, language, region,"
                " district, timezone, consent_at, consent_version, created_at, updated_at)"
                " VALUES (?, ?, ?, 'ru', 'RU-SVE', 'ufo', 'Asia/Yekaterinburg', ?, '1', ?, ?)",
                [
                    (pid, f"Участник{i}", f"user_{i}", old, old, recent if i < spec.active else old)
                    for i, pid in enumerate(ids)
                ],
            )
            conn.executemany(
                "INSERT INTO answers (participant_id, event_id, question_id, value, updated_at)"
                " VALUES (?, '', ?, ?, ?)",
                [(pid, q, v, old) for i, pid in enumerate(ids) for q, v in _profile(i)],
            )
            _seed_events(conn, spec.events, now)
            conn.executemany(
                "INSERT INTO registrations (event_id, participant_id, status, registered_at,"
                " queued_at, updated_at) VALUES (?, ?, 'registered', ?, ?, ?)",
                [
                    (f"ev{(i + k * 7) % spec.events:02d}", pid, old, old, old)
                    for i, pid in enumerate(ids)
                    for k in range(2)
                ],
            )
            _seed_broadcasts(conn, ids, old)
    finally:
        conn.close()


def _profile(i: int) -> list[tuple[str, str]]:
    return [
        ("full_name", f"Участник Номер {i}"),
        ("organization", f"АНО «Дом дружбы народов» {i}"),
        ("position", "Председатель"),
        ("role", "ngo_leader"),
        ("region", "RU-SVE"),
        ("phone", f"+7912{i:07d}"),
        ("email", f"participant{i}@example.ru"),
    ]


def _seed_events(conn: sqlite3.Connection, count: int, now: datetime) -> None:
    rows = []
    for n in range(count):
        starts = (now + timedelta(days=3 + n)).replace(second=0, microsecond=0)
        rows.append(
            (
                f"ev{n:02d}",
                f"Стратегическая сессия № {n + 1}",
                "online_session",
                "ufo" if n % 2 else None,
                _iso(starts),
                180,
                "https://meet.example.org/s",
                _iso(now),
                _iso(now),
            )
        )
    conn.executemany(
        "INSERT INTO events (id, title, kind, district, starts_at, duration_minutes, online_url,"
        " capacity, description, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, 5000, 'Сессия.', ?, ?)",
        rows,
    )


def _seed_broadcasts(conn: sqlite3.Connection, ids: Sequence[int], at: str) -> None:
    for b in range(1, BROADCASTS + 1):
        conn.execute(
            "INSERT INTO broadcasts (id, audience, text, status, total, created_at, finished_at)"
            " VALUES (?, 'all', ?, 'done', ?, ?, ?)",
            (b, f"Новости программы № {b}", len(ids), at, at),
        )
        conn.executemany(
            "INSERT INTO outbox (dedup_key, chat_id, kind, payload, not_before, status,"
            " attempts, broadcast_id, created_at, sent_at)"
            " VALUES (?, ?, 'broadcast', '{}', ?, 'sent', 1, ?, ?, ?)",
            [(f"broadcast:{b}:{pid}", pid, at, b, at, at) for pid in ids],
        )


# --------------------------------------------------------------------------- one measurement


async def _start(system: str, spec: MemorySpec, workdir: Path, url: str) -> Any:
    env = {k: v for k, v in os.environ.items() if k not in {"BOT_TOKEN", "DATABASE_PATH"}}
    log = (workdir / f"{system}.log").open("wb")
    if system == "floor":
        args = ["-m", "bench.floor_bot", url, TEST_TOKEN]
        env["PYTHONPATH"] = str(HERE)
    else:
        args = ["-m", "bot"]
        env.update(
            PYTHONPATH=str(spec.root),
            BOT_TOKEN=TEST_TOKEN,
            TELEGRAM_API_URL=url,
            DATABASE_PATH=str(workdir / "bot.sqlite3"),
            LOG_LEVEL="WARNING",
        )
    return await asyncio.create_subprocess_exec(
        sys.executable, *args, cwd=workdir, env=env, stdout=log, stderr=log
    )


async def _walk(server: AnsweringServer, user: TgUser, turns: asyncio.Semaphore) -> None:
    async with turns:
        await _steps(server, user)


async def _steps(server: AnsweringServer, user: TgUser) -> None:
    loop = asyncio.get_running_loop()
    for text in ACTIVE_STEPS:
        answered: asyncio.Future[None] = loop.create_future()
        server.waiting[user.id] = answered
        server.message(user, text)
        await asyncio.wait_for(answered, 120)


async def measure_once(system: str, spec: MemorySpec, seeded: Path) -> MemoryResult:
    """Start one process, note its RSS after start-up and after the active people."""
    with tempfile.TemporaryDirectory(prefix=f"bench-memory-{system}-") as tmp:
        workdir = Path(tmp)
        if system == "bot":
            for suffix in ("", "-wal", "-shm"):
                source = seeded.with_name(seeded.name + suffix)
                if source.exists():
                    (workdir / ("bot.sqlite3" + suffix)).write_bytes(source.read_bytes())
        server = AnsweringServer()
        await server.start()
        proc = await _start(system, spec, workdir, server.base_url)
        try:
            await server.wait_polling(timeout=START_TIMEOUT)
            await asyncio.sleep(1.0)
            start_mb = rss_mb(proc.pid)
            users = [TgUser(FIRST_USER_ID + i, f"Участник{i}") for i in range(spec.active)]
            started = time.monotonic()
            turns = asyncio.Semaphore(ACTIVE_AT_ONCE)
            await asyncio.gather(*(_walk(server, u, turns) for u in users))
            seconds = time.monotonic() - started
            await asyncio.sleep(1.0)
            active_mb = rss_mb(proc.pid)
        finally:
            with contextlib.suppress(ProcessLookupError):
                proc.terminate()
            try:
                await asyncio.wait_for(proc.wait(), 20)
            except TimeoutError:
                proc.kill()
                await proc.wait()
            await server.stop()
        return MemoryResult(system, start_mb, active_mb, seconds)


def seeded_database(spec: MemorySpec, directory: Path) -> Path:
    """The seeded file every bot run starts from (copied, so each run starts alike)."""
    db_path = directory / "seeded.sqlite3"
    migrate(spec.root, db_path, directory)
    seed(db_path, spec)
    with contextlib.closing(sqlite3.connect(db_path)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return db_path


async def measure(spec: MemorySpec, repeat: int) -> dict[str, list[MemoryResult]]:
    """``repeat`` rounds of (floor, bot), each a fresh process."""
    results: dict[str, list[MemoryResult]] = {"floor": [], "bot": []}
    with tempfile.TemporaryDirectory(prefix="bench-memory-seed-") as tmp:
        seeded = seeded_database(spec, Path(tmp))
        for round_ in range(repeat):
            for system in ("floor", "bot"):
                result = await measure_once(system, spec, seeded)
                results[system].append(result)
                print(
                    f"  memory {round_ + 1}/{repeat} {system:<5}: RSS {result.rss_start_mb:6.1f} MB"
                    f" after start-up, {result.rss_active_mb:6.1f} MB after {spec.active} active"
                    f" ({result.active_seconds:.1f} s)",
                    flush=True,
                )
    return results
