"""Registration under load: the real bot against the framework's floor, in one run.

    python -m bench.registration [--participants 200] [--repeat 3] [--json out.json]

N simulated participants walk the whole registration conversation at the same time
through the stand-in Bot API server (real HTTP on 127.0.0.1, ``tests/support/stand_in.py``):
``/start ev_<id>``, the consent button, name, organisation, position, the role button,
the region typed, the phone, the e-mail, then "Подтвердить" on the summary: ten updates
each. Every participant sends an update, waits until the bot has handled it (its handler
returned, so the next question is in the chat), then sends the next one.

Two processes, as Telegram and its users are on other machines than the bot:

* **this process** runs only the system under test, polling the stand-in over HTTP;
* **a child process** (``python -m bench.registration --serve``, started once per run) runs
  the stand-in server (a fresh one for every phase), the simulated participants and the
  measurement. The bot's process tells it, through the child's stdin, the moment each
  update's handler returned (an outer update middleware, a few bytes per update, written
  once per event-loop turn); the child answers commands on its stdout.

Two systems, alternating in the bot's process (floor, bot, floor, bot...):

* **bot**: the real bot exactly as ``python -m bot`` builds it (``create_bot`` +
  ``create_dispatcher``, ``handle_as_tasks=True``, a fresh SQLite file in WAL mode, one
  event whose capacity is below N, so the waiting list is used too);
* **floor**: a bare aiogram Dispatcher with the same Bot/session that answers every message
  with ``message.answer("ok")`` and every button with ``callback.answer()`` +
  ``message.answer("ok")``, fed the same number of updates of the same kinds.

Per update, **latency** is the time, seen by the server, from the push (the update reaching
"Telegram") to the first successful answer in that chat (sendMessage, editMessageText,
sendDocument, answerCallbackQuery...); **done** is the time until the handler returned (the
bot's process's clock: ``time.monotonic``, CLOCK_MONOTONIC, one clock for both processes of
the machine). Throughput is updates / wall time of the phase (at the server: the first push
to the last update handled). The bot's walk must really complete: every participant ends
registered or waitlisted in the database, with registered == capacity.

One run gives the four figures of issue 12, each beside the floor's (medians of ``--repeat``):

* ``saturated``: participants answer at once (a closed loop: the throughput test), replies not
  held to Telegram's per-chat pace (both systems): (a) bot/floor updates/s, goal >= 0.5;
  (c) CPU time of the system's process per update, aim < 2 ms;
* ``paced``: each participant pauses 0.5-2.5 s (``--pace``, the same pauses for both) before
  every update, settings as shipped: (b) p95 first answer, goal <= 25 ms;
* ``memory`` (bench/registration_memory.py): (d) RSS of ``python -m bot`` with 10,000 people
  in its database, 2,000 of them active, beside a bare aiogram process; goal <= floor + 30 MB.

Speed is measured here, never in the tests.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import gc
import json
import logging
import os
import platform
import random
import signal
import sqlite3
import sys
import tempfile
import time
import traceback
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from aiogram import BaseMiddleware, Bot, Dispatcher, Router
from aiogram.types import CallbackQuery, Message, TelegramObject, Update

from bench.common import LogCollector, serving_process, usable_cpus, version
from bench.registration_memory import MemoryResult, MemorySpec
from bench.registration_memory import measure as measure_memory
from bot.app import create_dispatcher
from bot.config import Settings
from bot.events.files import import_events
from bot.registration.service import RegistrationService
from bot.telegram import create_bot
from storage.db import Database, utcnow
from storage.models import Event, RegStatus
from tests.support.stand_in import TEST_TOKEN, StandInServer, TgUser

try:  # the code under test settles its memory after start-up (not in older checkouts)
    from bot.runtime import settle_memory
except ImportError:  # pragma: no cover - an older checkout (--root, a worktree of main)

    def settle_memory() -> None:
        return None


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
#: p95 first answer at a human pace, ms (the issue).
GOAL_PACED_P95_MS = 25.0
#: CPU time of the bot's process per update, ms (the issue's aim).
GOAL_CPU_MS = 2.0
#: The bot's RSS may exceed the floor's by this much, MB (the issue).
GOAL_RSS_OVER_FLOOR_MB = 30.0
#: Python's collector thresholds, for the floor (bare aiogram does not change them).
DEFAULT_GC_THRESHOLDS = (700, 10, 10)
#: Longest line between the two processes (a phase's samples come back in one line).
LINE_LIMIT = 64 * 1024 * 1024
#: Seconds for the child process to start, to open or close a phase, to stop.
CONTROL_TIMEOUT = 60.0


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


def participants_of(count: int) -> list[TgUser]:
    return [
        TgUser(FIRST_USER_ID + i, f"Участник{i}", username=f"bench_user_{i}") for i in range(count)
    ]


# =========================================================================== the child process:
# the stand-in server, the participants, the measurement


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
        expect = _Expect(time.monotonic())
        self._expect[chat_id] = expect
        return expect

    def _finish(self, req: Any, at: float, *, ok: bool, result: Any, error: Any) -> None:
        super()._finish(req, at, ok=ok, result=result, error=error)
        if ok and req.method in ANSWER_METHODS:
            expect = self._expect.get(req.chat_id)
            if expect is not None and expect.answered_at is None:
                expect.answered_at = time.monotonic()


def _floor_button(server: BenchServer, user: TgUser, step: Step) -> tuple[int, str]:
    """The floor has no keyboards: tap "under" its latest message."""
    messages = server.chat_messages(user.id)
    if not messages:
        raise BenchError(f"floor: no bot message in chat {user.id} to tap under")
    return messages[-1].message_id, f"bench:{step.name}"


def _bot_button(server: BenchServer, user: TgUser, step: Step) -> tuple[int, str]:
    """(message_id, callback_data) of the button this step taps in the bot's latest keyboard."""
    for message in reversed(server.chat_messages(user.id)):
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


