"""/newevent: a new event in a short dialog, one field at a time, each answer checked, then a
summary to confirm. The draft lives in the FSM data (SQLite), so a restart loses nothing.
One handler per button (kind, district, skip, create, abort); a button that does not fit the
step of the dialog is stale."""

from __future__ import annotations

from typing import Any

from aiogram import F
from aiogram.filters import BaseFilter, Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message, TelegramObject

from bot.events.files import EventKind
from bot.events.input import (
    OPTIONAL,
    STEPS,
    Draft,
    EventField,
    EventProblem,
    InputProblem,
    parse_field,
)
from bot.i18n import Html
from bot.registration.regions import DISTRICT_CODES
from bot.staff.coordination import ALL, EventDesk
from bot.staff.roles import Role
from handlers.callbacks import Menu, MenuCb, NeAction, NewEventCb
from handlers.keyboards import staff as kb
from handlers.routing import Routes
from handlers.selection.newevent import offer
from handlers.staff.common import enter, event_link, leave, not_command
from handlers.staff.context import StaffContext
from handlers.staff.dialogs import NewEventDraft
from handlers.staff.event_input import district_allowed, problem_key, prompt, summary
from handlers.staff.states import EditEvent, NewEvent
from handlers.views import staff as views
from storage.db import utcnow
from storage.models import Event

routes = Routes("coord_newevent")

STATE_OF: dict[EventField, State] = {
    EventField.TITLE: NewEvent.title,
    EventField.KIND: NewEvent.kind,
    EventField.DISTRICT: NewEvent.district,
    EventField.STARTS: NewEvent.starts,
    EventField.DURATION: NewEvent.duration,
    EventField.PLACE: NewEvent.place,
    EventField.CAPACITY: NewEvent.capacity,
    EventField.DEADLINE: NewEvent.deadline,
    EventField.DESCRIPTION: NewEvent.description,
}
FIELD_OF = {state.state: field for field, state in STATE_OF.items()}


class AtStep(BaseFilter):
    """The dialog is asking one of ``fields``: hands over ``field``, the one it asks."""

    def __init__(self, *fields: EventField) -> None:
        self.fields = frozenset(fields or STEPS)

    async def __call__(self, obj: TelegramObject, state: FSMContext) -> bool | dict[str, Any]:
        field = FIELD_OF.get(str(await state.get_state()))
        return {"field": field} if field in self.fields else False


def programme_wide(obj: TelegramObject, role: Role) -> bool:
    """A district coordinator's events are in their district: no district to pick."""
    return role.district is None


def steps_for(role: Role) -> list[EventField]:
    """A district coordinator's events are in their district: that question is not asked."""
    return [f for f in STEPS if not (f is EventField.DISTRICT and role.district is not None)]


def markup_for(field: EventField, ctx: StaffContext) -> InlineKeyboardMarkup | None:
    if field is EventField.KIND:
        return kb.new_kinds(ctx.t)
    if field is EventField.DISTRICT:
        return kb.new_districts(ctx.t, ctx.regions)
    if field in OPTIONAL:
        return kb.skip(ctx.t)
    return None


async def ask(chat_id: int, field: EventField, state: FSMContext, ctx: StaffContext) -> None:
    steps = steps_for(ctx.role)
    await state.set_state(STATE_OF[field])
    # (a scope changed mid-dialog may leave a step that is no longer asked: count it last)
    number = steps.index(field) + 1 if field in steps else len(steps)
    progress = ctx.t("newevent.progress", n=number, total=len(steps))
    await ctx.bot.send_message(
        chat_id,
        Html(progress + "\n" + prompt(field, ctx.t, ctx.settings)),
        reply_markup=markup_for(field, ctx),
    )


async def send_summary(chat_id: int, draft: Draft, ctx: StaffContext) -> None:
    head = ctx.t("newevent.summary")
    await ctx.bot.send_message(
        chat_id, summary(draft, head, ctx), reply_markup=kb.new_confirm(ctx.t)
    )


