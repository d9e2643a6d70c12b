"""Announcements under Telegram's flood limit: the bot's delivery queue against aiogram-broadcaster.

    python -m bench.broadcast [--cases a,b] [--only outbox|broadcaster] [--json out.json]

A stand-in Bot API server (``tests/support/stand_in.py``, real HTTP on 127.0.0.1) runs in a child
process, as Telegram runs on other machines: it does not share the sender's event loop or
CPU. It answers 429 (``retry_after`` 1) to any message above its limit per second (a sliding
one-second window, ``StandInServer.rate_limit``). Every recipient is a chat the server knows;
the announcement is a copy (``copyMessage``) of a coordinator's HTML message, as from
``/broadcast``.

Cases (the issue's goals):

* **a**: limit 30/s, ``BROADCAST_RATE=30``, 1,500 recipients: at least 0.95 x 30 messages per
  second, at most three 429 answers, none lost, none twice;
* **b**: limit 1000/s, ``BROADCAST_RATE=1000``, 20,000 recipients: at least 900 messages per
  second sustained, none lost, none twice.

Systems, one after the other against the same server (reset between them):

* **outbox**: the bot's own path. Participants are rows in a fresh SQLite file; the
  announcement is queued by ``BroadcastService.create`` (one transaction: the broadcasts row
  and one outbox row per recipient), then the real ``Sender`` (bot/delivery/sender.py) with the
  ``broadcast`` renderer and the progress listener delivers it, as in the running bot.
* **broadcaster**: ``aiogram-broadcaster`` (PyPI, the reference library; ``pip install
  .[bench]``): one ``Mailer`` with ``FromChatCopyMessageContent`` and
  ``SimpleInterval(1 / rate)``, its own way to hold a rate, in memory (no storage).

Figures are counted by the server: messages delivered per chat (lost: a recipient with none;
twice: with more than one), 429 answers, and the rate from the first to the last delivered
message ("msg/s") and over the slowest whole second in between ("min 1 s"). A case is MET
when its goals hold. Speed is measured here, never in the tests.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import logging
import platform
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

from bench.common import ServedProcess, usable_cpus, versions
from tests.support.stand_in import TEST_TOKEN, StandInServer, TgUser

COORDINATOR = TgUser(1, "Координатор")
FIRST_RECIPIENT = 10_000_001
ANNOUNCEMENT = "Приглашаем на окружной семинар: регистрация открыта."
ENTITIES = [
    {"type": "bold", "offset": 0, "length": 10},
    {"type": "italic", "offset": 31, "length": 19},
]


@dataclass(frozen=True)
class Case:
    name: str
    limit: float
    rate: float
    recipients: int
    min_rate: float  # messages per second
    max_429: int | None


CASES = {
    "a": Case("a", limit=30, rate=30, recipients=1_500, min_rate=0.95 * 30, max_429=3),
    "b": Case("b", limit=1000, rate=1000, recipients=20_000, min_rate=900, max_429=None),
}


# --------------------------------------------------------------------------- the server process


class BenchServer(StandInServer):
    """The stand-in, recording nothing but counts, plus a control API under ``/bench/``."""

    def __init__(self) -> None:
        super().__init__(TEST_TOKEN, record=False)
        self.ok_times: list[float] = []
        self.stalls: list[float] = []  # event loop stalls over 20 ms during the phase, s

    async def watch_loop(self) -> None:
        """Note the moments this server could not answer (its own pauses, the machine's)."""
        loop = asyncio.get_running_loop()
        while True:
            before = loop.time()
            await asyncio.sleep(0.005)
            lag = loop.time() - before - 0.005
            if lag > 0.02:
                self.stalls.append(lag)

    def _finish(self, req: Any, at: float, *, ok: bool, result: Any, error: Any) -> None:
        super()._finish(req, at, ok=ok, result=result, error=error)
        if ok and req.method in ("copyMessage", "sendMessage"):
            self.ok_times.append(time.monotonic())

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if request.path.startswith("/bench/"):
            return await self._control(request)
        return await super()._handle(request)

    async def _control(self, request: web.Request) -> web.StreamResponse:
        action = request.path.removeprefix("/bench/")
        body = await request.json() if request.can_read_body else {}
        if action == "setup":
            first, count = body["first"], body["count"]
            for chat_id in range(first, first + count):
                self.add_chat(TgUser(chat_id, f"Участник {chat_id}"))
            self.message(COORDINATOR, ANNOUNCEMENT, entities=ENTITIES)
            source = self._chats[COORDINATOR.id].next_message_id - 1
            return web.json_response({"chat": COORDINATOR.id, "message": source})
        if action == "phase":  # a new measured phase: clean chats, counters, the limit
            for chat in self._chats.values():
                if chat.id != COORDINATOR.id:
                    chat.sent.clear()
            # The measuring instrument must not pause: a full collection of this process took
            # 30-80 ms with 20,000 chats, and requests held that long arrive together and
            # count as a burst. Collected here, between phases, instead.
            gc.enable()
            gc.collect()
            gc.disable()
            self.ok_times.clear()
            self.stalls.clear()
            self.count_429 = 0
            self.counts.clear()
            self.error_counts.clear()
            self.rate_limit(body.get("limit"))
            return web.json_response({"ok": True})
        if action == "stats":
            first, count = body["first"], body["count"]
            per_chat = [len(self._chats[c].sent) for c in range(first, first + count)]
            return web.json_response(
                {
                    "delivered": sum(per_chat),
                    "lost": sum(1 for n in per_chat if n == 0),
                    "twice": sum(1 for n in per_chat if n > 1),
                    "count_429": self.count_429,
                    "other_errors": sum(self.error_counts.values()) - self.count_429,
                    "ok_times": self.ok_times,
                    "stalls": self.stalls,
                }
            )
        return web.json_response({"ok": False}, status=404)


async def serve() -> None:
    """The child process: run the server, print its address, stop when stdin closes."""
    server = BenchServer()
    await server.start()
    watcher = asyncio.create_task(server.watch_loop())
    print(server.base_url, flush=True)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.read)
    watcher.cancel()
    await server.stop()


