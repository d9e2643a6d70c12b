"""One place for unexpected errors: log with the update id, tell the person kindly.

A database that cannot take a write for now (another process holds the lock past the busy
timeout, or the disk is full) is not a bug: the person is asked to repeat in a minute, and
what they entered before (answers kept in the dialog's state) is still there. This covers
every write on an update's path, the participant middleware's first-contact write included,
since aiogram hands every exception of an update to this handler.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import traceback

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramForbiddenError
from aiogram.types import ErrorEvent, Update

from bot.i18n import pick_locale, translator
from bot.resilience import Throttle
from handlers.routing import Routes
from storage.db import Database, database_unavailable, utcnow
from storage.participants import ParticipantRepo

log = logging.getLogger(__name__)
routes = Routes("errors")
_pauses = Throttle()  # one line a minute while the database is unavailable, not one per update


@routes.errors()
async def on_error(
    event: ErrorEvent,
    bot: Bot,
    db: Database,
    default_locale: str,
    raw_state: str | None = None,
) -> bool:
    """``raw_state``: the person's dialog state when the update came (aiogram's FSM middleware
    runs inside the errors middleware and shares its data): only someone in a dialog is told
    that what they entered before is kept."""
    update = event.update
    user = None
    if update.message is not None:
        user = update.message.from_user
    elif update.callback_query is not None:
        user = update.callback_query.from_user
    if isinstance(event.exception, TelegramForbiddenError) and user is not None:
        log.info("update %s: user %s blocked the bot", update.update_id, user.id)
        try:
            async with db.transaction() as conn:
                await ParticipantRepo(db).mark_unreachable(conn, user.id, utcnow())
        except Exception as exc:  # noted at the next delivery attempt anyway
            log.warning(
                "update %s: could not mark %s unreachable: %r", update.update_id, user.id, exc
            )
        return True
    pause = database_unavailable(event.exception)
    if pause:
        held = _pauses.allow()
        if held is not None:
            log.warning(
                "update %s: database unavailable (%s); answered with a technical pause "
                "(%d more such update(s) since the last line)",
                update.update_id,
                event.exception,
                held,
            )
    else:
        log.error("update %s failed: %s", update.update_id, summary(event.exception))
    if user is not None:
        t = translator(pick_locale(user.language_code, default_locale))
        if pause:
            text = t("fault.pause") if raw_state is not None else t("fault.pause_short")
            await _tell(bot, update, user.id, t.plain("fault.pause_short"), text)
        else:
            # only someone in a dialog has anything kept to speak of
            text = t("error.text_kept") if raw_state is not None else t("error.text")
            await _tell(bot, update, user.id, t.plain("error.short"), text)
    return True


def summary(exc: BaseException) -> str:
    """What the log says of an unexpected exception: its type and the traceback's frames; its
    message only when it is Telegram's or SQLite's own wording. Any other message may quote
    what a person typed (a ``ValueError`` with their answer, pydantic's ``input_value``), and
    names, phones and e-mails never go to the log (README, «Журналы»)."""
    own_words = isinstance(exc, TelegramAPIError | sqlite3.Error)
    said = f"{type(exc).__qualname__}: {exc}" if own_words else type(exc).__qualname__
    frames = "".join(traceback.format_tb(exc.__traceback__))
    return f"{said}\nTraceback (most recent call last), the message left out:\n{frames}".rstrip()


async def _tell(bot: Bot, update: Update, user_id: int, alert: str, text: str) -> None:
    """A button: a short alert; a message, or a button its handler had already answered
    (Telegram refuses a second answer): the text in the chat."""
    if update.callback_query is not None:
        try:
            await update.callback_query.answer(alert, show_alert=True)
            return
        except TelegramAPIError:
            pass  # answered already by the handler before it failed
    with contextlib.suppress(TelegramAPIError):
        await bot.send_message(user_id, text)
