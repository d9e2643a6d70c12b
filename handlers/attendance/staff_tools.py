"""Staff's check-in tools from the event's card (the room QR, a volunteer's invitation link),
and what a door volunteer is shown: after using the invitation, and at /start. The door list's
router (door.py) comes after this one and refuses these buttons to whoever DoorEvent refused."""

from __future__ import annotations

from datetime import timedelta

from aiogram import Bot, F
from aiogram.types import BufferedInputFile, CallbackQuery, Message

from bot.attendance.qr import qr_png
from bot.attendance.service import ROOM_OPENS, CheckInService
from bot.attendance.volunteers import Volunteers
from bot.config import Settings
from bot.i18n import Html, Translator
from bot.timefmt import when
from handlers.attendance.door import DoorEvent
from handlers.attendance.ui import AtAction, AttCb, one
from handlers.routing import Routes
from handlers.staff.common import bot_username
from storage.db import Database, utcnow
from storage.events import EventRepo
from storage.models import Event

routes = Routes("attendance_staff")


# --- the room QR and volunteer links: staff in scope ------------------------------------------


@routes.callback_query(AttCb.filter(F.action == AtAction.ROOM), DoorEvent(staff=True))
async def room_qr(
    callback: CallbackQuery,
    event: Event,
    checkin: CheckInService,
    t: Translator,
    settings: Settings,
    bot: Bot,
) -> None:
    await callback.answer()
    link = f"https://t.me/{await bot_username(bot)}?start={await checkin.room_payload(event.id)}"
    opens = Html(when(event.starts_at - ROOM_OPENS, t, base=settings.zone))
    closes = Html(when(event.ends_at, t, base=settings.zone))
    caption = t("att.room_qr", title=event.title, link=link, opens=opens, closes=closes)
    photo = BufferedInputFile(qr_png(link), filename=f"room-{event.id}.png")
    await bot.send_photo(callback.from_user.id, photo, caption=caption)


@routes.callback_query(AttCb.filter(F.action == AtAction.VOLUNTEER), DoorEvent(staff=True))
async def volunteer_link(
    callback: CallbackQuery,
    event: Event,
    checkin: CheckInService,
    t: Translator,
    settings: Settings,
    bot: Bot,
) -> None:
    await callback.answer()
    now = utcnow()
    ttl = timedelta(days=settings.invite_ttl_days)
    invite = await Volunteers(checkin.db).invite(event.id, callback.from_user.id, now, ttl)
    link = f"https://t.me/{await bot_username(bot)}?start=co_{invite.token}"
    until = Html(when(invite.expires_at, t, base=settings.zone))
    await bot.send_message(
        callback.from_user.id, t("att.volunteer_link", title=event.title, link=link, until=until)
    )


# --- a door volunteer: their tools, from the invitation and from /start ----------------------


async def volunteer_welcome(
    message: Message, event_id: str | None, db: Database, t: Translator
) -> None:
    """The invitation used: what a volunteer may do, and the button to the door list."""
    event = await EventRepo(db).get(event_id or "")
    if event is None:
        await message.answer(t("att.no_event"))
        return
    markup = one(t.plain("att.btn.door"), AttCb(action=AtAction.LIST, event_id=event.id))
    await message.answer(t("att.volunteer_ok", title=event.title), reply_markup=markup)


async def volunteer_tools(message: Message, checkin: CheckInService, t: Translator) -> None:
    """/start of a door volunteer: the door list of each of their events not long over."""
    assert message.from_user is not None
    for event in await checkin.volunteer_events(message.from_user.id, utcnow()):
        markup = one(t.plain("att.btn.door"), AttCb(action=AtAction.LIST, event_id=event.id))
        await message.answer(t("att.volunteer_start", title=event.title), reply_markup=markup)
