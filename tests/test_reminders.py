"""Reminders, change notices and "I can't come" through the real bot and the stand-in server,
with reminder offsets of seconds."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta
from typing import Any

from bot.config import Settings
from bot.delivery.reminders import plan_now
from storage.db import utcnow
from storage.models import Event, EventStatus, RegStatus
from storage.participants import ParticipantRepo
from tests.support.people import Person
from tests.support.reminders import (
    LINK,
    enrol,
    is_reminder,
    notices_to,
    reminders_to,
    service,
    soon,
)
from tests.support.running import RunningBot, fill_profile, start
from tests.support.stand_in import ApiCall, StandInServer


def buttons(call: ApiCall) -> list[dict[str, Any]]:
    markup = call.params.get("reply_markup") or {}
    return [b for row in markup.get("inline_keyboard", []) for b in row]


async def outbox_rows(running: RunningBot, kind: str) -> list[tuple[int, str, str]]:
    """The queue's rows of this kind, once nothing is being sent (outcomes are written a few
    milliseconds after Telegram's answer)."""
    for _ in range(100):
        busy = await running.db.fetchone("SELECT count(*) FROM outbox WHERE status = 'sending'")
        if busy is not None and busy[0] == 0:
            break
        await asyncio.sleep(0.02)
    rows = await running.db.fetchall(
        "SELECT chat_id, status, dedup_key FROM outbox WHERE kind = ? ORDER BY chat_id, id",
        (kind,),
    )
    return [(r[0], r[1], r[2]) for r in rows]


async def anna_enrolled(
    bot: RunningBot, server: StandInServer, event: Event, user_id: int
) -> Person:
    """The event imported and Anna (``user_id``) registered for it before the bot starts."""
    await bot.add_events(event)
    anna = Person(server, user_id, "Анна")
    await enrol(bot, server, anna)
    return anna


def two_moments() -> Event:
    """An event in four seconds with reminders at 3 s and 2 s before it (1 s and 2 s from now):
    the two moments are close enough to overlap."""
    return soon(4, reminders=["3s", "2s"])


async def run_past_the_start(
    bot: RunningBot, server: StandInServer, event: Event, anna: Person, wait: float
) -> None:
    """Start the bot, wait for Anna's first reminder and then until the event starts, so every
    reminder that could still come has had its chance."""
    await start(bot, server)
    await server.wait_for(is_reminder(anna), timeout=wait)
    await asyncio.sleep(max(0.0, (event.starts_at - utcnow()).total_seconds()) + 0.3)


# --- at the moment, for the registered only -----------------------------------------------------


async def test_reminder_arrives_at_its_moment_for_registered_participants_only(
    bot: RunningBot, server: StandInServer
) -> None:
    event = soon(4, capacity=1)
    await bot.add_events(event)
    anna, boris, vera = (
        Person(server, 7100 + i, n) for i, n in enumerate(["Анна", "Борис", "Вера"])
    )
    assert await enrol(bot, server, anna) is RegStatus.REGISTERED
    assert await enrol(bot, server, boris) is RegStatus.WAITLISTED
    await enrol(bot, server, vera)
    await service(bot).cancel(vera.id, "ufo")
    await start(bot, server)
    moment = event.starts_at - timedelta(seconds=2)

    call = await server.wait_for(is_reminder(anna), timeout=10)
    sent_at = utcnow()
    assert sent_at >= moment
    assert (sent_at - moment).total_seconds() < 1.5
    text = str(call.result["text"])
    assert "«Стратегическая сессия УФО» начнётся меньше чем через минуту" in text
    assert "МСК" in text and "1 ч 30 мин" in text
    assert LINK in text
    shown = buttons(call)
    assert {"text": "🔗 Подключиться", "url": LINK} in shown
    assert "📆 Добавить в календарь" in [b["text"] for b in shown]
    assert "🙅 Не смогу прийти" in [b["text"] for b in shown]

    await asyncio.sleep(max(0.0, (event.starts_at - utcnow()).total_seconds()) + 0.3)
    assert len(reminders_to(server, anna)) == 1
    assert reminders_to(server, boris) == [] and reminders_to(server, vera) == []
    assert [r[:2] for r in await outbox_rows(bot, "reminder")] == [(anna.id, "sent")]


