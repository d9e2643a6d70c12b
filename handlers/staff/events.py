"""/coord: the coordinator's events with their counts and links, an event's card, its
participants, the exports (CSV, XLSX, the sheet to print) and cancelling it.

Every button that names an event passes EventInScope (handlers/filters.py), which hands the
event over; a press it refuses is answered by handlers/staff/scope.py."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiogram import F
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackQueryFilter
from aiogram.types import BufferedInputFile, CallbackQuery, Message

from bot.attendance.service import summary_of
from bot.i18n import Html, Translator
from bot.staff.coordination import EventDesk, page_of, roster
from bot.staff.export import registration_table, to_csv, to_xlsx
from bot.staff.roles import Role
from bot.timefmt import when
from handlers.attendance.sheet import with_check_ins
from handlers.attendance.ui import summary_line
from handlers.callbacks import CoAction, CoEventCb, CoListCb
from handlers.common_ui import show
from handlers.filters import EventInScope
from handlers.keyboards import staff as kb
from handlers.routing import Routes
from handlers.staff.common import after_event_change, event_link
from handlers.staff.context import StaffContext
from handlers.views import staff as views
from storage.db import Database, utcnow
from storage.events import EventRepo
from storage.models import Event, EventStatus, RegStatus

if TYPE_CHECKING:
    # bot.staff.sheets loads openpyxl (some 20 MB with numpy and Pillow): imported where a
    # sheet is made, not with every bot process.
    from bot.staff.sheets import SheetLabels

routes = Routes("coord_events")

LIST_PAGE = 6  # events per /coord page (each with its counts and link)
PEOPLE_PAGE = 15  # participants per page: fits Telegram's 4096 characters


def on_event(action: CoAction) -> tuple[CallbackQueryFilter, EventInScope]:
    """The filters of a button of an event's card: its action, and the event in scope."""
    return CoEventCb.filter(F.action == action), EventInScope()


async def events_in_scope(db: Database, role: Role) -> list[Event]:
    """Those not over yet first (soonest first), then the past ones (latest first)."""
    now = utcnow()
    mine = [e for e in await EventRepo(db).all() if role.covers_event(e)]
    coming = [e for e in mine if e.ends_at > now]
    past = [e for e in mine if e.ends_at <= now]
    return coming + sorted(past, key=lambda e: e.starts_at, reverse=True)


async def send_list(target: Message | CallbackQuery, page: int, ctx: StaffContext) -> None:
    chunk, page, pages = page_of(await events_in_scope(ctx.db, ctx.role), page, LIST_PAGE)
    counts = await EventRepo(ctx.db).counts([e.id for e in chunk])
    items = [(e, counts.get(e.id), await event_link(ctx.bot, e.id)) for e in chunk]
    text = views.events_list(items, page, pages, ctx.look, ctx.role.district)
    await show(target, text, kb.events(chunk, page, pages, ctx.t))


@routes.message(Command("coord"))
async def cmd_coord(message: Message, ctx: StaffContext) -> None:
    await send_list(message, 0, ctx)


@routes.callback_query(CoListCb.filter(~F.stats))
async def list_page(callback: CallbackQuery, callback_data: CoListCb, ctx: StaffContext) -> None:
    await callback.answer()
    await send_list(callback, callback_data.page, ctx)


async def show_card(callback: CallbackQuery, event: Event, ctx: StaffContext) -> None:
    counts = (await EventRepo(ctx.db).counts([event.id])).get(event.id)
    link = await event_link(ctx.bot, event.id)
    text = views.event_card(event, counts, link, ctx.look)
    # Check-in (issue 10): who came, against the minimum of the event's kind.
    text = Html(text + "\n" + summary_line(await summary_of(ctx.db, event), ctx.t))
    can_change = event.status is EventStatus.SCHEDULED and event.starts_at > utcnow()
    await show(callback, text, kb.event_card(event, ctx.t, can_change=can_change))


@routes.callback_query(*on_event(CoAction.OPEN))
async def open_card(callback: CallbackQuery, event: Event, ctx: StaffContext) -> None:
    await callback.answer()
    await show_card(callback, event, ctx)


