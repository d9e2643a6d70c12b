"""Small helpers shared by the routers: show a screen by editing in place or sending."""

from __future__ import annotations

from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message


async def show(
    target: Message | CallbackQuery, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    """From a button: replace that message (a menu stays one message); otherwise send."""
    if isinstance(target, CallbackQuery):
        message = target.message
        if isinstance(message, Message) and message.text is not None:
            try:
                await message.edit_text(text, reply_markup=markup)
                return
            except TelegramBadRequest as exc:
                if "not modified" in exc.message:
                    return
                # too old to edit, or not a text message: send a new one below
        await target.bot.send_message(target.from_user.id, text, reply_markup=markup)  # type: ignore[union-attr]
        return
    await target.answer(text, reply_markup=markup)


async def acknowledge(target: Message | CallbackQuery) -> None:
    """A button press is answered (its spinner stops); a command needs nothing."""
    if isinstance(target, CallbackQuery):
        await target.answer()