class ServerProcess(ServedProcess):
    async def __aenter__(self) -> ServerProcess:
        await self.open_served("bench.broadcast", 30)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close_served()

    async def call(self, action: str, **body: Any) -> dict[str, Any]:
        assert self.http is not None
        async with self.http.post(f"{self.base_url}/bench/{action}", json=body) as response:
            result: dict[str, Any] = await response.json()
            return result


# --------------------------------------------------------------------------- the systems


@dataclass
class Phase:
    system: str
    case: str
    recipients: int
    rate_setting: float
    limit: float
    wall_s: float = 0.0  # from the start of delivery until the system said it was done
    delivered: int = 0
    lost: int = 0
    twice: int = 0
    count_429: int = 0
    other_errors: int = 0
    msg_per_s: float = 0.0  # first -> last delivered message, at the server
    min_1s: float = 0.0  # the slowest whole second between them
    queue_s: float = 0.0  # outbox: writing the announcement (one transaction)
    server_stalls: int = 0  # moments the stand-in could not answer for over 20 ms
    goals: dict[str, bool] = field(default_factory=dict)

    @property
    def met(self) -> bool:
        return all(self.goals.values())


def _settings(base_url: str, db_path: Path, rate: float) -> Any:
    from bot.config import Settings

    return Settings(
        bot_token=TEST_TOKEN,  # type: ignore[arg-type]
        database_path=db_path,
        telegram_api_url=base_url,
        broadcast_rate=rate,
        _env_file=None,  # type: ignore[call-arg]
    )


