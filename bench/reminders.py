"""Reminders to many participants at one moment, through the delivery queue.

    python -m bench.reminders [--participants 2000] [--json out.json] [--only fast|limited]

The real bot (``create_bot`` + ``create_dispatcher``, as ``python -m bot`` builds it, with its
delivery queue and scheduler) polls the stand-in Bot API server of the tests (real HTTP on
127.0.0.1, ``tests/stand_in.py``). N participants are registered for one online session whose
one reminder moment comes a few seconds after the bot has started. Two runs, each with a fresh
server and database:

* **fast**: the stand-in answers every call, ``BROADCAST_RATE=1000`` (paid broadcasts).
  Goal: the first reminder leaves within 1 s of the moment, the last within 3 s.
* **limited**: the stand-in answers 429 to sending calls above 30 per second (a sliding
  one-second window, as ``StandInServer.rate_limit(30)``), ``BROADCAST_RATE=30``.
  Goal: at least 0.95 x 30 = 28.5 reminders per second, at most three 429 answers, none
  lost, none twice.

"Leaves" is the moment the server receives the call (the client's clock and the server's are
the same here). The rate is (N - 1) / (last - first). Every participant must receive exactly
one reminder and every row of the queue must end ``sent``; otherwise the benchmark stops with
``benchmark failed: ...`` and exit status 1. Speed is measured here, never in the tests.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import platform
import sqlite3
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import timedelta
from importlib import metadata
from pathlib import Path
from typing import Any

from bot.app import create_dispatcher
from bot.config import Settings
from bot.events import import_events
from bot.telegram import create_bot
from storage.db import Database, to_db, utcnow
from storage.models import Event
from tests.stand_in import TEST_TOKEN, StandInServer, TgUser

FIRST_USER_ID = 6_000_001
LEAD = 6.0  # seconds from the bot's start to the moment (the first plan sets the job)


class BenchError(RuntimeError):
    """The benchmark could not do the real thing (a timeout, a lost or doubled reminder)."""


class LogCollector(logging.Handler):
    """Keeps warnings and errors logged during a run (the console stays quiet)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def environment() -> dict[str, Any]:
    def version(name: str) -> str:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return "?"

    return {
        "python": platform.python_version(),
        "aiogram": version("aiogram"),
        "aiohttp": version("aiohttp"),
        "aiosqlite": version("aiosqlite"),
        "aiolimiter": version("aiolimiter"),
        "sqlite": sqlite3.sqlite_version,
        "cpu_count": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "platform": platform.platform(),
    }


@dataclass(frozen=True)
class Scenario:
    name: str
    label: str
    rate: float  # BROADCAST_RATE
    server_limit: float | None  # StandInServer.rate_limit
    offset: timedelta  # the reminder comes this long before the start (room to send all)


SCENARIOS = {
    "fast": Scenario("fast", "no limit, BROADCAST_RATE=1000", 1000, None, timedelta(minutes=1)),
    "limited": Scenario(
        "limited", "429 above 30/s, BROADCAST_RATE=30", 30, 30, timedelta(minutes=5)
    ),
}


class CountingServer(StandInServer):
    """The stand-in, recording nothing (``record=False``) but per-chat counts of accepted
    messages and the wall-clock times at which sending calls arrived."""

    def __init__(self) -> None:
        super().__init__(TEST_TOKEN, record=False)
        self.accepted: dict[int, int] = {}
        self.first_arrival: float | None = None
        self.last_arrival: float | None = None

    async def _process(self, req: Any, handler: Any) -> Any:
        arrived = time.time()
        result = await super()._process(req, handler)
        if req.method == "sendMessage":
            self.accepted[req.chat_id] = self.accepted.get(req.chat_id, 0) + 1
            if self.first_arrival is None:
                self.first_arrival = arrived
            self.last_arrival = arrived
        return result


@dataclass
class Result:
    scenario: str
    participants: int
    first_s: float  # moment -> first reminder reaches the server
    last_s: float  # moment -> last reminder reaches the server
    rate: float  # reminders per second between the first and the last
    answers_429: int
    lost: int
    twice: int
    goals: dict[str, bool] = field(default_factory=dict)


async def populate(db: Database, n: int, event: Event) -> None:
    now = utcnow()
    await import_events(db, [event], now)
    async with db.transaction() as conn:
        await conn.executemany(
            "INSERT INTO participants (telegram_id, first_name, language, timezone, "
            "created_at, updated_at) VALUES (?, ?, 'ru', 'Asia/Yekaterinburg', ?, ?)",
            [(FIRST_USER_ID + i, f"Участник{i}", to_db(now), to_db(now)) for i in range(n)],
        )
        await conn.executemany(
            "INSERT INTO registrations (event_id, participant_id, status, registered_at, "
            "queued_at, updated_at) VALUES (?, ?, 'registered', ?, ?, ?)",
            [(event.id, FIRST_USER_ID + i, to_db(now), to_db(now), to_db(now)) for i in range(n)],
        )


