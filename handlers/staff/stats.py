"""/stats: registrations, the waiting list and cancellations, by district and by role, for
the coordinator's whole scope or one event, with a chart of registrations per day."""

from __future__ import annotations

import asyncio
import contextlib

from aiogram import F
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.types import BufferedInputFile, CallbackQuery, Message

from bot.i18n import Html
from bot.staff.coordination import ROLE_ID, page_of
from bot.staff.stats import ChartText, Record, per_day, render_chart, summarize
from handlers.attendance.stats import turnout_block
from handlers.callbacks import CoAction, CoListCb, CoStatsCb
from handlers.keyboards import staff as kb
from handlers.routing import Routes
from handlers.staff.common import scope_name
from handlers.staff.context import StaffContext
from handlers.staff.events import LIST_PAGE, events_in_scope, on_event
from handlers.views import staff as views
from storage.db import Database
from storage.models import Event
from storage.roster import RosterRepo

routes = Routes("coord_stats")


async def records_of(db: Database, events: list[Event]) -> list[Record]:
    entries = await RosterRepo(db).entries([e.id for e in events], (ROLE_ID,))
    return [
        Record(
            event_id=e.event_id,
            participant_id=e.participant_id,
            status=e.status,
            registered_at=e.registered_at,
            cancelled_at=e.cancelled_at,
            district=e.district,
            role=e.answers.get(ROLE_ID),
        )
        for e in entries
    ]


async def send_chart(chat_id: int, records: list[Record], title: str, ctx: StaffContext) -> None:
    t = ctx.t
    text = ChartText(
        title=title,
        new=t.plain("stats.chart_new"),
        total=t.plain("stats.chart_total"),
        active=t.plain("stats.chart_active"),
        axis=t.plain("stats.chart_axis"),
    )
    # matplotlib takes a moment: draw in a thread, the bot keeps answering meanwhile
    png = await asyncio.to_thread(render_chart, per_day(records, ctx.settings.zone), text)
    await ctx.bot.send_photo(
        chat_id,
        BufferedInputFile(png, filename="registrations.png"),
        caption=t("stats.chart_caption", title=title),
    )


async def send_scope_stats(chat_id: int, ctx: StaffContext) -> None:
    t = ctx.t
    events = await events_in_scope(ctx.db, ctx.role)
    records = await records_of(ctx.db, events)
    scope = scope_name(ctx.role.district, ctx.regions, t)
    head = t("stats.scope_title", scope=scope)
    text = views.stats(summarize(records), head, t, ctx.regions, ctx.form)
    came = await turnout_block(ctx.db, events, t, ctx.regions)  # issue 10: who came
    text = Html(text + "\n\n" + came) if came else text
    chunk, page, pages = page_of(events, 0, LIST_PAGE)
    if events:
        text = Html(text + "\n\n" + t("stats.pick_event"))
    markup = kb.events(chunk, page, pages, t, stats=True)
    await ctx.bot.send_message(chat_id, text, reply_markup=markup)
    if records:
        await send_chart(chat_id, records, scope, ctx)


@routes.message(Command("stats"))
async def cmd_stats(message: Message, ctx: StaffContext) -> None:
    await send_scope_stats(message.chat.id, ctx)


@routes.callback_query(CoStatsCb.filter())
async def button_stats(callback: CallbackQuery, ctx: StaffContext) -> None:
    await callback.answer()
    await send_scope_stats(callback.from_user.id, ctx)


@routes.callback_query(CoListCb.filter(F.stats))
async def stats_page(callback: CallbackQuery, callback_data: CoListCb, ctx: StaffContext) -> None:
    await callback.answer()
    everything = await events_in_scope(ctx.db, ctx.role)
    chunk, page, pages = page_of(everything, callback_data.page, LIST_PAGE)
    if isinstance(callback.message, Message):
        with contextlib.suppress(TelegramBadRequest):  # "not modified" after a double tap
            await callback.message.edit_reply_markup(
                reply_markup=kb.events(chunk, page, pages, ctx.t, stats=True)
            )


@routes.callback_query(*on_event(CoAction.STATS))
async def event_stats(callback: CallbackQuery, event: Event, ctx: StaffContext) -> None:
    await callback.answer()
    records = await records_of(ctx.db, [event])
    head = ctx.t("stats.event_title", title=event.title)
    text = views.stats(summarize(records), head, ctx.t, ctx.regions, ctx.form)
    came = await turnout_block(ctx.db, [event], ctx.t, ctx.regions)  # issue 10: who came
    text = Html(text + "\n\n" + came) if came else text
    await ctx.bot.send_message(
        callback.from_user.id, text, reply_markup=kb.back_to_event(event.id, ctx.t)
    )
    if records:
        await send_chart(callback.from_user.id, records, event.title, ctx)
