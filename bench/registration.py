"""Registration under load: the real bot against the framework's floor, in one run.

    python -m bench.registration [--participants 200] [--repeat 3] [--json out.json]

N simulated participants walk the whole registration conversation at the same time
through the stand-in Bot API server (real HTTP on 127.0.0.1, ``tests/stand_in.py``):
``/start ev_<id>``, the consent button, name, organisation, position, the role button,
the region typed, the phone, the e-mail, then "Подтвердить" on the summary: ten updates
each. Every participant sends an update, waits until the bot has handled it (its handler
returned, so the next question is in the chat), then sends the next one.

Two systems run side by side in the same process, alternating (floor, bot, floor, bot...):

* **bot**: the real bot exactly as ``python -m bot`` builds it (``create_bot`` +
  ``create_dispatcher``, ``handle_as_tasks=True``, a fresh SQLite file in WAL mode, one
  event whose capacity is below N, so the waiting list is used too);
* **floor**: a bare aiogram Dispatcher with the same Bot/session that answers every message
  with ``message.answer("ok")`` and every button with ``callback.answer()`` +
  ``message.answer("ok")``, fed the same number of updates of the same kinds.

Per update, **latency** is the time from the push (the update reaching "Telegram") to the
first successful answer in that chat (sendMessage, editMessageText, sendDocument,
answerCallbackQuery...); **done** is the time until the handler returned. Throughput is
updates / wall time of the phase. The bot's walk must really complete: every participant
ends registered or waitlisted in the database, with registered == capacity.

Goal (the issue): bot/floor throughput >= 0.5 and bot p95 < 100 ms at 200 participants.
Speed is measured here, never in the tests.

By default participants answer at once (a closed loop at saturation: the throughput test).
``--think S`` makes each participant pause about S seconds (0.5-1.5 S, the same pauses for
both systems) before every update, to see the latency at a realistic pace.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import platform
import random
import sqlite3
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from importlib import metadata
from pathlib import Path
from typing import Any

from aiogram import BaseMiddleware, Bot, Dispatcher, Router
from aiogram.types import CallbackQuery, Message, TelegramObject, Update

from bot.app import create_dispatcher
from bot.config import Settings
from bot.events import import_events
from bot.registration import RegistrationService
from bot.telegram import create_bot
from storage.db import Database, utcnow
from storage.models import Event, RegStatus
from tests.stand_in import TEST_TOKEN, StandInServer, TgUser

#: Successful calls that count as "the bot answered" in a chat.
ANSWER_METHODS = frozenset(
    {
        "sendMessage",
        "editMessageText",
        "editMessageCaption",
        "sendDocument",
        "sendPhoto",
        "copyMessage",
        "answerCallbackQuery",
    }
)

EVENT_ID = "bench"
FIRST_USER_ID = 5_000_001
GOAL_RATIO = 0.5
GOAL_P95_MS = 100.0


class BenchError(RuntimeError):
    """The benchmark could not do the real thing (a timeout, a wrong answer, bad counts)."""


# --------------------------------------------------------------------------- the walk


@dataclass(frozen=True)
class Step:
    name: str
    kind: str  # "text" or "click"
    value: str  # the text sent, or the text of the button tapped


#: The registration conversation, as in tests/test_conversation_capacity.py.
WALK: tuple[Step, ...] = (
    Step("start", "text", "/start ev_{event}"),
    Step("consent", "click", "Согласен"),
    Step("full_name", "text", "Участник {n}"),
    Step("organization", "text", "АНО «Дом дружбы народов» {n}"),
    Step("position", "text", "Председатель"),
    Step("role", "click", "Руководитель НКО"),
    Step("region", "text", "Свердловская"),
    Step("phone", "text", "8 912 345-67-89"),
    Step("email", "text", "participant{n}@example.ru"),
    Step("confirm", "click", "Подтвердить"),
)


@dataclass(frozen=True)
class Sample:
    step: str
    kind: str
    latency: float  # push -> first answer in the chat, seconds
    done: float  # push -> the handler returned, seconds


# --------------------------------------------------------------------------- observers


@dataclass
class _Expect:
    pushed_at: float
    answered_at: float | None = None


class BenchServer(StandInServer):
    """The stand-in server, told which chat waits for an answer; records nothing else
    (``record=False``), notes the moment the first answer to each chat completes."""

    def __init__(self) -> None:
        super().__init__(TEST_TOKEN, record=False)
        self._expect: dict[int, _Expect] = {}

    def expect(self, chat_id: int) -> _Expect:
        expect = _Expect(time.perf_counter())
        self._expect[chat_id] = expect
        return expect

    def _finish(self, req: Any, at: float, *, ok: bool, result: Any, error: Any) -> None:
        super()._finish(req, at, ok=ok, result=result, error=error)
        if ok and req.method in ANSWER_METHODS:
            expect = self._expect.get(req.chat_id)
            if expect is not None and expect.answered_at is None:
                expect.answered_at = time.perf_counter()


class DoneMarker(BaseMiddleware):
    """Outer update middleware: resolves a future when the update's handling returns."""

    def __init__(self) -> None:
        self.waiting: dict[int, asyncio.Future[float]] = {}

    def watch(self, update_id: int) -> asyncio.Future[float]:
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self.waiting[update_id] = future
        return future

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        try:
            return await handler(event, data)
        finally:
            assert isinstance(event, Update)
            future = self.waiting.pop(event.update_id, None)
            if future is not None and not future.done():
                future.set_result(time.perf_counter())


