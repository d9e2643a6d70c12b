"""Flood control with the real limits: one person writing far too fast is slowed down, gets one
notice, and does not keep anyone else waiting; replies to one chat are paced."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiogram import Dispatcher

from bot.config import Settings
from handlers.throttle import ThrottleMiddleware
from storage.fsm import BoundedEventIsolation
from tests.support.broadcast import wait_until
from tests.support.flood import NOTICE, sent_to
from tests.support.people import Person
from tests.support.running import RunningBot, polling
from tests.support.stand_in import StandInServer, TgUser

#: The production defaults (tests otherwise run with generous limits: tests/conftest.py).
REAL_LIMITS: dict[str, Any] = {
    "flood_rate": 2.0,
    "flood_burst": 10,
    "reply_rate": 1.0,
    "reply_burst": 3,
}


def throttle_of(dp: Dispatcher) -> ThrottleMiddleware:
    found = [m for m in dp.update.outer_middleware if isinstance(m, ThrottleMiddleware)]
    assert len(found) == 1
    return found[0]


@pytest.fixture
async def real_limits(settings: Settings, server: StandInServer) -> AsyncIterator[RunningBot]:
    """The bot with the production flood limits, handling updates concurrently as in
    ``python -m bot``."""
    async with polling(
        settings.model_copy(update=REAL_LIMITS), server, handle_as_tasks=True
    ) as bot:
        yield bot


async def test_a_flood_from_one_person_is_dropped_with_one_notice_while_another_is_answered(
    real_limits: RunningBot, server: StandInServer
) -> None:
    flooder = TgUser(7001, "Спешащий", language_code="ru")
    other = Person(server, 7002, "Ольга")
    throttle = throttle_of(real_limits.dp)
    for n in range(50):  # all at once: they reach the bot in one getUpdates answer
        server.message(flooder, f"сообщение {n}")
    server.message(other.user, "/start")

    welcome = await server.wait_for(
        lambda c: c.ok and c.method == "sendMessage" and c.chat_id == other.id, timeout=30
    )
    assert "Здравствуйте" in welcome.result["text"]
    await wait_until(lambda: throttle.settled == 51, 30)

    texts = [str(c.result["text"]) for c in sent_to(server, flooder.id)]
    notices = [t for t in texts if t == NOTICE]
    assert len(notices) == 1
    answers = len(texts) - len(notices)
    assert 1 <= answers <= 15, texts  # at most the burst, not 50
    assert throttle.dropped >= 35
    assert throttle.admitted + throttle.dropped == 51
    # Nothing per person stays in memory once their updates are done.
    assert throttle.busy == 0
    isolation = real_limits.dp.fsm.events_isolation
    assert isinstance(isolation, BoundedEventIsolation)
    assert isolation.held == 0


async def test_taps_beyond_the_limit_stop_the_spinner_and_bring_one_notice(
    real_limits: RunningBot, server: StandInServer
) -> None:
    tapper = Person(server, 7011, "Быстрый")
    await tapper.send("/language")
    await server.wait_for(lambda c: c.ok and c.method == "sendMessage" and c.chat_id == tapper.id)
    message = server.chat_messages(tapper.id)[-1]
    assert message.inline_keyboard is not None
    data = str(message.inline_keyboard[0][0]["callback_data"])
    throttle = throttle_of(real_limits.dp)
    # /language counts as settled only after its answer reached the server: wait for it, or
    # the 30th tap would be awaited one update too early (CI met this once)
    await wait_until(lambda: throttle.busy == 0, 30)
    before = throttle.settled

    queries = [server.callback(tapper.user, message.message_id, data)[1] for _ in range(30)]
    await wait_until(lambda: throttle.settled == before + 30 and throttle.busy == 0, 30)

    answers = sent_to(server, tapper.id, "answerCallbackQuery")
    answered = {c.params["callback_query_id"] for c in answers}
    failed = [c for c in server.calls if c.method == "answerCallbackQuery" and not c.ok]
    # every spinner stopped, the dropped ones with nothing
    assert answered >= set(queries), (sorted(set(queries) - answered), failed)
    texts = [str(c.result["text"]) for c in sent_to(server, tapper.id)]
    assert texts.count(NOTICE) == 1
    assert throttle.dropped >= 15


async def test_replies_to_one_chat_go_out_at_one_a_second_after_a_burst_of_three(
    settings: Settings, server: StandInServer
) -> None:
    # Only the replies are limited here; the person's updates all go through.
    paced = settings.model_copy(update={"reply_rate": 1.0, "reply_burst": 3})
    async with polling(paced, server, handle_as_tasks=True):
        olga = TgUser(7021, "Ольга", language_code="ru")
        for n in range(6):
            server.message(olga, f"вопрос {n}")
        await wait_until(lambda: len(sent_to(server, olga.id)) == 6, 30)
        times = sorted(c.at for c in sent_to(server, olga.id))
        # Leaky bucket: n messages span at least (n - burst) / rate seconds; only a slow
        # machine can stretch this, never shorten it (0.2 s for the HTTP between).
        assert times[-1] - times[0] >= (6 - 3) / 1.0 - 0.2
