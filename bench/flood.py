"""One account floods the bot while 30 people register at a human pace: does anyone notice?

    python -m bench.flood [--people 30] [--flood 600] [--seconds 10] [--rate 30]
                          [--root PATH] [--json out.json]

The bot runs as a real separate process, ``python -m bot`` (from ``--root``, this checkout by
default: pass another checkout to measure other code, e.g. the code before a change), with a
fresh SQLite file and one event, polling the stand-in Bot API server of the tests
(``tests/support/stand_in.py``, real HTTP on 127.0.0.1), which this process runs together with the
people and the measurement. The stand-in answers 429 to sending methods above ``--rate``
messages a second in total (Telegram's global limit for a bot, 30/s).

* **the flooder**: one account sends ``--flood`` text messages evenly over ``--seconds``;
* **the others**: ``--people`` people walk the registration conversation of
  ``bench/registration.py`` (``/start ev_<id>``, consent, name, ..., "Подтвердить"), pausing
  0.5-2.5 s before each step (reading, typing), starting within the first 2 s;
* first, one warm-up person says ``/start`` and ``/help`` (modules imported, caches warm).

Printed: the others' answer time (the update pushed -> the first successful answer in that
chat, seen by the server), overall and for the steps sent while the flood lasted; how many
messages the flooder got; 429s the server answered; the bot's RSS (``/proc/<pid>/status``)
after the warm-up and after the run has fallen quiet (and its peak); whether every person
ended registered. Goals (issue 7): the others' p95 <= 1 s, the flooder answered <= 60 times,
RSS growth < 20 MB. Exit status 1 when a goal is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.registration import (
    ANSWER_METHODS,
    EVENT_ID,
    WALK,
    BenchError,
    BenchServer,
    Step,
    _bot_button,
    participants_of,
    percentile,
)
from tests.support.process import ROOT
from tests.support.stand_in import TEST_TOKEN, TgUser

FLOODER = TgUser(9_000_001, "Флудер", username="flooder")
WARMUP = TgUser(9_000_002, "Разминка", username="warmup")
MESSAGE_METHODS = ANSWER_METHODS - {"answerCallbackQuery"}
GOAL_P95_S = 1.0
GOAL_FLOODER_ANSWERS = 60
GOAL_RSS_GROWTH_MB = 20.0
STEP_TIMEOUT = 60.0
#: Settings that would change what is measured; the bot runs with its defaults.
CLEARED_ENV = ("FLOOD_", "REPLY_", "UPDATES_", "BOT_TOKEN", "DATABASE_PATH", "TELEGRAM_API_URL")

EVENT_YAML = f"""
events:
  - id: {EVENT_ID}
    title: Стратегическая сессия (нагрузочный тест)
    kind: online_session
    district: ufo
    starts_at: "2031-12-01T14:00:00"
    duration_minutes: 180
    online_url: https://meet.example.org/bench
    description: Разработка стратегий развития этнокультурных НКО.
