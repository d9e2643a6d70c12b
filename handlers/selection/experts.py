"""/experts for staff: the experts of each selection event in their scope, their progress,
and one-time invitation links that make the opener an expert of that event; and what the
opener of such a link is told (the link itself is redeemed with the coordinators' ones,
handlers/staff/coordinators.py, by role)."""

from __future__ import annotations

from datetime import timedelta

from aiogram import F
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot.i18n import Html
from bot.staff.coordination import ROLE_EXPERT, Coordinators, Invite
from bot.timefmt import when
from handlers.common_ui import show
from handlers.keyboards.build import Keyboard
from handlers.routing import Routes
from handlers.selection.callbacks import ExpertsCb
from handlers.staff.common import invite_link
from handlers.staff.context import StaffContext
from storage.db import utcnow
from storage.events import EventRepo
from storage.models import Event
from storage.reviews import ReviewRepo

routes = Routes("selection_experts")


async def expert_welcome(invite: Invite, ctx: StaffContext) -> str:
    """The opener of an expert's invitation: which selection, and /review."""
    event = await EventRepo(ctx.db).get(invite.event_id or "")
    return ctx.t("experts.invite_ok", title=event.title if event else "—")


async def selection_events(ctx: StaffContext) -> list[Event]:
    """Selection events in the person's scope (none for someone who is not staff)."""
    events = await EventRepo(ctx.db).all()
    return [e for e in events if e.selection is not None and ctx.role.covers_event(e)]


def events_keyboard(events: list[Event]) -> InlineKeyboardMarkup:
    kb = Keyboard()
    for event in events:
        kb.button(text=event.title[:60], callback_data=ExpertsCb(event_id=event.id))
    kb.adjust(1)
    return kb.as_markup()


@routes.message(Command("experts"))
async def cmd_experts(message: Message, ctx: StaffContext) -> None:
    if not ctx.role.is_staff:
        await message.answer(ctx.t("experts.denied"))
        return
    events = await selection_events(ctx)
    if not events:
        await message.answer(ctx.t("experts.no_events"))
        return
    await message.answer(ctx.t("experts.pick"), reply_markup=events_keyboard(events))


async def event_in_scope(callback: CallbackQuery, ctx: StaffContext, event_id: str) -> Event | None:
    """The selection event of a button, if in the presser's scope; else an alert, the same
    for a forged id, another district's event and someone who is not staff."""
    event = await EventRepo(ctx.db).get(event_id)
    if event is None or event.selection is None or not ctx.role.covers_event(event):
        await callback.answer(ctx.t.plain("experts.denied_short"), show_alert=True)
        return None
    return event


@routes.callback_query(ExpertsCb.filter(F.invite.is_(False)))
async def experts_of(callback: CallbackQuery, callback_data: ExpertsCb, ctx: StaffContext) -> None:
    """The experts of one event with what each has done, and the invitation button."""
    event = await event_in_scope(callback, ctx, callback_data.event_id)
    if event is None:
        return
    await callback.answer()
    progress = await ReviewRepo(ctx.db).progress(event.id)
    lines = [ctx.t("experts.title", title=event.title)]
    lines += [
        ctx.t("experts.item", id=p.expert_id, reviewed=p.reviewed, recused=p.recused)
        for p in progress
    ] or [ctx.t("experts.none")]
    lines.append(ctx.t("experts.cli_hint", event_id=event.id))
    kb = Keyboard()
    kb.button(
        text=ctx.t.plain("experts.invite"), callback_data=ExpertsCb(event_id=event.id, invite=True)
    )
    await show(callback, Html("\n".join(lines)), kb.as_markup())


@routes.callback_query(ExpertsCb.filter(F.invite.is_(True)))
async def invite(callback: CallbackQuery, callback_data: ExpertsCb, ctx: StaffContext) -> None:
    """A one-time link that makes its opener an expert of this event."""
    event = await event_in_scope(callback, ctx, callback_data.event_id)
    if event is None:
        return
    await callback.answer()
    settings = ctx.settings
    coordinators = Coordinators(
        ctx.db, admin_ids=settings.admin_ids, invite_ttl=timedelta(days=settings.invite_ttl_days)
    )
    now = utcnow()
    token = await coordinators.invite(
        event.district, callback.from_user.id, now, role=ROLE_EXPERT, event_id=event.id
    )
    link = await invite_link(ctx.bot, token)
    until = Html(when(now + coordinators.invite_ttl, ctx.t, base=settings.zone))
    await show(callback, ctx.t("experts.invite_link", title=event.title, link=link, until=until))
