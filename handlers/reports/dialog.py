"""/report: a coordinator sends the report of an event in the chat.

Photos, documents and the text come in any order; each is stored the moment it arrives (a
``report_files`` row by file_id, then the download into REPORTS_DIR; the text in
``reports``), so a restart, a detour or a pause of days loses nothing; the FSM keeps only
which event the dialog is about. The scanned sheet is whatever file comes with a caption
that says "лист" (sheet), or the file under which the coordinator taps "This is the sheet".
"Done" submits once everything the federal centre asks for is there.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiogram import F
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from bot.reports.files import download
from bot.reports.report import DUE_WINDOW, TEXT_LIMIT, needs_report, progress_of
from handlers.callbacks import ReportCb, RpAction
from handlers.filters import event_in_scope
from handlers.reports import views
from handlers.routing import Routes
from handlers.staff.common import enter, leave, not_command
from handlers.staff.context import StaffContext
from storage.db import utcnow
from storage.models import Event, EventStatus
from storage.reports import NewFile, ReportRepo

routes = Routes("report")

LIST_LIMIT = 20
SHEET_WORDS = ("лист", "sheet")


class ReportStates(StatesGroup):
    collecting = State()


@dataclass
class ReportDraft:
    """The dialog's data, typed (as handlers/staff/dialogs.py): only which event's report is
    being filled; the files and the text are in the database from the moment they arrive."""

    event_id: str = ""

    @classmethod
    async def load(cls, state: FSMContext) -> ReportDraft:
        return cls(str((await state.get_data()).get("rp") or ""))

    async def enter(self, state: FSMContext) -> None:
        await enter(state, ReportStates.collecting, rp=self.event_id)


async def reportable(ctx: StaffContext, event_id: str) -> Event | None:
    """The event, if the person's scope covers it, it counts for the federal centre and it
    has ended; None otherwise (the same answer whatever the reason, so a forged id tells
    nothing)."""
    event = await event_in_scope(ctx.db, event_id, ctx.role)
    if event is None or event.status is not EventStatus.SCHEDULED or not needs_report(event):
        return None
    return event if event.ends_at <= utcnow() else None


async def dialog_event(state: FSMContext, ctx: StaffContext) -> Event | None:
    return await reportable(ctx, (await ReportDraft.load(state)).event_id)


@routes.message(Command("report"))
@routes.callback_query(ReportCb.filter(F.action == RpAction.LIST))
async def list_events(target: Message | CallbackQuery, ctx: StaffContext) -> None:
    """The ended events of the person's scope that owe a report, newest first."""
    now = utcnow()
    ended = await ReportRepo(ctx.db).ended(now - DUE_WINDOW, now)
    events = [e for e in reversed(ended) if needs_report(e) and ctx.role.covers_event(e)]
    reports = await ReportRepo(ctx.db).of_events([e.id for e in events])
    items = [(e, e.id in reports and reports[e.id].submitted) for e in events[:LIST_LIMIT]]
    message = target.message if isinstance(target, CallbackQuery) else target
    if isinstance(target, CallbackQuery):
        await target.answer()
    if message is None:
        return
    if not items:
        await message.answer(ctx.t("reports.list.empty"))
        return
    await message.answer(
        ctx.t("reports.list.title"), reply_markup=views.events_keyboard(items, ctx.t)
    )


@routes.callback_query(ReportCb.filter(F.action == RpAction.OPEN))
async def open_report(
    callback: CallbackQuery, callback_data: ReportCb, state: FSMContext, ctx: StaffContext
) -> None:
    event = await reportable(ctx, callback_data.event_id)
    if event is None:
        await callback.answer(ctx.t.plain("reports.dialog.no_access"), show_alert=True)
        return
    progress = await progress_of(ctx.db, event)
    await callback.answer()
    if progress.submitted:
        await ctx.bot.send_message(callback.from_user.id, views.status(progress, ctx.t))
        return
    await ReportDraft(event.id).enter(state)
    text = views.status(progress, ctx.t) + "\n\n" + ctx.t("reports.dialog.intro")
    await ctx.bot.send_message(
        callback.from_user.id, text, reply_markup=views.dialog_keyboard(event, ctx.t)
    )


async def lost(message: Message, state: FSMContext, ctx: StaffContext) -> None:
    """The dialog's event is gone from the person's scope (or cancelled): the dialog ends."""
    await leave(state)
    await message.answer(ctx.t("reports.dialog.no_access"))


async def keep_file(message: Message, state: FSMContext, ctx: StaffContext, new: NewFile) -> None:
    """Store one file, answer with where the report stands, then download it."""
    event = await dialog_event(state, ctx)
    if event is None:
        await lost(message, state, ctx)
        return
    assert message.from_user is not None
    caption = (message.caption or "").lower()
    if any(word in caption for word in SHEET_WORDS):
        new = NewFile("sheet", new.file_id, new.file_unique_id, new.name, new.size)
    file, _ = await ReportRepo(ctx.db).add_file(event.id, new, message.from_user.id, utcnow())
    progress = await progress_of(ctx.db, event)
    if file.kind == "sheet":
        said = ctx.t("reports.dialog.sheet_marked")
    elif file.kind == "photo":
        said = ctx.t("reports.dialog.photo_saved")
    else:
        said = ctx.t("reports.dialog.file_saved", name=file.name or "")
    row = file.id if file.kind != "sheet" else None
    await message.answer(
        said + "\n\n" + views.status(progress, ctx.t),
        reply_markup=views.dialog_keyboard(event, ctx.t, row),
    )
    if file.path is None:
        await download(ctx.bot, ctx.db, ctx.settings.reports_dir, file)


