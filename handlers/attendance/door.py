"""At the door: the list of registrants with a mark/unmark button each (paged; typing part of
a name finds someone), and people without Telegram added by hand.

Every button names its event (or a registration of it) and passes DoorEvent: staff with the
event in scope or a door volunteer of that event; anyone else (a coordinator of another
district too) gets the same "no such event" whether it exists or not, from the refusal at the
end, which also answers the staff-only buttons of staff_tools.py that its filter refused.
"""

from __future__ import annotations

from typing import Any

from aiogram import F
from aiogram.filters import BaseFilter, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, TelegramObject

from bot.attendance.service import CheckInService
from bot.i18n import Html, Translator
from bot.registration.regions import Regions
from bot.staff.coordination import page_of, roster
from bot.staff.roles import Role
from handlers.attendance.states import Door
from handlers.attendance.ui import (
    DOOR_PAGE,
    NAME_MAX,
    AtAction,
    AttCb,
    DoorRowCb,
    RowAction,
    door_keyboard,
    one,
    summary_line,
    walk_ins_keyboard,
)
from handlers.common_ui import show
from handlers.routing import Routes
from handlers.staff.common import enter, leave, not_command
from storage.db import utcnow
from storage.events import EventRepo
from storage.models import Event, RegStatus

routes = Routes("attendance_door")

STAFF_ONLY = (AtAction.ROOM, AtAction.VOLUNTEER)
MARKS = (RowAction.MARK, RowAction.UNMARK)
DOOR_ACTIONS = (AtAction.LIST, AtAction.PAGE, AtAction.WALK_IN)


class DoorEvent(BaseFilter):
    """Hands over ``event`` (and, for a person's button, ``row``: their Telegram id, or the
    walk-in's attendance row) when the person may check people in at it; ``staff``: and is
    staff in scope, for the room QR and volunteer links."""

    def __init__(self, *, staff: bool = False) -> None:
        self.staff = staff

    async def __call__(
        self,
        obj: TelegramObject,
        role: Role,
        checkin: CheckInService,
        callback_data: CallbackData | None = None,
    ) -> bool | dict[str, Any]:
        found = await _named(checkin, callback_data)
        if found is None:
            return False
        event_id, row = found
        event = await EventRepo(checkin.db).get(event_id)
        if event is None:
            return False
        user_id = obj.from_user.id  # type: ignore[attr-defined]
        if self.staff:
            allowed = role.covers_event(event)
        else:
            allowed = await checkin.may_check_in(user_id, role, event)
        return {"event": event, "row": row} if allowed else False


async def _named(checkin: CheckInService, data: CallbackData | None) -> tuple[str, int] | None:
    """(the event id, the person's id or walk-in's row) a button names, if it still exists."""
    if isinstance(data, AttCb):
        return data.event_id, 0
    if isinstance(data, DoorRowCb) and data.action is not RowAction.UNDO_WALK_IN:
        reg = await checkin.marks.registration(data.row)
        return (reg.event_id, reg.participant_id) if reg else None
    if isinstance(data, DoorRowCb):
        mark = await checkin.marks.by_id(data.row)
        return (mark.event_id, mark.id) if mark and mark.participant_id is None else None
    return None


async def door_page(
    target: Message | CallbackQuery,
    event: Event,
    page: int,
    query: str,
    deps: tuple[CheckInService, Regions, Translator, Role],
) -> None:
    """The door list, page ``page``, filtered by ``query`` (part of a name)."""
    checkin, regions, t, role = deps
    everyone = await roster(checkin.db, event.id, regions, t.locale, with_cancelled=False)
    registered = [r for r in everyone if r.status is RegStatus.REGISTERED]
    if query:
        registered = [r for r in registered if query.casefold() in r.name.casefold()]
    marks = await checkin.marks_of(event.id)
    came = {m.participant_id for m in marks if m.participant_id is not None}
    chunk, page, pages = page_of(registered, page, DOOR_PAGE)
    lines = [t("att.door.head", title=event.title), summary_line(await checkin.summary(event), t)]
    walk_ins = [m for m in marks if m.participant_id is None]
    if walk_ins:
        lines.append(t("att.door.walk_ins", n=len(walk_ins)))
    lines.append(t("att.door.found", query=query) if query else t("att.door.hint"))
    if not registered:
        lines.append(t("att.door.nobody"))
    reg_ids = {
        r.participant_id: r.id for r in await checkin.registration.registrations.of_event(event.id)
    }
    people = [(r, reg_ids[r.participant_id], r.participant_id in came) for r in chunk]
    staff = role.covers_event(event)
    markup = door_keyboard(event.id, people, (page, pages), t, staff=staff)
    text = Html("\n".join(lines))
    if isinstance(target, CallbackQuery):
        await show(target, text, markup)
    else:
        await target.answer(text, reply_markup=markup)


@routes.callback_query(AttCb.filter(F.action == AtAction.LIST), DoorEvent())
async def open_door(
    callback: CallbackQuery,
    callback_data: AttCb,
    event: Event,
    state: FSMContext,
    checkin: CheckInService,
    regions: Regions,
    t: Translator,
    role: Role,
) -> None:
    await callback.answer()
    await enter(state, Door.search, event_id=event.id, query="")
    await door_page(callback, event, callback_data.page, "", (checkin, regions, t, role))