BUTTONS: dict[str, Callable[[BenchServer, TgUser, Step], tuple[int, str]]] = {
    "floor": _floor_button,
    "bot": _bot_button,
}


class Driver:
    """The child process. Commands come as JSON lines on stdin (``open``: a fresh stand-in
    server for a phase; ``run``: the participants' walks; ``close``), each answered by one
    JSON line on stdout with the same ``seq``. Lines ``d <phase> <update_id> <monotonic>``
    on stdin are the bot's process telling that an update's handler returned."""

    def __init__(self) -> None:
        self.server: BenchServer | None = None
        self.phase = -1
        self.waiting: dict[int, asyncio.Future[float]] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    async def main(self) -> None:
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader(limit=LINE_LIMIT)
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
        self._reply({"seq": 0, "ok": True})
        try:
            while line := await reader.readline():
                if line.startswith(b"d "):
                    self._handled(line)
                    continue
                task = asyncio.create_task(self._command(json.loads(line)))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
        finally:  # stdin closed: the bot's process is done (or gone)
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            await self._close({})

    def _handled(self, line: bytes) -> None:
        _, phase, update_id, at = line.split()
        if int(phase) != self.phase:
            return
        future = self.waiting.pop(int(update_id), None)
        if future is not None and not future.done():
            future.set_result(float(at))

    @staticmethod
    def _reply(reply: dict[str, Any]) -> None:
        sys.stdout.buffer.write(json.dumps(reply).encode() + b"\n")
        sys.stdout.buffer.flush()

    async def _command(self, command: dict[str, Any]) -> None:
        actions = {"open": self._open, "run": self._run, "close": self._close}
        reply: dict[str, Any]
        try:
            reply = {"ok": True, **await actions[command["cmd"]](command)}
        except BenchError as exc:
            reply = {"ok": False, "error": str(exc)}
        except Exception:
            reply = {
                "ok": False,
                "error": "the stand-in process failed:\n" + traceback.format_exc(),
            }
        self._reply({**reply, "seq": command.get("seq")})

    async def _open(self, command: dict[str, Any]) -> dict[str, Any]:
        await self._close({})
        # Collect the last phase's garbage now rather than during the measurement.
        gc.collect()
        self.phase = int(command["phase"])
        self.server = BenchServer()
        await self.server.start()
        return {"base_url": self.server.base_url}

    async def _close(self, _command: dict[str, Any]) -> dict[str, Any]:
        self.waiting.clear()
        if self.server is not None:
            server, self.server = self.server, None
            await server.stop()
        return {}

    async def _run(self, command: dict[str, Any]) -> dict[str, Any]:
        server = self.server
        if server is None:
            raise BenchError("run: no stand-in server is open")
        kind: str = command["kind"]
        users = participants_of(int(command["participants"]))
        low, high = (float(x) for x in command["pause"])
        step_timeout = float(command["step_timeout"])
        phase_timeout = float(command["phase_timeout"])
        try:
            await server.wait_polling(timeout=30)
        except TimeoutError:
            raise BenchError(f"{kind}: the bot did not call getUpdates within 30 s") from None
        samples: list[tuple[str, float, float]] = []
        cpu_before = time.process_time()
        started = time.monotonic()
        walks = [
            asyncio.create_task(self._participant(kind, u, i, step_timeout, samples, (low, high)))
            for i, u in enumerate(users)
        ]
        try:
            await asyncio.wait_for(asyncio.gather(*walks), phase_timeout)
        except TimeoutError:
            raise BenchError(
                f"{kind}: the phase did not finish within {phase_timeout:g} s "
                f"({len(samples)} of {len(users) * len(WALK)} updates handled)"
            ) from None
        finally:
            for walk in walks:
                walk.cancel()
            await asyncio.gather(*walks, return_exceptions=True)
        wall = time.monotonic() - started
        cpu = time.process_time() - cpu_before
        tails: dict[str, tuple[str, int]] = {}
        if kind == "bot":  # what each participant was told last, for the bot's checks
            for user in users:
                messages = server.chat_messages(user.id)
                texts = " ".join(m.text or "" for m in messages[-3:])
                documents = sum(1 for m in messages if m.kind == "document")
                tails[str(user.id)] = (texts, documents)
        calls = {m: n for m, n in server.counts.items() if m != "getUpdates"}
        return {"wall": wall, "cpu": cpu, "samples": samples, "tails": tails, "calls": calls}

    async def _participant(
        self,
        kind: str,
        user: TgUser,
        number: int,
        step_timeout: float,
        samples: list[tuple[str, float, float]],
        pause_range: tuple[float, float],
    ) -> None:
        server = self.server
        assert server is not None
        loop = asyncio.get_running_loop()
        pause = random.Random(user.id)  # the same pauses for both systems
        for index, step in enumerate(WALK):
            if pause_range[1] > 0:
                await asyncio.sleep(pause.uniform(*pause_range))  # reading, typing
            if step.kind == "click":
                message_id, data = BUTTONS[kind](server, user, step)
                expect = server.expect(user.id)
                update_id, _ = server.callback(user, message_id, data)
            else:
                text = step.value.format(event=EVENT_ID, n=number)
                expect = server.expect(user.id)
                update_id = server.message(user, text)
            done: asyncio.Future[float] = loop.create_future()
            self.waiting[update_id] = done
            try:
                done_at = await asyncio.wait_for(done, step_timeout)
            except TimeoutError:
                self.waiting.pop(update_id, None)
                state = (
                    "dropped by allowed_updates"
                    if server.dropped(update_id)
                    else f"answered: {expect.answered_at is not None}, "
                    f"pending updates: {server.pending_updates}, polling: {server.polling}"
                )
                raise BenchError(
                    f"{kind}: participant {user.id}, step {index + 1} {step.name!r}: "
                    f"update {update_id} not handled within {step_timeout:g} s ({state})"
                ) from None
            if expect.answered_at is None:
                raise BenchError(
                    f"{kind}: participant {user.id}, step {step.name!r}: the handler "
                    f"returned without answering in the chat (update {update_id})"
                )
            samples.append(
                (step.name, expect.answered_at - expect.pushed_at, done_at - expect.pushed_at)
            )


