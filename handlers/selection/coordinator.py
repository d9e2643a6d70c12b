"""/coord → the event → "Отбор": the coordinator's side of a selection (issue 9). Progress (the
applications, each expert's reviews, who is late), opening reviewing early, the ranked list
with the draft decisions, "Принять лучших", changing one decision, the words to the rejected,
publishing (asked once more, with the counts) and the export as a document.

Admins and the event's district coordinator only, like every staff feature: these routes sit
in the staff router (role checked per update) and every press passes
:class:`SelectionInScope`, which loads the event (and the application) and checks the
presser's scope. What it refuses meets ``refuse`` at the end of these routes; what someone
who is not staff presses meets ``refusals`` (for anybody, after the staff router).

Include: ``routes.build()`` in the staff router before ``scope``; ``refusals.build()`` among
the feature routers after the staff router (handlers/__init__.py).
"""

from __future__ import annotations

from typing import Any

from aiogram import F
from aiogram.filters import BaseFilter, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import BufferedInputFile, CallbackQuery, Message, TelegramObject

from bot.i18n import Translator
from bot.selection import decisions
from bot.selection.decisions import NOTE_MAX, Board, SelectionRefused
from bot.selection.export import selection_table
from bot.selection.publish import publish
from bot.staff.export import to_xlsx
from bot.staff.roles import Role
from handlers.common_ui import show
from handlers.filters import event_in_scope
from handlers.routing import Routes
from handlers.selection import decision_views as views
from handlers.selection.decision_buttons import (
    DECISION_CODES,
    SaAction,
    SdAction,
    SelAppCb,
    SelEventCb,
)
from handlers.staff.common import enter, leave, not_command
from handlers.staff.context import StaffContext
from storage.db import Database, utcnow
from storage.decisions import DecisionRepo
from storage.models import Event

routes = Routes("selection_decisions")  # in the staff router
refusals = Routes("selection_decisions_refusals")  # for anybody, after the staff router


class SelectionNote(StatesGroup):
    """The coordinator types the words to the rejected (data: ``sdn``, the event id)."""

    text = State()


class SelectionInScope(BaseFilter):
    """Hands over ``event`` (and ``application`` for an application's button) when the
    presser's scope covers a selection event; else the press goes on to ``refuse``."""

    async def __call__(
        self,
        obj: TelegramObject,
        db: Database,
        role: Role,
        callback_data: CallbackData | None = None,
    ) -> bool | dict[str, Any]:
        application = None
        if isinstance(callback_data, SelEventCb):
            event_id = callback_data.event_id
        elif isinstance(callback_data, SelAppCb):
            application = await DecisionRepo(db).get(callback_data.app)
            if application is None:
                return False
            event_id = application.event_id
        else:
            return False
        event = await event_in_scope(db, event_id, role)
        if event is None or event.selection is None:
            return False
        return {"event": event, "application": application}


def on(action: SdAction) -> tuple[Any, SelectionInScope]:
    return SelEventCb.filter(F.action == action), SelectionInScope()


async def send_screen(
    target: CallbackQuery | Message, event: Event, page: int, ctx: StaffContext
) -> None:
    board = await decisions.board(ctx.db, event.id, utcnow())
    names = await _names(ctx.db, board)
    page = min(max(page, 0), views.page_count(board) - 1)
    text = views.screen_text(board, names, page, ctx.look)
    await show(target, text, views.screen_keyboard(board, names, page, ctx.t))


async def _names(db: Database, board: Board) -> dict[int, str]:
    ids = [s.application.participant_id for s in board.standings]
    ids += [e.expert_id for e in board.experts]
    return await DecisionRepo(db).names(ids)


def why(exc: SelectionRefused, t: Translator) -> str:
    return t.plain(f"seldec.why.{exc.reason.value}")


@routes.callback_query(*on(SdAction.SCREEN))
async def screen(
    callback: CallbackQuery, callback_data: SelEventCb, event: Event, ctx: StaffContext
) -> None:
    await callback.answer()
    await send_screen(callback, event, callback_data.page, ctx)


@routes.callback_query(*on(SdAction.OPEN_REVIEW))
async def open_review(callback: CallbackQuery, event: Event, ctx: StaffContext) -> None:
    opened = await decisions.open_review(ctx.db, event.id, utcnow())
    t = ctx.t
    await callback.answer(
        t.plain("seldec.review_opened") if opened else t.plain("seldec.review_was_open")
    )
    await send_screen(callback, event, 0, ctx)


@routes.callback_query(*on(SdAction.DECIDE))
async def decide(callback: CallbackQuery, event: Event, ctx: StaffContext) -> None:
    """ "Принять лучших": the event's seats accepted, its reserve kept, the rest rejected."""
    try:
        done = await decisions.decide(ctx.db, event.id)
    except SelectionRefused as exc:
        await callback.answer(why(exc, ctx.t), show_alert=True)
        return
    text = ctx.t.plain("seldec.decided", a=done.accepted, r=done.reserve, j=done.rejected)
    await callback.answer(text, show_alert=True)
    await send_screen(callback, event, 0, ctx)


@routes.callback_query(SelAppCb.filter(F.action == SaAction.OPEN), SelectionInScope())
async def open_application(
    callback: CallbackQuery, callback_data: SelAppCb, event: Event, ctx: StaffContext
) -> None:
    await callback.answer()
    await send_application(callback, event, callback_data, ctx)