class LogCollector(logging.Handler):
    """Keeps warnings and errors logged during a phase (the console stays quiet)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


# --------------------------------------------------------------------------- the systems


class System:
    """One bot polling a fresh stand-in server."""

    name = ""
    label = ""

    def __init__(self, server: BenchServer, participants: int, capacity: int) -> None:
        self.server = server
        self.participants = participants
        self.capacity = capacity
        self.marker = DoneMarker()
        self._task: asyncio.Task[None] | None = None
        self.bot: Bot | None = None
        self.dp: Dispatcher | None = None

    async def setup(self) -> tuple[Bot, Dispatcher]:
        raise NotImplementedError

    async def start(self) -> None:
        self.bot, self.dp = await self.setup()
        self.dp.update.outer_middleware(self.marker)
        # As run_bot() in bot/app.py: aiogram's defaults (handle_as_tasks=True,
        # polling_timeout=10), only the signals and the session are left to the benchmark.
        self._task = asyncio.create_task(
            self.dp.start_polling(
                self.bot,
                handle_as_tasks=True,
                handle_signals=False,
                close_bot_session=False,
                allowed_updates=self.dp.resolve_used_update_types(),
            )
        )
        try:
            await self.server.wait_polling(timeout=10)
        except TimeoutError:
            if self._task.done():
                self._task.result()  # the polling failed: raise its error
            raise

    async def stop(self) -> None:
        if self._task is not None and self.dp is not None:
            if not self._task.done():
                with contextlib.suppress(RuntimeError):
                    await self.dp.stop_polling()
            try:
                await asyncio.wait_for(self._task, 10)
            finally:
                self._task = None
        if self.bot is not None:
            await self.bot.session.close()
            self.bot = None
        await self.teardown()

    async def teardown(self) -> None:
        return None

    def button(self, user: TgUser, step: Step) -> tuple[int, str]:
        """(message_id, callback_data) of the button this step taps."""
        raise NotImplementedError

    async def verify(self, users: Sequence[TgUser]) -> dict[str, int]:
        return {}


class FloorSystem(System):
    """A bare aiogram bot that only answers: the framework's floor."""

    name = "floor"
    label = "floor (bare aiogram)"

    async def setup(self) -> tuple[Bot, Dispatcher]:
        router = Router(name="floor")

        @router.message()
        async def on_message(message: Message) -> None:
            await message.answer("ok")

        @router.callback_query()
        async def on_callback(callback: CallbackQuery) -> None:
            await callback.answer()
            assert isinstance(callback.message, Message)
            await callback.message.answer("ok")

        dp = Dispatcher()
        dp.include_router(router)
        return create_bot(_settings(self.server, Path("unused.sqlite3"))), dp

    def button(self, user: TgUser, step: Step) -> tuple[int, str]:
        messages = self.server.chat_messages(user.id)
        if not messages:
            raise BenchError(f"floor: no bot message in chat {user.id} to tap under")
        return messages[-1].message_id, f"bench:{step.name}"


