"""What a participant sees of check-in: their personal QR code (with the confirmation, the
last reminder before an in-person event, and from /my), "I'm at the session" of an online
one, and registering on the spot at the room link."""

from __future__ import annotations

import logging

from aiogram import Bot, F
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup

from bot.attendance.qr import qr_png
from bot.attendance.service import CheckInService, in_person
from bot.attendance.tokens import personal_payload
from bot.config import Settings
from bot.i18n import Translator
from handlers.attendance.ui import AtAction, AttCb, button, clock
from handlers.routing import Routes
from handlers.staff.common import bot_username
from storage.db import utcnow
from storage.models import Event, RegStatus

routes = Routes("attendance_participant")
log = logging.getLogger(__name__)


async def send_personal_qr(
    bot: Bot, secret: bytes, chat_id: int, event: Event, t: Translator
) -> None:
    """The participant's QR code of ``event`` as a photo, beside (not instead of) the texts."""
    payload = personal_payload(secret, event.id, chat_id)
    link = f"https://t.me/{await bot_username(bot)}?start={payload}"
    photo = BufferedInputFile(qr_png(link), filename=f"checkin-{event.id}.png")
    await bot.send_photo(chat_id, photo, caption=t("att.qr_caption", title=event.title))


async def confirmation_qr(
    bot: Bot, checkin: CheckInService, chat_id: int, event: Event, t: Translator
) -> None:
    """After a confirmed registration for an in-person event: its QR code. Never raises (the
    registration is saved; /my has the QR one tap away)."""
    try:
        reg = await checkin.registration.registrations.get(event.id, chat_id)
        if reg is not None and reg.status is RegStatus.REGISTERED and in_person(event):
            await send_personal_qr(bot, checkin.secret, chat_id, event, t)
    except Exception:
        log.exception("the check-in QR of %s for %s was not sent", event.id, chat_id)


def with_qr_buttons(
    markup: InlineKeyboardMarkup, events: list[Event], t: Translator
) -> InlineKeyboardMarkup:
    """/my: first a button per in-person event the person is registered for: its QR again."""
    rows = [
        [
            button(
                t.plain("att.btn.my_qr", title=e.title[:40]),
                AttCb(action=AtAction.QR, event_id=e.id),
            )
        ]
        for e in events
        if in_person(e)
    ]
    return InlineKeyboardMarkup(inline_keyboard=[*rows, *markup.inline_keyboard])


def with_online_button(
    markup: InlineKeyboardMarkup, event: Event, t: Translator
) -> InlineKeyboardMarkup:
    """The reminder's buttons and "I'm at the session" (the reminder closest to the start)."""
    online = button(t.plain("att.btn.online"), AttCb(action=AtAction.ONLINE, event_id=event.id))
    return InlineKeyboardMarkup(inline_keyboard=[[online], *markup.inline_keyboard])


@routes.callback_query(AttCb.filter(F.action == AtAction.QR))
async def my_qr(
    callback: CallbackQuery, callback_data: AttCb, checkin: CheckInService, t: Translator, bot: Bot
) -> None:
    event = await checkin.events.get(callback_data.event_id)
    reg = await checkin.registration.registrations.get(
        callback_data.event_id, callback.from_user.id
    )
    if (
        event is None
        or reg is None
        or reg.status is not RegStatus.REGISTERED
        or not in_person(event)
    ):
        await callback.answer(t.plain("att.qr_none"), show_alert=True)
        return
    await callback.answer()
    await send_personal_qr(bot, checkin.secret, callback.from_user.id, event, t)


@routes.callback_query(AttCb.filter(F.action == AtAction.ONLINE))
async def at_session(
    callback: CallbackQuery,
    callback_data: AttCb,
    checkin: CheckInService,
    t: Translator,
    settings: Settings,
) -> None:
    result = await checkin.online(callback_data.event_id, callback.from_user.id, utcnow())
    title = result.event.title if result.event else ""
    at = clock(result.at, settings.zone)
    await callback.answer(
        t.plain(f"att.online.{result.outcome.value}", title=title, at=at), show_alert=True
    )


@routes.callback_query(AttCb.filter(F.action == AtAction.SPOT))
async def on_the_spot(
    callback: CallbackQuery,
    callback_data: AttCb,
    checkin: CheckInService,
    t: Translator,
    settings: Settings,
    bot: Bot,
) -> None:
    """A walk-in with Telegram at the room link: registered and checked in at once."""
    result = await checkin.register_on_spot(callback_data.event_id, callback.from_user.id, utcnow())
    await callback.answer()
    title = result.event.title if result.event else ""
    text = t(f"att.spot.{result.outcome.value}", title=title, at=clock(result.at, settings.zone))
    await bot.send_message(callback.from_user.id, text)
