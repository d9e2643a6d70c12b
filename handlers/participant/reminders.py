"""Reminders and change notices as the participant sees them, and "I can't come".

The renderers are called by the delivery queue (bot/delivery/sender.py) when an item is sent: each
reads the event and the registration as they are at that moment and sends ONE message, or
returns False when the item is no longer relevant (the registration was cancelled, the event
moved, was cancelled or has started, a later reminder or a newer notice replaced it).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from aiogram import Bot, F
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot.attendance.service import in_person
from bot.delivery.notices import details_hash
from bot.delivery.reminders import due_offset, event_offsets, key_moment
from bot.i18n import Html, Translator, translator
from bot.timefmt import duration, when
from handlers.attendance.participant import send_personal_qr, with_online_button
from handlers.callbacks import Menu, MenuCb, ReminderCb, RmAction
from handlers.keyboards.build import Keyboard
from handlers.participant.context import FormContext
from handlers.participant.notify import (
    cancel_by_button,
    details,
    event_buttons,
    notify_promotions,
)
from handlers.routing import Routes
from storage.db import Database, from_db, utcnow
from storage.models import Event, EventStatus, RegStatus
from storage.outbox import OutItem
from storage.reminders import event_and_attendee

routes = Routes("reminders")
log = logging.getLogger(__name__)


# --- texts and buttons -------------------------------------------------------------------


def starts_in(left: timedelta, t: Translator) -> Html:
    """'через 40 минут', 'через 24 часа', 'через 1 ч 30 мин', 'через 3 дня'."""
    minutes = round(left.total_seconds() / 60)
    if minutes < 1:
        return t("reminder.left_soon")
    if minutes < 60:
        return t.plural("reminder.left_minutes", minutes)
    if minutes < 48 * 60:
        if minutes % 60 == 0:
            return t.plural("reminder.left_hours", minutes // 60)
        return t("reminder.left_duration", duration=duration(minutes, t))
    return t.plural("reminder.left_days", round(minutes / (24 * 60)))


def reminder_text(event: Event, t: Translator, own_zone: str | None, now: datetime) -> Html:
    left = starts_in(event.starts_at - now, t)
    lines: list[str] = [t("reminder.head", title=event.title, left=left), ""]
    lines += details(event, t, own_zone, registered=True)
    lines += ["", t("reminder.cant_come_hint")]
    return Html("\n".join(lines))


def confirm_buttons(event: Event, t: Translator) -> InlineKeyboardMarkup:
    kb = Keyboard()
    kb.button(
        text=t.plain("cancel.yes"), callback_data=ReminderCb(action=RmAction.YES, event_id=event.id)
    )
    kb.button(
        text=t.plain("cancel.no"), callback_data=ReminderCb(action=RmAction.NO, event_id=event.id)
    )
    kb.adjust(1)
    return kb.as_markup()


def events_button(t: Translator) -> InlineKeyboardMarkup:
    kb = Keyboard()
    kb.button(text=t.plain("menu.events"), callback_data=MenuCb(action=Menu.EVENTS))
    return kb.as_markup()


# --- renderers (the delivery queue) --------------------------------------------------------


async def render_reminder(
    bot: Bot,
    item: OutItem,
    db: Database,
    default_offsets: tuple[timedelta, ...],
    secret: bytes | None = None,
) -> bool:
    if item.event_id is None:
        return False
    event, person = await event_and_attendee(db, item.event_id, item.chat_id)
    now = max(utcnow(), item.not_before)
    if (
        event is None
        or event.status is not EventStatus.SCHEDULED
        or key_moment(event.starts_at) != item.payload.get("starts_at")
        or event.starts_at <= now
    ):
        return False  # moved (its new reminders have their own keys), cancelled or started
    if person is None or person.status is not RegStatus.REGISTERED:
        return False
    due = due_offset(event.starts_at, event_offsets(event, default_offsets), person.since, now)
    if due is None or int(due.total_seconds()) != item.payload.get("offset"):
        return False  # a later reminder replaced it (the bot was down), or offsets changed
    t = translator(person.language)
    # Check-in (issue 10): only the reminder closest to the start (the one open at the door)
    # carries the QR of an in-person event or "I'm at the session" of an online one.
    closest = due == min(event_offsets(event, default_offsets))
    markup = event_buttons(event, t, registered=True)
    if closest and event.is_online:
        markup = with_online_button(markup, event, t)
    await bot.send_message(
        item.chat_id, reminder_text(event, t, person.timezone, now), reply_markup=markup
    )
    if closest and secret is not None and in_person(event):
        try:
            await send_personal_qr(bot, secret, item.chat_id, event, t)
        except Exception:  # the reminder is sent; /my has the QR one tap away
            log.exception("the check-in QR of %s for %s was not sent", event.id, item.chat_id)
    return True


async def render_notice(bot: Bot, item: OutItem, db: Database) -> bool:
    if item.event_id is None:
        return False
    event, person = await event_and_attendee(db, item.event_id, item.chat_id)
    if (
        event is None
        or event.status is not EventStatus.SCHEDULED
        or details_hash(event) != item.payload.get("hash")
        or event.ends_at <= utcnow()
    ):
        return False  # cancelled since, changed again (a newer notice is queued), or over
    if person is None or person.status not in (RegStatus.REGISTERED, RegStatus.WAITLISTED):
        return False
    t = translator(person.language)
    registered = person.status is RegStatus.REGISTERED
    changed = [f for f in item.payload.get("changed", []) if isinstance(f, str)]
    lines: list[str]
    if item.payload.get("restored"):
        lines = [t("notice.restored", title=event.title)]
    else:
        fields = ", ".join(t.plain(f"notice.field.{f}") for f in changed)
        lines = [t("notice.head", title=event.title, fields=fields)]
    lines.append("")
    lines += details(event, t, person.timezone, registered=registered)
    old_start = item.payload.get("old_starts_at")
    if isinstance(old_start, str):
        was = from_db(old_start)
        assert was is not None
        lines.append(t("notice.was", when=Html(when(was, t, person.timezone))))
    if "starts_at" in changed and registered:
        lines += ["", t("notice.reminders_follow")]
    markup = event_buttons(event, t, registered=registered)
    await bot.send_message(item.chat_id, Html("\n".join(lines)), reply_markup=markup)
    return True


async def render_cancelled(bot: Bot, item: OutItem, db: Database) -> bool:
    if item.event_id is None:
        return False
    event, person = await event_and_attendee(db, item.event_id, item.chat_id)
    if event is None or event.status is not EventStatus.CANCELLED:
        return False  # restored meanwhile
    if person is None or person.status not in (RegStatus.REGISTERED, RegStatus.WAITLISTED):
        return False
    t = translator(person.language)
    text = t(
        "notice.cancelled",
        title=event.title,
        when=Html(when(event.starts_at, t, person.timezone)),
    )
    await bot.send_message(item.chat_id, text, reply_markup=events_button(t))
    return True


# --- "I can't come" ------------------------------------------------------------------------


async def _active(
    callback: CallbackQuery, callback_data: ReminderCb, ctx: FormContext
) -> Event | None:
    """The event, if the person may still cancel; otherwise an alert says why not."""
    event = await ctx.event_or_alert(callback, callback_data.event_id)
    if event is None:
        return None
    reg = await ctx.registration.registrations.get(event.id, callback.from_user.id)
    if reg is None or reg.status is RegStatus.CANCELLED:
        await callback.answer(ctx.t.plain("stale.nothing_to_cancel"), show_alert=True)
        return None
    if event.starts_at <= utcnow():
        await callback.answer(ctx.t.plain("stale.already_started"), show_alert=True)
        return None
    return event


@routes.callback_query(ReminderCb.filter(F.action == RmAction.CANT_COME))
async def cant_come(callback: CallbackQuery, callback_data: ReminderCb, ctx: FormContext) -> None:
    event = await _active(callback, callback_data, ctx)
    if event is None:
        return
    await callback.answer()
    # A new message: the reminder keeps its link and buttons if the person changes their mind.
    await ctx.say(ctx.t("cancel.confirm", title=event.title), confirm_buttons(event, ctx.t))


@routes.callback_query(ReminderCb.filter(F.action == RmAction.YES))
async def cant_come_yes(
    callback: CallbackQuery, callback_data: ReminderCb, ctx: FormContext
) -> None:
    event = await _active(callback, callback_data, ctx)
    if event is None:
        return
    promoted = await cancel_by_button(callback, event, ctx)
    if promoted is None:
        return
    await _replace(callback, ctx.t("cancel.done", title=event.title))
    await notify_promotions(ctx.bot, promoted, ctx.registration, runtime=ctx.runtime)


@routes.callback_query(ReminderCb.filter(F.action == RmAction.NO))
async def cant_come_no(callback: CallbackQuery, callback_data: ReminderCb, t: Translator) -> None:
    await callback.answer()
    await _replace(callback, t("reminder.kept"))


async def _replace(callback: CallbackQuery, text: str) -> None:
    """The confirmation message becomes the answer (its buttons go)."""
    if isinstance(callback.message, Message) and callback.message.text is not None:
        await callback.message.edit_text(text, reply_markup=None)
    else:
        assert callback.bot is not None
        await callback.bot.send_message(callback.from_user.id, text)
