"""Messages the bot sends on its own, as the participant sees them: the shared details and
buttons, and "a seat has opened" (queued when a cancellation promotes the waiting list, sent
by the delivery queue as one message with the details, the link and the calendar button, and
for an in-person event the person's check-in QR as at registration)."""

from __future__ import annotations

import functools
import logging
from datetime import datetime
from typing import TYPE_CHECKING

from aiogram import Bot
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup

from bot.attendance.service import in_person
from bot.delivery.notices import queue_promotions
from bot.delivery.reminders import plan_now
from bot.i18n import Html, Translator, translator
from bot.registration.service import Promotion, RegistrationService
from bot.timefmt import duration, when
from handlers.attendance.participant import send_personal_qr
from handlers.callbacks import EvAction, EventCb, ReminderCb, RmAction
from handlers.participant.context import FormContext
from storage.db import Database, utcnow
from storage.models import Event, EventStatus, RegStatus
from storage.outbox import OutItem
from storage.reminders import event_and_attendee

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger(__name__)


@functools.lru_cache(maxsize=1024)
def when_cached(moment: datetime, t: Translator, own_zone: str | None) -> Html:
    """bot.timefmt.when, once per start, language and zone (not per message)."""
    return Html(when(moment, t, own_zone))


def details(event: Event, t: Translator, own_zone: str | None, *, registered: bool) -> list[str]:
    """When, how long, where; the link only for registered participants."""
    lines: list[str] = [
        t("card.when", when=when_cached(event.starts_at, t, own_zone)),
        t("card.duration", duration=duration(event.duration_minutes, t)),
    ]
    if event.location:
        lines.append(t("card.place", place=event.location))
    if event.online_url:
        lines.append(t("card.link", url=event.online_url) if registered else t("card.online"))
    return lines


def event_buttons(event: Event, t: Translator, *, registered: bool) -> InlineKeyboardMarkup:
    """Join (the link: registered participants only), add to calendar, I can't come."""
    return _event_buttons(event.id, event.online_url if registered else None, t, registered)


@functools.lru_cache(maxsize=256)
def _event_buttons(
    event_id: str, url: str | None, t: Translator, registered: bool
) -> InlineKeyboardMarkup:
    # The same for every participant of an event in one language: built once, not per
    # message (thousands of reminders leave at one moment).
    rows = []
    if url:
        rows.append([InlineKeyboardButton(text=t.plain("reminder.join"), url=url)])
    if registered:
        data = EventCb(action=EvAction.ICS, event_id=event_id).pack()
        rows.append([InlineKeyboardButton(text=t.plain("event.calendar"), callback_data=data)])
    data = ReminderCb(action=RmAction.CANT_COME, event_id=event_id).pack()
    rows.append([InlineKeyboardButton(text=t.plain("reminder.cant_come"), callback_data=data)])
    return InlineKeyboardMarkup(inline_keyboard=rows)


async def notify_promotions(
    bot: Bot,
    promotions: list[Promotion],
    registration: RegistrationService,
    *,
    runtime: Runtime | None = None,
) -> None:
    """Queue the news for everyone promoted; with the runtime, send it at once and plan the
    reminders (call it after any registration change: a person registered or promoted late
    gets the latest reminder)."""
    del bot  # the delivery queue sends with its own session
    await queue_promotions(registration.db, promotions, utcnow())
    if runtime is not None:
        if promotions:
            runtime.sender.wake()
        await plan_now(runtime)


async def cancel_by_button(
    callback: CallbackQuery, event: Event, ctx: FormContext
) -> list[Promotion] | None:
    """Cancel the person's registration from a button: who moves up from the waiting list,
    or None (after an alert) when there was nothing to cancel."""
    outcome = await ctx.registration.cancel(callback.from_user.id, event.id)
    if outcome.was is None:
        await callback.answer(ctx.t.plain("stale.nothing_to_cancel"), show_alert=True)
        return None
    await callback.answer(ctx.t.plain("cancel.done_short"))
    return outcome.promoted


async def render_promoted(
    bot: Bot, item: OutItem, db: Database, secret: bytes | None = None
) -> bool:
    if item.event_id is None:
        return False
    event, person = await event_and_attendee(db, item.event_id, item.chat_id)
    if event is None or event.status is not EventStatus.SCHEDULED or event.ends_at <= utcnow():
        return False
    if person is None or person.status is not RegStatus.REGISTERED:
        return False  # cancelled meanwhile
    t = translator(person.language)
    lines: list[str] = [t("promoted.head"), "", t("done.registered", title=event.title), ""]
    lines += details(event, t, person.timezone, registered=True)
    lines += ["", t("notice.promoted_hint")]
    await bot.send_message(
        item.chat_id, Html("\n".join(lines)), reply_markup=event_buttons(event, t, registered=True)
    )
    if secret is not None and in_person(event):
        try:  # the seat is theirs and they are told; /my has the QR one tap away
            await send_personal_qr(bot, secret, item.chat_id, event, t)
        except Exception:
            log.exception("the check-in QR of %s for %s was not sent", event.id, item.chat_id)
    return True
