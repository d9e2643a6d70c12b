"""/stats: registrations, the waiting list and cancellations, by district and by role, for
the coordinator's whole scope or one event, with a chart of registrations per day."""

from __future__ import annotations

import asyncio
import contextlib

from aiogram import Bot, F
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.types import BufferedInputFile, CallbackQuery, Message

from bot.config import Settings
from bot.i18n import Html, Translator
from bot.registration.form import Form
from bot.registration.regions import Regions
from bot.staff.coordination import ROLE_ID, page_of
from bot.staff.roles import Role
from bot.staff.stats import ChartText, Record, per_day, render_chart, summarize
from handlers.callbacks import CoAction, CoEventCb, CoListCb, CoStatsCb
from handlers.keyboards import staff as kb
from handlers.staff.common import StaffRoutes, event_in_scope, refuse_event, scope_name
from handlers.staff.events import LIST_PAGE, events_in_scope
from handlers.views import staff as views
from storage.db import Database
from storage.models import Event
from storage.roster import RosterRepo

routes = StaffRoutes("coord_stats")


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


async def send_chart(
    bot: Bot, chat_id: int, records: list[Record], title: str, t: Translator, settings: Settings
) -> None:
    text = ChartText(
        title=title,
        new=t.plain("stats.chart_new"),
        total=t.plain("stats.chart_total"),
        active=t.plain("stats.chart_active"),
        axis=t.plain("stats.chart_axis"),
    )
    # matplotlib takes a moment: draw in a thread, the bot keeps answering meanwhile
    png = await asyncio.to_thread(render_chart, per_day(records, settings.zone), text)
    await bot.send_photo(
        chat_id,
        BufferedInputFile(png, filename="registrations.png"),
        caption=t("stats.chart_caption", title=title),
    )


async def send_scope_stats(
    bot: Bot,
    chat_id: int,
    db: Database,
    role: Role,
    t: Translator,
    regions: Regions,
    form: Form,
    settings: Settings,
) -> None:
    events = await events_in_scope(db, role)
    records = await records_of(db, events)
    scope = scope_name(role.district, regions, t)
    head = t("stats.scope_title", scope=scope)
    text = views.stats(summarize(records), head, t, regions, form)
    chunk, page, pages = page_of(events, 0, LIST_PAGE)
    if events:
        text = Html(text + "\n\n" + t("stats.pick_event"))
    await bot.send_message(chat_id, text, reply_markup=kb.events(chunk, page, pages, t, stats=True))
    if records:
        await send_chart(bot, chat_id, records, scope, t, settings)


@routes.message(Command("stats"))
async def cmd_stats(
    message: Message,
    bot: Bot,
    db: Database,
    role: Role,
    t: Translator,
    regions: Regions,
    form: Form,
    settings: Settings,
) -> None:
    await send_scope_stats(bot, message.chat.id, db, role, t, regions, form, settings)


@routes.callback_query(CoStatsCb.filter())
async def button_stats(
    callback: CallbackQuery,
    bot: Bot,
    db: Database,
    role: Role,
    t: Translator,
    regions: Regions,
    form: Form,
    settings: Settings,
) -> None:
    await callback.answer()
    await send_scope_stats(bot, callback.from_user.id, db, role, t, regions, form, settings)


@routes.callback_query(CoListCb.filter(F.stats))
async def stats_page(
    callback: CallbackQuery, callback_data: CoListCb, db: Database, role: Role, t: Translator
) -> None:
    await callback.answer()
    chunk, page, pages = page_of(await events_in_scope(db, role), callback_data.page, LIST_PAGE)
    if isinstance(callback.message, Message):
        with contextlib.suppress(TelegramBadRequest):  # "not modified" after a double tap
            await callback.message.edit_reply_markup(
                reply_markup=kb.events(chunk, page, pages, t, stats=True)
            )


@routes.callback_query(CoEventCb.filter(F.action == CoAction.STATS))
async def event_stats(
    callback: CallbackQuery,
    callback_data: CoEventCb,
    bot: Bot,
    db: Database,
    role: Role,
    t: Translator,
    regions: Regions,
    form: Form,
    settings: Settings,
) -> None:
    event = await event_in_scope(db, callback_data.event_id, role)
    if event is None:
        await refuse_event(callback, t)
        return
    await callback.answer()
    records = await records_of(db, [event])
    head = t("stats.event_title", title=event.title)
    await bot.send_message(
        callback.from_user.id,
        views.stats(summarize(records), head, t, regions, form),
        reply_markup=kb.back_to_event(event.id, t),
    )
    if records:
        await send_chart(bot, callback.from_user.id, records, event.title, t, settings)
