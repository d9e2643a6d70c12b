"""The questionnaire context: what asking a participant anything needs, in one object.

The bot, the translator, the form, the regions and the registration service used to travel
together through some twenty signatures; a middleware (handlers/middlewares.py) builds this
object once per update and hands it to handlers as ``ctx``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from aiogram import Bot
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardMarkup,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from bot.i18n import Translator
from bot.registration.form import Form
from bot.registration.regions import Regions
from bot.registration.service import RegistrationService
from storage.models import Event

if TYPE_CHECKING:
    from bot.runtime import Runtime

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove


@dataclass(frozen=True, slots=True)
class FormContext:
    """``chat_id``: the person's private chat (their Telegram id); ``runtime``: the running
    bot's sender and scheduler, None in tests that do not start it."""

    bot: Bot
    t: Translator
    form: Form
    regions: Regions
    registration: RegistrationService
    chat_id: int
    runtime: Runtime | None = None

    async def say(self, text: str, markup: Markup | None = None) -> Message:
        """A new message to the person."""
        return await self.bot.send_message(self.chat_id, text, reply_markup=markup)

    async def event_or_alert(self, callback: CallbackQuery, event_id: str) -> Event | None:
        """The event a button names; gone, an alert says so and None comes back."""
        event = await self.registration.events.get(event_id)
        if event is None:
            await callback.answer(self.t.plain("stale.event"), show_alert=True)
        return event


async def drop_buttons(callback: CallbackQuery) -> None:
    """Take the buttons off the message a button was pressed on (answered, they are spent)."""
    await set_buttons(callback, None)


async def set_buttons(callback: CallbackQuery, markup: InlineKeyboardMarkup | None) -> None:
    """Show ``markup`` under the message a button was pressed on; no call to Telegram when
    the message already shows exactly that (a double tap, an old button): it would change
    nothing the person sees, and Telegram refuses it ("message is not modified")."""
    message = callback.message
    if isinstance(message, Message) and _shown(message.reply_markup) != _shown(markup):
        await message.edit_reply_markup(reply_markup=markup)


def _shown(markup: InlineKeyboardMarkup | None) -> object:
    """What a keyboard shows, comparable (the objects also carry the Bot they came with)."""
    return None if markup is None else markup.model_dump(exclude_none=True)