@routes.callback_query(DoorRowCb.filter(F.action.in_(MARKS)), DoorEvent())
async def toggle(
    callback: CallbackQuery,
    callback_data: DoorRowCb,
    event: Event,
    row: int,
    state: FSMContext,
    checkin: CheckInService,
    t: Translator,
    role: Role,
    regions: Regions,
) -> None:
    on = callback_data.action is RowAction.MARK
    marked = await checkin.set_mark(event, row, on, callback.from_user.id, utcnow())
    name = await checkin.name_of(row)
    if marked:
        await callback.answer(t.plain("att.toggled_on", name=name))
    else:
        await callback.answer(t.plain("att.toggled_off", name=name))
    query = str((await state.get_data()).get("query", "")) if await state.get_state() else ""
    await door_page(callback, event, callback_data.page, query, (checkin, regions, t, role))


@routes.callback_query(AttCb.filter(F.action == AtAction.PAGE), DoorEvent())
async def door_other_page(
    callback: CallbackQuery,
    callback_data: AttCb,
    event: Event,
    state: FSMContext,
    checkin: CheckInService,
    t: Translator,
    role: Role,
    regions: Regions,
) -> None:
    await callback.answer()
    data = await state.get_data()
    query = str(data.get("query", "")) if data.get("event_id") == event.id else ""
    await door_page(callback, event, callback_data.page, query, (checkin, regions, t, role))


@routes.message(StateFilter(Door.search), F.text, not_command)
async def search(
    message: Message,
    state: FSMContext,
    checkin: CheckInService,
    regions: Regions,
    t: Translator,
    role: Role,
) -> None:
    """Part of a name typed while the door list is open: the list, filtered."""
    event = await _dialog_event(message, state, checkin, role)
    if event is None:
        await message.answer(t("att.no_event"))
        return
    query = (message.text or "").strip()[:NAME_MAX]
    await state.update_data(query=query)
    await door_page(message, event, 0, query, (checkin, regions, t, role))


async def _dialog_event(
    message: Message, state: FSMContext, checkin: CheckInService, role: Role
) -> Event | None:
    """The event of the open door dialog, if the person may still use it; else it ends."""
    assert message.from_user is not None
    event_id = str((await state.get_data()).get("event_id", ""))
    event = await EventRepo(checkin.db).get(event_id)
    if event is None or not await checkin.may_check_in(message.from_user.id, role, event):
        await leave(state)
        return None
    return event


# --- walk-ins: people who came without Telegram ----------------------------------------------


@routes.callback_query(AttCb.filter(F.action == AtAction.WALK_IN), DoorEvent())
async def ask_walk_in(
    callback: CallbackQuery, event: Event, state: FSMContext, checkin: CheckInService, t: Translator
) -> None:
    await callback.answer()
    await enter(state, Door.walk_in, event_id=event.id, parts=[])
    walk_ins = [m for m in await checkin.marks_of(event.id) if m.participant_id is None]
    markup = walk_ins_keyboard(event.id, walk_ins, t)
    await callback.bot.send_message(  # type: ignore[union-attr]
        callback.from_user.id, t("att.walk_in.ask", title=event.title), reply_markup=markup
    )


@routes.message(StateFilter(Door.walk_in), not_command)
async def walk_in_text(
    message: Message, state: FSMContext, checkin: CheckInService, t: Translator, role: Role
) -> None:
    """Three lines at once, or the name, then the organisation, then the region."""
    if not message.text:
        await message.answer(t("att.walk_in.text_only"))
        return
    event = await _dialog_event(message, state, checkin, role)
    if event is None:
        await message.answer(t("att.no_event"))
        return
    lines = [line.strip() for line in message.text.splitlines() if line.strip()]
    if any(len(line) > NAME_MAX for line in lines):
        await message.answer(t("att.walk_in.too_long", n=NAME_MAX))
        return
    parts = list((await state.get_data()).get("parts", [])) + lines
    if len(parts) > 3:
        await message.answer(t("att.walk_in.too_many"))
        return
    if len(parts) < 3:
        await state.update_data(parts=parts)
        step = t("att.walk_in.organisation") if len(parts) == 1 else t("att.walk_in.region")
        await message.answer(step)
        return
    assert message.from_user is not None
    person = (parts[0], parts[1], parts[2])
    await checkin.add_walk_in(event, person, message.from_user.id, utcnow())
    await enter(state, Door.search, event_id=event.id, query="")
    summary = summary_line(await checkin.summary(event), t)
    markup = one(t.plain("att.btn.door"), AttCb(action=AtAction.LIST, event_id=event.id))
    await message.answer(
        t("att.walk_in.added", name=parts[0], summary=summary), reply_markup=markup
    )


@routes.callback_query(DoorRowCb.filter(F.action == RowAction.UNDO_WALK_IN), DoorEvent())
async def undo_walk_in(
    callback: CallbackQuery, event: Event, row: int, checkin: CheckInService, t: Translator
) -> None:
    removed = await checkin.remove_walk_in(event, row)
    if removed:
        await callback.answer(t.plain("att.walk_in.removed"))
    else:
        await callback.answer(t.plain("att.walk_in.gone"))
    walk_ins = [m for m in await checkin.marks_of(event.id) if m.participant_id is None]
    await show(
        callback, t("att.walk_in.ask", title=event.title), walk_ins_keyboard(event.id, walk_ins, t)
    )


@routes.callback_query(AttCb.filter(F.action.in_(DOOR_ACTIONS + STAFF_ONLY)))
@routes.callback_query(DoorRowCb.filter())
async def refuse(callback: CallbackQuery, t: Translator) -> None:
    """A door button of an event the person may not use (or that is gone): the same words."""
    await callback.answer(t.plain("att.no_event"), show_alert=True)