class BotSystem(System):
    """The real registration bot, built as ``python -m bot`` builds it."""

    name = "bot"
    label = "bot (registration)"

    def __init__(self, server: BenchServer, participants: int, capacity: int) -> None:
        super().__init__(server, participants, capacity)
        self._tmp = tempfile.TemporaryDirectory(prefix="bench-registration-")
        self.db_path = Path(self._tmp.name) / "bot.sqlite3"
        self.db = Database(self.db_path)
        self.registration: RegistrationService | None = None

    async def setup(self) -> tuple[Bot, Dispatcher]:
        settings = _settings(self.server, self.db_path)
        await self.db.connect()
        now = utcnow()
        event = Event(
            id=EVENT_ID,
            title="Стратегическая сессия (нагрузочный тест)",
            kind="online_session",
            district="ufo",
            starts_at=(now + timedelta(days=7)).replace(second=0, microsecond=0),
            duration_minutes=180,
            location=None,
            online_url="https://meet.example.org/bench",
            capacity=self.capacity,
            registration_deadline=None,
            description="Разработка стратегий развития этнокультурных НКО.",
        )
        await import_events(self.db, [event], now)
        row = await self.db.fetchone("PRAGMA journal_mode")
        if row is None or str(row[0]).lower() != "wal":
            raise BenchError(f"the bot's database is not in WAL mode: {row and row[0]}")
        dp = create_dispatcher(settings, self.db)
        self.registration = dp["registration"]
        return create_bot(settings), dp

    async def teardown(self) -> None:
        await self.db.close()
        self._tmp.cleanup()

    def button(self, user: TgUser, step: Step) -> tuple[int, str]:
        for message in reversed(self.server.chat_messages(user.id)):
            if message.deleted or not message.inline_keyboard:
                continue
            buttons = [b for row in message.inline_keyboard for b in row]
            found = [b for b in buttons if b.get("text") == step.value] or [
                b for b in buttons if step.value in str(b.get("text", ""))
            ]
            if len(found) == 1 and "callback_data" in found[0]:
                return message.message_id, str(found[0]["callback_data"])
            shown = [b.get("text") for b in buttons]
            raise BenchError(
                f"bot: participant {user.id}, step {step.name!r}: no single button "
                f"{step.value!r} in the latest keyboard ({message.text!r:.80}): {shown}"
            )
        raise BenchError(f"bot: participant {user.id}, step {step.name!r}: no inline keyboard")

    async def verify(self, users: Sequence[TgUser]) -> dict[str, int]:
        """The walk really happened: everybody registered or waitlisted, capacity held."""
        assert self.registration is not None
        regs = await self.registration.registrations.of_event(EVENT_ID)
        status = {r.participant_id: r.status for r in regs}
        missing = [u.id for u in users if u.id not in status]
        registered = sum(1 for s in status.values() if s is RegStatus.REGISTERED)
        waitlisted = sum(1 for s in status.values() if s is RegStatus.WAITLISTED)
        expected = min(self.capacity, len(users))
        problems = []
        if missing:
            problems.append(f"{len(missing)} participants have no registration ({missing[:5]})")
        if registered != expected:
            problems.append(f"registered {registered}, expected {expected} (the capacity)")
        if registered + waitlisted != len(users):
            problems.append(f"registered {registered} + waitlisted {waitlisted} != {len(users)}")
        row = await self.db.fetchone(
            "SELECT count(DISTINCT participant_id) FROM answers WHERE event_id = ''"
            " AND question_id = 'email'"
        )
        with_email = int(row[0]) if row else 0
        if with_email != len(users):
            problems.append(f"{with_email} profiles with an e-mail, expected {len(users)}")
        told = 0
        for user in users:
            messages = self.server.chat_messages(user.id)
            texts = " ".join(m.text or "" for m in messages[-3:])
            documents = sum(1 for m in messages if m.kind == "document")
            if status.get(user.id) is RegStatus.REGISTERED:
                told += "Вы зарегистрированы" in texts and documents == 1
            elif status.get(user.id) is RegStatus.WAITLISTED:
                told += "лист ожидания" in texts and documents == 0
        if told != len(users):
            problems.append(f"only {told} of {len(users)} were told their status as expected")
        if problems:
            raise BenchError("bot: the registration walk did not complete: " + "; ".join(problems))
        return {"registered": registered, "waitlisted": waitlisted}