async def serve() -> None:
    """The child process's main: serve commands until stdin closes."""
    # Ctrl-C reaches the whole process group: the bot's process shuts this one down.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The imported modules never die: keep them out of the collector's full passes.
    gc.collect()
    gc.freeze()
    await Driver().main()


# =========================================================================== the bot's process


class StandInProcess:
    """The child process, seen from the bot's process."""

    def __init__(self) -> None:
        self.proc: asyncio.subprocess.Process | None = None
        self.stderr: list[str] = []
        self._stderr_task: asyncio.Task[None] | None = None
        self._seq = 0
        self._phase = 0
        self._handled: list[bytes] = []
        self._flush_scheduled = False

    async def __aenter__(self) -> StandInProcess:
        self.proc = await serving_process(
            "bench.registration", stderr=asyncio.subprocess.PIPE, limit=LINE_LIMIT
        )
        self._stderr_task = asyncio.create_task(self._read_stderr())
        try:
            await self._answer(0, "start", CONTROL_TIMEOUT)
        except BaseException:
            await self.__aexit__()
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        proc = self.proc
        if proc is None:
            return
        assert proc.stdin is not None
        if not proc.stdin.is_closing():
            proc.stdin.close()  # the child stops its server and exits
        try:
            await asyncio.wait_for(proc.wait(), CONTROL_TIMEOUT / 6)
        except TimeoutError:
            proc.kill()
            await proc.wait()
        finally:
            if self._stderr_task is not None:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stderr_task, 5)

    async def _read_stderr(self) -> None:
        assert self.proc is not None and self.proc.stderr is not None
        while line := await self.proc.stderr.readline():
            self.stderr.append(line.decode(errors="replace").rstrip())

    def _stderr_tail(self) -> str:
        if not self.stderr:
            return ""
        return "; its stderr ends:\n" + "\n".join(self.stderr[-20:])

    def next_phase(self) -> int:
        self._phase += 1
        return self._phase

    async def call(self, command: dict[str, Any], timeout: float) -> dict[str, Any]:  # noqa: ASYNC109
        """Send a command, return its answer (a refusal raises BenchError)."""
        assert self.proc is not None and self.proc.stdin is not None
        self._seq += 1
        self._flush()
        if self.proc.stdin.is_closing() or self.proc.returncode is not None:
            raise BenchError(f"the stand-in process has exited{self._stderr_tail()}")
        self.proc.stdin.write(json.dumps({**command, "seq": self._seq}).encode() + b"\n")
        return await self._answer(self._seq, command["cmd"], timeout)

    async def _answer(self, seq: int, what: str, timeout: float) -> dict[str, Any]:  # noqa: ASYNC109
        assert self.proc is not None and self.proc.stdout is not None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            try:
                line = await asyncio.wait_for(
                    self.proc.stdout.readline(), max(deadline - loop.time(), 0)
                )
            except TimeoutError:
                raise BenchError(
                    f"the stand-in process did not answer {what!r} within {timeout:g} s"
                ) from None
            if not line:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.proc.wait(), 5)
                raise BenchError(
                    f"the stand-in process exited (status {self.proc.returncode}) "
                    f"instead of answering {what!r}{self._stderr_tail()}"
                )
            reply: dict[str, Any] = json.loads(line)
            if reply.get("seq") != seq:
                continue  # the late answer to a command given up on
            if not reply.get("ok"):
                raise BenchError(str(reply.get("error")))
            return reply

    def handled(self, phase: int, update_id: int, at: float) -> None:
        """Tell the child that this update's handler returned at ``at`` (this process's
        ``time.monotonic``); written once per event-loop turn."""
        self._handled.append(b"d %d %d %r\n" % (phase, update_id, at))
        if not self._flush_scheduled:
            self._flush_scheduled = True
            asyncio.get_running_loop().call_soon(self._flush)

    def _flush(self) -> None:
        self._flush_scheduled = False
        if not self._handled:
            return
        lines, self._handled = b"".join(self._handled), []
        proc = self.proc
        if proc is None or proc.stdin is None or proc.stdin.is_closing():
            return
        if proc.returncode is None:
            proc.stdin.write(lines)


class DoneMarker(BaseMiddleware):
    """Outer update middleware: tells the child process when each update's handling returns."""

    def __init__(self, stand_in: StandInProcess, phase: int) -> None:
        self.stand_in = stand_in
        self.phase = phase

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
            self.stand_in.handled(self.phase, event.update_id, time.monotonic())