async def store_and_continue(
    chat_id: int, field: EventField, value: object, state: FSMContext, ctx: StaffContext
) -> None:
    """Keep the answer; ask the next field, or (the last one, or a field asked again after
    "Create") show the summary."""
    dialog = await NewEventDraft.load(state)
    fixing = dialog.fix
    dialog.draft[field] = value
    dialog.fix = False
    await dialog.save(state)
    steps = steps_for(ctx.role)
    index = steps.index(field) + 1 if field in steps else len(steps)
    if index < len(steps) and not fixing:
        await ask(chat_id, steps[index], state, ctx)
        return
    await state.set_state(NewEvent.confirm)
    await send_summary(chat_id, dialog.draft, ctx)


async def start(chat_id: int, state: FSMContext, ctx: StaffContext) -> None:
    draft: Draft = {}
    if ctx.role.district is not None:
        draft[EventField.DISTRICT] = ctx.role.district
    await enter(state, NewEvent.title, ne=draft)
    await ctx.bot.send_message(chat_id, ctx.t("newevent.intro"))
    await ask(chat_id, EventField.TITLE, state, ctx)


@routes.message(Command("newevent"))
async def cmd_newevent(message: Message, state: FSMContext, ctx: StaffContext) -> None:
    await start(message.chat.id, state, ctx)


@routes.callback_query(NewEventCb.filter(F.action == NeAction.START))
async def button_newevent(callback: CallbackQuery, state: FSMContext, ctx: StaffContext) -> None:
    await callback.answer()
    await start(callback.from_user.id, state, ctx)


@routes.message(Command("cancel"), StateFilter(NewEvent, EditEvent))
async def cmd_cancel(message: Message, state: FSMContext, ctx: StaffContext) -> None:
    creating = await state.get_state() in NewEvent.__all_states_names__
    await leave(state)
    await message.answer(ctx.t("newevent.aborted") if creating else ctx.t("edit.aborted"))


@routes.message(AtStep(), F.text, not_command)
async def on_text(
    message: Message, field: EventField, state: FSMContext, ctx: StaffContext
) -> None:
    assert message.text is not None
    draft = (await NewEventDraft.load(state)).draft
    try:
        value = parse_field(field, message.text, draft, ctx.settings.zone, utcnow())
    except InputProblem as exc:
        buttons = field in (EventField.KIND, EventField.DISTRICT)
        await message.answer(ctx.t("newevent.use_buttons" if buttons else problem_key(exc)))
        await ask(message.chat.id, field, state, ctx)
        return
    await store_and_continue(message.chat.id, field, value, state, ctx)


@routes.message(StateFilter(NewEvent), not_command)
async def on_other(message: Message, state: FSMContext, ctx: StaffContext) -> None:
    """A sticker or a photo in the dialog, or text where a button is expected."""
    current = str(await state.get_state())
    if current == NewEvent.confirm.state:
        await message.answer(ctx.t("newevent.use_buttons"))
        return
    await message.answer(ctx.t("newevent.problem.not_text"))
    await ask(message.chat.id, FIELD_OF[current], state, ctx)


@routes.callback_query(MenuCb.filter(F.action == Menu.RESUME), StateFilter(NewEvent))
async def resume(callback: CallbackQuery, state: FSMContext, ctx: StaffContext) -> None:
    """/start offers to continue "the registration": here that is the new event."""
    await callback.answer()
    current = str(await state.get_state())
    if current in FIELD_OF:
        await ask(callback.from_user.id, FIELD_OF[current], state, ctx)
    else:
        await send_summary(callback.from_user.id, (await NewEventDraft.load(state)).draft, ctx)


# --- the dialog's buttons, one handler each ---------------------------------------------------


