"""Changing an event from the chat: pick a field, type (or pick) the new value, confirm.
Saved through bot.events.files.import_events like every other change of an event."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiogram import Bot, F
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.config import Settings
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
from bot.i18n import Html, Translator
from bot.registration.regions import DISTRICT_CODES, Regions
from bot.registration.service import RegistrationService
from bot.staff.coordination import ALL, EventDesk
from bot.staff.roles import Role
from handlers.callbacks import CoAction, CoEditCb, CoEventCb, EdAction, Menu, MenuCb
from handlers.common_ui import show
from handlers.keyboards import staff as kb
from handlers.participant.notify import notify_promotions
from handlers.staff.common import (
    StaffRoutes,
    after_event_change,
    enter,
    event_in_scope,
    leave,
    not_command,
    refuse_event,
)
from handlers.staff.events import show_card
from handlers.staff.new_event import prompt
from handlers.states import EditEvent
from handlers.views import staff as views
from storage.db import Database, utcnow
from storage.models import Event, EventStatus

if TYPE_CHECKING:
    from bot.runtime import Runtime

routes = StaffRoutes("coord_edit")


async def editable(
    callback: CallbackQuery, event_id: str, db: Database, role: Role, t: Translator
) -> Event | None:
    """The event if this coordinator may change it now; otherwise say why and None."""
    event = await event_in_scope(db, event_id, role)
    if event is None:
        await refuse_event(callback, t)
        return None
    if event.status is EventStatus.CANCELLED:
        await callback.answer(t.plain("coord.already_cancelled"), show_alert=True)
        return None
    if event.starts_at <= utcnow():
        await callback.answer(t.plain("newevent.problem.started"), show_alert=True)
        return None
    return event


@routes.callback_query(CoEventCb.filter(F.action == CoAction.EDIT))
async def choose_field(
    callback: CallbackQuery,
    callback_data: CoEventCb,
    db: Database,
    state: FSMContext,
    role: Role,
    t: Translator,
    regions: Regions,
    settings: Settings,
) -> None:
    event = await editable(callback, callback_data.event_id, db, role, t)
    if event is None:
        return
    await callback.answer()
    if await state.get_state() in EditEvent.__all_states_names__:
        await leave(state)  # back from typing a value: that change is dropped
    head = t("edit.title", title=event.title)
    text = views.draft_summary(draft_of(event), t, regions, settings.zone, head)
    await show(callback, Html(text + "\n\n" + t("edit.choose")), kb.edit_fields(event, t, role))


def field_of(callback_data: CoEditCb, role: Role) -> EventField | None:
    try:
        field = EventField(callback_data.field)
    except ValueError:
        return None
    if field is EventField.DISTRICT and role.district is not None:
        return None
    return field


@routes.callback_query(CoEditCb.filter(F.action == EdAction.FIELD))
async def ask_value(
    callback: CallbackQuery,
    callback_data: CoEditCb,
    db: Database,
    state: FSMContext,
    role: Role,
    t: Translator,
    regions: Regions,
    settings: Settings,
) -> None:
    field = field_of(callback_data, role)
    if field is None:
        await callback.answer(t.plain("newevent.stale"), show_alert=True)
        return
    event = await editable(callback, callback_data.event_id, db, role, t)
    if event is None:
        return
    await callback.answer()
    current = views.field_value(field, draft_of(event), t, regions, settings.zone)
    label = t.plain(f"newevent.field.{field.value}")
    head = t("edit.current", field=label, value=current)
    if field is EventField.KIND:
        await show(callback, Html(head + "\n\n" + t("edit.pick")), kb.edit_kinds(event.id, t))
        return
    if field is EventField.DISTRICT:
        markup = kb.edit_districts(event.id, t, regions)
        await show(callback, Html(head + "\n\n" + t("edit.pick")), markup)
        return
    await enter(state, EditEvent.value, ed={"event_id": event.id, "field": field.value})
    text = Html(head + "\n\n" + prompt(field, t, settings))
    await show(callback, text, kb.edit_value(event.id, field, t))


async def propose(
    target: Message | CallbackQuery,
    event: Event,
    field: EventField,
    value: Any,
    state: FSMContext,
    t: Translator,
    regions: Regions,
    settings: Settings,
) -> None:
    """Show what changes and wait for "Save"."""
    draft = draft_of(event)
    new = {**draft, field: value}
    await enter(state, EditEvent.confirm, ed={"event_id": event.id, "field": field, "value": value})
    text = t(
        "edit.confirm",
        field=t.plain(f"newevent.field.{field.value}"),
        old=views.field_value(field, draft, t, regions, settings.zone),
        new=views.field_value(field, new, t, regions, settings.zone),
    )
    await show(target, text, kb.edit_confirm(event.id, field, t))


@routes.message(StateFilter(EditEvent.value), F.text, not_command)
async def on_text(
    message: Message,
    db: Database,
    state: FSMContext,
    role: Role,
    t: Translator,
    regions: Regions,
    settings: Settings,
) -> None:
    pending = (await state.get_data()).get("ed") or {}
    event = await event_in_scope(db, pending.get("event_id", ""), role)
    if event is None or event.status is EventStatus.CANCELLED:
        await leave(state)
        await message.answer(t("coord.no_event"))
        return
    field = EventField(pending["field"])
    assert message.text is not None
    try:
        value = parse_field(field, message.text, draft_of(event), settings.zone, utcnow())
        check_event(event_from_draft({**draft_of(event), field: value}, event.id, event), utcnow())
    except InputProblem as exc:
        await message.answer(
            Html(t(f"newevent.problem.{exc.problem.value}") + "\n\n" + prompt(field, t, settings)),
            reply_markup=kb.edit_value(event.id, field, t),
        )
        return
    await propose(message, event, field, value, state, t, regions, settings)


@routes.callback_query(MenuCb.filter(F.action == Menu.RESUME), StateFilter(EditEvent))
async def resume(callback: CallbackQuery, state: FSMContext, t: Translator) -> None:
    """/start offers to continue "the registration"; a half-done edit is simply dropped."""
    await callback.answer()
    await leave(state)
    await show(callback, t("edit.aborted"))


@routes.message(StateFilter(EditEvent), not_command)
async def on_other(message: Message, state: FSMContext, t: Translator) -> None:
    """A sticker while a value is asked for, or anything while "Save" is awaited."""
    if await state.get_state() == EditEvent.confirm.state:
        await message.answer(t("newevent.use_buttons"))
    else:
        await message.answer(t("edit.use_text"))


INVALID = object()


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


@routes.callback_query(CoEditCb.filter(F.action.in_({EdAction.PICK, EdAction.CLEAR})))
async def on_pick(
    callback: CallbackQuery,
    callback_data: CoEditCb,
    db: Database,
    state: FSMContext,
    role: Role,
    t: Translator,
    regions: Regions,
    settings: Settings,
) -> None:
    field = field_of(callback_data, role)
    value = picked(callback_data, field) if field is not None else INVALID
    if field is None or value is INVALID:
        await callback.answer(t.plain("newevent.stale"), show_alert=True)
        return
    event = await editable(callback, callback_data.event_id, db, role, t)
    if event is None:
        return
    await callback.answer()
    await propose(callback, event, field, value, state, t, regions, settings)


@routes.callback_query(CoEditCb.filter(F.action == EdAction.SAVE))
async def save(
    callback: CallbackQuery,
    callback_data: CoEditCb,
    bot: Bot,
    db: Database,
    state: FSMContext,
    role: Role,
    t: Translator,
    regions: Regions,
    settings: Settings,
    registration: RegistrationService,
    runtime: Runtime | None = None,
) -> None:
    pending = (await state.get_data()).get("ed") or {}
    if (
        await state.get_state() != EditEvent.confirm.state
        or pending.get("event_id") != callback_data.event_id
        or pending.get("field") != callback_data.field
    ):
        await callback.answer(t.plain("newevent.stale"), show_alert=True)
        return
    event = await editable(callback, callback_data.event_id, db, role, t)
    if event is None:
        await leave(state)
        return
    field = EventField(pending["field"])
    value = pending.get("value")
    if field is EventField.DISTRICT and not role.covers_district(value):
        await callback.answer(t.plain("newevent.problem.out_of_scope"), show_alert=True)
        return
    try:
        changed = await EventDesk(db).change(event, field, value, utcnow())
    except InputProblem as exc:
        await callback.answer(t.plain(f"newevent.problem.{exc.problem.value}"), show_alert=True)
        return
    await leave(state)
    await callback.answer(t.plain("edit.saved"))
    await after_event_change(runtime)
    if field is EventField.CAPACITY:
        # more seats: those waiting get them now, in their order, and are told
        async with db.transaction() as conn:
            promoted = await registration._fill_seats(conn, changed.id, utcnow())
        await notify_promotions(bot, promoted, registration, runtime=runtime)
    await show_card(callback, changed, bot, db, t, regions, settings)