async def test_a_person_who_registers_after_the_last_moment_gets_it_at_once(
    bot: RunningBot, server: StandInServer, irina: Person
) -> None:
    await bot.add_events(soon(20, reminders=["1m"]))  # its moment passed 40 s ago
    await start(bot, server)
    await irina.send("/start ev_ufo")
    await fill_profile(irina)
    reply = await irina.click("Подтвердить")
    assert "Вы зарегистрированы" in reply.text
    call = await server.wait_for(is_reminder(irina), timeout=5)
    assert "начнётся меньше чем через минуту" in str(call.result["text"])


# --- restarts and downtime ------------------------------------------------------------------------


async def test_a_restart_before_the_moment_gives_exactly_one_reminder(
    bot: RunningBot, fast: Settings, server: StandInServer
) -> None:
    event = soon(3)
    anna = await anna_enrolled(bot, server, event, 7201)
    await start(bot, server)
    await asyncio.sleep(0.3)
    await bot.stop()  # stopped before the moment (1 s from now) ...
    again = RunningBot(fast)
    await again.start()  # ... and started again: the jobs are rebuilt from the database
    try:
        await server.wait_for(is_reminder(anna), timeout=10)
        await asyncio.sleep(max(0.0, (event.starts_at - utcnow()).total_seconds()) + 0.3)
        assert len(reminders_to(server, anna)) == 1
    finally:
        await again.stop()


async def test_after_downtime_only_the_latest_missed_reminder_is_sent(
    bot: RunningBot, server: StandInServer
) -> None:
    event = two_moments()
    anna = await anna_enrolled(bot, server, event, 7301)
    # The bot is down while both moments pass (1 s and 2 s from now) and starts before the event.
    await asyncio.sleep(max(0.0, (event.starts_at - utcnow()).total_seconds() - 1.7))
    await run_past_the_start(bot, server, event, anna, wait=5)
    assert len(reminders_to(server, anna)) == 1
    assert [key.split(":")[3] for _, _, key in await outbox_rows(bot, "reminder")] == ["2"]


async def test_a_reminder_overtaken_by_the_next_moment_is_not_sent(
    bot: RunningBot, server: StandInServer
) -> None:
    event = two_moments()
    anna = await anna_enrolled(bot, server, event, 7302)
    # Telegram fails at the first moment; the retry (1 s later) comes after the second one.
    server.fail("sendMessage", error_code=502, description="Bad Gateway", chat_id=anna.id)
    await run_past_the_start(bot, server, event, anna, wait=6)
    assert len(reminders_to(server, anna)) == 1
    rows = [(status, key.split(":")[3]) for _, status, key in await outbox_rows(bot, "reminder")]
    assert rows == [("dropped", "3"), ("sent", "2")]


# --- changes --------------------------------------------------------------------------------------


async def test_moving_an_event_moves_its_reminders_and_sends_one_notice(
    bot: RunningBot, server: StandInServer
) -> None:
    event = soon(4, capacity=1)
    await bot.add_events(event)
    anna, boris = Person(server, 7401, "Анна"), Person(server, 7402, "Борис")
    assert await enrol(bot, server, anna) is RegStatus.REGISTERED
    assert await enrol(bot, server, boris) is RegStatus.WAITLISTED
    await start(bot, server)
    moved = replace(event, starts_at=event.starts_at + timedelta(seconds=3))
    await bot.add_events(moved)  # as a coordinator's edit in the chat does (import_events) ...
    await plan_now(bot.dp["runtime"])  # ... followed by a new plan

    told = await server.wait_for(
        lambda c: c.ok and c.chat_id == anna.id and "Изменения" in str(c.params.get("text")),
        timeout=5,
    )
    assert "время" in str(told.result["text"]) and "Прежнее время" in str(told.result["text"])
    assert LINK in str(told.params["text"])
    waiting = await server.wait_for(
        lambda c: c.ok and c.chat_id == boris.id and "Изменения" in str(c.params.get("text")),
        timeout=5,
    )
    assert LINK not in str(waiting.params["text"])  # the link is for registered people only
    assert all("url" not in b for b in buttons(waiting))

    old_moment = event.starts_at - timedelta(seconds=2)
    call = await server.wait_for(is_reminder(anna), timeout=10)
    assert utcnow() >= moved.starts_at - timedelta(seconds=2) > old_moment
    assert call.params["chat_id"] == anna.id
    await asyncio.sleep(max(0.0, (moved.starts_at - utcnow()).total_seconds()) + 0.3)
    assert len(reminders_to(server, anna)) == 1 and reminders_to(server, boris) == []
    assert len(notices_to(server, anna, "Изменения")) == 1
    assert len(notices_to(server, boris, "Изменения")) == 1