async def send_application(
    callback: CallbackQuery, event: Event, callback_data: SelAppCb, ctx: StaffContext
) -> None:
    board = await decisions.board(ctx.db, event.id, utcnow())
    standing = next((s for s in board.standings if s.application.id == callback_data.app), None)
    if standing is None:
        await send_screen(callback, event, callback_data.page, ctx)
        return
    pid = standing.application.participant_id
    name = (await DecisionRepo(ctx.db).names([pid])).get(pid) or str(pid)
    can_change = standing in board.candidates and not board.published
    await show(
        callback,
        views.application_text(standing, name, ctx.t),
        views.application_keyboard(
            standing, event.id, callback_data.page, ctx.t, can_change=can_change
        ),
    )


@routes.callback_query(
    SelAppCb.filter((F.action == SaAction.SET) & F.to.in_(DECISION_CODES)), SelectionInScope()
)
async def change_decision(
    callback: CallbackQuery, callback_data: SelAppCb, event: Event, ctx: StaffContext
) -> None:
    try:
        await decisions.change(ctx.db, callback_data.app, DECISION_CODES[callback_data.to])
    except SelectionRefused as exc:
        await callback.answer(why(exc, ctx.t), show_alert=True)
        return
    await callback.answer(ctx.t.plain("seldec.changed"))
    await send_application(callback, event, callback_data, ctx)


@routes.callback_query(*on(SdAction.NOTE))
async def ask_note(
    callback: CallbackQuery, event: Event, state: FSMContext, ctx: StaffContext
) -> None:
    await callback.answer()
    await enter(state, SelectionNote.text, sdn=event.id)
    await show(callback, ctx.t("seldec.note_ask", n=NOTE_MAX))


@routes.message(StateFilter(SelectionNote.text), not_command)
async def take_note(message: Message, state: FSMContext, ctx: StaffContext) -> None:
    """The words typed: kept for the rejected (a dash removes them)."""
    if not message.text:
        await message.answer(ctx.t("seldec.note_text_only"))
        return
    if len(message.text) > NOTE_MAX:
        await message.answer(ctx.t("seldec.note_too_long", n=NOTE_MAX, got=len(message.text)))
        return
    event_id = str((await state.get_data()).get("sdn") or "")
    event = await event_in_scope(ctx.db, event_id, ctx.role)
    await leave(state)
    if event is None:
        await message.answer(ctx.t("coord.no_event"))
        return
    note = None if message.text.strip() in ("-", "—") else message.text
    try:
        await decisions.set_note(ctx.db, event.id, note)
    except SelectionRefused as exc:
        await message.answer(why(exc, ctx.t))
        return
    await message.answer(ctx.t("seldec.note_saved") if note else ctx.t("seldec.note_removed"))
    await send_screen(message, event, 0, ctx)


@routes.callback_query(*on(SdAction.PUBLISH))
async def ask_publish(callback: CallbackQuery, event: Event, ctx: StaffContext) -> None:
    board = await decisions.board(ctx.db, event.id, utcnow())
    if board.published:
        await callback.answer(ctx.t.plain("seldec.why.published"), show_alert=True)
        return
    if not board.candidates or any(s.application.draft_decision is None for s in board.candidates):
        reason = "nothing" if not board.candidates else "undecided"
        await callback.answer(ctx.t.plain(f"seldec.why.{reason}"), show_alert=True)
        return
    await callback.answer()
    await show(callback, *views.publish_question(board, ctx.t))


@routes.callback_query(*on(SdAction.PUBLISH_YES))
async def do_publish(callback: CallbackQuery, event: Event, ctx: StaffContext) -> None:
    try:
        done = await publish(ctx.db, event.id, utcnow())
    except SelectionRefused as exc:
        await callback.answer(why(exc, ctx.t), show_alert=True)
        return
    if ctx.runtime is not None and done.queued:
        ctx.runtime.sender.wake()
    await callback.answer()
    if isinstance(callback.message, Message):
        await callback.message.answer(views.published_text(done, ctx.t))
    await send_screen(callback, event, 0, ctx)


@routes.callback_query(*on(SdAction.EXPORT))
async def export(callback: CallbackQuery, event: Event, ctx: StaffContext) -> None:
    await callback.answer(ctx.t.plain("coord.preparing"))
    table = await selection_table(ctx.db, event.id, ctx.regions, ctx.t.locale)
    file = BufferedInputFile(to_xlsx(table, event.id), filename=f"selection-{event.id}.xlsx")
    caption = ctx.t("seldec.export_caption", title=event.title, n=len(table.rows))
    await ctx.bot.send_document(callback.from_user.id, file, caption=caption)


@routes.callback_query(SelEventCb.filter())
@routes.callback_query(SelAppCb.filter())
async def refuse(callback: CallbackQuery, ctx: StaffContext) -> None:
    """What SelectionInScope refused: not in scope, not there (the same words), or forged."""
    await callback.answer(ctx.t.plain("coord.no_event"), show_alert=True)


@refusals.callback_query(SelEventCb.filter())
@refusals.callback_query(SelAppCb.filter())
async def refuse_anybody(callback: CallbackQuery, role: Role, t: Translator) -> None:
    """A coordinator's button pressed by someone who is not (or no longer) staff."""
    text = t.plain("coord.denied_short") if not role.is_staff else t.plain("stale.button")
    await callback.answer(text, show_alert=True)