def _settings(server: BenchServer, database_path: Path) -> Settings:
    return Settings(
        bot_token=TEST_TOKEN,  # type: ignore[arg-type]
        database_path=database_path,
        telegram_api_url=server.base_url,
        _env_file=None,  # type: ignore[call-arg]
    )


SYSTEMS: dict[str, type[System]] = {"floor": FloorSystem, "bot": BotSystem}


# --------------------------------------------------------------------------- a phase


@dataclass
class PhaseResult:
    system: str
    participants: int
    updates: int
    wall: float
    latencies: list[float] = field(repr=False)
    dones: list[float] = field(repr=False)
    by_step: dict[str, list[float]] = field(repr=False)
    checks: dict[str, int]
    log_warnings: list[str]

    @property
    def throughput(self) -> float:
        return self.updates / self.wall if self.wall > 0 else 0.0

    def figures(self) -> dict[str, float]:
        return {
            "updates": self.updates,
            "wall_s": self.wall,
            "updates_per_s": self.throughput,
            "p50_ms": percentile(self.latencies, 0.50) * 1000,
            "p95_ms": percentile(self.latencies, 0.95) * 1000,
            "max_ms": max(self.latencies) * 1000,
            "done_p95_ms": percentile(self.dones, 0.95) * 1000,
        }


