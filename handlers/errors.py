"""One place for unexpected errors: log with the update id, tell the person kindly."""

from __future__ import annotations

import contextlib
import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramForbiddenError
from aiogram.types import ErrorEvent

from bot.i18n import pick_locale, translator
from handlers.routing import Routes
from storage.db import Database, utcnow
from storage.participants import ParticipantRepo

log = logging.getLogger(__name__)
routes = Routes("errors")


@routes.errors()
async def on_error(event: ErrorEvent, bot: Bot, db: Database, default_locale: str) -> bool:
    update = event.update
    user = None
    if update.message is not None:
        user = update.message.from_user
    elif update.callback_query is not None:
        user = update.callback_query.from_user
    if isinstance(event.exception, TelegramForbiddenError) and user is not None:
        log.info("update %s: user %s blocked the bot", update.update_id, user.id)
        async with db.transaction() as conn:
            await ParticipantRepo(db).mark_unreachable(conn, user.id, utcnow())
        return True
    log.error("update %s failed: %r", update.update_id, event.exception, exc_info=event.exception)
    if user is not None:
        t = translator(pick_locale(user.language_code, default_locale))
        with contextlib.suppress(TelegramAPIError):
            if update.callback_query is not None:
                await update.callback_query.answer(t.plain("error.short"), show_alert=True)
            else:
                await bot.send_message(user.id, t("error.text"))
    return True
