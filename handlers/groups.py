"""Groups, supergroups and channels: the bot works in private chats only.

Every feature router sits under one parent router that admits private chats only
(handlers/__init__.py); whatever comes from anywhere else reaches this router alone, which
never shows personal data, lists, links to events, files or staff dialogs. A command
addressed to the bot gets one short answer with a button that opens the private chat (the
deep link keeps the /start payload); plain and service messages get silence; a button under
a group message gets a short alert. Commands for other bots (``/start@otherbot``) are not
ours. At most one answer per group per minute: fifty people typing /start in a group get
one answer, not fifty.
"""

from __future__ import annotations

import logging
import re

from aiogram import Bot, F, Router
from aiogram.enums import ChatType
from aiogram.exceptions import TelegramAPIError
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from limits import RateLimitItemPerMinute
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import MovingWindowRateLimiter

from bot.i18n import Translator, pick_locale, translator

log = logging.getLogger(__name__)

#: ``/command``, ``/command@bot`` and the rest of the text, as Telegram sends a command.
COMMAND_RE = re.compile(r"^/([A-Za-z0-9_]{1,64})(?:@([A-Za-z0-9_]{1,64}))?(?:\s+(.*))?$", re.S)
#: What Telegram accepts as a deep-link payload (https://t.me/bot?start=...).
PAYLOAD_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")

#: The filter of the parent router of every feature: private chats only.
PRIVATE_MESSAGE = F.chat.type == ChatType.PRIVATE
PRIVATE_CALLBACK = F.message.chat.type == ChatType.PRIVATE


def parse_command(text: str | None) -> tuple[str, str | None, str] | None:
    """(command, the bot it names or None, the rest) for a command; None otherwise."""
    match = COMMAND_RE.match(text or "")
    if match is None:
        return None
    return match.group(1).lower(), match.group(2), (match.group(3) or "").strip()


def private_chat_link(username: str, command: str, args: str) -> str:
    """The link that opens the private chat; /start keeps its payload (an event's link)."""
    link = f"https://t.me/{username}"
    if command == "start" and PAYLOAD_RE.match(args):
        link += f"?start={args}"
    return link


def open_chat_button(link: str, t: Translator) -> InlineKeyboardMarkup:
    button = InlineKeyboardButton(text=t.plain("group.open_chat"), url=link)
    return InlineKeyboardMarkup(inline_keyboard=[[button]])


class GroupDoor:
    """The one answer a group gets, at most once a minute per group."""

    def __init__(self) -> None:
        self.limiter = MovingWindowRateLimiter(MemoryStorage())
        self.per_group = RateLimitItemPerMinute(1)

    async def command(self, message: Message, bot: Bot, default_locale: str) -> None:
        try:
            await self._answer(message, bot, default_locale)
        except TelegramAPIError as exc:
            # Kicked, muted, no right to write, Telegram down: the group's problem, not the
            # person's (the errors handler would mark them unreachable or write to them).
            log.info("no answer in chat %s: %s", message.chat.id, exc)

    async def _answer(self, message: Message, bot: Bot, default_locale: str) -> None:
        parsed = parse_command(message.text)
        if parsed is None:
            return  # a message that only looks like a command: silence
        command, addressee, args = parsed
        me = await bot.me()  # aiogram caches it: one getMe per Bot
        username = me.username or ""
        if addressee is not None and addressee.lower() != username.lower():
            return  # for another bot in the group
        if not await self.limiter.hit(self.per_group, "group", str(message.chat.id)):
            return  # answered this group less than a minute ago
        t = translator_for(message, default_locale)
        await message.answer(
            t("group.private_only"),
            reply_markup=open_chat_button(private_chat_link(username, command, args), t),
        )

    async def quiet(self, message: Message) -> None:
        """Plain and service messages in a group: not for the bot. Taken here on purpose, so
        it is plain that nothing else sees them."""

    async def button(self, callback: CallbackQuery, default_locale: str) -> None:
        t = translator_for(callback, default_locale)
        await callback.answer(t.plain("group.button"), show_alert=True)


def translator_for(event: Message | CallbackQuery, default_locale: str) -> Translator:
    """The person's language from Telegram: in a group the bot reads nothing of its own
    about them (the participants' middleware runs for private chats only)."""
    user = event.from_user
    return translator(pick_locale(user.language_code if user else None, default_locale))


def build() -> Router:
    """Everything that is not in a private chat (the private router takes the rest)."""
    door = GroupDoor()
    router = Router(name="groups")
    router.message.filter(~PRIVATE_MESSAGE)
    router.callback_query.filter(~PRIVATE_CALLBACK)
    router.message.register(door.command, F.text.startswith("/"))
    router.message.register(door.quiet)
    router.callback_query.register(door.button)
    return router