async def run_scenario(scenario: Scenario, n: int, collector: LogCollector) -> Result:
    collector.records.clear()
    with tempfile.TemporaryDirectory(prefix="bench-reminders-") as tmp:
        path = Path(tmp) / "bot.sqlite3"
        async with CountingServer() as server, Database(path) as db:
            if scenario.server_limit is not None:
                server.rate_limit(scenario.server_limit)
            for i in range(n):
                server.add_chat(TgUser(FIRST_USER_ID + i, f"Участник{i}"))
            moment = utcnow() + timedelta(seconds=LEAD)
            event = Event(
                id="bench",
                title="Стратегическая сессия (нагрузочный тест)",
                kind="online_session",
                district="ufo",
                starts_at=moment + scenario.offset,
                duration_minutes=180,
                location=None,
                online_url="https://meet.example.org/bench",
                capacity=None,
                registration_deadline=None,
                description="",
            )
            await populate(db, n, event)
            settings = Settings(
                bot_token=TEST_TOKEN,  # type: ignore[arg-type]
                database_path=path,
                telegram_api_url=server.base_url,
                broadcast_rate=scenario.rate,
                reminder_offsets=(scenario.offset,),
                _env_file=None,  # type: ignore[call-arg]
            )
            bot = create_bot(settings)
            dp = create_dispatcher(settings, db)
            polling = asyncio.create_task(
                dp.start_polling(
                    bot,
                    handle_signals=False,
                    close_bot_session=False,
                    allowed_updates=dp.resolve_used_update_types(),
                )
            )
            try:
                await server.wait_polling(timeout=10)
                if utcnow() >= moment:
                    raise BenchError("the bot started after the moment; raise LEAD")
                budget = LEAD + n / scenario.rate * 1.5 + 30
                deadline = time.monotonic() + budget
                while len(server.accepted) < n:
                    if time.monotonic() > deadline:
                        raise BenchError(
                            f"{scenario.name}: only {len(server.accepted)} of {n} participants "
                            f"got a reminder within {budget:.0f} s"
                        )
                    await asyncio.sleep(0.05)
                await asyncio.sleep(1.0)  # anything sent twice would come now
                rows = await db.fetchall("SELECT status, count(*) FROM outbox GROUP BY status")
            finally:
                with contextlib.suppress(RuntimeError):
                    await dp.stop_polling()
                await asyncio.wait_for(polling, 30)
                await bot.session.close()
    statuses = {row[0]: row[1] for row in rows}
    if statuses != {"sent": n}:
        raise BenchError(f"{scenario.name}: the queue did not end all sent: {statuses}")
    errors = [r for r in collector.records if r.levelno >= logging.ERROR]
    if errors:
        raise BenchError(f"{scenario.name}: errors were logged: {errors[0].getMessage()}")
    assert server.first_arrival is not None and server.last_arrival is not None
    at = moment.timestamp()
    span = server.last_arrival - server.first_arrival
    result = Result(
        scenario=scenario.name,
        participants=n,
        first_s=server.first_arrival - at,
        last_s=server.last_arrival - at,
        rate=(n - 1) / span if span > 0 else float("inf"),
        answers_429=server.count_429,
        lost=sum(1 for i in range(n) if server.accepted.get(FIRST_USER_ID + i, 0) == 0),
        twice=sum(1 for count in server.accepted.values() if count > 1),
    )
    if scenario.name == "fast":
        result.goals = {"first <= 1 s": result.first_s <= 1.0, "last <= 3 s": result.last_s <= 3.0}
    else:
        result.goals = {
            "rate >= 28.5/s": result.rate >= 0.95 * 30,
            "429 <= 3": result.answers_429 <= 3,
        }
    result.goals["none lost, none twice"] = result.lost == 0 and result.twice == 0
    return result


def print_report(results: list[Result], env: dict[str, Any]) -> None:
    print()
    print(f"Reminders benchmark: {results[0].participants} registered participants, one moment")
    print(
        f"Python {env['python']}, aiogram {env['aiogram']}, aiohttp {env['aiohttp']}, "
        f"aiosqlite {env['aiosqlite']}, aiolimiter {env['aiolimiter']}, SQLite {env['sqlite']}; "
        f"CPUs: {env['cpu_count']} "
        f"({env['cpus_usable']} usable); {env['platform']}"
    )
    print("times from the reminder's moment to the call reaching the stand-in server")
    print()
    print(
        f"{'scenario':<36}{'first s':>9}{'last s':>9}{'msg/s':>9}{'429s':>6}{'lost':>6}{'twice':>7}"
    )
    for r in results:
        label = SCENARIOS[r.scenario].label
        print(
            f"{label:<36}{r.first_s:>9.2f}{r.last_s:>9.2f}{r.rate:>9.1f}"
            f"{r.answers_429:>6}{r.lost:>6}{r.twice:>7}"
        )
    print()
    for r in results:
        verdicts = ", ".join(f"{goal}: {'MET' if ok else 'MISSED'}" for goal, ok in r.goals.items())
        print(f"{r.scenario}: {verdicts}")


async def run(args: argparse.Namespace) -> list[Result]:
    collector = LogCollector()
    root = logging.getLogger()
    root.addHandler(collector)
    root.setLevel(logging.WARNING)
    names = [args.only] if args.only else list(SCENARIOS)
    results = []
    try:
        for name in names:
            result = await run_scenario(SCENARIOS[name], args.participants, collector)
            print(
                f"  {name:<8}: first {result.first_s:.2f} s, last {result.last_s:.2f} s, "
                f"{result.rate:.1f} msg/s, {result.answers_429} x 429",
                flush=True,
            )
            results.append(result)
    finally:
        root.removeHandler(collector)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.reminders",
        description="One reminder moment for many participants, through the delivery queue.",
    )
    parser.add_argument("--participants", type=int, default=2000, help="registered (2000)")
    parser.add_argument("--only", choices=sorted(SCENARIOS), default=None)
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args(argv)
    if args.participants < 2:
        print("--participants must be at least 2", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.WARNING, handlers=[logging.NullHandler()])
    try:
        results = asyncio.run(run(args))
    except BenchError as exc:
        print(f"benchmark failed: {exc}", file=sys.stderr)
        return 1
    env = environment()
    print_report(results, env)
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        figures = {"environment": env, "results": [r.__dict__ for r in results]}
        args.json.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n", "utf-8")
        print(f"\nfigures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