def percentile(values: Sequence[float], q: float) -> float:
    """Linear interpolation between the closest ranks (numpy's default)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


async def _participant(
    system: System,
    user: TgUser,
    number: int,
    step_timeout: float,
    samples: list[Sample],
    think: float = 0.0,
) -> None:
    server, marker = system.server, system.marker
    pause = random.Random(user.id)  # the same pauses for both systems
    for index, step in enumerate(WALK):
        if think > 0:
            await asyncio.sleep(think * pause.uniform(0.5, 1.5))  # reading, typing
        if step.kind == "click":
            message_id, data = system.button(user, step)
            expect = server.expect(user.id)
            update_id, _ = server.callback(user, message_id, data)
        else:
            text = step.value.format(event=EVENT_ID, n=number)
            expect = server.expect(user.id)
            update_id = server.message(user, text)
        done = marker.watch(update_id)
        try:
            done_at = await asyncio.wait_for(done, step_timeout)
        except TimeoutError:
            marker.waiting.pop(update_id, None)
            state = (
                "dropped by allowed_updates"
                if server.dropped(update_id)
                else f"answered: {expect.answered_at is not None}, "
                f"pending updates: {server.pending_updates}, polling: {server.polling}"
            )
            raise BenchError(
                f"{system.name}: participant {user.id}, step {index + 1} {step.name!r}: "
                f"update {update_id} not handled within {step_timeout:g} s ({state})"
            ) from None
        if expect.answered_at is None:
            raise BenchError(
                f"{system.name}: participant {user.id}, step {step.name!r}: the handler "
                f"returned without answering in the chat (update {update_id})"
            )
        samples.append(
            Sample(
                step.name,
                step.kind,
                expect.answered_at - expect.pushed_at,
                done_at - expect.pushed_at,
            )
        )


async def run_phase(
    kind: str,
    participants: int,
    capacity: int,
    *,
    step_timeout: float,
    phase_timeout: float,
    collector: LogCollector,
    think: float = 0.0,
) -> PhaseResult:
    users = [
        TgUser(FIRST_USER_ID + i, f"Участник{i}", username=f"bench_user_{i}")
        for i in range(participants)
    ]
    collector.records.clear()
    try:
        return await _run_phase(
            kind, users, capacity, step_timeout, phase_timeout, collector, think
        )
    except BenchError as exc:
        errors = [r for r in collector.records if r.levelno >= logging.ERROR]
        if not errors:
            raise
        first = errors[0]
        raise BenchError(
            f"{exc}; {len(errors)} errors were logged, the first: {first.name}: "
            f"{first.getMessage()}"
        ) from None


async def _run_phase(
    kind: str,
    users: list[TgUser],
    capacity: int,
    step_timeout: float,
    phase_timeout: float,
    collector: LogCollector,
    think: float,
) -> PhaseResult:
    participants = len(users)
    async with BenchServer() as server:
        system = SYSTEMS[kind](server, participants, capacity)
        try:
            await system.start()
            samples: list[Sample] = []
            started = time.perf_counter()
            walks = [
                asyncio.create_task(_participant(system, u, i, step_timeout, samples, think))
                for i, u in enumerate(users)
            ]
            try:
                await asyncio.wait_for(asyncio.gather(*walks), phase_timeout)
            except TimeoutError:
                raise BenchError(
                    f"{kind}: the phase did not finish within {phase_timeout:g} s "
                    f"({len(samples)} of {participants * len(WALK)} updates handled)"
                ) from None
            finally:
                for walk in walks:
                    walk.cancel()
                await asyncio.gather(*walks, return_exceptions=True)
            wall = time.perf_counter() - started
            checks = await system.verify(users)
        finally:
            await system.stop()
    if any(r.levelno >= logging.ERROR for r in collector.records):
        raise BenchError(f"{kind}: the bot logged errors during the phase")
    by_step: dict[str, list[float]] = {}
    for sample in samples:
        by_step.setdefault(sample.step, []).append(sample.latency)
    return PhaseResult(
        system=kind,
        participants=participants,
        updates=len(samples),
        wall=wall,
        latencies=[s.latency for s in samples],
        dones=[s.done for s in samples],
        by_step=by_step,
        checks=checks,
        log_warnings=[f"{r.name}: {r.getMessage()}"[:200] for r in collector.records],
    )


# --------------------------------------------------------------------------- reporting


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "?"


def environment() -> dict[str, Any]:
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        usable = os.cpu_count() or 0
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "aiogram": _version("aiogram"),
        "aiohttp": _version("aiohttp"),
        "aiosqlite": _version("aiosqlite"),
        "sqlite": sqlite3.sqlite_version,
        "cpu_count": os.cpu_count(),
        "cpus_usable": usable,
        "platform": platform.platform(),
        "event_loop": type(asyncio.get_event_loop_policy()).__name__,
    }


def median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


COLUMNS = (
    ("updates", "updates", "{:>9.0f}"),
    ("wall_s", "wall s", "{:>9.2f}"),
    ("updates_per_s", "updates/s", "{:>11.1f}"),
    ("p50_ms", "p50 ms", "{:>9.1f}"),
    ("p95_ms", "p95 ms", "{:>9.1f}"),
    ("max_ms", "max ms", "{:>9.1f}"),
    ("done_p95_ms", "done p95 ms", "{:>13.1f}"),
)


def _row(label: str, figures: dict[str, float]) -> str:
    cells = [fmt.format(figures[key]) for key, _, fmt in COLUMNS]
    return f"{label:<22}" + "".join(cells)


def _header() -> str:
    widths = [len(fmt.format(0)) for _, _, fmt in COLUMNS]
    return f"{'system':<22}" + "".join(
        f"{title:>{width}}" for (_, title, _), width in zip(COLUMNS, widths, strict=True)
    )


def summarise(
    results: dict[str, list[PhaseResult]], args: argparse.Namespace, env: dict[str, Any]
) -> dict[str, Any]:
    medians = {
        name: {key: median([r.figures()[key] for r in runs]) for key, _, _ in COLUMNS}
        for name, runs in results.items()
    }
    summary: dict[str, Any] = {
        "participants": args.participants,
        "capacity": args.capacity,
        "updates_per_participant": len(WALK),
        "repeat": args.repeat,
        "think_s": args.think,
        "environment": env,
        "medians": medians,
        "runs": {
            name: [{**r.figures(), "checks": r.checks} for r in runs]
            for name, runs in results.items()
        },
    }
    if "bot" in results:
        steps = [step.name for step in WALK]
        summary["bot_steps_ms"] = {
            step: {
                "p50": median([percentile(r.by_step[step], 0.5) * 1000 for r in results["bot"]]),
                "p95": median([percentile(r.by_step[step], 0.95) * 1000 for r in results["bot"]]),
            }
            for step in steps
        }
    if "bot" in medians and "floor" in medians:
        ratio = medians["bot"]["updates_per_s"] / medians["floor"]["updates_per_s"]
        summary["ratio"] = ratio
        summary["goals"] = {
            "ratio_ok": ratio >= GOAL_RATIO if args.think == 0 else None,
            "p95_ok": medians["bot"]["p95_ms"] < GOAL_P95_MS,
        }
    return summary


def print_report(
    summary: dict[str, Any], results: dict[str, list[PhaseResult]], args: argparse.Namespace
) -> None:
    env = summary["environment"]
    print()
    print(
        f"Registration benchmark: {args.participants} participants x {len(WALK)} updates, "
        f"capacity {args.capacity}, {args.repeat} repeat(s), medians over repeats"
        + (f", think time {args.think:g} s (paced)" if args.think > 0 else "")
    )
    print(
        f"Python {env['python']} ({env['implementation']}), aiogram {env['aiogram']}, "
        f"aiohttp {env['aiohttp']}, aiosqlite {env['aiosqlite']}, SQLite {env['sqlite']}; "
        f"CPUs: {env['cpu_count']} ({env['cpus_usable']} usable); {env['platform']}"
    )
    print("latency: push -> first answer in the chat; done: push -> the handler returned")
    print()
    print(_header())
    for name in results:
        print(_row(SYSTEMS[name].label, summary["medians"][name]))
    if args.repeat > 1:
        print()
        print("each repeat (updates/s, p95 ms):")
        for name, runs in results.items():
            cells = ", ".join(
                f"{r.throughput:.1f}/{percentile(r.latencies, 0.95) * 1000:.1f}" for r in runs
            )
            print(f"  {name:<6} {cells}")
    if "bot_steps_ms" in summary:
        print()
        print("bot latency per step (p50 / p95 ms):")
        steps = summary["bot_steps_ms"].items()
        print("  " + ", ".join(f"{step} {v['p50']:.0f}/{v['p95']:.0f}" for step, v in steps))
        checks = results["bot"][-1].checks
        print(
            f"  walk verified in the database: registered {checks.get('registered')}, "
            f"waitlisted {checks.get('waitlisted')} (every repeat)"
        )
    if "ratio" in summary:
        goals = summary["goals"]
        bot_p95 = summary["medians"]["bot"]["p95_ms"]
        print()
        verdict = "MET" if goals["ratio_ok"] else "MISSED"
        if args.think > 0:
            verdict = "not judged: a paced run measures the pace, not the capacity"
        print(f"bot/floor throughput: {summary['ratio']:.2f}  (goal >= {GOAL_RATIO}: {verdict})")
        print(
            f"bot p95 latency: {bot_p95:.1f} ms  "
            f"(goal < {GOAL_P95_MS:.0f} ms: {'MET' if goals['p95_ok'] else 'MISSED'})"
        )
    warnings = {name: [w for r in runs for w in r.log_warnings] for name, runs in results.items()}
    if any(warnings.values()):
        counts = {name: len(found) for name, found in warnings.items()}
        print(f"warnings logged during the measured runs: {counts}; the first:")
        for found in warnings.values():
            for line in found[:3]:
                print(f"  {line}")


# --------------------------------------------------------------------------- main


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench.registration",
        description="Registration throughput and latency: the real bot against bare aiogram.",
    )
    parser.add_argument("--participants", type=int, default=200, help="concurrent (200)")
    parser.add_argument(
        "--capacity", type=int, default=None, help="event capacity (default: 3/4 of N)"
    )
    parser.add_argument("--repeat", type=int, default=3, help="phases per system (3)")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    parser.add_argument(
        "--only", choices=sorted(SYSTEMS), default=None, help="run one system (no ratio)"
    )
    parser.add_argument(
        "--warmup", type=int, default=20, help="participants of the unmeasured warm-up (20)"
    )
    parser.add_argument(
        "--think",
        type=float,
        default=0.0,
        help="mean pause of a participant before each update, s (0: none, the saturation "
        "test; >0 paces the load, then updates/s only reflects the pace)",
    )
    parser.add_argument("--step-timeout", type=float, default=60.0, help="seconds per update")
    parser.add_argument("--phase-timeout", type=float, default=600.0, help="seconds per phase")
    return parser


async def run(args: argparse.Namespace) -> dict[str, list[PhaseResult]]:
    collector = LogCollector()
    root = logging.getLogger()
    root.addHandler(collector)
    root.setLevel(logging.WARNING)
    kinds = [args.only] if args.only else ["floor", "bot"]
    results: dict[str, list[PhaseResult]] = {kind: [] for kind in kinds}
    try:
        if args.warmup > 0:
            for kind in kinds:
                capacity = max(1, args.warmup * 3 // 4)
                await run_phase(
                    kind,
                    args.warmup,
                    capacity,
                    step_timeout=args.step_timeout,
                    phase_timeout=args.phase_timeout,
                    collector=collector,
                    think=args.think,
                )
        for repeat in range(args.repeat):
            for kind in kinds:
                result = await run_phase(
                    kind,
                    args.participants,
                    args.capacity,
                    step_timeout=args.step_timeout,
                    phase_timeout=args.phase_timeout,
                    collector=collector,
                    think=args.think,
                )
                figures = result.figures()
                print(
                    f"  repeat {repeat + 1}/{args.repeat} {kind:<5}: "
                    f"{figures['updates_per_s']:7.1f} updates/s, "
                    f"p50 {figures['p50_ms']:6.1f} ms, p95 {figures['p95_ms']:6.1f} ms",
                    flush=True,
                )
                results[kind].append(result)
    finally:
        root.removeHandler(collector)
    return results


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.participants < 1 or args.repeat < 1:
        print("--participants and --repeat must be at least 1", file=sys.stderr)
        return 2
    if args.capacity is None:
        args.capacity = max(1, args.participants * 3 // 4)
    # Quiet: nothing on the console but the report; warnings and errors are collected.
    logging.basicConfig(level=logging.WARNING, handlers=[logging.NullHandler()])
    try:
        results = asyncio.run(run(args))
    except BenchError as exc:
        print(f"benchmark failed: {exc}", file=sys.stderr)
        return 1
    env = environment()
    summary = summarise(results, args, env)
    print_report(summary, results, args)
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", "utf-8")
        print(f"\nfigures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