# --------------------------------------------------------------------------- the systems


class System:
    """One bot polling a fresh stand-in server (in the child process)."""

    name = ""
    label = ""

    def __init__(
        self, base_url: str, participants: int, capacity: int, *, unpaced: bool = False
    ) -> None:
        self.base_url = base_url
        self.participants = participants
        self.capacity = capacity
        self.unpaced = unpaced
        self.task: asyncio.Task[None] | None = None
        self.bot: Bot | None = None
        self.dp: Dispatcher | None = None

    async def setup(self) -> tuple[Bot, Dispatcher]:
        raise NotImplementedError

    async def start(self, marker: DoneMarker) -> None:
        self.bot, self.dp = await self.setup()
        self.dp.update.outer_middleware(marker)
        # As run_bot() in bot/app.py: aiogram's defaults (handle_as_tasks=True,
        # polling_timeout=10), only the signals and the session are left to the benchmark.
        self.task = asyncio.create_task(
            self.dp.start_polling(
                self.bot,
                handle_as_tasks=True,
                handle_signals=False,
                close_bot_session=False,
                allowed_updates=self.dp.resolve_used_update_types(),
            )
        )

    async def stop(self) -> None:
        try:
            if self.task is not None and self.dp is not None:
                if not self.task.done():
                    with contextlib.suppress(RuntimeError):
                        await self.dp.stop_polling()
                try:
                    await asyncio.wait_for(self.task, 10)
                except TimeoutError:
                    raise BenchError(f"{self.name}: the polling did not stop within 10 s") from None
                finally:
                    self.task = None
        finally:
            if self.bot is not None:
                await self.bot.session.close()
                self.bot = None
            await self.teardown()

    async def teardown(self) -> None:
        return None

    async def verify(
        self, users: Sequence[TgUser], tails: dict[str, tuple[str, int]]
    ) -> dict[str, int]:
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
        # Bare aiogram: Python's own collector settings (a bot phase before changed them).
        gc.unfreeze()
        gc.set_threshold(*DEFAULT_GC_THRESHOLDS)
        settings = _settings(self.base_url, Path("unused.sqlite3"), unpaced=self.unpaced)
        return create_bot(settings), dp


class BotSystem(System):
    """The real registration bot, built as ``python -m bot`` builds it."""

    name = "bot"
    label = "bot (registration)"

    def __init__(
        self, base_url: str, participants: int, capacity: int, *, unpaced: bool = False
    ) -> None:
        super().__init__(base_url, participants, capacity, unpaced=unpaced)
        self._tmp = tempfile.TemporaryDirectory(prefix="bench-registration-")
        self.db_path = Path(self._tmp.name) / "bot.sqlite3"
        self.db = Database(self.db_path)
        self.registration: RegistrationService | None = None

    async def setup(self) -> tuple[Bot, Dispatcher]:
        settings = _settings(self.base_url, self.db_path, unpaced=self.unpaced)
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
        # As run_bot() after create_dispatcher (the last phase's frozen objects thawed first,
        # so they can go).
        gc.unfreeze()
        settle_memory()
        self.registration = dp["registration"]
        return create_bot(settings), dp

    async def teardown(self) -> None:
        try:
            await self.db.close()
        finally:
            self._tmp.cleanup()

    async def verify(
        self, users: Sequence[TgUser], tails: dict[str, tuple[str, int]]
    ) -> dict[str, int]:
        """The walk really happened: everybody registered or waitlisted, capacity held,
        everybody told (``tails``: the child's view of each chat's last messages)."""
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
            texts, documents = tails.get(str(user.id), ("", 0))
            if status.get(user.id) is RegStatus.REGISTERED:
                told += "Вы зарегистрированы" in texts and documents == 1
            elif status.get(user.id) is RegStatus.WAITLISTED:
                told += "лист ожидания" in texts and documents == 0
        if told != len(users):
            problems.append(f"only {told} of {len(users)} were told their status as expected")
        if problems:
            raise BenchError("bot: the registration walk did not complete: " + "; ".join(problems))
        return {"registered": registered, "waitlisted": waitlisted}


def _settings(base_url: str, database_path: Path, *, unpaced: bool = False) -> Settings:
    """The bot's settings; ``unpaced``: replies to a chat never wait for its per-chat budget
    (``REPLY_RATE``, Telegram's one message a second): the saturated walk measures what the
    process can do, not how fast Telegram lets one chat be answered (the pacing middleware
    still runs, it never has to wait)."""
    settings = Settings(
        bot_token=TEST_TOKEN,  # type: ignore[arg-type]
        database_path=database_path,
        telegram_api_url=base_url,
        _env_file=None,  # type: ignore[call-arg]
    )
    if unpaced:
        settings = settings.model_copy(update={"reply_rate": 10_000.0, "reply_burst": 100_000})
    return settings


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
    cpu_system: float = 0.0  # the bot's process, CPU seconds / its wall seconds (1.0: one core)
    cpu_stand_in: float = 0.0  # the child process, the same
    cpu_seconds: float = 0.0  # the bot's process, CPU seconds over the phase
    gc_seconds: float = 0.0  # the bot's process, seconds in the garbage collector
    gc_full: int = 0  # full (generation 2) collections during the phase
    calls: dict[str, int] = field(default_factory=dict)  # Bot API calls but getUpdates, by method

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
            "cpu_ms_per_update": self.cpu_seconds / self.updates * 1000 if self.updates else 0.0,
            "gc_ms_per_update": self.gc_seconds / self.updates * 1000 if self.updates else 0.0,
            "calls_per_update": sum(self.calls.values()) / self.updates if self.updates else 0.0,
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


