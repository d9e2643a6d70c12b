"""The delivery queue's sender against the stand-in server: the rate limit in any second,
priorities, and what each of Telegram's refusals does to a message."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from aiogram import Bot

from bot.delivery.sender import Sender
from storage.db import Database, to_db, utcnow
from storage.outbox import NewItem, OutboxRepo, OutItem, Priority
from storage.participants import ParticipantRepo
from tests.support.stand_in import StandInServer, TgUser


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    async with Database(tmp_path / "bot.sqlite3") as database:
        yield database


async def say(bot: Bot, item: OutItem) -> bool:
    await bot.send_message(item.chat_id, str(item.payload.get("text", item.dedup_key)))
    return True


async def people(db: Database, server: StandInServer, *ids: int) -> None:
    async with db.transaction() as conn:
        for telegram_id in ids:
            server.add_chat(TgUser(telegram_id, f"Имя{telegram_id}"))
            await ParticipantRepo(db).upsert_seen(
                conn, telegram_id, f"Имя{telegram_id}", None, "ru", utcnow()
            )


async def queue(db: Database, *items: NewItem) -> None:
    async with db.transaction() as conn:
        await OutboxRepo.enqueue(conn, items, utcnow())


async def run_until_done(sender: Sender, db: Database) -> dict[str, str]:
    """Start the sender, wait until nothing due is pending or being sent, stop it."""
    await sender.start()
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 10
        while True:
            busy = await db.fetchone(
                "SELECT count(*) FROM outbox WHERE status IN ('pending', 'sending') "
                "AND not_before <= ?",
                (to_db(utcnow()),),
            )
            if busy is not None and busy[0] == 0:
                break
            assert loop.time() < deadline, "the queue did not drain"
            await asyncio.sleep(0.05)
    finally:
        await sender.stop()
    rows = await db.fetchall("SELECT dedup_key, status, error FROM outbox ORDER BY id")
    return {r[0]: r[1] + (f" ({r[2]})" if r[2] else "") for r in rows}


def item(
    key: str,
    chat_id: int,
    *,
    priority: int = Priority.BROADCAST,
    payload: dict[str, object] | None = None,
) -> NewItem:
    return NewItem(key, chat_id, "say", utcnow(), priority, payload or {})


async def test_never_more_than_the_rate_in_any_second(
    db: Database, server: StandInServer, sender_bot: Bot
) -> None:
    await people(db, server, *range(100, 140))
    await queue(db, *(item(f"m{n}", 100 + n) for n in range(40)))
    sender = Sender(db, sender_bot, rate=20, renderers={"say": say})
    outcome = await run_until_done(sender, db)
    assert set(outcome.values()) == {"sent"}
    times = sorted(c.at for c in server.calls if c.method == "sendMessage")
    assert len(times) == 40
    busiest = max(sum(1 for t in times if start <= t < start + 1.0) for start in times)
    assert busiest <= 20
    # and not much below it: 40 messages at 19/s take about two seconds
    assert times[-1] - times[0] < 2.5


async def test_reminders_and_notices_go_before_announcements(
    db: Database, server: StandInServer, sender_bot: Bot
) -> None:
    await people(db, server, 200)
    await queue(
        db,
        *(item(f"broadcast{n}", 200) for n in range(5)),
        item("notice", 200, priority=Priority.NOTICE),
        item("reminder", 200, priority=Priority.REMINDER),
    )
    sender = Sender(db, sender_bot, rate=50, renderers={"say": say})
    await run_until_done(sender, db)
    texts = [c.params["text"] for c in server.calls if c.method == "sendMessage"]
    assert texts[:2] == ["reminder", "notice"]
    assert len(texts) == 7


async def test_refusals_429_403_400_and_a_renderer_that_drops(
    db: Database, server: StandInServer, sender_bot: Bot
) -> None:
    await people(db, server, 301, 302, 303, 304)
    server.fail("sendMessage", error_code=429, description="Too Many Requests", chat_id=301)
    server.block(302)
    server.fail(
        "sendMessage", error_code=400, description="Bad Request: message is too long", chat_id=303
    )

    async def maybe(bot: Bot, out: OutItem) -> bool:
        return False if out.payload.get("stale") else await say(bot, out)

    later = NewItem("blocked-later", 302, "say", utcnow() + timedelta(minutes=5))
    await queue(
        db,
        item("slow", 301),
        item("blocked", 302),
        later,
        item("too-long", 303),
        item("stale", 304, payload={"stale": True}),
    )
    sender = Sender(db, sender_bot, rate=30, renderers={"say": maybe})
    outcome = await run_until_done(sender, db)
    assert outcome == {
        "slow": "sent",  # paused for retry_after, then sent: never dropped
        "blocked": "dropped (Forbidden: bot was blocked by the user)",
        "blocked-later": "dropped (unreachable)",  # everything else for that person goes
        "too-long": "failed (Bad Request: message is too long)",
        "stale": "dropped (no longer relevant)",
    }
    person = await ParticipantRepo(db).get(302)
    assert person is not None and person.unreachable_since is not None
    slow = [c for c in server.calls if c.chat_id == 301]
    assert [c.error_code for c in slow] == [429, None]
    assert slow[1].at - slow[0].at >= 0.95
    assert not [c for c in server.calls if c.chat_id == 304]  # a dropped item makes no call


async def test_a_revoked_token_keeps_the_message_waiting_and_the_sender_alive(
    db: Database, server: StandInServer, sender_bot: Bot
) -> None:
    """Regression: a 401 was re-raised inside a delivery task, whose exception nobody read;
    the row stayed 'sending' until the next start."""
    await people(db, server, 401, 402)
    server.fail("sendMessage", error_code=401, description="Unauthorized", chat_id=401, times=1)
    await queue(db, item("refused", 401), item("fine", 402))
    sender = Sender(db, sender_bot, rate=30, renderers={"say": say})
    outcome = await run_until_done(sender, db)
    assert outcome == {"refused": "pending (401)", "fine": "sent"}
    row = await db.fetchone("SELECT attempts, not_before FROM outbox WHERE dedup_key = 'refused'")
    assert row is not None and row["attempts"] == 0
    assert row["not_before"] > to_db(utcnow() + timedelta(seconds=30))
