"""A queue that cannot die: the bot's database locked by another connection past the busy
timeout, or full (``max_page_count``), in the middle of an announcement and of a reminder
moment; people who write meanwhile; the sender's runner task ended from outside.

Afterwards everyone gets everything exactly once, and the bot goes on working.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from aiogram import Bot

from bot.config import Settings
from bot.delivery.broadcasting import Audience, AudienceKind, BroadcastService
from bot.delivery.progress import ProgressReporter
from bot.delivery.reminders import reminders_of
from bot.delivery.sender import Sender
from bot.registration.regions import default_regions
from bot.resilience import Backoff
from storage.broadcasts import Broadcast, BroadcastRepo, Progress
from storage.db import Database, utcnow
from storage.outbox import NewItem, OutboxRepo, OutItem
from tests.support.broadcast import ADMIN, add_people, wait_status, wait_until
from tests.support.faults import BUSY_MS, WriteLock, fill_the_disk, free_the_disk, texts_to
from tests.support.people import Person
from tests.support.reminders import enrol, is_reminder, reminders_to, soon
from tests.support.running import (
    RunningBot,
    start,
    start_questions,
    to_summary,
)
from tests.support.stand_in import StandInServer, TgUser

PAUSE = "Технический перерыв на минуту: пожалуйста, повторите через минуту."
PEOPLE = list(range(30_001, 30_081))  # 80 recipients
UTC_ZONE = ZoneInfo("UTC")


pytestmark = pytest.mark.broadcast_admin(broadcast_rate=40, db_busy_timeout_ms=BUSY_MS)


def sender_of(running: RunningBot) -> Sender:
    sender: Sender = running.dp["sender"]
    return sender


async def announce(running: RunningBot, text: str, status_message_id: int | None = None) -> int:
    """Queue an announcement to everyone, as the coordinator's dialog or the CLI does."""
    service = BroadcastService(
        running.db, default_regions(), default_zone=running.settings.zone, quiet_hours=None
    )
    broadcast_id, _ = await service.create(
        Audience(AudienceKind.ALL),
        None,
        created_by=ADMIN,
        text=text,
        status_message=(ADMIN, status_message_id) if status_message_id else None,
    )
    running.dp["broadcasting"].wake()
    return broadcast_id