"""


class FloodServer(BenchServer):
    """The stand-in that also counts the messages each chat received."""

    def __init__(self) -> None:
        super().__init__()
        self.messages: Counter[int] = Counter()

    def _finish(self, req: Any, at: float, *, ok: bool, result: Any, error: Any) -> None:
        super()._finish(req, at, ok=ok, result=result, error=error)
        if ok and req.method in MESSAGE_METHODS and req.chat_id is not None:
            self.messages[req.chat_id] += 1


@dataclass
class Sample:
    step: str
    pushed_at: float
    latency: float


@dataclass
class Figures:
    root: str
    commit: str
    people: int
    flood_sent: int
    flood_seconds: float
    flooder_answers: int
    others_p50_ms: float
    others_p95_ms: float
    others_max_ms: float
    during_flood_p50_ms: float
    during_flood_p95_ms: float
    answers_measured: int
    registered: int
    walks_stopped: list[str]
    count_429: int
    rss_before_mb: float
    rss_after_mb: float
    rss_peak_mb: float
    goals: dict[str, bool] = field(default_factory=dict)


# --------------------------------------------------------------------------- the bot process


def bot_env(root: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(CLEARED_ENV)}
    env.update(PYTHONPATH=str(root), LOG_LEVEL="WARNING", **extra)
    return env


def import_event(root: Path, workdir: Path, db_path: Path) -> None:
    """The event, imported by the code under test itself (its own migrations)."""
    events = workdir / "events.yaml"
    events.write_text(EVENT_YAML, encoding="utf-8")
    subprocess.run(
        [sys.executable, "-m", "bot", "events", "import", str(events)],
        cwd=workdir,
        env=bot_env(root, DATABASE_PATH=str(db_path)),
        check=True,
        capture_output=True,
    )


async def start_bot(
    root: Path, workdir: Path, db_path: Path, base_url: str
) -> asyncio.subprocess.Process:
    env = bot_env(root, BOT_TOKEN=TEST_TOKEN, TELEGRAM_API_URL=base_url, DATABASE_PATH=str(db_path))
    log = (workdir / "bot.log").open("wb")
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", cwd=workdir, env=env, stdout=log, stderr=log
    )


def memory_mb(pid: int) -> tuple[float, float]:
    """(RSS, peak RSS) of a process in MB."""
    fields: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0]) / 1024
    return fields["VmRSS"], fields["VmHWM"]


# --------------------------------------------------------------------------- the people


async def answered(server: FloodServer, user: TgUser, push: Callable[[], Any]) -> float:
    """Push an update, wait for the first answer in the chat; the seconds it took."""
    expect = server.expect(user.id)
    push()
    deadline = time.monotonic() + STEP_TIMEOUT
    while expect.answered_at is None:
        if time.monotonic() > deadline:
            raise BenchError(f"person {user.id}: no answer within {STEP_TIMEOUT:g} s")
        await asyncio.sleep(0.005)
    return expect.answered_at - expect.pushed_at


async def tap(server: FloodServer, user: TgUser, step: Step) -> tuple[int, str]:
    """The button of this step under the latest keyboard (the answer may still be arriving)."""
    deadline = time.monotonic() + STEP_TIMEOUT
    while True:
        try:
            return _bot_button(server, user, step)
        except BenchError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.05)


async def walk(server: FloodServer, user: TgUser, number: int, samples: list[Sample]) -> str:
    """The walk; what stopped it, if anything (a missing answer or button)."""
    try:
        await _walk(server, user, number, samples)
    except BenchError as exc:
        return str(exc)
    return ""


async def _walk(server: FloodServer, user: TgUser, number: int, samples: list[Sample]) -> None:
    pace = random.Random(user.id)
    await asyncio.sleep(pace.uniform(0.0, 2.0))
    for step in WALK:
        await asyncio.sleep(pace.uniform(0.5, 2.5))  # reading, typing
        push: Callable[[], Any]
        if step.kind == "click":
            message_id, data = await tap(server, user, step)
            push = functools.partial(server.callback, user, message_id, data)
        else:
            push = functools.partial(
                server.message, user, step.value.format(event=EVENT_ID, n=number)
            )
        pushed = time.monotonic()
        samples.append(Sample(step.name, pushed, await answered(server, user, push)))


async def flood(server: FloodServer, count: int, seconds: float) -> tuple[float, float]:
    """``count`` messages evenly over ``seconds``; (start, end) on the monotonic clock."""
    start = time.monotonic()
    for n in range(count):
        delay = start + n * seconds / count - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        server.message(FLOODER, f"спам {n}")
    return start, time.monotonic()


async def warm_up(server: FloodServer) -> None:
    for text in ("/start", "/help"):
        await answered(server, WARMUP, functools.partial(server.message, WARMUP, text))
    await server.wait_idle(quiet=1.0, timeout=30)


# --------------------------------------------------------------------------- one run


async def measure(args: argparse.Namespace, root: Path) -> Figures:
    with tempfile.TemporaryDirectory(prefix="bench-flood-") as tmp:
        workdir = Path(tmp)
        db_path = workdir / "bot.sqlite3"
        import_event(root, workdir, db_path)
        server = FloodServer()
        await server.start()
        proc = await start_bot(root, workdir, db_path, server.base_url)
        try:
            await server.wait_polling(timeout=60)
            return await _run(args, root, server, proc.pid, db_path)
        except BaseException:
            sys.stderr.write((workdir / "bot.log").read_text(errors="replace")[-4000:])
            raise
        finally:
            if proc.returncode is None:
                proc.terminate()
                await asyncio.wait_for(proc.wait(), 30)
            await server.stop()


async def _run(
    args: argparse.Namespace, root: Path, server: FloodServer, pid: int, db_path: Path
) -> Figures:
    await warm_up(server)
    rss_before, _ = memory_mb(pid)
    server.rate_limit(args.rate)
    samples: list[Sample] = []
    people = participants_of(args.people)
    walks = [walk(server, u, i, samples) for i, u in enumerate(people)]
    flooding = asyncio.create_task(flood(server, args.flood, args.seconds))
    stopped = [reason for reason in await asyncio.gather(*walks) if reason]
    flood_start, flood_end = await flooding
    await server.wait_idle(quiet=3.0, timeout=300)  # the flooder's last replies counted too
    rss_after, rss_peak = memory_mb(pid)
    with sqlite3.connect(db_path) as conn:
        row = conn.execute(
            "SELECT count(*) FROM registrations WHERE event_id = ? AND status = 'registered'",
            (EVENT_ID,),
        ).fetchone()
    latencies = [s.latency for s in samples]
    during = [s.latency for s in samples if flood_start <= s.pushed_at <= flood_end]
    figures = Figures(
        root=str(root),
        commit=_commit(root),
        people=args.people,
        flood_sent=args.flood,
        flood_seconds=flood_end - flood_start,
        flooder_answers=server.messages[FLOODER.id],
        others_p50_ms=percentile(latencies, 0.5) * 1000,
        others_p95_ms=percentile(latencies, 0.95) * 1000,
        others_max_ms=max(latencies) * 1000,
        during_flood_p50_ms=percentile(during, 0.5) * 1000,
        during_flood_p95_ms=percentile(during, 0.95) * 1000,
        answers_measured=len(latencies),
        registered=int(row[0]),
        walks_stopped=stopped,
        count_429=server.count_429,
        rss_before_mb=rss_before,
        rss_after_mb=rss_after,
        rss_peak_mb=rss_peak,
    )
    figures.goals = {
        f"others' p95 <= {GOAL_P95_S:g} s": figures.others_p95_ms <= GOAL_P95_S * 1000,
        f"flooder answered <= {GOAL_FLOODER_ANSWERS}": figures.flooder_answers
        <= GOAL_FLOODER_ANSWERS,
        f"RSS growth < {GOAL_RSS_GROWTH_MB:g} MB": rss_after - rss_before < GOAL_RSS_GROWTH_MB,
        "everyone registered": figures.registered == args.people,
    }
    return figures


def _commit(root: Path) -> str:
    done = subprocess.run(
        ["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip() or "?"


def report(f: Figures) -> str:
    lines = [
        f"bot: python -m bot from {f.root} (commit {f.commit})",
        f"flooder: sent {f.flood_sent} messages in {f.flood_seconds:.1f} s, "
        f"got {f.flooder_answers} messages back",
        f"others ({f.people} people, {f.answers_measured} steps): answer p50 "
        f"{f.others_p50_ms:.0f} ms, p95 {f.others_p95_ms:.0f} ms, max {f.others_max_ms:.0f} ms; "
        f"while the flood lasted p50 {f.during_flood_p50_ms:.0f} ms, "
        f"p95 {f.during_flood_p95_ms:.0f} ms",
        f"registered: {f.registered} of {f.people}, walks stopped: {len(f.walks_stopped)} "
        f"{f.walks_stopped[:1]}; 429 answered by the stand-in: {f.count_429}",
        f"bot RSS: {f.rss_before_mb:.1f} MB after the warm-up, {f.rss_after_mb:.1f} MB after "
        f"the run (growth {f.rss_after_mb - f.rss_before_mb:+.1f} MB), peak {f.rss_peak_mb:.1f} MB",
    ]
    lines += [f"  [{'ok' if ok else 'MISSED'}] {goal}" for goal, ok in f.goals.items()]
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.flood", description=__doc__)
    parser.add_argument("--people", type=int, default=30)
    parser.add_argument("--flood", type=int, default=600, help="messages from the flooder")
    parser.add_argument("--seconds", type=float, default=10.0, help="over how long")
    parser.add_argument("--rate", type=float, default=30.0, help="global limit, messages/s")
    parser.add_argument("--root", default=str(ROOT), help="the checkout whose bot runs")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    figures = asyncio.run(measure(args, Path(args.root).resolve()))
    print(report(figures))
    if args.json is not None:
        args.json.write_text(json.dumps(asdict(figures), indent=2), encoding="utf-8")
    return 0 if all(figures.goals.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