@dataclass(frozen=True)
class PhaseSpec:
    """One measured phase: which system, how many participants for how many seats, and the
    limits and pace of the walk."""

    kind: str
    participants: int
    capacity: int
    step_timeout: float
    phase_timeout: float
    pause: tuple[float, float] = (0.0, 0.0)  # seconds before each update, drawn uniformly
    profile: cProfile.Profile | None = None  # enabled in this process during the walk


async def run_phase(
    stand_in: StandInProcess, spec: PhaseSpec, collector: LogCollector
) -> PhaseResult:
    collector.records.clear()
    try:
        return await _run_phase(stand_in, spec, collector)
    except BenchError as exc:
        errors = [r for r in collector.records if r.levelno >= logging.ERROR]
        if not errors:
            raise
        first = errors[0]
        raise BenchError(
            f"{exc}; {len(errors)} errors were logged, the first: {first.name}: "
            f"{first.getMessage()}"
        ) from None


class GcTime:
    """Time spent in the garbage collector of this process (``gc.callbacks``) until stop()."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.full = 0
        self._began = 0.0
        gc.callbacks.append(self._note)

    def _note(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._began = time.perf_counter()
            return
        self.seconds += time.perf_counter() - self._began
        self.full += info["generation"] == 2

    def stop(self) -> None:
        with contextlib.suppress(ValueError):
            gc.callbacks.remove(self._note)


async def _while_polling(system: System, call: Coroutine[Any, Any, dict[str, Any]]) -> Any:
    """The child's answer to ``call``, unless the system's polling ends first."""
    assert system.task is not None
    answer = asyncio.ensure_future(call)
    try:
        await asyncio.wait({answer, system.task}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        if not answer.done():
            answer.cancel()
            await asyncio.gather(answer, return_exceptions=True)
    if not answer.cancelled():
        return answer.result()
    error = system.task.exception() if not system.task.cancelled() else None
    raise BenchError(f"{system.name}: the polling ended during the phase: {error!r}")


async def _run_phase(
    stand_in: StandInProcess, spec: PhaseSpec, collector: LogCollector
) -> PhaseResult:
    phase = stand_in.next_phase()
    opened = await stand_in.call({"cmd": "open", "phase": phase}, CONTROL_TIMEOUT)
    system = SYSTEMS[spec.kind](
        opened["base_url"], spec.participants, spec.capacity, unpaced=spec.pause == (0.0, 0.0)
    )
    failed = True
    try:
        try:
            await system.start(DoneMarker(stand_in, phase))
            if spec.profile is not None:
                spec.profile.enable()
            collector_time = GcTime()
            cpu_before, started = time.process_time(), time.monotonic()
            walk = stand_in.call(
                {
                    "cmd": "run",
                    "kind": spec.kind,
                    "participants": spec.participants,
                    "pause": list(spec.pause),
                    "step_timeout": spec.step_timeout,
                    "phase_timeout": spec.phase_timeout,
                },
                spec.phase_timeout + CONTROL_TIMEOUT,
            )
            reply = await _while_polling(system, walk)
            cpu_seconds = time.process_time() - cpu_before
            collector_time.stop()
            if spec.profile is not None:
                spec.profile.disable()
            cpu_system = cpu_seconds / (time.monotonic() - started)
            users = participants_of(spec.participants)
            checks = await system.verify(users, reply["tails"])
        finally:
            await system.stop()
        failed = False
    finally:
        try:
            await stand_in.call({"cmd": "close"}, CONTROL_TIMEOUT)
        except BenchError:
            if not failed:
                raise
    if any(r.levelno >= logging.ERROR for r in collector.records):
        raise BenchError(f"{spec.kind}: the bot logged errors during the phase")
    samples = [(str(step), float(latency), float(done)) for step, latency, done in reply["samples"]]
    by_step: dict[str, list[float]] = {}
    for step, latency, _ in samples:
        by_step.setdefault(step, []).append(latency)
    wall = float(reply["wall"])
    return PhaseResult(
        system=spec.kind,
        participants=spec.participants,
        updates=len(samples),
        wall=wall,
        latencies=[s[1] for s in samples],
        dones=[s[2] for s in samples],
        by_step=by_step,
        checks=checks,
        log_warnings=[f"{r.name}: {r.getMessage()}"[:200] for r in collector.records],
        cpu_system=cpu_system,
        cpu_stand_in=float(reply["cpu"]) / wall if wall > 0 else 0.0,
        cpu_seconds=cpu_seconds,
        gc_seconds=collector_time.seconds,
        gc_full=collector_time.full,
        calls={str(m): int(n) for m, n in reply.get("calls", {}).items()},
    )


# --------------------------------------------------------------------------- reporting


def environment() -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "aiogram": version("aiogram"),
        "aiohttp": version("aiohttp"),
        "aiosqlite": version("aiosqlite"),
        "sqlite": sqlite3.sqlite_version,
        "cpu_count": os.cpu_count(),
        "cpus_usable": usable_cpus(),
        "platform": platform.platform(),
        "event_loop": type(asyncio.get_event_loop_policy()).__name__,
        "load_average": os.getloadavg(),
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
    ("cpu_ms_per_update", "CPU ms/upd", "{:>12.2f}"),
    ("gc_ms_per_update", "GC ms/upd", "{:>11.3f}"),
    ("calls_per_update", "API/upd", "{:>9.2f}"),
)


def _row(label: str, figures: dict[str, float]) -> str:
    cells = [fmt.format(figures[key]) for key, _, fmt in COLUMNS]
    return f"{label:<22}" + "".join(cells)


def _header() -> str:
    widths = [len(fmt.format(0)) for _, _, fmt in COLUMNS]
    return f"{'system':<22}" + "".join(
        f"{title:>{width}}" for (_, title, _), width in zip(COLUMNS, widths, strict=True)
    )


Results = dict[str, list[PhaseResult]]


def _mode_summary(results: Results) -> dict[str, Any]:
    """Medians over the repeats of one mode (saturated or paced), per system."""
    medians = {
        name: {key: median([r.figures()[key] for r in runs]) for key, _, _ in COLUMNS}
        for name, runs in results.items()
    }
    summary: dict[str, Any] = {
        "medians": medians,
        "runs": {
            name: [
                {
                    **r.figures(),
                    "checks": r.checks,
                    "cpu_system": r.cpu_system,
                    "cpu_stand_in": r.cpu_stand_in,
                }
                for r in runs
            ]
            for name, runs in results.items()
        },
        "cpu": {
            name: {
                "system": median([r.cpu_system for r in runs]),
                "stand_in": median([r.cpu_stand_in for r in runs]),
            }
            for name, runs in results.items()
        },
    }
    if "bot" in results:
        summary["bot_steps_ms"] = {
            step.name: {
                "p50": median(
                    [percentile(r.by_step[step.name], 0.5) * 1000 for r in results["bot"]]
                ),
                "p95": median(
                    [percentile(r.by_step[step.name], 0.95) * 1000 for r in results["bot"]]
                ),
            }
            for step in WALK
        }
    if "bot" in results:
        last = results["bot"][-1]
        summary["bot_calls"] = sorted(
            ((m, n / last.updates) for m, n in last.calls.items()), key=lambda c: -c[1]
        )
    if "bot" in medians and "floor" in medians:
        summary["ratio"] = medians["bot"]["updates_per_s"] / medians["floor"]["updates_per_s"]
    return summary


def _memory_summary(results: dict[str, list[MemoryResult]]) -> dict[str, Any]:
    return {
        name: {
            "rss_start_mb": median([r.rss_start_mb for r in runs]),
            "rss_active_mb": median([r.rss_active_mb for r in runs]),
            "runs": [(r.rss_start_mb, r.rss_active_mb) for r in runs],
        }
        for name, runs in results.items()
        if runs
    }


def summarise(
    results: dict[str, Results],
    memory: dict[str, list[MemoryResult]],
    args: argparse.Namespace,
    stand_in_stderr: Sequence[str] = (),
) -> dict[str, Any]:
    summary: dict[str, Any] = {
        "participants": args.participants,
        "capacity": args.capacity,
        "updates_per_participant": len(WALK),
        "repeat": args.repeat,
        "pace_s": list(args.pace),
        "environment": environment(),
        "modes": {mode: _mode_summary(found) for mode, found in results.items()},
        "stand_in_stderr": stand_in_stderr,
    }
    if memory:
        summary["memory"] = {
            "people": args.people,
            "active": args.active,
            "events": args.events,
            **_memory_summary(memory),
        }
    summary["figures"] = four_figures(summary)
    return summary


def four_figures(summary: dict[str, Any]) -> dict[str, Any]:
    """The issue's four figures (bot, floor, goal met?), from the medians."""
    found: dict[str, Any] = {}
    saturated = summary["modes"].get("saturated", {})
    paced = summary["modes"].get("paced", {})
    if "ratio" in saturated:
        found["throughput_ratio"] = {
            "bot": saturated["medians"]["bot"]["updates_per_s"],
            "floor": saturated["medians"]["floor"]["updates_per_s"],
            "ratio": saturated["ratio"],
            "met": saturated["ratio"] >= GOAL_RATIO,
        }
    if "bot" in paced.get("medians", {}):
        bot_p95 = paced["medians"]["bot"]["p95_ms"]
        found["paced_p95_ms"] = {
            "bot": bot_p95,
            "floor": paced["medians"].get("floor", {}).get("p95_ms"),
            "met": bot_p95 <= GOAL_PACED_P95_MS,
        }
    cpu_mode = saturated or paced
    if "bot" in cpu_mode.get("medians", {}):
        bot_cpu = cpu_mode["medians"]["bot"]["cpu_ms_per_update"]
        found["cpu_ms_per_update"] = {
            "bot": bot_cpu,
            "floor": cpu_mode["medians"].get("floor", {}).get("cpu_ms_per_update"),
            "met": bot_cpu < GOAL_CPU_MS,
        }
    memory = summary.get("memory", {})
    if "bot" in memory and "floor" in memory:
        bot_rss = max(memory["bot"]["rss_start_mb"], memory["bot"]["rss_active_mb"])
        floor_rss = max(memory["floor"]["rss_start_mb"], memory["floor"]["rss_active_mb"])
        found["rss_mb"] = {
            "bot": bot_rss,
            "floor": floor_rss,
            "over_floor": bot_rss - floor_rss,
            "met": bot_rss <= floor_rss + GOAL_RSS_OVER_FLOOR_MB,
        }
    return found


