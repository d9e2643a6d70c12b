"""/newevent: a new event in a short dialog, one field at a time, each answer checked, then a
summary to confirm. The draft lives in the FSM data (SQLite), so a restart loses nothing."""

from __future__ import annotations

from datetime import timedelta

from aiogram import Bot, F
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot.config import Settings
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
from bot.i18n import Html, Translator
from bot.registration.regions import DISTRICT_CODES, Regions
from bot.staff.coordination import ALL, EventDesk
from bot.staff.roles import Role
from bot.timefmt import zone_label
from handlers.callbacks import Menu, MenuCb, NeAction, NewEventCb
from handlers.keyboards import staff as kb
from handlers.staff.common import StaffRoutes, enter, event_link, leave, not_command
from handlers.states import EditEvent, NewEvent
from handlers.views import staff as views
from storage.db import Database, utcnow
from storage.models import Event

routes = StaffRoutes("coord_newevent")

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


def steps_for(role: Role) -> list[EventField]:
    """A district coordinator's events are in their district: that question is not asked."""
    return [f for f in STEPS if not (f is EventField.DISTRICT and role.district is not None)]


def example_moment(settings: Settings, days: int) -> str:
    moment = utcnow().astimezone(settings.zone) + timedelta(days=days)
    return moment.strftime("%d.%m.%Y") + " 14:00"


def prompt(field: EventField, t: Translator, settings: Settings) -> Html:
    zone = zone_label(settings.zone, t)
    if field is EventField.STARTS:
        return t("newevent.ask.st", zone=zone, example=example_moment(settings, 14))
    if field is EventField.DEADLINE:
        return t("newevent.ask.de", zone=zone, example=example_moment(settings, 10)[:10])
    return t(f"newevent.ask.{field.value}")


def markup_for(field: EventField, t: Translator, regions: Regions) -> InlineKeyboardMarkup | None:
    if field is EventField.KIND:
        return kb.new_kinds(t)
    if field is EventField.DISTRICT:
        return kb.new_districts(t, regions)
    if field in OPTIONAL:
        return kb.skip(t)
    return None


async def ask(
    bot: Bot,
    chat_id: int,
    field: EventField,
    state: FSMContext,
    role: Role,
    t: Translator,
    regions: Regions,
    settings: Settings,
) -> None:
    steps = steps_for(role)
    await state.set_state(STATE_OF[field])
    # (a scope changed mid-dialog may leave a step that is no longer asked: count it last)
    number = steps.index(field) + 1 if field in steps else len(steps)
    progress = t("newevent.progress", n=number, total=len(steps))
    await bot.send_message(
        chat_id,
        Html(progress + "\n" + prompt(field, t, settings)),
        reply_markup=markup_for(field, t, regions),
    )


async def store_and_continue(
    bot: Bot,
    chat_id: int,
    field: EventField,
    value: object,
    state: FSMContext,
    role: Role,
    t: Translator,
    regions: Regions,
    settings: Settings,
) -> None:
    data = await state.get_data()
    draft: Draft = data.get("ne") or {}
    draft[field] = value
    await state.update_data(ne=draft, ne_fix=False)
    steps = steps_for(role)
    index = steps.index(field) + 1 if field in steps else len(steps)
    if index < len(steps) and not data.get("ne_fix"):
        await ask(bot, chat_id, steps[index], state, role, t, regions, settings)
        return
    await state.set_state(NewEvent.confirm)
    head = t("newevent.summary")
    await bot.send_message(
        chat_id,
        views.draft_summary(draft, t, regions, settings.zone, head),
        reply_markup=kb.new_confirm(t),
    )


async def start(
    bot: Bot,
    chat_id: int,
    state: FSMContext,
    role: Role,
    t: Translator,
    regions: Regions,
    settings: Settings,
) -> None:
    draft: Draft = {}
    if role.district is not None:
        draft[EventField.DISTRICT] = role.district
    await enter(state, NewEvent.title, ne=draft)
    await bot.send_message(chat_id, t("newevent.intro"))
    await ask(bot, chat_id, EventField.TITLE, state, role, t, regions, settings)


@routes.message(Command("newevent"))
async def cmd_newevent(
    message: Message,
    bot: Bot,
    state: FSMContext,
    role: Role,
    t: Translator,
    regions: Regions,
    settings: Settings,
) -> None:
    await start(bot, message.chat.id, state, role, t, regions, settings)


@routes.callback_query(NewEventCb.filter(F.action == NeAction.START))
async def button_newevent(
    callback: CallbackQuery,
    bot: Bot,
    state: FSMContext,
    role: Role,
    t: Translator,
    regions: Regions,
    settings: Settings,
) -> None:
    await callback.answer()
    await start(bot, callback.from_user.id, state, role, t, regions, settings)


@routes.message(Command("cancel"), StateFilter(NewEvent, EditEvent))
async def cmd_cancel(message: Message, state: FSMContext, t: Translator) -> None:
    creating = await state.get_state() in NewEvent.__all_states_names__
    await leave(state)
    await message.answer(t("newevent.aborted") if creating else t("edit.aborted"))