async def test_a_cancelled_event_sends_one_cancellation_and_no_reminder(
    bot: RunningBot, server: StandInServer
) -> None:
    event = soon(3)
    anna = await anna_enrolled(bot, server, event, 7501)
    await start(bot, server)
    await bot.add_events(replace(event, status=EventStatus.CANCELLED))
    await plan_now(bot.dp["runtime"])
    await server.wait_for(
        lambda c: c.ok and c.chat_id == anna.id and "отменено" in str(c.params.get("text")),
        timeout=5,
    )
    await asyncio.sleep(max(0.0, (event.starts_at - utcnow()).total_seconds()) + 0.3)
    assert reminders_to(server, anna) == []
    assert len(notices_to(server, anna, "отменено")) == 1


# --- Telegram's answers ---------------------------------------------------------------------------


async def test_a_429_delays_the_reminder_but_does_not_lose_it(
    bot: RunningBot, server: StandInServer
) -> None:
    anna = await anna_enrolled(bot, server, soon(3.5), 7601)
    server.too_many_requests("sendMessage", chat_id=anna.id)
    await start(bot, server)
    await server.wait_for(is_reminder(anna), timeout=6)
    calls = [c for c in server.calls if c.chat_id == anna.id and c.method == "sendMessage"]
    assert [c.error_code for c in calls] == [429, None]
    assert calls[1].at - calls[0].at >= 0.95  # waited out retry_after
    assert [r[:2] for r in await outbox_rows(bot, "reminder")] == [(anna.id, "sent")]


async def test_a_participant_who_blocked_the_bot_is_marked_unreachable(
    bot: RunningBot, server: StandInServer
) -> None:
    event = soon(3)
    await bot.add_events(event)
    anna, boris = Person(server, 7701, "Анна"), Person(server, 7702, "Борис")
    await enrol(bot, server, anna)
    await enrol(bot, server, boris)
    server.block(anna.id)
    await start(bot, server)
    await server.wait_for(is_reminder(boris), timeout=6)
    await server.wait_for(lambda c: c.chat_id == anna.id and c.error_code == 403, timeout=5)
    rows = sorted(r[:2] for r in await outbox_rows(bot, "reminder"))
    assert rows == [(anna.id, "dropped"), (boris.id, "sent")]
    person = await ParticipantRepo(bot.db).get(anna.id)
    assert person is not None and person.unreachable_since is not None


# --- "I can't come" -------------------------------------------------------------------------------


async def test_i_cant_come_asks_then_cancels_and_the_next_in_line_is_told_and_reminded(
    bot: RunningBot, server: StandInServer
) -> None:
    event = soon(30, capacity=1, reminders=["29s"])
    await bot.add_events(event)
    anna, boris = Person(server, 7801, "Анна"), Person(server, 7802, "Борис")
    await enrol(bot, server, anna)
    assert await enrol(bot, server, boris) is RegStatus.WAITLISTED
    await start(bot, server)
    await server.wait_for(is_reminder(anna), timeout=5)

    reply = await anna.click("Не смогу прийти")
    assert "Отменить вашу регистрацию" in reply.text
    reply = await anna.click("Нет, оставить")
    assert "сохранена" in reply.text
    reply = await anna.click("Не смогу прийти")
    reply = await anna.click("Да, отменить")
    assert "отменена" in reply.text
    reply = await anna.click_data("rm1:y:ufo")  # the same confirmation once more
    assert reply.alerts == ["У вас нет регистрации на это мероприятие."]

    await server.wait_for(
        lambda c: c.ok and c.chat_id == boris.id and "Освободилось место" in str(c.params["text"]),
        timeout=5,
    )
    # promoted after the (only) moment: the reminder comes at once
    call = await server.wait_for(is_reminder(boris), timeout=5)
    assert "через" in str(call.result["text"])
    statuses = {
        r.participant_id: r.status for r in await service(bot).registrations.of_event("ufo")
    }
    assert statuses == {anna.id: RegStatus.CANCELLED, boris.id: RegStatus.REGISTERED}