def _print_mode(mode: str, summary: dict[str, Any], args: argparse.Namespace) -> None:
    print()
    if mode == "saturated":
        print(f"saturated: {args.participants} participants answer at once (closed loop)")
    else:
        low, high = args.pace
        print(f"paced: {args.participants} participants pause {low:g}-{high:g} s before each step")
    print(_header())
    for name, figures in summary["medians"].items():
        print(_row(SYSTEMS[name].label, figures))
    cpu = ", ".join(
        f"{name} {v['system'] * 100:.0f}% + stand-in {v['stand_in'] * 100:.0f}%"
        for name, v in summary["cpu"].items()
    )
    print(f"CPU, % of one core (the system's process + the stand-in's): {cpu}")
    if args.repeat > 1:
        for name, runs in summary["runs"].items():
            cells = ", ".join(
                f"{r['updates_per_s']:.1f}/{r['p95_ms']:.1f}/{r['cpu_ms_per_update']:.2f}"
                for r in runs
            )
            print(f"  each repeat, {name:<5} (updates/s / p95 ms / CPU ms per update): {cells}")
    calls = summary.get("bot_calls")
    if calls:
        print("  bot's Bot API calls per update: " + ", ".join(f"{m} {n:.2f}" for m, n in calls))
    if "bot_steps_ms" in summary:
        steps = summary["bot_steps_ms"].items()
        print(
            "  bot p50/p95 ms per step: "
            + ", ".join(f"{step} {v['p50']:.0f}/{v['p95']:.0f}" for step, v in steps)
        )