@routes.callback_query(
    NewEventCb.filter((F.action == NeAction.KIND) & F.value.in_(set(EventKind))),
    AtStep(EventField.KIND),
)
async def on_kind(
    callback: CallbackQuery, callback_data: NewEventCb, state: FSMContext, ctx: StaffContext
) -> None:
    value = callback_data.value
    await callback.answer(ctx.t.plain(f"kind.{value}"))
    await store_and_continue(callback.from_user.id, EventField.KIND, value, state, ctx)


@routes.callback_query(
    NewEventCb.filter((F.action == NeAction.DISTRICT) & F.value.in_({ALL, *DISTRICT_CODES})),
    AtStep(EventField.DISTRICT),
    programme_wide,
)
async def on_district(
    callback: CallbackQuery, callback_data: NewEventCb, state: FSMContext, ctx: StaffContext
) -> None:
    await callback.answer()
    district = None if callback_data.value == ALL else callback_data.value
    await store_and_continue(callback.from_user.id, EventField.DISTRICT, district, state, ctx)


@routes.callback_query(NewEventCb.filter(F.action == NeAction.SKIP), AtStep(*OPTIONAL))
async def on_skip(
    callback: CallbackQuery, field: EventField, state: FSMContext, ctx: StaffContext
) -> None:
    await callback.answer()
    empty = "" if field is EventField.DESCRIPTION else None
    await store_and_continue(callback.from_user.id, field, empty, state, ctx)


@routes.callback_query(NewEventCb.filter(F.action == NeAction.ABORT), StateFilter(NewEvent))
async def on_abort(callback: CallbackQuery, state: FSMContext, ctx: StaffContext) -> None:
    await callback.answer()
    await leave(state)
    await ctx.bot.send_message(callback.from_user.id, ctx.t("newevent.aborted"))


@routes.callback_query(NewEventCb.filter(F.action == NeAction.CREATE), NewEvent.confirm)
async def on_create(callback: CallbackQuery, state: FSMContext, ctx: StaffContext) -> None:
    dialog = await NewEventDraft.load(state)
    if not await district_allowed(callback, dialog.draft.get(EventField.DISTRICT), ctx):
        await leave(state)  # the scope changed since the dialog began
        return
    try:
        event = await EventDesk(ctx.db).create(dialog.draft, utcnow())
    except InputProblem as exc:
        await ask_again(callback, exc, state, ctx)
        return
    await callback.answer(ctx.t.plain("newevent.created_short"))
    await leave(state)
    await send_created(callback.from_user.id, event, ctx)


@routes.callback_query(NewEventCb.filter())
async def stale(callback: CallbackQuery, ctx: StaffContext) -> None:
    """A button of a step the dialog has left (or of a dialog that is over)."""
    await callback.answer(ctx.t.plain("newevent.stale"), show_alert=True)


async def ask_again(
    callback: CallbackQuery, exc: InputProblem, state: FSMContext, ctx: StaffContext
) -> None:
    """The start (or the deadline) is in the past by now: ask for it again, then back to the
    summary."""
    chat_id = callback.from_user.id
    await callback.answer()
    await ctx.bot.send_message(chat_id, ctx.t(problem_key(exc)))
    late = exc.problem is EventProblem.DEADLINE_AFTER_START
    dialog = await NewEventDraft.load(state)
    dialog.fix = True
    await dialog.save(state)
    await ask(chat_id, EventField.DEADLINE if late else EventField.STARTS, state, ctx)


async def send_created(chat_id: int, event: Event, ctx: StaffContext) -> None:
    link = await event_link(ctx.bot, event.id)
    text = views.event_card(event, None, link, ctx.look)
    await ctx.bot.send_message(
        chat_id,
        Html(ctx.t("newevent.created") + "\n\n" + text),
        # Issue 9: "make it a selection" (handlers/selection/newevent.py) on top.
        reply_markup=offer(kb.event_card(event, ctx.t, can_change=True), event, ctx.t),
    )
