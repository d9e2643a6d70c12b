"""The one refusal of a coordinator's press on an event that no staff handler took: the event
is not in their scope (or does not exist: the same words, so a forged id reveals nothing), is
cancelled, or has started; or the button of the edit dialog no longer fits. Last of the staff
routers, so it sees only what the filters of the others (EventInScope, FieldOf, Pending)
refused, and it asks their questions in their order to say which one failed."""

from __future__ import annotations

from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery

from bot.i18n import Translator
from handlers.callbacks import CoEditCb, CoEventCb, EdAction
from handlers.filters import Refusal, event_in_scope, need_of, refusal
from handlers.routing import Routes
from handlers.staff.common import leave
from handlers.staff.context import StaffContext
from handlers.staff.edit import FieldOf, Pending

routes = Routes("staff_scope")


@routes.callback_query(CoEventCb.filter())
async def refuse_event(
    callback: CallbackQuery, callback_data: CoEventCb | CoEditCb, ctx: StaffContext
) -> None:
    event = await event_in_scope(ctx.db, callback_data.event_id, ctx.role)
    await callback.answer(text_of(refusal(event, need_of(callback_data)), ctx.t), show_alert=True)


def text_of(reason: Refusal | None, t: Translator) -> str:
    if reason is Refusal.NO_EVENT:
        return t.plain("coord.no_event")
    if reason is Refusal.CANCELLED:
        return t.plain("coord.already_cancelled")
    if reason is Refusal.STARTED:
        return t.plain("newevent.problem.started")
    return t.plain("stale.button")  # nothing to refuse: a button no handler knows


@routes.callback_query(CoEditCb.filter())
async def refuse_edit(
    callback: CallbackQuery, callback_data: CoEditCb, state: FSMContext, ctx: StaffContext
) -> None:
    """A button that does not fit (a field this person may not change, a value its field does
    not take, "Save" of a change not proposed) is stale, whatever the event; else the event
    refuses, and "Save" ends the dialog."""
    if callback_data.action is EdAction.SAVE:
        fits = await Pending()(callback, callback_data, state)
    else:
        picks = callback_data.action is not EdAction.FIELD
        fits = await FieldOf(picks=picks)(callback, callback_data, ctx.role)
    if not fits:
        await callback.answer(ctx.t.plain("newevent.stale"), show_alert=True)
        return
    if callback_data.action is EdAction.SAVE:
        await leave(state)
    await refuse_event(callback, callback_data, ctx)
