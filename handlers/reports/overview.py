"""/reports for admins: per district, the events held, attended against the minimum, the
report submitted or missing; a nudge to a late coordinator; the pack for the federal centre
as a ZIP in the chat when it fits Telegram's 50 MB (else the command that makes it)."""

from __future__ import annotations

import tempfile
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

from aiogram import F
from aiogram.filters import Command
from aiogram.types import CallbackQuery, FSInputFile, InlineKeyboardMarkup, Message

from bot.events.minimums import minimum_of
from bot.i18n import Html, Translator
from bot.reports.pack import PROGRAMME, TELEGRAM_LIMIT, Look, PackFilter, make_pack
from bot.reports.report import Held, held_events, nudge
from bot.timefmt import short_date
from handlers.callbacks import ReportsCb, RsAction
from handlers.common_ui import show
from handlers.reports.views import button, column
from handlers.routing import Routes
from handlers.staff.common import scope_name
from handlers.staff.context import StaffContext
from storage.db import utcnow
from storage.events import EventRepo

routes = Routes("reports_overview")

#: The overview shows the events of the last year.
PERIOD = timedelta(days=366)


def code_of(held: Held) -> str:
    return held.event.district or PROGRAMME


def district_name(code: str, ctx: StaffContext) -> str:
    return scope_name(None if code == PROGRAMME else code, ctx.regions, ctx.t)


def met_sign(held: Held) -> str:
    return {True: "✓", False: "✗", None: ""}[held.met]


def home_text(groups: dict[str, list[Held]], ctx: StaffContext) -> Html:
    t = ctx.t
    lines = [t("reports.overview.title")]
    for code, items in groups.items():
        lines.append(
            t(
                "reports.overview.district_line",
                district=district_name(code, ctx),
                held=len(items),
                met=sum(1 for h in items if h.met),
                submitted=sum(1 for h in items if h.submitted),
            )
        )
    if not groups:
        lines.append(t("reports.overview.empty"))
    return Html("\n".join(lines))


def home_keyboard(groups: dict[str, list[Held]], ctx: StaffContext) -> InlineKeyboardMarkup:
    rows = [
        button(district_name(code, ctx), ReportsCb(action=RsAction.DISTRICT, district=code))
        for code in groups
    ]
    if groups:
        rows.append(
            button(ctx.t.plain("reports.overview.pack_all"), ReportsCb(action=RsAction.PACK))
        )
    return column(*rows)


def event_line(held: Held, t: Translator) -> Html:
    event = held.event
    report = t("reports.overview.submitted") if held.submitted else t("reports.overview.missing")
    return t(
        "reports.overview.event_line",
        date=short_date(event.starts_at, t),
        title=event.title,
        attended=held.attended,
        min=minimum_of(event) or "",
        sign=met_sign(held),
        report=report,
    )


async def groups_of(ctx: StaffContext) -> dict[str, list[Held]]:
    now = utcnow()
    groups: dict[str, list[Held]] = defaultdict(list)
    for held in await held_events(ctx.db, now - PERIOD, now):
        groups[code_of(held)].append(held)
    return dict(sorted(groups.items(), key=lambda kv: district_name(kv[0], ctx)))


@routes.message(Command("reports"))
@routes.callback_query(ReportsCb.filter(F.action == RsAction.HOME))
async def overview(target: Message | CallbackQuery, ctx: StaffContext) -> None:
    if isinstance(target, CallbackQuery):
        await target.answer()
    groups = await groups_of(ctx)
    await show(target, home_text(groups, ctx), home_keyboard(groups, ctx))


@routes.callback_query(ReportsCb.filter(F.action == RsAction.DISTRICT))
async def district(callback: CallbackQuery, callback_data: ReportsCb, ctx: StaffContext) -> None:
    t, code = ctx.t, callback_data.district
    items = (await groups_of(ctx)).get(code, [])
    await callback.answer()
    lines = [t("reports.overview.district_title", district=district_name(code, ctx))]
    lines += [event_line(h, t) for h in items] or [t("reports.overview.empty")]
    buttons = [
        button(
            t.plain("reports.overview.nudge", title=h.event.title),
            ReportsCb(action=RsAction.NUDGE, district=code, event_id=h.event.id),
        )
        for h in items
        if not h.submitted
    ]
    buttons.append(
        button(t.plain("reports.overview.pack"), ReportsCb(action=RsAction.PACK, district=code))
    )
    buttons.append(button(t.plain("reports.overview.back"), ReportsCb(action=RsAction.HOME)))
    await show(callback, Html("\n".join(lines)), column(*buttons))


@routes.callback_query(ReportsCb.filter(F.action == RsAction.NUDGE))
async def nudge_coordinator(
    callback: CallbackQuery, callback_data: ReportsCb, ctx: StaffContext
) -> None:
    t = ctx.t
    event = await EventRepo(ctx.db).get(callback_data.event_id)
    if event is None:
        await callback.answer(t.plain("stale.button"), show_alert=True)
        return
    held = {h.event.id: h for h in await held_events(ctx.db, event.starts_at, utcnow())}
    if event.id not in held:
        await callback.answer(t.plain("stale.button"), show_alert=True)
        return
    if held[event.id].submitted:
        await callback.answer(t.plain("reports.overview.already_submitted"), show_alert=True)
        return
    queued = await nudge(ctx.db, event, ctx.settings.admin_ids, utcnow())
    if queued and ctx.runtime is not None:
        ctx.runtime.sender.wake()
    if queued:
        await callback.answer(t.plain("reports.overview.nudged"), show_alert=True)
    else:
        await callback.answer(t.plain("reports.overview.nudged_today"), show_alert=True)


@routes.callback_query(ReportsCb.filter(F.action == RsAction.PACK))
async def send_pack(callback: CallbackQuery, callback_data: ReportsCb, ctx: StaffContext) -> None:
    """Built in a temporary folder (the heavy part in a thread), sent, and removed."""
    t = ctx.t
    await callback.answer(t.plain("reports.overview.packing"))
    code = callback_data.district or None
    look = Look(ctx.settings.zone, ctx.regions, t.locale)
    with tempfile.TemporaryDirectory(prefix="reports-") as folder:
        name = f"reports-{code or 'all-districts'}-{utcnow().date().isoformat()}.zip"
        output = Path(folder) / name
        built = await make_pack(
            ctx.db, PackFilter(district=code), look, (ctx.settings.reports_dir, output), ctx.bot
        )
        if built.size > TELEGRAM_LIMIT:
            command = "python -m bot reports pack" + (f" --district {code}" if code else "")
            await ctx.bot.send_message(
                callback.from_user.id,
                t("reports.overview.too_big", command=command + " --output pack.zip"),
            )
            return
        await ctx.bot.send_document(
            callback.from_user.id,
            FSInputFile(output, filename=name),
            caption=t("reports.overview.pack_caption", n=built.events),
        )