async def run_outbox(
    server: ServerProcess, case: Case, source: dict[str, Any], phase: Phase
) -> None:
    from bot.delivery.broadcasting import (
        Audience,
        AudienceKind,
        BroadcastRenderer,
        BroadcastService,
    )
    from bot.delivery.progress import ProgressReporter
    from bot.delivery.sender import Sender
    from bot.registration.regions import default_regions
    from bot.telegram import create_bot
    from storage.broadcasts import Broadcast, Progress
    from storage.db import Database, utcnow
    from storage.participants import ParticipantRepo

    with tempfile.TemporaryDirectory() as tmp:
        settings = _settings(server.base_url, Path(tmp) / "bench.sqlite3", case.rate)
        db_path = settings.database_path
        async with Database(db_path, busy_timeout_ms=settings.db_busy_timeout_ms) as db:
            repo = ParticipantRepo(db)
            async with db.transaction() as conn:
                for n in range(case.recipients):
                    chat_id = FIRST_RECIPIENT + n
                    await repo.upsert_seen(conn, chat_id, f"Участник {n}", None, "ru", utcnow())
            service = BroadcastService(
                db, default_regions(), default_zone=settings.zone, quiet_hours=None
            )
            bot = create_bot(settings, retry=False)  # as in bot/runtime.py
            sender = Sender(db, bot, rate=settings.broadcast_rate)
            renderer = BroadcastRenderer(service.repo)
            sender.register("broadcast", renderer)
            done = asyncio.Event()
            reports: list[Progress] = []

            async def publish(broadcast: Broadcast, progress: Progress) -> None:
                reports.append(progress)
                if progress.finished:
                    done.set()

            reporter = ProgressReporter(db, publish, interval=0.5)
            sender.listeners.append(reporter.on_batch)
            await sender.start()
            await reporter.start()
            try:
                await server.call("phase", limit=case.limit)
                started = time.perf_counter()
                broadcast_id, total = await service.create(
                    Audience(AudienceKind.ALL),
                    None,
                    created_by=None,
                    source=(source["chat"], source["message"]),
                    status_message=(source["chat"], source["message"]),
                )
                phase.queue_s = time.perf_counter() - started
                assert total == case.recipients, total
                sender.wake()
                await asyncio.wait_for(done.wait(), case.recipients / case.rate * 3 + 60)
                phase.wall_s = time.perf_counter() - started
            finally:
                await reporter.stop()
                await sender.stop()
                await bot.session.close()
            final = await service.repo.progress(
                await service.repo.get(broadcast_id) or _never(), utcnow()
            )
            if final.sent != case.recipients:
                print(f"  outbox recorded: {final}", file=sys.stderr)


def _never() -> Any:
    raise AssertionError("the announcement vanished")


async def run_broadcaster(
    server: ServerProcess, case: Case, source: dict[str, Any], phase: Phase
) -> None:
    from aiogram_broadcaster import Broadcaster
    from aiogram_broadcaster.contents import FromChatCopyMessageContent
    from aiogram_broadcaster.intervals import SimpleInterval

    from bot.telegram import create_bot

    with tempfile.TemporaryDirectory() as tmp:
        settings = _settings(server.base_url, Path(tmp) / "unused.sqlite3", case.rate)
        bot = create_bot(settings, retry=False)  # the library has no 429 handling of its own
        try:
            broadcaster = Broadcaster(bot)
            chats = range(FIRST_RECIPIENT, FIRST_RECIPIENT + case.recipients)
            content = FromChatCopyMessageContent(
                from_chat_id=source["chat"], message_id=source["message"]
            )
            mailer = await broadcaster.create_mailer(
                chats=chats, content=content, interval=SimpleInterval(interval=1 / case.rate)
            )
            await server.call("phase", limit=case.limit)
            started = time.perf_counter()
            await asyncio.wait_for(mailer.start(), case.recipients / case.rate * 5 + 60)
            phase.wall_s = time.perf_counter() - started
        finally:
            await bot.session.close()


SYSTEMS = {"outbox": run_outbox, "broadcaster": run_broadcaster}
LABELS = {"outbox": "bot outbox + Sender", "broadcaster": "aiogram-broadcaster"}


def rates(times: list[float]) -> tuple[float, float]:
    """(messages/s from the first to the last, messages in the slowest whole second)."""
    if len(times) < 2:
        return 0.0, 0.0
    first, last = times[0], times[-1]
    overall = (len(times) - 1) / (last - first) if last > first else float("inf")
    seconds = int(last - first)
    if seconds < 1:
        return overall, overall
    buckets = [0] * seconds
    for moment in times:
        index = int(moment - first)
        if index < seconds:
            buckets[index] += 1
    return overall, float(min(buckets))


async def measure(server: ServerProcess, system: str, case: Case) -> Phase:
    first = FIRST_RECIPIENT
    source = await server.call("setup", first=first, count=case.recipients)
    phase = Phase(system, case.name, case.recipients, case.rate, case.limit)
    await SYSTEMS[system](server, case, source, phase)
    await asyncio.sleep(0.5)  # answers still on their way
    stats = await server.call("stats", first=first, count=case.recipients)
    phase.delivered = stats["delivered"]
    phase.lost = stats["lost"]
    phase.twice = stats["twice"]
    phase.count_429 = stats["count_429"]
    phase.other_errors = stats["other_errors"]
    phase.server_stalls = len(stats["stalls"])
    phase.msg_per_s, phase.min_1s = rates(sorted(stats["ok_times"]))
    phase.goals = {
        "rate": phase.msg_per_s >= case.min_rate,
        "none_lost": phase.lost == 0,
        "none_twice": phase.twice == 0,
    }
    if case.max_429 is not None:
        phase.goals["429"] = phase.count_429 <= case.max_429
    return phase


