"""Upcoming events: the paged list and the event card."""

from __future__ import annotations

import math

from aiogram import F
from aiogram.filters import Command
from aiogram.types import BufferedInputFile, CallbackQuery, Message

from bot.config import Settings
from bot.registration.ics import event_ics
from bot.selection.applying import is_selection
from handlers.callbacks import EvAction, EventCb, Menu, MenuCb, PageCb
from handlers.common_ui import acknowledge, show
from handlers.keyboards import participant as keyboards
from handlers.participant.context import FormContext
from handlers.participant.filters import KnownEvent
from handlers.routing import Routes
from handlers.selection.apply import send_selection_card
from handlers.views import participant as views
from storage.db import utcnow
from storage.models import Event, EventStatus, Participant, RegStatus

routes = Routes("events")


def order_for(events: list[Event], participant: Participant | None) -> list[Event]:
    """The participant's own district first, then programme-wide events, then the rest."""
    district = participant.district if participant else None

    def rank(event: Event) -> tuple[int, object, str]:
        if district and event.district == district:
            group = 0
        elif event.district is None:
            group = 1
        else:
            group = 2
        return (group if district else 0, event.starts_at, event.id)

    return sorted(events, key=rank)


async def send_events_page(
    target: Message | CallbackQuery,
    page: int,
    ctx: FormContext,
    participant: Participant | None,
    settings: Settings,
) -> None:
    events = order_for(await ctx.registration.events.upcoming(utcnow()), participant)
    size = settings.events_page_size
    pages = max(1, math.ceil(len(events) / size))
    page = min(max(page, 0), pages - 1)
    chunk = events[page * size : (page + 1) * size]
    markup = keyboards.events_page(chunk, page, pages, ctx.t)
    await show(target, views.events_list(chunk, page, pages, ctx.t), markup)


async def send_event_card(
    target: Message | CallbackQuery,
    event: Event,
    ctx: FormContext,
    participant: Participant | None,
) -> None:
    if is_selection(event):  # applications instead of seats (handlers/selection/apply.py)
        await send_selection_card(target, event, ctx, participant)
        return
    registration, t = ctx.registration, ctx.t
    reg = await registration.registrations.get(event.id, ctx.chat_id)
    status = reg.status if reg and reg.status is not RegStatus.CANCELLED else None
    position = (
        await registration.registrations.waitlist_position(event.id, ctx.chat_id)
        if status is RegStatus.WAITLISTED
        else None
    )
    card = views.CardState(
        own_zone=participant.timezone if participant else None,
        seats_left=await registration.seats_left(event),
        status=status,
        position=position,
        closed=registration.closed_reason(event),
    )
    text = views.event_card(event, t, ctx.regions, card)
    if event.status is EventStatus.CANCELLED:
        status = None  # no calendar file or cancel button for a cancelled event
    markup = keyboards.event_card(event, t, status=status, can_register=card.closed is None)
    await show(target, text, markup)


async def send_ics(ctx: FormContext, event: Event) -> Message:
    """The event's calendar file (it carries the join link: registered participants only)."""
    return await ctx.bot.send_document(
        ctx.chat_id,
        BufferedInputFile(event_ics(event, stamp=utcnow()), filename=f"{event.id}.ics"),
        caption=ctx.t("ics.caption", title=event.title),
    )


@routes.message(Command("events"))
@routes.callback_query(MenuCb.filter(F.action == Menu.EVENTS))
async def events_list(
    target: Message | CallbackQuery,
    ctx: FormContext,
    participant: Participant | None,
    settings: Settings,
) -> None:
    """/events, or the menu's "Events": the first page."""
    await acknowledge(target)
    await send_events_page(target, 0, ctx, participant, settings)


@routes.callback_query(PageCb.filter())
async def page(
    callback: CallbackQuery,
    callback_data: PageCb,
    ctx: FormContext,
    participant: Participant | None,
    settings: Settings,
) -> None:
    await callback.answer()
    await send_events_page(callback, callback_data.page, ctx, participant, settings)


@routes.callback_query(EventCb.filter(F.action == EvAction.OPEN), KnownEvent())
async def open_card(
    callback: CallbackQuery, event: Event, ctx: FormContext, participant: Participant | None
) -> None:
    await callback.answer()
    await send_event_card(callback, event, ctx, participant)


@routes.callback_query(EventCb.filter(F.action == EvAction.ICS), KnownEvent())
async def calendar_file(callback: CallbackQuery, event: Event, ctx: FormContext) -> None:
    reg = await ctx.registration.registrations.get(event.id, callback.from_user.id)
    if reg is None or reg.status is not RegStatus.REGISTERED:
        # The file carries the join link, which only registered participants get.
        await callback.answer(ctx.t.plain("stale.not_registered"), show_alert=True)
        return
    await callback.answer()
    await send_ics(ctx, event)
