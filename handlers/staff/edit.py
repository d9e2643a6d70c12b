"""Changing an event from the chat: pick a field, type (or pick) the new value, confirm.
Saved through bot.events.files.import_events like every other change of an event.

The event comes from EventInScope (in scope, not cancelled, not started yet); the field and
the value a button stands for from the filters below. A press they refuse is answered by
handlers/staff/scope.py, which asks the same questions in the same order to say why."""

from __future__ import annotations

from typing import Any

from aiogram import F
from aiogram.filters import BaseFilter, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, TelegramObject

from bot.events.input import (
    KIND_BY_CODE,
    OPTIONAL,
    EventField,
    InputProblem,
    check_event,
    draft_of,
    event_from_draft,
    parse_field,
)
from bot.i18n import Html
from bot.registration.regions import DISTRICT_CODES
from bot.staff.coordination import ALL, EventDesk
from bot.staff.roles import Role
from handlers.callbacks import CoAction, CoEditCb, CoEventCb, EdAction, Menu, MenuCb
from handlers.common_ui import show
from handlers.filters import EventInScope
from handlers.keyboards import staff as kb
from handlers.participant.notify import notify_promotions
from handlers.routing import Routes
from handlers.staff.common import after_event_change, enter, leave, not_command
from handlers.staff.context import StaffContext
from handlers.staff.dialogs import EditDraft
from handlers.staff.event_input import district_allowed, problem_key, prompt, summary
from handlers.staff.events import show_card
from handlers.staff.states import EditEvent
from handlers.views import staff as views
from storage.db import utcnow
from storage.models import Event

routes = Routes("coord_edit")

INVALID = object()


def field_of(callback_data: CoEditCb, role: Role) -> EventField | None:
    """The field a button names, if this person may change it."""
    try:
        field = EventField(callback_data.field)
    except ValueError:
        return None
    if field is EventField.DISTRICT and role.district is not None:
        return None
    return field


def picked(callback_data: CoEditCb, field: EventField) -> Any:
    """The value a button stands for (INVALID for a forged or stale one)."""
    if callback_data.action is EdAction.CLEAR:
        if field not in OPTIONAL:
            return INVALID
        return "" if field is EventField.DESCRIPTION else None
    if field is EventField.KIND:
        return KIND_BY_CODE.get(callback_data.value, INVALID)
    if field is EventField.DISTRICT:
        code = callback_data.value
        if code == ALL:
            return None
        return code if code in DISTRICT_CODES else INVALID
    return INVALID


class FieldOf(BaseFilter):
    """A field button that fits this person: hands over ``field``; with ``picks``, a value
    button that fits its field: hands over the proposed change as ``draft``."""

    def __init__(self, *, picks: bool = False) -> None:
        self.picks = picks

    async def __call__(
        self, obj: TelegramObject, callback_data: CoEditCb, role: Role
    ) -> bool | dict[str, Any]:
        field = field_of(callback_data, role)
        if field is None:
            return False
        if not self.picks:
            return {"field": field}
        value = picked(callback_data, field)
        if value is INVALID:
            return False
        return {"draft": EditDraft(callback_data.event_id, field, value)}


class Pending(BaseFilter):
    """ "Save" of the change this dialog proposed (not of another one): hands over ``draft``."""

    async def __call__(
        self, obj: TelegramObject, callback_data: CoEditCb, state: FSMContext
    ) -> bool | dict[str, Any]:
        draft = await EditDraft.load(state)
        if (
            await state.get_state() != EditEvent.confirm.state
            or draft.event_id != callback_data.event_id
            or draft.field is None
            or draft.field != callback_data.field
        ):
            return False
        return {"draft": draft}


def pick_text(head: Html, ctx: StaffContext) -> Html:
    return Html(head + "\n\n" + ctx.t("edit.pick"))


@routes.callback_query(CoEventCb.filter(F.action == CoAction.EDIT), EventInScope())
async def choose_field(
    callback: CallbackQuery, event: Event, state: FSMContext, ctx: StaffContext
) -> None:
    await callback.answer()
    if await state.get_state() in EditEvent.__all_states_names__:
        await leave(state)  # back from typing a value: that change is dropped
    text = summary(draft_of(event), ctx.t("edit.title", title=event.title), ctx)
    markup = kb.edit_fields(event, ctx.t, ctx.role)
    await show(callback, Html(text + "\n\n" + ctx.t("edit.choose")), markup)


@routes.callback_query(CoEditCb.filter(F.action == EdAction.FIELD), FieldOf(), EventInScope())
async def ask_value(
    callback: CallbackQuery, event: Event, field: EventField, state: FSMContext, ctx: StaffContext
) -> None:
    await callback.answer()
    t = ctx.t
    current = views.field_value(field, draft_of(event), t, ctx.regions, ctx.settings.zone)
    head = t("edit.current", field=t.plain(f"newevent.field.{field.value}"), value=current)
    if field is EventField.KIND:
        await show(callback, pick_text(head, ctx), kb.edit_kinds(event.id, t))
        return
    if field is EventField.DISTRICT:
        await show(callback, pick_text(head, ctx), kb.edit_districts(event.id, t, ctx.regions))
        return
    await enter(state, EditEvent.value)
    await EditDraft(event.id, field).save(state)
    text = Html(head + "\n\n" + prompt(field, t, ctx.settings))
    await show(callback, text, kb.edit_value(event.id, field, t))


