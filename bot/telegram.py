"""The Bot and its HTTP session: Telegram's flood limits and passing failures handled once."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from aiogram import Bot, methods
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramNetworkError, TelegramRetryAfter, TelegramServerError
from aiogram.methods import GetUpdates, TelegramMethod
from aiogram.methods.base import Response, TelegramType

from bot.buckets import Buckets

if TYPE_CHECKING:
    from bot.config import Settings

log = logging.getLogger(__name__)


class RetryMiddleware(BaseRequestMiddleware):
    """Wait out a 429 for its ``retry_after``; retry 5xx and network errors with back-off.

    getUpdates is left to aiogram's polling loop, which has its own back-off.
    """

    def __init__(self, attempts: int = 4, max_wait: float = 60.0, base_delay: float = 0.5) -> None:
        self.attempts = attempts
        self.max_wait = max_wait
        self.base_delay = base_delay

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        if method.__api_method__ == GetUpdates.__api_method__:
            return await make_request(bot, method)
        for attempt in range(1, self.attempts + 1):
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as exc:
                if attempt == self.attempts or exc.retry_after > self.max_wait:
                    raise
                log.warning("429 on %s: waiting %s s", method.__api_method__, exc.retry_after)
                await asyncio.sleep(exc.retry_after)
            except (TelegramServerError, TelegramNetworkError) as exc:
                if attempt == self.attempts:
                    raise
                delay = self.base_delay * 2 ** (attempt - 1)
                log.warning("%s on %s: retrying in %.1f s", exc, method.__api_method__, delay)
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover


#: Calls that put a message into a chat, or change one: Telegram's per-chat limit counts them.
PACED_METHODS = frozenset(
    {
        "sendMessage",
        "sendDocument",
        "sendPhoto",
        "sendVideo",
        "sendAudio",
        "sendVoice",
        "sendAnimation",
        "sendSticker",
        "sendMediaGroup",
        "copyMessage",
        "forwardMessage",
        "editMessageText",
        "editMessageCaption",
        "editMessageReplyMarkup",
        "editMessageMedia",
    }
)


class ChatPacingMiddleware(BaseRequestMiddleware):
    """Replies to one chat at most ``rate`` per second sustained, ``burst`` at once.

    Telegram answers 429 to a bot that sends one chat more than about one message a second,
    and a 429 from a person's flood would also hold up reminders and announcements sent
    with the same token. Here a call to a chat that has used its budget waits for its turn
    (a leaky bucket per chat, aiolimiter's ``AsyncLimiter``, first come first served), and
    nothing else waits: other chats, ``answerCallbackQuery`` and ``getUpdates`` go through.
    The burst (``REPLY_BURST``, 6) covers a person answering briskly: a step every second or
    two with one or two messages each (the question, the buttons taken off the last one).
    With 3, the second step of a questionnaire already waited up to a second for its turn
    (p95 at a human pace 46 -> 34 ms, the worst step 274 -> 23 ms,
    ``python -m bench.registration --modes paced``); Telegram tolerates such short bursts,
    and the sustained rate stays its one message a second. Buckets of chats idle for a minute
    are forgotten (a TTL cache, at most ``chats`` at once), so memory does not grow with the
    number of chats.
    """

    def __init__(self, rate: float, burst: int, *, chats: int = 10_000) -> None:
        self.rate = rate
        self.burst = burst
        self.bucket: Buckets[int | str] = Buckets(rate, burst, chats)

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        chat_id = getattr(method, "chat_id", None)
        if method.__api_method__ in PACED_METHODS and isinstance(chat_id, int | str):
            await self.bucket(chat_id).acquire()
        return await make_request(bot, method)


# aiogram builds ``Response[method.__returning__]`` for every answer from Telegram and pydantic
# caches those generic classes only weakly, so they are rebuilt again and again (~3 ms each;
# measured with bench/registration.py). Holding them here keeps pydantic's cache warm.
_RESPONSE_TYPES = [
    Response[m.__returning__]  # type: ignore[name-defined]
    for m in (
        methods.SendMessage,
        methods.EditMessageText,
        methods.EditMessageReplyMarkup,
        methods.AnswerCallbackQuery,
        methods.SendDocument,
        methods.SendPhoto,
        methods.CopyMessage,
        methods.DeleteMessage,
        methods.GetUpdates,
        methods.GetMe,
        methods.SetMyCommands,
    )
]


def create_bot(
    settings: Settings, *, retry: bool = True, pace: bool | None = None, **session_kwargs: Any
) -> Bot:
    """The Bot; ``retry=False`` for the delivery queue, which handles 429 and 5xx itself and
    paces its own sending. ``pace`` (by default as ``retry``: the polling Bot's replies) keeps
    each chat within ``REPLY_RATE`` messages per second (:class:`ChatPacingMiddleware`)."""
    api = (
        TelegramAPIServer.from_base(settings.telegram_api_url)
        if settings.telegram_api_url
        else None
    )
    session = AiohttpSession(api=api, **session_kwargs) if api else AiohttpSession(**session_kwargs)
    if retry:
        session.middleware(RetryMiddleware())
    if pace if pace is not None else retry:
        # Inside the retries: each attempt takes its turn in the chat's budget.
        session.middleware(ChatPacingMiddleware(settings.reply_rate, settings.reply_burst))
    if settings.bot_token is None:
        raise ValueError("BOT_TOKEN is not set")
    return Bot(
        token=settings.bot_token.get_secret_value(),
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview_is_disabled=True),
    )
