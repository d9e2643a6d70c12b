"""Reminders to many participants at one moment, through the delivery queue.

    python -m bench.reminders [--participants 2000] [--json out.json] [--only fast|limited]
                              [--same-process]

The real bot (``create_bot`` + ``create_dispatcher``, as ``python -m bot`` builds it, with its
delivery queue and scheduler) polls the stand-in Bot API server of the tests (real HTTP on
127.0.0.1, ``tests/support/stand_in.py``). The server runs in a child process, as Telegram runs on
other machines; ``--same-process`` runs it in the bot's event loop instead (then the bot and
the server share one CPU, and the figures are the bot's worst case). N participants are
registered for one online session whose one reminder moment comes a few seconds after the bot
has started. Two runs, each with a fresh database and fresh counters on the server:

* **fast**: the stand-in answers every call, ``BROADCAST_RATE=1000`` (paid broadcasts).
  Goal: the first reminder leaves within 1 s of the moment, the last within 3 s.
* **limited**: the stand-in answers 429 to sending calls above 30 per second (a sliding
  one-second window, as ``StandInServer.rate_limit(30)``), ``BROADCAST_RATE=30``.
  Goal: at least 0.95 x 30 = 28.5 reminders per second, at most three 429 answers, none
  lost, none twice.

"Leaves" is the moment the server receives the call (one machine, one clock). The rate is
(N - 1) / (last - first). Every participant must receive exactly one reminder and every row
of the queue must end ``sent``; otherwise the benchmark stops with ``benchmark failed: ...``
and exit status 1. Speed is measured here, never in the tests.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import platform
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from aiohttp import web

from bench.common import (
    LogCollector,
    ServedProcess,
    usable_cpus,
    versions,
)
from bot.app import create_dispatcher
from bot.config import Settings
from bot.events.files import import_events
from bot.telegram import create_bot
from storage.db import Database, to_db, utcnow
from storage.models import Event
from tests.support.reminders import soon
from tests.support.stand_in import TEST_TOKEN, StandInServer, TgUser

FIRST_USER_ID = 6_000_001
LEAD = 6.0  # seconds from the bot's start to the moment (the first plan sets the job)


class BenchError(RuntimeError):
    """The benchmark could not do the real thing (a timeout, a lost or doubled reminder)."""


def environment() -> dict[str, Any]:
    return {
        **versions("aiogram", "aiohttp", "aiosqlite", "aiolimiter"),
        "cpu_count": os.cpu_count(),
        "cpus_usable": usable_cpus(),
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
    messages and the wall-clock times at which they arrived; ``/bench/reset`` and
    ``/bench/stats`` control it from the benchmark's process."""

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

    def reset(self, first: int, count: int, limit: float | None) -> dict[str, Any]:
        for i in range(count):
            self.add_chat(TgUser(first + i, f"Участник{i}"))
        self.accepted.clear()
        self.first_arrival = self.last_arrival = None
        self.count_429 = 0
        self.rate_limit(limit)
        return {"ok": True}

    def stats(self, first: int, count: int) -> dict[str, Any]:
        got = [self.accepted.get(first + i, 0) for i in range(count)]
        return {
            "received": sum(1 for n in got if n),
            "lost": sum(1 for n in got if n == 0),
            "twice": sum(1 for n in got if n > 1),
            "first": self.first_arrival,
            "last": self.last_arrival,
            "count_429": self.count_429,
        }

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if not request.path.startswith("/bench/"):
            return await super()._handle(request)
        body = await request.json()
        if request.path == "/bench/reset":
            return web.json_response(self.reset(body["first"], body["count"], body["limit"]))
        return web.json_response(self.stats(body["first"], body["count"]))


async def serve() -> None:
    """The child process: run the server, print its address, stop when stdin closes."""
    async with CountingServer() as server:
        print(server.base_url, flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)