# --------------------------------------------------------------------------- reporting


def environment() -> dict[str, Any]:
    return {
        **versions("aiogram", "aiogram-broadcaster", "aiosqlite"),
        "cpus_usable": usable_cpus(),
        "platform": platform.platform(),
    }


HEADER = (
    f"{'case':<5}{'system':<22}{'recipients':>11}{'msg/s':>9}{'min 1 s':>9}{'wall s':>9}"
    f"{'429':>7}{'lost':>7}{'twice':>7}{'errors':>8}{'stalls':>8}  goals"
)


def row(phase: Phase) -> str:
    failed = [name for name, ok in phase.goals.items() if not ok]
    verdict = "MET" if phase.met else "MISSED: " + ", ".join(failed)
    return (
        f"{phase.case:<5}{LABELS[phase.system]:<22}{phase.recipients:>11,}"
        f"{phase.msg_per_s:>9.1f}{phase.min_1s:>9.0f}{phase.wall_s:>9.1f}{phase.count_429:>7}"
        f"{phase.lost:>7}{phase.twice:>7}{phase.other_errors:>8}{phase.server_stalls:>8}  {verdict}"
    )


def describe(case: Case) -> str:
    limit_429 = f", <= {case.max_429} answers of 429" if case.max_429 is not None else ""
    return (
        f"case {case.name}: server limit {case.limit:g}/s, BROADCAST_RATE={case.rate:g}, "
        f"{case.recipients:,} recipients; goals: >= {case.min_rate:g} msg/s{limit_429}, "
        "none lost, none twice"
    )


# --------------------------------------------------------------------------- main


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench.broadcast",
        description="Announcement delivery under a 429 limit: the bot's outbox and "
        "aiogram-broadcaster, side by side.",
    )
    parser.add_argument("--cases", default="a,b", help="which cases, e.g. a or a,b (a,b)")
    parser.add_argument("--only", choices=sorted(SYSTEMS), default=None, help="one system")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    return parser


async def main_async(args: argparse.Namespace) -> int:
    names = [c.strip() for c in args.cases.split(",") if c.strip()]
    unknown = [n for n in names if n not in CASES]
    if unknown:
        print(f"unknown case(s): {unknown}; known: {sorted(CASES)}", file=sys.stderr)
        return 2
    systems = [args.only] if args.only else list(SYSTEMS)
    env = environment()
    print(
        f"Python {env['python']}, aiogram {env['aiogram']}, aiogram-broadcaster "
        f"{env['aiogram-broadcaster']}, SQLite {env['sqlite']}; "
        f"CPUs usable: {env['cpus_usable']}; {env['platform']}"
    )
    for name in names:
        print(describe(CASES[name]))
    phases: list[Phase] = []
    async with ServerProcess() as server:
        for name in names:
            for system in systems:
                print(f"... case {name}, {LABELS[system]}", file=sys.stderr, flush=True)
                phases.append(await measure(server, system, CASES[name]))
    print()
    print(HEADER)
    for phase in phases:
        print(row(phase))
    print()
    print(
        "msg/s: first to last delivered message, counted by the server; min 1 s: the slowest "
        "whole second; lost / twice: recipients with no copy / with more than one; stalls: "
        "moments the stand-in itself did not answer for over 20 ms (a busy machine)"
    )
    if args.json is not None:
        args.json.write_text(
            json.dumps({"environment": env, "phases": [asdict(p) for p in phases]}, indent=2)
        )
    ours = [p for p in phases if p.system == "outbox"]
    return 0 if all(p.met for p in ours) else 1


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.serve:
        asyncio.run(serve())
        return 0
    logging.basicConfig(level=logging.ERROR, format="%(levelname)s %(name)s: %(message)s")
    return asyncio.run(main_async(args))


if __name__ == "__main__":
    raise SystemExit(main())
