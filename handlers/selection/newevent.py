"""/newevent's optional last step (issue 9): the event just created becomes a selection, with
its seats, a reserve and one default criterion ("Общая оценка", 0-5); further criteria are
edited in the events file. Offered on the "created" message; staff in the event's scope
only, and only while nobody has registered."""

from __future__ import annotations

from aiogram import F
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from pydantic import BaseModel

from bot.i18n import Translator
from bot.selection.setup import make_selection, parse_seats
from handlers.routing import Routes
from handlers.selection.callbacks import MakeSelectionCb
from handlers.selection.states import MakeSelection
from handlers.staff.context import StaffContext
from storage.db import utcnow
from storage.events import EventRepo
from storage.models import Event

routes = Routes("selection_newevent")


class SetupData(BaseModel):
    sx_event: str


def offer(markup: InlineKeyboardMarkup, event: Event, t: Translator) -> InlineKeyboardMarkup:
    """The "created" message's keyboard with "Make it a selection" on top."""
    data = MakeSelectionCb(event_id=event.id).pack()
    button = InlineKeyboardButton(text=t.plain("selection.make"), callback_data=data)
    return InlineKeyboardMarkup(inline_keyboard=[[button], *markup.inline_keyboard])


async def may_make(ctx: StaffContext, event_id: str) -> Event | None:
    """The event, if the person may make it a selection now: staff covering it, not a
    selection yet, nobody registered."""
    event = await EventRepo(ctx.db).get(event_id)
    if event is None or not ctx.role.covers_event(event) or event.selection is not None:
        return None
    counts = (await EventRepo(ctx.db).counts([event.id])).get(event.id)
    if counts is not None and (counts.registered or counts.waitlisted):
        return None
    return event


@routes.callback_query(MakeSelectionCb.filter())
async def ask_seats(
    callback: CallbackQuery, callback_data: MakeSelectionCb, state: FSMContext, ctx: StaffContext
) -> None:
    event = await may_make(ctx, callback_data.event_id)
    if event is None:
        await callback.answer(ctx.t.plain("selection.make_refused"), show_alert=True)
        return
    await callback.answer()
    await state.set_state(MakeSelection.seats)
    await state.update_data(sx_event=event.id)
    await ctx.bot.send_message(callback.from_user.id, ctx.t("selection.make_ask"))


@routes.message(MakeSelection.seats, F.text & ~F.text.startswith("/"))
async def on_seats(message: Message, state: FSMContext, ctx: StaffContext) -> None:
    assert message.text is not None
    spec = parse_seats(message.text)
    if spec is None:
        await message.answer(ctx.t("selection.make_bad"))
        return
    data = SetupData.model_validate(await state.get_data())
    await state.set_state(None)
    event = await may_make(ctx, data.sx_event)
    made = await make_selection(ctx.db, event.id, spec, utcnow()) if event else None
    if made is None:
        await message.answer(ctx.t("selection.make_refused"))
        return
    await message.answer(
        ctx.t("selection.made", title=made.title, seats=spec.seats, reserve=spec.reserve)
    )


@routes.message(MakeSelection.seats, ~F.text.startswith("/"))
async def on_other(message: Message, ctx: StaffContext) -> None:
    await message.answer(ctx.t("selection.make_bad"))