def print_report(summary: dict[str, Any], results: dict[str, Results]) -> None:
    env = summary["environment"]
    args = summary["args"]
    print()
    print(
        f"Registration benchmark: {args.participants} participants x {len(WALK)} updates, "
        f"capacity {args.capacity}, {args.repeat} repeat(s), medians over repeats"
    )
    print(
        f"Python {env['python']} ({env['implementation']}), aiogram {env['aiogram']}, "
        f"aiohttp {env['aiohttp']}, aiosqlite {env['aiosqlite']}, SQLite {env['sqlite']}; "
        f"CPUs: {env['cpu_count']} ({env['cpus_usable']} usable); load average at the end "
        f"{env['load_average'][0]:.2f}; {env['platform']}"
    )
    print(
        "latency: push -> first answer in the chat (seen by the stand-in, in its own process); "
        "done: push -> the handler returned; CPU ms/upd: the system's process CPU time / updates"
    )
    for mode, found in summary["modes"].items():
        _print_mode(mode, found, args)
    if "memory" in summary:
        memory = summary["memory"]
        print()
        print(
            f"memory: python -m bot with {memory['people']} participants, {memory['events']}"
            f" events in its database, {memory['active']} of them active; the floor: "
            "python -m bench.floor_bot (medians, MB)"
        )
        for name in ("floor", "bot"):
            if name in memory:
                m = memory[name]
                print(
                    f"  {name:<5} RSS after start-up {m['rss_start_mb']:6.1f}, after the active "
                    f"phase {m['rss_active_mb']:6.1f}"
                )
    _print_figures(summary["figures"])
    _print_warnings(summary, results)


def _print_figures(figures: dict[str, Any]) -> None:
    def verdict(met: bool) -> str:
        return "MET" if met else "MISSED"

    print()
    print("the four figures (medians; floor beside each):")
    if "throughput_ratio" in figures:
        f = figures["throughput_ratio"]
        print(
            f"  (a) saturated throughput: bot {f['bot']:.1f}/s, floor {f['floor']:.1f}/s, "
            f"ratio {f['ratio']:.2f} (goal >= {GOAL_RATIO}: {verdict(f['met'])})"
        )
    if "paced_p95_ms" in figures:
        f = figures["paced_p95_ms"]
        floor = "-" if f["floor"] is None else f"{f['floor']:.1f} ms"
        print(
            f"  (b) p95 first answer at a human pace: bot {f['bot']:.1f} ms, floor {floor} "
            f"(goal <= {GOAL_PACED_P95_MS:g} ms: {verdict(f['met'])})"
        )
    if "cpu_ms_per_update" in figures:
        f = figures["cpu_ms_per_update"]
        floor = "-" if f["floor"] is None else f"{f['floor']:.2f} ms"
        print(
            f"  (c) CPU per update: bot {f['bot']:.2f} ms, floor {floor} "
            f"(aim < {GOAL_CPU_MS:g} ms: {verdict(f['met'])})"
        )
    if "rss_mb" in figures:
        f = figures["rss_mb"]
        print(
            f"  (d) RSS (the larger of start-up and active): bot {f['bot']:.1f} MB, floor "
            f"{f['floor']:.1f} MB, +{f['over_floor']:.1f} MB "
            f"(goal <= floor + {GOAL_RSS_OVER_FLOOR_MB:g} MB: {verdict(f['met'])})"
        )


def _print_warnings(summary: dict[str, Any], results: dict[str, Results]) -> None:
    warnings = [
        w
        for found in results.values()
        for runs in found.values()
        for r in runs
        for w in r.log_warnings
    ]
    if warnings:
        print(f"warnings logged during the measured runs: {len(warnings)}; the first:")
        for line in warnings[:5]:
            print(f"  {line}")
    if summary["stand_in_stderr"]:
        print("the stand-in process wrote to its stderr; the first lines:")
        for line in summary["stand_in_stderr"][:10]:
            print(f"  {line}")


# --------------------------------------------------------------------------- main

