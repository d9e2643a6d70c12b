"""/coord: the coordinator's events with their counts and links, an event's card, its
participants, the exports (CSV, XLSX, the sheet to print) and cancelling it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiogram import Bot, F
from aiogram.filters import Command
from aiogram.types import BufferedInputFile, CallbackQuery, Message

from bot.config import Settings
from bot.i18n import Translator
from bot.registration.form import Form
from bot.registration.regions import Regions
from bot.staff.coordination import EventDesk, page_of, roster
from bot.staff.export import registration_table, to_csv, to_xlsx
from bot.staff.roles import Role
from bot.staff.sheets import SheetLabels, SheetRow, registration_sheet
from bot.timefmt import when
from handlers.callbacks import CoAction, CoEventCb, CoListCb
from handlers.common_ui import show
from handlers.keyboards import staff as kb
from handlers.staff.common import (
    StaffRoutes,
    after_event_change,
    event_in_scope,
    event_link,
    refuse_event,
)
from handlers.views import staff as views
from storage.db import Database, utcnow
from storage.events import EventRepo
from storage.models import Event, EventStatus, RegStatus

if TYPE_CHECKING:
    from bot.runtime import Runtime

routes = StaffRoutes("coord_events")

LIST_PAGE = 6  # events per /coord page (each with its counts and link)
PEOPLE_PAGE = 15  # participants per page: fits Telegram's 4096 characters


async def events_in_scope(db: Database, role: Role) -> list[Event]:
    """Those not over yet first (soonest first), then the past ones (latest first)."""
    now = utcnow()
    mine = [e for e in await EventRepo(db).all() if role.covers_event(e)]
    coming = [e for e in mine if e.ends_at > now]
    past = [e for e in mine if e.ends_at <= now]
    return coming + sorted(past, key=lambda e: e.starts_at, reverse=True)


async def send_list(
    target: Message | CallbackQuery,
    page: int,
    bot: Bot,
    db: Database,
    role: Role,
    t: Translator,
    regions: Regions,
    settings: Settings,
) -> None:
    chunk, page, pages = page_of(await events_in_scope(db, role), page, LIST_PAGE)
    counts = await EventRepo(db).counts([e.id for e in chunk])
    items = [(e, counts.get(e.id), await event_link(bot, e.id)) for e in chunk]
    text = views.events_list(items, page, pages, t, regions, settings.zone, role.district)
    await show(target, text, kb.events(chunk, page, pages, t))


@routes.message(Command("coord"))
async def cmd_coord(
    message: Message,
    bot: Bot,
    db: Database,
    role: Role,
    t: Translator,
    regions: Regions,
    settings: Settings,
) -> None:
    await send_list(message, 0, bot, db, role, t, regions, settings)


@routes.callback_query(CoListCb.filter(~F.stats))
async def list_page(
    callback: CallbackQuery,
    callback_data: CoListCb,
    bot: Bot,
    db: Database,
    role: Role,
    t: Translator,
    regions: Regions,
    settings: Settings,
) -> None:
    await callback.answer()
    await send_list(callback, callback_data.page, bot, db, role, t, regions, settings)


async def show_card(
    callback: CallbackQuery,
    event: Event,
    bot: Bot,
    db: Database,
    t: Translator,
    regions: Regions,
    settings: Settings,
) -> None:
    counts = (await EventRepo(db).counts([event.id])).get(event.id)
    text = views.event_card(
        event, counts, await event_link(bot, event.id), t, regions, settings.zone
    )
    can_change = event.status is EventStatus.SCHEDULED and event.starts_at > utcnow()
    await show(callback, text, kb.event_card(event, t, can_change=can_change))


@routes.callback_query(CoEventCb.filter(F.action == CoAction.OPEN))
async def open_card(
    callback: CallbackQuery,
    callback_data: CoEventCb,
    bot: Bot,
    db: Database,
    role: Role,
    t: Translator,
    regions: Regions,
    settings: Settings,
) -> None:
    event = await event_in_scope(db, callback_data.event_id, role)
    if event is None:
        await refuse_event(callback, t)
        return
    await callback.answer()
    await show_card(callback, event, bot, db, t, regions, settings)


@routes.callback_query(CoEventCb.filter(F.action == CoAction.PEOPLE))
async def people_page(
    callback: CallbackQuery,
    callback_data: CoEventCb,
    db: Database,
    role: Role,
    t: Translator,
    regions: Regions,
) -> None:
    event = await event_in_scope(db, callback_data.event_id, role)
    if event is None:
        await refuse_event(callback, t)
        return
    await callback.answer()
    rows, page, pages = page_of(
        await roster(db, event.id, regions, t.locale), callback_data.page, PEOPLE_PAGE
    )
    await show(
        callback, views.people(event, rows, page, pages, t), kb.people(event.id, page, pages, t)
    )


@routes.callback_query(
    CoEventCb.filter(F.action.in_({CoAction.CSV, CoAction.XLSX, CoAction.SHEET}))
)
async def export(
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
    await callback.answer(t.plain("coord.preparing"))
    if callback_data.action is CoAction.SHEET:
        rows = await roster(db, event.id, regions, t.locale, with_cancelled=False)
        registered = [
            SheetRow(r.name, r.organisation, r.region)
            for r in rows
            if r.status is RegStatus.REGISTERED
        ]
        data = registration_sheet(event.title, registered, sheet_labels(event, t, settings))
        name, caption = f"sheet-{event.id}.xlsx", t("coord.sheet_caption", title=event.title)
    else:
        table = await registration_table(db, event.id, form, regions, settings.zone, t.locale)
        if callback_data.action is CoAction.CSV:
            data, name = to_csv(table), f"{event.id}.csv"
        else:
            data, name = to_xlsx(table, event.id), f"{event.id}.xlsx"
        caption = t("coord.export_caption", title=event.title, n=len(table.rows))
    await bot.send_document(
        callback.from_user.id, BufferedInputFile(data, filename=name), caption=caption
    )


def sheet_labels(event: Event, t: Translator, settings: Settings) -> SheetLabels:
    places = [p for p in (event.location, event.online_url) if p]
    return SheetLabels(
        heading=t.plain("sheet.heading"),
        when=t.plain("sheet.when", when=when(event.starts_at, t, base=settings.zone)),
        place=t.plain("sheet.place", place=", ".join(places)),
        number=t.plain("sheet.number"),
        name=t.plain("sheet.name"),
        organisation=t.plain("sheet.organisation"),
        region=t.plain("sheet.region"),
        signature=t.plain("sheet.signature"),
        page=t.plain("sheet.page"),
    )


@routes.callback_query(CoEventCb.filter(F.action == CoAction.CANCEL))
async def ask_cancel(
    callback: CallbackQuery, callback_data: CoEventCb, db: Database, role: Role, t: Translator
) -> None:
    event = await event_in_scope(db, callback_data.event_id, role)
    if event is None:
        await refuse_event(callback, t)
        return
    if event.status is EventStatus.CANCELLED:
        await callback.answer(t.plain("coord.already_cancelled"), show_alert=True)
        return
    await callback.answer()
    counts = (await EventRepo(db).counts([event.id])).get(event.id)
    active = (counts.registered + counts.waitlisted) if counts else 0
    await show(
        callback,
        t("coord.cancel_ask", title=event.title, n=active),
        kb.confirm_cancel(event.id, t),
    )


@routes.callback_query(CoEventCb.filter(F.action == CoAction.CANCEL_YES))
async def do_cancel(
    callback: CallbackQuery,
    callback_data: CoEventCb,
    bot: Bot,
    db: Database,
    role: Role,
    t: Translator,
    regions: Regions,
    settings: Settings,
    runtime: Runtime | None = None,
) -> None:
    event = await event_in_scope(db, callback_data.event_id, role)
    if event is None:
        await refuse_event(callback, t)
        return
    if event.status is EventStatus.CANCELLED:
        await callback.answer(t.plain("coord.already_cancelled"), show_alert=True)
        return
    cancelled = await EventDesk(db).cancel(event, utcnow())
    await after_event_change(runtime)
    await callback.answer(t.plain("coord.cancelled_short"))
    await show_card(callback, cancelled, bot, db, t, regions, settings)
