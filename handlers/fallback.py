"""The catch-all: whatever no other router took. Registered last (see get_routers)."""

from __future__ import annotations

from aiogram.types import CallbackQuery, Message

from bot.i18n import Translator
from handlers.callbacks import EventCb
from handlers.keyboards import participant as keyboards
from handlers.routing import Routes

routes = Routes("fallback")


@routes.callback_query(EventCb.filter())
async def gone_event(callback: CallbackQuery, t: Translator) -> None:
    """An event's button that KnownEvent (handlers/participant/filters.py) refused: the event
    is no longer there."""
    await callback.answer(t.plain("stale.event"), show_alert=True)


@routes.callback_query()
async def old_button(callback: CallbackQuery, t: Translator) -> None:
    """Buttons from an older version, after a restart, or forged: explain, never fail."""
    await callback.answer(t.plain("stale.button"), show_alert=True)


@routes.message()
async def anything_else(message: Message, t: Translator) -> None:
    if message.text and message.text.startswith("/"):
        await message.answer(t("problem.unknown_command_menu"), reply_markup=keyboards.main_menu(t))
    else:
        await message.answer(t("fallback.text"), reply_markup=keyboards.main_menu(t))