@routes.message(ReportStates.collecting, F.photo)
async def take_photo(message: Message, state: FSMContext, ctx: StaffContext) -> None:
    assert message.photo is not None
    photo = message.photo[-1]  # the largest size
    new = NewFile("photo", photo.file_id, photo.file_unique_id, None, photo.file_size)
    await keep_file(message, state, ctx, new)


@routes.message(ReportStates.collecting, F.document)
async def take_document(message: Message, state: FSMContext, ctx: StaffContext) -> None:
    doc = message.document
    assert doc is not None
    new = NewFile("document", doc.file_id, doc.file_unique_id, doc.file_name, doc.file_size)
    await keep_file(message, state, ctx, new)


@routes.message(ReportStates.collecting, F.text, not_command)
async def take_text(message: Message, state: FSMContext, ctx: StaffContext) -> None:
    event = await dialog_event(state, ctx)
    if event is None:
        await lost(message, state, ctx)
        return
    text = (message.text or "").strip()
    if len(text) > TEXT_LIMIT:
        await message.answer(
            ctx.t("reports.dialog.text_too_long", limit=TEXT_LIMIT, n=len(text)),
            reply_markup=views.dialog_keyboard(event, ctx.t),
        )
        return
    await ReportRepo(ctx.db).set_text(event.id, text, utcnow())
    progress = await progress_of(ctx.db, event)
    await message.answer(
        ctx.t("reports.dialog.text_saved") + "\n\n" + views.status(progress, ctx.t),
        reply_markup=views.dialog_keyboard(event, ctx.t),
    )


@routes.message(ReportStates.collecting, Command("cancel"))
async def pause(message: Message, state: FSMContext, ctx: StaffContext) -> None:
    await leave(state)
    await message.answer(ctx.t("reports.dialog.left"))


@routes.message(ReportStates.collecting, not_command)
async def wrong_type(message: Message, state: FSMContext, ctx: StaffContext) -> None:
    """A sticker, a voice message, a location...: what the dialog takes, said again."""
    event = await dialog_event(state, ctx)
    if event is None:
        await lost(message, state, ctx)
        return
    await message.answer(
        ctx.t("reports.dialog.wrong_type"), reply_markup=views.dialog_keyboard(event, ctx.t)
    )


@routes.callback_query(ReportCb.filter(F.action == RpAction.SHEET))
async def mark_sheet(callback: CallbackQuery, callback_data: ReportCb, ctx: StaffContext) -> None:
    event = await reportable(ctx, callback_data.event_id)
    if event is None:
        await callback.answer(ctx.t.plain("reports.dialog.no_access"), show_alert=True)
        return
    repo = ReportRepo(ctx.db)
    report = await repo.get(event.id)
    if report is not None and report.submitted:
        await callback.answer(ctx.t.plain("reports.dialog.already_submitted"), show_alert=True)
        return
    if not await repo.set_kind(event.id, callback_data.file, "sheet"):
        await callback.answer(ctx.t.plain("stale.button"), show_alert=True)
        return
    await callback.answer(ctx.t.plain("reports.dialog.sheet_marked"))
    progress = await progress_of(ctx.db, event)
    if isinstance(callback.message, Message):
        await callback.message.edit_text(
            ctx.t("reports.dialog.sheet_marked") + "\n\n" + views.status(progress, ctx.t),
            reply_markup=views.dialog_keyboard(event, ctx.t),
        )


@routes.callback_query(ReportCb.filter(F.action == RpAction.DONE))
async def submit(
    callback: CallbackQuery, callback_data: ReportCb, state: FSMContext, ctx: StaffContext
) -> None:
    event = await reportable(ctx, callback_data.event_id)
    if event is None:
        await callback.answer(ctx.t.plain("reports.dialog.no_access"), show_alert=True)
        return
    progress = await progress_of(ctx.db, event)
    if progress.submitted:
        await callback.answer(ctx.t.plain("reports.dialog.already_submitted"), show_alert=True)
        return
    if progress.missing:
        await callback.answer(ctx.t.plain("reports.dialog.incomplete"), show_alert=True)
        return
    await ReportRepo(ctx.db).submit(event.id, callback.from_user.id, utcnow())
    if (await ReportDraft.load(state)).event_id == event.id:
        await leave(state)
    await callback.answer()
    await ctx.bot.send_message(
        callback.from_user.id, ctx.t("reports.dialog.done", title=event.title)
    )


__all__ = ["ReportStates", "routes"]