@routes.message(StateFilter(*STATE_OF.values()), F.text, not_command)
async def on_text(
    message: Message,
    bot: Bot,
    state: FSMContext,
    role: Role,
    t: Translator,
    regions: Regions,
    settings: Settings,
) -> None:
    field = FIELD_OF[str(await state.get_state())]
    assert message.text is not None
    draft: Draft = (await state.get_data()).get("ne") or {}
    try:
        value = parse_field(field, message.text, draft, settings.zone, utcnow())
    except InputProblem as exc:
        key = (
            "newevent.use_buttons"
            if field in (EventField.KIND, EventField.DISTRICT)
            else (f"newevent.problem.{exc.problem.value}")
        )
        await message.answer(t(key))
        await ask(bot, message.chat.id, field, state, role, t, regions, settings)
        return
    await store_and_continue(bot, message.chat.id, field, value, state, role, t, regions, settings)


@routes.message(StateFilter(NewEvent), not_command)
async def on_other(
    message: Message,
    bot: Bot,
    state: FSMContext,
    role: Role,
    t: Translator,
    regions: Regions,
    settings: Settings,
) -> None:
    """A sticker or a photo in the dialog, or text where a button is expected."""
    current = str(await state.get_state())
    if current == NewEvent.confirm.state:
        await message.answer(t("newevent.use_buttons"))
        return
    await message.answer(t("newevent.problem.not_text"))
    await ask(bot, message.chat.id, FIELD_OF[current], state, role, t, regions, settings)


@routes.callback_query(MenuCb.filter(F.action == Menu.RESUME), StateFilter(NewEvent))
async def resume(
    callback: CallbackQuery,
    bot: Bot,
    state: FSMContext,
    role: Role,
    t: Translator,
    regions: Regions,
    settings: Settings,
) -> None:
    """/start offers to continue "the registration": here that is the new event."""
    await callback.answer()
    current = str(await state.get_state())
    if current in FIELD_OF:
        await ask(bot, callback.from_user.id, FIELD_OF[current], state, role, t, regions, settings)
    else:
        data = await state.get_data()
        await bot.send_message(
            callback.from_user.id,
            views.draft_summary(
                data.get("ne") or {}, t, regions, settings.zone, t("newevent.summary")
            ),
            reply_markup=kb.new_confirm(t),
        )


@routes.callback_query(NewEventCb.filter())
async def on_button(
    callback: CallbackQuery,
    callback_data: NewEventCb,
    bot: Bot,
    db: Database,
    state: FSMContext,
    role: Role,
    t: Translator,
    regions: Regions,
    settings: Settings,
) -> None:
    current = await state.get_state()
    field = FIELD_OF.get(str(current))
    action, value = callback_data.action, callback_data.value
    chat_id = callback.from_user.id
    if action is NeAction.KIND and field is EventField.KIND and value in set(EventKind):
        await callback.answer(t.plain(f"kind.{value}"))
        await store_and_continue(bot, chat_id, field, value, state, role, t, regions, settings)
    elif (
        action is NeAction.DISTRICT
        and field is EventField.DISTRICT
        and role.district is None
        and (value == ALL or value in DISTRICT_CODES)
    ):
        await callback.answer()
        district = None if value == ALL else value
        await store_and_continue(bot, chat_id, field, district, state, role, t, regions, settings)
    elif action is NeAction.SKIP and field in OPTIONAL:
        await callback.answer()
        empty = "" if field is EventField.DESCRIPTION else None
        await store_and_continue(bot, chat_id, field, empty, state, role, t, regions, settings)
    elif action is NeAction.CREATE and current == NewEvent.confirm.state:
        await create(callback, bot, db, state, role, t, regions, settings)
    elif action is NeAction.ABORT and current in NewEvent.__all_states_names__:
        await callback.answer()
        await leave(state)
        await bot.send_message(chat_id, t("newevent.aborted"))
    else:
        await callback.answer(t.plain("newevent.stale"), show_alert=True)


async def create(
    callback: CallbackQuery,
    bot: Bot,
    db: Database,
    state: FSMContext,
    role: Role,
    t: Translator,
    regions: Regions,
    settings: Settings,
) -> None:
    draft: Draft = (await state.get_data()).get("ne") or {}
    chat_id = callback.from_user.id
    if not role.covers_district(draft.get(EventField.DISTRICT)):
        # the scope changed since the dialog began
        await callback.answer(t.plain("newevent.problem.out_of_scope"), show_alert=True)
        await leave(state)
        return
    try:
        event = await EventDesk(db).create(draft, utcnow())
    except InputProblem as exc:
        # the start (or the deadline) is in the past by now: ask for it again
        await callback.answer()
        await bot.send_message(chat_id, t(f"newevent.problem.{exc.problem.value}"))
        again = (
            EventField.DEADLINE
            if exc.problem is EventProblem.DEADLINE_AFTER_START
            else (EventField.STARTS)
        )
        await state.update_data(ne_fix=True)  # back to the summary after this answer
        await ask(bot, chat_id, again, state, role, t, regions, settings)
        return
    await callback.answer(t.plain("newevent.created_short"))
    await leave(state)
    await send_created(bot, chat_id, event, t, regions, settings)


async def send_created(
    bot: Bot, chat_id: int, event: Event, t: Translator, regions: Regions, settings: Settings
) -> None:
    link = await event_link(bot, event.id)
    text = views.event_card(event, None, link, t, regions, settings.zone)
    await bot.send_message(
        chat_id,
        Html(t("newevent.created") + "\n\n" + text),
        reply_markup=kb.event_card(event, t, can_change=True),
    )
