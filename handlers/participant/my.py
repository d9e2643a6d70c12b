"""/my: the participant's registrations, and cancelling one."""

from __future__ import annotations

from aiogram import F
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from bot.selection.applying import Applying
from handlers.attendance.participant import with_qr_buttons
from handlers.callbacks import EvAction, EventCb, Menu, MenuCb
from handlers.common_ui import acknowledge, show
from handlers.keyboards import participant as keyboards
from handlers.participant.context import FormContext
from handlers.participant.events import send_event_card
from handlers.participant.filters import KnownEvent
from handlers.participant.notify import cancel_by_button, notify_promotions
from handlers.reports.certificates import with_certificates
from handlers.routing import Routes
from handlers.selection import views as selection_views
from handlers.selection.keyboards import add_application_buttons
from handlers.views import participant as views
from storage.db import utcnow
from storage.models import Event, Participant, RegStatus

routes = Routes("my")


async def send_my(target: Message | CallbackQuery, ctx: FormContext) -> None:
    now = utcnow()
    items = await ctx.registration.registrations.of_participant(ctx.chat_id)
    shown = [(r, e) for r, e in items if r.status is not RegStatus.CANCELLED or e.ends_at > now]
    active = [(r, e) for r, e in shown if r.status is not RegStatus.CANCELLED and e.starts_at > now]
    markup = keyboards.my_registrations(active, ctx.t)
    applications = await Applying(ctx.registration).of_participant(ctx.chat_id)
    text = views.my_registrations(shown, ctx.t, now) if shown or not applications else ""
    text = "\n".join([text, *selection_views.my_applications(applications, ctx.t)]).strip()
    add_application_buttons(markup, applications, ctx.t)
    # Certificates of the events the person came to (issue 10: handlers/reports/).
    markup = await with_certificates(markup, ctx.registration.db, ctx.chat_id, ctx.t)
    # Check-in (issue 10): the QR for the door of each in-person event one is registered for.
    door = [e for r, e in shown if r.status is RegStatus.REGISTERED and e.ends_at > now]
    markup = with_qr_buttons(markup, door, ctx.t)
    await show(target, text, markup)


@routes.message(Command("my"))
@routes.callback_query(MenuCb.filter(F.action == Menu.MY))
async def my_registrations(target: Message | CallbackQuery, ctx: FormContext) -> None:
    """/my, or the menu's "My registrations"."""
    await acknowledge(target)
    await send_my(target, ctx)


@routes.callback_query(EventCb.filter(F.action == EvAction.CANCEL))
async def ask_cancel(callback: CallbackQuery, callback_data: EventCb, ctx: FormContext) -> None:
    t, registration = ctx.t, ctx.registration
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


@routes.callback_query(EventCb.filter(F.action == EvAction.CANCEL_YES), KnownEvent())
async def do_cancel(
    callback: CallbackQuery, event: Event, ctx: FormContext, participant: Participant | None
) -> None:
    if event.starts_at <= utcnow():
        await callback.answer(ctx.t.plain("stale.already_started"), show_alert=True)
        return
    promoted = await cancel_by_button(callback, event, ctx)
    if promoted is None:
        return
    await send_event_card(callback, event, ctx, participant)
    await ctx.say(ctx.t("cancel.done", title=event.title), keyboards.main_menu(ctx.t))
    await notify_promotions(ctx.bot, promoted, ctx.registration, runtime=ctx.runtime)