@routes.callback_query(*on_event(CoAction.PEOPLE))
async def people_page(
    callback: CallbackQuery, callback_data: CoEventCb, event: Event, ctx: StaffContext
) -> None:
    await callback.answer()
    everyone = await roster(ctx.db, event.id, ctx.regions, ctx.t.locale)
    rows, page, pages = page_of(everyone, callback_data.page, PEOPLE_PAGE)
    await show(
        callback,
        views.people(event, rows, page, pages, ctx.t),
        kb.people(event.id, page, pages, ctx.t),
    )


async def send_document(
    callback: CallbackQuery, ctx: StaffContext, file: BufferedInputFile, caption: str
) -> None:
    await ctx.bot.send_document(callback.from_user.id, file, caption=caption)


@routes.callback_query(*on_event(CoAction.SHEET))
async def export_sheet(callback: CallbackQuery, event: Event, ctx: StaffContext) -> None:
    """The sheet to print and sign at the door: the registered, numbered."""
    from bot.staff.sheets import SheetRow, registration_sheet

    t = ctx.t
    await callback.answer(t.plain("coord.preparing"))
    rows = await roster(ctx.db, event.id, ctx.regions, t.locale, with_cancelled=False)
    registered = [
        SheetRow(r.name, r.organisation, r.region) for r in rows if r.status is RegStatus.REGISTERED
    ]
    # Check-in (issue 10): who came is marked, walk-ins follow the registered.
    registered = await with_check_ins(ctx.db, event.id, registered, rows, (t, ctx.settings.zone))
    data = registration_sheet(event.title, registered, sheet_labels(event, t, ctx))
    file = BufferedInputFile(data, filename=f"sheet-{event.id}.xlsx")
    await send_document(callback, ctx, file, t("coord.sheet_caption", title=event.title))


@routes.callback_query(*on_event(CoAction.CSV))
@routes.callback_query(*on_event(CoAction.XLSX))
async def export_table(
    callback: CallbackQuery, callback_data: CoEventCb, event: Event, ctx: StaffContext
) -> None:
    """Every registration with its answers, as the command-line export writes it."""
    t = ctx.t
    await callback.answer(t.plain("coord.preparing"))
    table = await registration_table(
        ctx.db, event.id, ctx.form, ctx.regions, ctx.settings.zone, t.locale
    )
    if callback_data.action is CoAction.CSV:
        data, name = to_csv(table), f"{event.id}.csv"
    else:
        data, name = to_xlsx(table, event.id), f"{event.id}.xlsx"
    caption = t("coord.export_caption", title=event.title, n=len(table.rows))
    await send_document(callback, ctx, BufferedInputFile(data, filename=name), caption)


def sheet_labels(event: Event, t: Translator, ctx: StaffContext) -> SheetLabels:
    from bot.staff.sheets import SheetLabels

    places = [p for p in (event.location, event.online_url) if p]
    return SheetLabels(
        heading=t.plain("sheet.heading"),
        when=t.plain("sheet.when", when=when(event.starts_at, t, base=ctx.settings.zone)),
        place=t.plain("sheet.place", place=", ".join(places)),
        number=t.plain("sheet.number"),
        name=t.plain("sheet.name"),
        organisation=t.plain("sheet.organisation"),
        region=t.plain("sheet.region"),
        signature=t.plain("sheet.signature"),
        page=t.plain("sheet.page"),
    )


@routes.callback_query(*on_event(CoAction.CANCEL))
async def ask_cancel(callback: CallbackQuery, event: Event, ctx: StaffContext) -> None:
    await callback.answer()
    counts = (await EventRepo(ctx.db).counts([event.id])).get(event.id)
    active = (counts.registered + counts.waitlisted) if counts else 0
    await show(
        callback,
        ctx.t("coord.cancel_ask", title=event.title, n=active),
        kb.confirm_cancel(event.id, ctx.t),
    )


@routes.callback_query(*on_event(CoAction.CANCEL_YES))
async def do_cancel(callback: CallbackQuery, event: Event, ctx: StaffContext) -> None:
    cancelled = await EventDesk(ctx.db).cancel(event, utcnow())
    await after_event_change(ctx.runtime)
    await callback.answer(ctx.t.plain("coord.cancelled_short"))
    await show_card(callback, cancelled, ctx)
