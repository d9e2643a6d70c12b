"""The check-in deep links, for anybody who opens them: a personal QR (``ci_``: marks the
person when a staff member in scope or the event's door volunteer opens it) and the room QR
(``here_``: the person who opens it checks themselves in)."""

from __future__ import annotations

from aiogram import F
from aiogram.filters import CommandObject, CommandStart
from aiogram.types import Message

from bot.attendance.service import ROOM_OPENS, CheckInService, Outcome
from bot.attendance.tokens import PERSONAL_PREFIX, ROOM_PREFIX
from bot.config import Settings
from bot.i18n import Html, Translator
from bot.staff.roles import Role
from bot.timefmt import when
from handlers.attendance.ui import AtAction, AttCb, clock, one, scan_text
from handlers.callbacks import EvAction, EventCb
from handlers.routing import Routes
from storage.db import utcnow

routes = Routes("attendance_links")


@routes.message(CommandStart(deep_link=True, magic=F.args.startswith(PERSONAL_PREFIX)))
async def personal(
    message: Message,
    command: CommandObject,
    role: Role,
    t: Translator,
    checkin: CheckInService,
    settings: Settings,
) -> None:
    assert message.from_user is not None
    result = await checkin.scan(command.args or "", message.from_user.id, role, utcnow())
    if result.outcome is Outcome.NOT_ALLOWED:
        await message.answer(t("att.scan.show_at_door"))
        return
    await message.answer(scan_text(result, t, settings.zone))


@routes.message(CommandStart(deep_link=True, magic=F.args.startswith(ROOM_PREFIX)))
async def room(
    message: Message,
    command: CommandObject,
    t: Translator,
    checkin: CheckInService,
    settings: Settings,
) -> None:
    assert message.from_user is not None
    now = utcnow()
    result = await checkin.room(command.args or "", message.from_user.id, now)
    event = result.event
    if event is None:
        await message.answer(t("att.room.forged"))
        return
    values = {"title": event.title, "at": clock(result.at, settings.zone)}
    if result.outcome is Outcome.CLOSED:
        opens = Html(when(event.starts_at - ROOM_OPENS, t, base=settings.zone))
        closes = clock(event.ends_at, settings.zone)
        await message.answer(t("att.room.closed", title=event.title, opens=opens, closes=closes))
        return
    markup = None
    if result.outcome is Outcome.OFFER:
        markup = one(t.plain("att.btn.spot"), AttCb(action=AtAction.SPOT, event_id=event.id))
    elif result.outcome is Outcome.REGISTER_FIRST:  # checked in once registered
        data = EventCb(action=EvAction.REGISTER, event_id=event.id)
        markup = one(t.plain("att.btn.register"), data)
    await message.answer(t(f"att.room.{result.outcome.value}", **values), reply_markup=markup)