async def propose(
    target: Message | CallbackQuery, event: Event, draft: EditDraft, ctx: StaffContext
) -> None:
    """Show what changes and wait for "Save" (the change is kept: ``keep``)."""
    assert draft.field is not None
    field, zone = draft.field, ctx.settings.zone
    old = draft_of(event)
    new = {**old, field: draft.value}
    text = ctx.t(
        "edit.confirm",
        field=ctx.t.plain(f"newevent.field.{field.value}"),
        old=views.field_value(field, old, ctx.t, ctx.regions, zone),
        new=views.field_value(field, new, ctx.t, ctx.regions, zone),
    )
    await show(target, text, kb.edit_confirm(event.id, field, ctx.t))


async def keep(draft: EditDraft, state: FSMContext) -> None:
    """The proposed change waits for "Save" in the FSM data."""
    await enter(state, EditEvent.confirm)
    await draft.save(state)


@routes.message(StateFilter(EditEvent.value), F.text, not_command, EventInScope())
async def on_text(message: Message, event: Event, state: FSMContext, ctx: StaffContext) -> None:
    draft = await EditDraft.load(state)
    field = draft.field
    assert message.text is not None and field is not None
    try:
        draft.value = parse_field(field, message.text, draft_of(event), ctx.settings.zone, utcnow())
        changed = event_from_draft({**draft_of(event), field: draft.value}, event.id, event)
        check_event(changed, utcnow())
    except InputProblem as exc:
        await message.answer(
            Html(ctx.t(problem_key(exc)) + "\n\n" + prompt(field, ctx.t, ctx.settings)),
            reply_markup=kb.edit_value(event.id, field, ctx.t),
        )
        return
    await keep(draft, state)
    await propose(message, event, draft, ctx)


@routes.message(StateFilter(EditEvent.value), F.text, not_command)
async def on_text_gone(message: Message, state: FSMContext, ctx: StaffContext) -> None:
    """The event of the dialog went out of scope or was cancelled meanwhile."""
    await leave(state)
    await message.answer(ctx.t("coord.no_event"))


@routes.callback_query(MenuCb.filter(F.action == Menu.RESUME), StateFilter(EditEvent))
async def resume(callback: CallbackQuery, state: FSMContext, ctx: StaffContext) -> None:
    """/start offers to continue "the registration"; a half-done edit is simply dropped."""
    await callback.answer()
    await leave(state)
    await show(callback, ctx.t("edit.aborted"))


@routes.message(StateFilter(EditEvent), not_command)
async def on_other(message: Message, state: FSMContext, ctx: StaffContext) -> None:
    """A sticker while a value is asked for, or anything while "Save" is awaited."""
    if await state.get_state() == EditEvent.confirm.state:
        await message.answer(ctx.t("newevent.use_buttons"))
    else:
        await message.answer(ctx.t("edit.use_text"))


@routes.callback_query(
    CoEditCb.filter(F.action.in_({EdAction.PICK, EdAction.CLEAR})),
    FieldOf(picks=True),
    EventInScope(),
)
async def on_pick(
    callback: CallbackQuery, event: Event, draft: EditDraft, state: FSMContext, ctx: StaffContext
) -> None:
    await callback.answer()
    await keep(draft, state)
    await propose(callback, event, draft, ctx)


@routes.callback_query(CoEditCb.filter(F.action == EdAction.SAVE), Pending(), EventInScope())
async def save(
    callback: CallbackQuery,
    event: Event,
    draft: EditDraft,
    state: FSMContext,
    ctx: StaffContext,
) -> None:
    assert draft.field is not None
    if draft.field is EventField.DISTRICT and not await district_allowed(
        callback, draft.value, ctx
    ):
        return
    try:
        changed = await EventDesk(ctx.db).change(event, draft.field, draft.value, utcnow())
    except InputProblem as exc:
        await callback.answer(ctx.t.plain(problem_key(exc)), show_alert=True)
        return
    await leave(state)
    await callback.answer(ctx.t.plain("edit.saved"))
    await after_event_change(ctx.runtime)
    if draft.field is EventField.CAPACITY:
        await fill_seats(changed, ctx)
    await show_card(callback, changed, ctx)


async def fill_seats(event: Event, ctx: StaffContext) -> None:
    """More seats: those waiting get them now, in their order, and are told."""
    registration = ctx.registration
    async with ctx.db.transaction() as conn:
        promoted = await registration._fill_seats(conn, event.id, utcnow())
    await notify_promotions(ctx.bot, promoted, registration, runtime=ctx.runtime)
