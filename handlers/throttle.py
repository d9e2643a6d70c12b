"""Flood control for incoming updates: one person cannot take the bot from everyone else.

An outer middleware on ``dp.update``, placed before aiogram's FSM middleware (which takes the
person's isolation lock) and before ``ParticipantMiddleware`` (which reads the database), so
an update refused here costs no lock, no database read and no reply. A person may have:

* at most ``burst`` updates at once and ``rate`` per second sustained (a leaky bucket per
  person, aiolimiter's ``AsyncLimiter``): 10 at once covers an album or the messages typed
  offline that arrive together, 2 per second is more than anyone reads and answers;
* at most ``in_flight`` updates being handled or waiting for their turn, so that one person
  never holds more than that many of the dispatcher's concurrent slots, however slowly their
  replies go out (replies to one chat are paced at Telegram's one per second).

Beyond that the update is dropped. The person is told once a minute, in a private chat, to
slow down; a button they tapped is answered with nothing (the spinner stops at once, and an
``answerCallbackQuery`` is not a message, so Telegram's per-chat budget is not spent).

Memory is bounded: buckets and "told" marks live in TTL caches (idle entries go, and at most
``size`` people at once), the in-flight counters only while updates are in flight.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.enums import ChatType
from aiogram.exceptions import TelegramAPIError
from aiogram.types import Chat, TelegramObject, Update, User
from cachetools import TTLCache

from bot.buckets import Buckets
from bot.i18n import pick_locale, translator
from handlers.person import Handler, PersonMiddleware

log = logging.getLogger(__name__)

#: People whose buckets are kept at once (the least recently seen go first past this).
PEOPLE = 10_000
#: Seconds between two "please slow down" notices to one person.
NOTICE_EVERY = 60.0
#: Updates of one person handled or waiting at once.
IN_FLIGHT = 5


class ThrottleMiddleware(PersonMiddleware):
    """Drops a person's updates beyond ``rate``/``burst`` or ``in_flight`` (see the module)."""

    def __init__(
        self,
        rate: float,
        burst: int,
        default_locale: str,
        *,
        in_flight: int = IN_FLIGHT,
        notice_every: float = NOTICE_EVERY,
        size: int = PEOPLE,
    ) -> None:
        self.rate = rate
        self.burst = burst
        self.default_locale = default_locale
        self.max_in_flight = in_flight
        self._bucket: Buckets[int] = Buckets(rate, burst, size)
        self._told: TTLCache[int, bool] = TTLCache(maxsize=size, ttl=notice_every)
        self._in_flight: dict[int, int] = {}
        self.admitted = 0
        self.dropped = 0
        self.settled = 0  # updates of people that went through this middleware and are done

    async def for_person(
        self, user: User | None, handler: Handler, event: TelegramObject, data: dict[str, Any]
    ) -> Any:
        if user is None or user.is_bot:
            return await handler(event, data)
        try:
            if not await self._admit(user.id):
                self.dropped += 1
                await self._refuse(event, data, user)
                return None
            self.admitted += 1
            return await self._handle(user.id, handler, event, data)
        finally:
            self.settled += 1

    async def _handle(
        self, user_id: int, handler: Handler, event: TelegramObject, data: dict[str, Any]
    ) -> Any:
        self._in_flight[user_id] = self._in_flight.get(user_id, 0) + 1
        try:
            return await handler(event, data)
        finally:
            left = self._in_flight[user_id] - 1
            if left:
                self._in_flight[user_id] = left
            else:
                del self._in_flight[user_id]

    @property
    def busy(self) -> int:
        """People with an update being handled now (the in-flight counters kept)."""
        return len(self._in_flight)

    async def _admit(self, user_id: int) -> bool:
        if self._in_flight.get(user_id, 0) >= self.max_in_flight:
            return False
        bucket = self._bucket(user_id)
        if not bucket.has_capacity():
            return False
        await bucket.acquire()  # returns at once: there is capacity, and nothing ran since
        return True

    async def _refuse(self, event: TelegramObject, data: dict[str, Any], user: User) -> None:
        bot: Bot | None = data.get("bot")
        if bot is None or not isinstance(event, Update):
            return
        if event.callback_query is not None:
            with contextlib.suppress(TelegramAPIError):  # too old, already answered: no matter
                await bot.answer_callback_query(event.callback_query.id)
        chat: Chat | None = data.get("event_chat")
        if chat is None or chat.type != ChatType.PRIVATE or user.id in self._told:
            return
        self._told[user.id] = True
        log.warning(
            "person %s writes faster than %.1f/s: their updates are dropped (%d so far)",
            user.id,
            self.rate,
            self.dropped,
        )
        t = translator(pick_locale(user.language_code, self.default_locale))
        try:
            await bot.send_message(chat.id, t("flood.slow_down"))
        except TelegramAPIError as exc:
            log.info("could not ask person %s to slow down: %s", user.id, exc)


def install_throttle(dp: Dispatcher, throttle: ThrottleMiddleware) -> None:
    """Put the throttle first among the update's outer middlewares that cost something.

    aiogram registers its own two in ``Dispatcher()``: the one that finds the user and chat
    (the throttle needs them) and the FSM one, which waits for the person's isolation lock.
    The throttle goes between them, so a dropped update never queues for that lock; the
    FSM middleware is taken out and put back after it (the middleware manager's public API).
    """
    chain = dp.update.outer_middleware
    fsm = dp.fsm
    had_fsm = fsm in list(chain)
    if had_fsm:
        chain.unregister(fsm)
    chain.register(throttle)
    if had_fsm:
        chain.register(fsm)