class Server(ServedProcess):
    """The counting server, in a child process (default) or in this event loop."""

    def __init__(self, same_process: bool) -> None:
        super().__init__()
        self.same_process = same_process
        self.local: CountingServer | None = None

    async def __aenter__(self) -> Server:
        if self.same_process:
            self.local = CountingServer()
            await self.local.start()
            self.base_url = self.local.base_url
            return self
        await self.open_served("bench.reminders", 60)
        if not self.base_url:
            await self.close_served()
            raise BenchError("the server process did not start")
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.local is not None:
            await self.local.stop()
        await self.close_served()

    async def call(self, action: str, **body: Any) -> dict[str, Any]:
        if self.local is not None:
            if action == "reset":
                return self.local.reset(**body)
            return self.local.stats(**body)
        assert self.http is not None
        async with self.http.post(f"{self.base_url}/bench/{action}", json=body) as response:
            result: dict[str, Any] = await response.json()
            return result

    async def wait_polling(self) -> None:
        """Until the bot holds a getUpdates request (seen from this process: it answered)."""
        if self.local is not None:
            await self.local.wait_polling(timeout=10)


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


async def run_scenario(
    scenario: Scenario, n: int, server: Server, collector: LogCollector
) -> Result:
    collector.records.clear()
    await server.call("reset", first=FIRST_USER_ID, count=n, limit=scenario.server_limit)
    with tempfile.TemporaryDirectory(prefix="bench-reminders-") as tmp:
        path = Path(tmp) / "bot.sqlite3"
        async with Database(path) as db:
            moment = utcnow() + timedelta(seconds=LEAD)
            event = soon(
                0,
                id="bench",
                title="Стратегическая сессия (нагрузочный тест)",
                starts_at=moment + scenario.offset,
                duration_minutes=180,
                online_url="https://meet.example.org/bench",
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
            started = asyncio.Event()

            async def mark_started() -> None:  # after the runtime (and its first plan)
                started.set()

            dp.startup.register(mark_started)
            polling = asyncio.create_task(
                dp.start_polling(
                    bot,
                    handle_signals=False,
                    close_bot_session=False,
                    allowed_updates=dp.resolve_used_update_types(),
                )
            )
            try:
                await asyncio.wait_for(started.wait(), LEAD)
                if utcnow() >= moment:
                    raise BenchError("the bot started after the moment; raise LEAD")
                budget = LEAD + n / scenario.rate * 1.5 + 30
                deadline = time.monotonic() + budget
                while True:
                    stats = await server.call("stats", first=FIRST_USER_ID, count=n)
                    if stats["received"] == n:
                        break
                    if time.monotonic() > deadline:
                        raise BenchError(
                            f"{scenario.name}: only {stats['received']} of {n} participants "
                            f"got a reminder within {budget:.0f} s"
                        )
                    await asyncio.sleep(0.1)
                await asyncio.sleep(1.0)  # anything sent twice would come now
                stats = await server.call("stats", first=FIRST_USER_ID, count=n)
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
    at = moment.timestamp()
    span = stats["last"] - stats["first"]
    result = Result(
        scenario=scenario.name,
        participants=n,
        first_s=stats["first"] - at,
        last_s=stats["last"] - at,
        rate=(n - 1) / span if span > 0 else float("inf"),
        answers_429=stats["count_429"],
        lost=stats["lost"],
        twice=stats["twice"],
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
        async with Server(args.same_process) as server:
            for name in names:
                results.append(
                    await run_scenario(SCENARIOS[name], args.participants, server, collector)
                )
                result = results[-1]
                print(
                    f"  {name:<8}: first {result.first_s:.2f} s, last {result.last_s:.2f} s, "
                    f"{result.rate:.1f} msg/s, {result.answers_429} x 429",
                    flush=True,
                )
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
    parser.add_argument(
        "--same-process",
        action="store_true",
        help="run the stand-in server in the bot's event loop (one CPU for both)",
    )
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        asyncio.run(serve())
        return 0
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