MODES = ("saturated", "paced", "memory")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench.registration",
        description="Registration throughput, latency, CPU and memory: the real bot against "
        "bare aiogram.",
    )
    parser.add_argument("--participants", type=int, default=200, help="concurrent (200)")
    parser.add_argument(
        "--capacity", type=int, default=None, help="event capacity (default: 3/4 of N)"
    )
    parser.add_argument("--repeat", type=int, default=3, help="phases per system and mode (3)")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    parser.add_argument(
        "--modes",
        default=",".join(MODES),
        help="which of saturated,paced,memory to run (all three)",
    )
    parser.add_argument(
        "--only", choices=sorted(SYSTEMS), default=None, help="run one system (no ratio)"
    )
    parser.add_argument(
        "--warmup", type=int, default=20, help="participants of the unmeasured warm-up (20)"
    )
    parser.add_argument(
        "--pace",
        type=float,
        nargs=2,
        default=(0.5, 2.5),
        metavar=("LOW", "HIGH"),
        help="paced mode: seconds a participant pauses before each step (0.5 2.5)",
    )
    parser.add_argument("--people", type=int, default=10_000, help="memory: participants (10000)")
    parser.add_argument("--active", type=int, default=2_000, help="memory: active of them (2000)")
    parser.add_argument("--events", type=int, default=20, help="memory: events (20)")
    parser.add_argument(
        "--root",
        type=Path,
        default=Path(__file__).resolve().parents[1],
        help="memory: the checkout whose python -m bot runs (this one)",
    )
    parser.add_argument(
        "--profile",
        type=Path,
        default=None,
        help="write a cProfile of the bot's process during its saturated phases here",
    )
    parser.add_argument("--step-timeout", type=float, default=60.0, help="seconds per update")
    parser.add_argument("--phase-timeout", type=float, default=600.0, help="seconds per phase")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    return parser


async def run(
    args: argparse.Namespace,
) -> tuple[dict[str, Results], dict[str, list[MemoryResult]], list[str]]:
    collector = LogCollector()
    root = logging.getLogger()
    root.addHandler(collector)
    root.setLevel(logging.WARNING)
    results: dict[str, Results] = {}
    stderr: list[str] = []
    try:
        walks = [mode for mode in args.modes if mode != "memory"]
        if walks:
            async with StandInProcess() as stand_in:
                await _warm_up(args, stand_in, collector)
                for mode in walks:
                    results[mode] = await _run_mode(mode, args, stand_in, collector)
            stderr = stand_in.stderr
    finally:
        root.removeHandler(collector)
    memory: dict[str, list[MemoryResult]] = {}
    if "memory" in args.modes:
        spec = MemorySpec(args.people, args.active, args.events, args.root)
        memory = await measure_memory(spec, args.repeat)
    return results, memory, stderr


def _kinds(args: argparse.Namespace) -> list[str]:
    return [args.only] if args.only else ["floor", "bot"]


async def _warm_up(
    args: argparse.Namespace, stand_in: StandInProcess, collector: LogCollector
) -> None:
    if args.warmup <= 0:
        return
    for kind in _kinds(args):
        capacity = max(1, args.warmup * 3 // 4)
        spec = PhaseSpec(kind, args.warmup, capacity, args.step_timeout, args.phase_timeout)
        await run_phase(stand_in, spec, collector)


async def _run_mode(
    mode: str, args: argparse.Namespace, stand_in: StandInProcess, collector: LogCollector
) -> Results:
    results: Results = {kind: [] for kind in _kinds(args)}
    pause = (0.0, 0.0) if mode == "saturated" else tuple(args.pace)
    for repeat in range(args.repeat):
        for kind in results:
            profile = args.profiler if mode == "saturated" and kind == "bot" else None
            spec = PhaseSpec(
                kind,
                args.participants,
                args.capacity,
                args.step_timeout,
                args.phase_timeout,
                pause=(float(pause[0]), float(pause[1])),
                profile=profile,
            )
            result = await run_phase(stand_in, spec, collector)
            figures = result.figures()
            print(
                f"  {mode} {repeat + 1}/{args.repeat} {kind:<5}: "
                f"{figures['updates_per_s']:7.1f} updates/s, "
                f"p50 {figures['p50_ms']:6.1f} ms, p95 {figures['p95_ms']:6.1f} ms, "
                f"CPU {figures['cpu_ms_per_update']:.2f} ms/update",
                flush=True,
            )
            results[kind].append(result)
    return results


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.serve:  # the child process
        asyncio.run(serve())
        return 0
    args.modes = [mode.strip() for mode in args.modes.split(",") if mode.strip()]
    if args.participants < 1 or args.repeat < 1 or not set(args.modes) <= set(MODES):
        print("--participants and --repeat must be at least 1; --modes of " + ",".join(MODES))
        return 2
    if args.capacity is None:
        args.capacity = max(1, args.participants * 3 // 4)
    args.profiler = cProfile.Profile() if args.profile is not None else None
    # Quiet: nothing on the console but the report; warnings and errors are collected.
    logging.basicConfig(level=logging.WARNING, handlers=[logging.NullHandler()])
    try:
        results, memory, stand_in_stderr = asyncio.run(run(args))
    except BenchError as exc:
        print(f"benchmark failed: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # both processes have stopped (the child on its closed stdin)
        print("benchmark interrupted", file=sys.stderr)
        return 130
    if args.profiler is not None:
        args.profiler.dump_stats(args.profile)
    summary = summarise(results, memory, args, stand_in_stderr)
    print_report({**summary, "args": args}, results)
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", "utf-8")
        print(f"\nfigures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