async def wait_settled(db: Database, timeout: float = 20) -> None:  # noqa: ASYNC109
    """Until no row of the queue is pending or being sent (every outcome written)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        row = await db.fetchone(
            "SELECT count(*) FROM outbox WHERE status IN ('pending', 'sending')"
        )
        if row is not None and row[0] == 0:
            return
        assert loop.time() < deadline, f"{row[0] if row else '?'} row(s) still not settled"
        await asyncio.sleep(0.05)


def warnings_of(caplog: pytest.LogCaptureFixture, logger: str, fragment: str) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == logger and r.levelno >= logging.WARNING and fragment in r.getMessage()
    ]


# --- a locked database in the middle of an announcement ----------------------------------------


async def test_the_queue_does_not_die_when_another_connection_locks_it_mid_announcement(
    running: RunningBot, server: StandInServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    await add_people(running.db, server, PEOPLE)
    server.add_chat(TgUser(ADMIN, "Админ"))
    status = await running.bot.send_message(ADMIN, "Рассылка…")
    sender = sender_of(running)
    first = "Объявление №1: сессия переносится"
    await announce(running, first, status.message_id)
    await wait_until(lambda: len(texts_to(server, PEOPLE, first)) >= 20, 15, "20 deliveries")

    async with WriteLock(running.settings.database_path):
        # a person writing for the first time meanwhile: their first-contact write is refused
        newcomer = Person(server, 30_500, "Олег")
        reply = await newcomer.send("/start")
        assert reply.text == PAUSE  # nothing was kept yet, and it does not say otherwise
        # the sender could neither claim nor write: it waits, it does not die
        await wait_until(lambda: sender.claims.failing and sender.writes.failing, 15, "faults")
        await asyncio.sleep(2)  # the lock is held for seconds, many attempts long
        assert sender.claims.failing and sender._runner is not None
        assert not sender._runner.done()

    await wait_until(lambda: len(texts_to(server, PEOPLE, first)) == 80, 30, "everyone")
    await wait_settled(running.db)
    assert texts_to(server, PEOPLE, first) == dict.fromkeys(PEOPLE, 1)  # nobody twice
    admin = Person(server, ADMIN, "Админ")
    report = await wait_status(admin, "завершена", timeout=20)
    assert "Отправлено 80 из 80" in report

    # the bot answers, and a second announcement reaches everyone (the newcomer too)
    reply = await newcomer.send("/start")
    assert "Здравствуйте, Олег" in reply.text
    second = "Объявление №2: новая дата"
    await announce(running, second)
    everyone = [*PEOPLE, newcomer.id]
    await wait_until(lambda: len(texts_to(server, everyone, second)) == 81, 30, "second")
    await wait_settled(running.db)
    assert texts_to(server, everyone, second) == dict.fromkeys(everyone, 1)

    # said once (and once on recovery), not once per attempt
    assert (
        len(warnings_of(caplog, "bot.delivery.sender", "outbox sender: database unavailable")) == 1
    )
    assert (
        len(warnings_of(caplog, "bot.delivery.sender", "outbox results: database unavailable")) == 1
    )
    assert warnings_of(caplog, "bot.delivery.sender", "outbox sender works again")
    assert warnings_of(caplog, "bot.delivery.sender", "outbox results works again")


# --- a locked database at a reminder moment ----------------------------------------------------


async def test_a_reminder_moment_inside_a_lock_is_late_not_lost(
    bot: RunningBot, server: StandInServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    event = soon(20, reminders=["16s"])  # the moment: 4 s from now, the session 16 s later
    await bot.add_events(event)
    people = [Person(server, 31_000 + i, f"Участник {i}") for i in range(30)]
    for person in people:
        await enrol(bot, server, person)
    await start(bot, server)
    reminders = reminders_of(bot.dp["runtime"])
    assert reminders is not None

    moment = event.starts_at - timedelta(seconds=16)
    await asyncio.sleep(max(0.0, (moment - utcnow()).total_seconds() - 1.5))
    async with WriteLock(bot.settings.database_path):
        # the planner at the moment cannot queue the reminders: it backs off and tries again
        await wait_until(lambda: reminders.planning.failures >= 2, 15, "the planner's retries")
        assert not any(reminders_to(server, p) for p in people)
        reply = await people[0].send("/events")  # reading works while the lock is held
        assert reply.text

    for person in people:
        await server.wait_for(is_reminder(person), timeout=15)
    await wait_settled(bot.db)
    assert [len(reminders_to(server, p)) for p in people] == [1] * 30
    assert "Здравствуйте" in (await people[1].send("/start")).text

    planner = warnings_of(
        caplog, "bot.delivery.reminders", "reminder planner: database unavailable"
    )
    assert len(planner) == 1  # once, not once per attempt or per tick
    assert warnings_of(caplog, "bot.delivery.reminders", "reminder planner works again")
    # no job's exception reached APScheduler's own logger
    assert not [r for r in caplog.records if r.name.startswith("apscheduler") and r.exc_info]


# --- a full database ---------------------------------------------------------------------------


async def test_a_full_database_keeps_results_in_memory_and_sends_nothing_twice(
    running: RunningBot, server: StandInServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    people = PEOPLE[:60]
    await add_people(running.db, server, people)
    sender = sender_of(running)
    sender.tune_backoff(0.05, 0.5)
    server.delay = 0.05  # each message is in flight for a moment
    text = "Объявление при полном диске"
    await announce(running, text)
    await wait_until(lambda: len(texts_to(server, people, text)) >= 5, 15, "5 deliveries")
    await fill_the_disk(running.db)
    try:
        await wait_until(lambda: sender.writes.failing, 15, "a refused write")
        await wait_until(lambda: sender.unwritten >= 5, 15, "results held in memory")
        # sent, but their rows still say 'sending': never claimed again in this process
        sending = await running.db.fetchall("SELECT chat_id FROM outbox WHERE status = 'sending'")
        got = set(texts_to(server, people, text))
        assert got & {row[0] for row in sending}
        assert warnings_of(caplog, "bot.delivery.sender", "database or disk is full")
    finally:
        await free_the_disk(running.db)

    await wait_until(lambda: len(texts_to(server, people, text)) == 60, 30, "everyone")
    await wait_settled(running.db)
    assert sender.unwritten == 0
    assert texts_to(server, people, text) == dict.fromkeys(people, 1)
    rows = await running.db.fetchall("SELECT status, count(*) FROM outbox GROUP BY status")
    assert {row[0]: row[1] for row in rows} == {"sent": 60}

    again = "И ещё одно объявление"
    await announce(running, again)
    await wait_until(lambda: len(texts_to(server, people, again)) == 60, 30, "the next one")
    assert texts_to(server, people, again) == dict.fromkeys(people, 1)


# --- a person who writes while the database is locked ---------------------------------------------


async def test_a_person_who_writes_during_a_lock_is_asked_to_repeat_and_keeps_earlier_answers(
    running: RunningBot, server: StandInServer, irina: Person
) -> None:
    await start_questions(running, irina, "Иванова Ирина Петровна", "АНО «Дом дружбы народов»")

    async with WriteLock(running.settings.database_path):
        reply = await irina.send("Председатель")
        assert reply.text == PAUSE + " Введённое ранее сохранено."

    reply = await irina.send("Председатель")  # the same answer again, a minute later
    assert PAUSE not in reply.text
    await irina.click("Руководитель НКО")
    await irina.send("Свердловская")
    await irina.send("8 912 345-67-89")
    reply = await irina.send("irina@example.ru")
    for earlier in ("Иванова Ирина Петровна", "АНО «Дом дружбы народов»", "Председатель"):
        assert earlier in reply.text
    reply = await irina.click("Подтвердить")
    assert "Вы зарегистрированы" in reply.text


async def test_a_confirmation_pressed_during_a_lock_gets_a_short_alert_and_works_after(
    running: RunningBot, server: StandInServer, irina: Person
) -> None:
    await to_summary(running, irina)
    async with WriteLock(running.settings.database_path):
        reply = await irina.click("Подтвердить")
    # the handler had answered the button before the write failed: the pause comes as a message
    assert reply.text == PAUSE + " Введённое ранее сохранено."
    reply = await irina.click("Подтвердить")
    assert "Вы зарегистрированы" in reply.text


async def test_a_button_whose_first_write_is_refused_gets_a_short_alert(
    running: RunningBot, server: StandInServer, irina: Person
) -> None:
    await start_questions(running, irina)  # consented, no answer typed yet
    await irina.send("/cancel")
    reply = await irina.send("/start")
    assert reply.buttons
    # she consented: her new Telegram name is stored, so the middleware must write
    renamed = Person(server, irina.id, "Ира", username="irina_ngo")
    async with WriteLock(running.settings.database_path):
        reply = await renamed.click(reply.buttons[0])
    assert reply.alerts == [PAUSE]
    reply = await renamed.send("/start")
    assert "Ира" in reply.text


# --- the sender's own task and its stop ----------------------------------------------------------


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[Database]:
    async with Database(settings.database_path, busy_timeout_ms=BUSY_MS) as database:
        yield database


async def say(bot: Bot, item: OutItem) -> bool:
    await bot.send_message(item.chat_id, "Сообщение из очереди")
    return True


async def queue_for(db: Database, server: StandInServer, ids: list[int], tag: str) -> None:
    await add_people(db, server, ids)
    now = utcnow()
    async with db.transaction() as conn:
        await OutboxRepo.enqueue(conn, [NewItem(f"{tag}:{i}", i, "say", now) for i in ids], now)


def new_sender(db: Database, bot: Bot) -> Sender:
    sender = Sender(db, bot, rate=30, renderers={"say": say}, poll_interval=0.1)
    sender.tune_backoff(0.05, 0.5)
    return sender


async def test_a_batch_of_results_refused_by_the_database_is_written_later_not_sent_twice(
    db: Database, server: StandInServer, sender_bot: Bot
) -> None:
    people = list(range(32_001, 32_041))
    await queue_for(db, server, people, "later")
    server.delay = 0.05
    sender = new_sender(db, sender_bot)
    await sender.start()
    lock = WriteLock(db.path)
    try:
        await wait_until(lambda: len(texts_to(server, people, "Сообщение из очереди")) >= 5)
        await lock.take()
        await wait_until(lambda: sender.writes.failing and sender.unwritten >= 3, 15, "held")
        await lock.release()
        await wait_settled(db)
    finally:
        await lock.release()
        await sender.stop()
    # a restart finds nothing in flight: everything sent was recorded
    again = new_sender(db, sender_bot)
    await again.start()
    await wait_settled(db)
    await again.stop()
    got = texts_to(server, people, "Сообщение из очереди")
    assert got == dict.fromkeys(people, 1)


async def test_stop_while_the_database_is_locked_finishes_and_resends_only_the_unwritten(
    db: Database, server: StandInServer, sender_bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    people = list(range(33_001, 33_041))
    await queue_for(db, server, people, "stop")
    server.delay = 0.05
    sender = new_sender(db, sender_bot)
    sender.stop_timeout = 0.5
    await sender.start()
    lock = WriteLock(db.path)
    await wait_until(lambda: len(texts_to(server, people, "Сообщение из очереди")) >= 5)
    await lock.take()
    try:
        await wait_until(lambda: sender.unwritten >= 3, 15, "results held in memory")
        await asyncio.wait_for(sender.stop(), 15)  # finishes although nothing can be written
        unwritten = sender.unwritten
        assert unwritten >= 3
    finally:
        await lock.release()
    said = warnings_of(caplog, "bot.delivery.sender", "result(s) not written")
    assert said and f"stopping with {unwritten} result(s) not written" in said[0]
    before = texts_to(server, people, "Сообщение из очереди")

    again = new_sender(db, sender_bot)  # the next start sends again what was in flight only
    await again.start()
    await wait_settled(db)
    await again.stop()
    got = texts_to(server, people, "Сообщение из очереди")
    assert set(got) == set(people) and max(got.values()) <= 2
    assert sum(got.values()) - len(people) <= unwritten
    assert {chat for chat, n in got.items() if n == 2} <= set(before)


async def test_stop_in_the_middle_of_writing_results_loses_none_of_them(
    db: Database, server: StandInServer, sender_bot: Bot
) -> None:
    """Regression: stop() cancelled the task that writes the results while it was writing a
    batch (here: waiting for a lock another connection holds); the write was rolled back and
    the batch, already taken off the list, was forgotten, so those messages stayed 'sending'
    and went out a second time at the next start."""
    people = list(range(35_001, 35_031))
    await queue_for(db, server, people, "midwrite")
    server.delay = 0.05
    sender = new_sender(db, sender_bot)
    sender.stop_timeout = 15
    await sender.start()
    lock = WriteLock(db.path)
    await wait_until(lambda: len(texts_to(server, people, "Сообщение из очереди")) >= 5)
    await lock.take()
    try:
        await wait_until(lambda: sender.unwritten >= 1 or sender._flush_lock.locked(), 15)
        await wait_until(lambda: sender._flush_lock.locked(), 15, "a write of results under way")
        stopping = asyncio.create_task(sender.stop())
    finally:
        await lock.release()
    await asyncio.wait_for(stopping, 30)
    before = texts_to(server, people, "Сообщение из очереди")

    again = new_sender(db, sender_bot)  # sends only what had not gone out
    await again.start()
    await wait_settled(db)
    await again.stop()
    got = texts_to(server, people, "Сообщение из очереди")
    assert set(got) == set(people)
    twice = {chat for chat, n in got.items() if n > 1}
    assert not twice, (sorted(twice), sorted(before))


async def test_a_sender_task_that_ends_from_outside_is_started_again(
    db: Database, server: StandInServer, sender_bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    people = list(range(34_001, 34_011))
    await queue_for(db, server, people[:5], "first")
    sender = new_sender(db, sender_bot)
    await sender.start()
    try:
        await wait_settled(db)
        runner = sender._runner
        assert runner is not None
        runner.cancel()  # as an unexpected end of the task would
        await asyncio.gather(runner, return_exceptions=True)
        await wait_until(lambda: sender._runner is not runner, 5, "a new runner")
        await queue_for(db, server, people[5:], "second")
        sender.wake()
        await wait_settled(db)
    finally:
        await sender.stop()
    assert texts_to(server, people, "Сообщение из очереди") == dict.fromkeys(people, 1)
    assert warnings_of(caplog, "bot.delivery.sender", "outbox sender task")


async def test_the_progress_report_waits_out_a_lock_and_reports_the_end(
    db: Database, server: StandInServer
) -> None:
    await add_people(db, server, PEOPLE[:10])
    service = BroadcastService(db, default_regions(), default_zone=UTC_ZONE, quiet_hours=None)
    broadcast_id, _ = await service.create(
        Audience(AudienceKind.ALL), None, created_by=ADMIN, text="Привет", status_message=(ADMIN, 1)
    )
    async with db.transaction() as conn:  # everything was delivered while the bot was away
        await conn.execute("UPDATE outbox SET status = 'sent', sent_at = created_at")
    shown: list[Progress] = []

    async def publish(broadcast: Broadcast, progress: Progress) -> None:
        shown.append(progress)

    reporter = ProgressReporter(db, publish, interval=0.05)
    reporter.failures.start = 0.05
    async with WriteLock(db.path):
        await reporter.start()  # reads the unfinished announcements; writing "done" is refused
        await wait_until(lambda: reporter.failures.failures >= 2, 15, "retries")
        assert shown == []
    try:
        await wait_until(lambda: bool(shown) and shown[-1].finished, 15, "the final report")
    finally:
        await reporter.stop()
    assert (shown[-1].sent, shown[-1].total) == (10, 10)
    broadcast = await BroadcastRepo(db).get(broadcast_id)
    assert broadcast is not None and broadcast.status == "done"


def test_backoff_doubles_to_its_cap_logs_once_and_says_when_it_recovers(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    log = logging.getLogger("tests.backoff")
    backoff = Backoff("the loop", log, start=0.5, cap=4, detail=lambda: "3 waiting")
    locked = sqlite3.OperationalError("database is locked")
    assert [backoff.failed(locked) for _ in range(6)] == [0.5, 1, 2, 4, 4, 4]
    lines = [r.getMessage() for r in caplog.records if r.name == "tests.backoff"]
    assert lines == ["the loop: database unavailable (database is locked); 3 waiting"]
    backoff.succeeded()
    assert backoff.delay == 0 and not backoff.failing
    lines = [r.getMessage() for r in caplog.records if r.name == "tests.backoff"]
    assert lines[-1].startswith("the loop works again after") and len(lines) == 2
    assert backoff.failed(RuntimeError("a bug")) == 0.5  # a new run starts from the first delay
    assert caplog.records[-1].exc_info is not None  # a bug is logged with its traceback
