"""/my: the participant's registrations, and cancelling one."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiogram import F
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from bot.i18n import Translator
from bot.registration.regions import Regions
from bot.registration.service import RegistrationService
from handlers.callbacks import EvAction, EventCb, Menu, MenuCb
from handlers.common_ui import show
from handlers.keyboards import participant as keyboards
from handlers.participant.events import send_event_card
from handlers.participant.notify import notify_promotions
from handlers.routing import Routes
from handlers.views import participant as views
from storage.db import utcnow
from storage.models import Participant, RegStatus

if TYPE_CHECKING:
    from bot.runtime import Runtime

routes = Routes("my")


async def send_my(
    target: Message | CallbackQuery, t: Translator, registration: RegistrationService
) -> None:
    user_id = target.from_user.id if target.from_user else 0
    now = utcnow()
    items = await registration.registrations.of_participant(user_id)
    shown = [(r, e) for r, e in items if r.status is not RegStatus.CANCELLED or e.ends_at > now]
    active = [(r, e) for r, e in shown if r.status is not RegStatus.CANCELLED and e.starts_at > now]
    await show(target, views.my_registrations(shown, t, now), keyboards.my_registrations(active, t))


@routes.message(Command("my"))
async def cmd_my(message: Message, t: Translator, registration: RegistrationService) -> None:
    await send_my(message, t, registration)


@routes.callback_query(MenuCb.filter(F.action == Menu.MY))
async def menu_my(
    callback: CallbackQuery, t: Translator, registration: RegistrationService
) -> None:
    await callback.answer()
    await send_my(callback, t, registration)


@routes.callback_query(EventCb.filter(F.action == EvAction.CANCEL))
async def ask_cancel(
    callback: CallbackQuery,
    callback_data: EventCb,
    t: Translator,
    registration: RegistrationService,
) -> None:
    event = await registration.events.get(callback_data.event_id)
    reg = (
        await registration.registrations.get(callback_data.event_id, callback.from_user.id)
        if event
        else None
    )
    if event is None or reg is None or reg.status is RegStatus.CANCELLED:
        await callback.answer(t.plain("stale.nothing_to_cancel"), show_alert=True)
        return
    if event.starts_at <= utcnow():
        await callback.answer(t.plain("stale.already_started"), show_alert=True)
        return
    await callback.answer()
    await show(callback, t("cancel.confirm", title=event.title), keyboards.confirm_cancel(event, t))


@routes.callback_query(EventCb.filter(F.action == EvAction.CANCEL_YES))
async def do_cancel(
    callback: CallbackQuery,
    callback_data: EventCb,
    t: Translator,
    participant: Participant | None,
    registration: RegistrationService,
    regions: Regions,
    runtime: Runtime | None = None,
) -> None:
    event = await registration.events.get(callback_data.event_id)
    if event is None:
        await callback.answer(t.plain("stale.event"), show_alert=True)
        return
    if event.starts_at <= utcnow():
        await callback.answer(t.plain("stale.already_started"), show_alert=True)
        return
    outcome = await registration.cancel(callback.from_user.id, event.id)
    if outcome.was is None:
        await callback.answer(t.plain("stale.nothing_to_cancel"), show_alert=True)
        return
    await callback.answer(t.plain("cancel.done_short"))
    await send_event_card(callback, event, t, participant, registration, regions)
    assert callback.bot is not None
    await callback.bot.send_message(
        callback.from_user.id,
        t("cancel.done", title=event.title),
        reply_markup=keyboards.main_menu(t),
    )
    await notify_promotions(callback.bot, outcome.promoted, registration, runtime=runtime)
