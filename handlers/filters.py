"""Filters that check who may do what, on every update, for commands and buttons alike; those
that load what they checked hand it to the handler (aiogram's context_addition_from_filter)."""

from __future__ import annotations

from enum import Enum
from typing import Any

from aiogram.filters import BaseFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.types import TelegramObject

from bot.staff.roles import Role
from handlers.callbacks import CoAction, CoEditCb, CoEventCb
from handlers.staff.dialogs import EditDraft
from storage.db import Database, utcnow
from storage.events import EventRepo
from storage.models import Event, EventStatus


class IsStaff(BaseFilter):
    """A coordinator (any scope) or an admin. Others fall through to the refusal handler."""

    async def __call__(self, obj: TelegramObject, role: Role) -> bool:
        return role.is_staff


class IsAdmin(BaseFilter):
    async def __call__(self, obj: TelegramObject, role: Role) -> bool:
        return role.is_admin


class Need(Enum):
    """What a press needs of its event besides being in the person's scope."""

    SEEN = "seen"  # its card, people, exports, numbers: any state
    LIVE = "live"  # cancelling it: not cancelled already
    CHANGEABLE = "changeable"  # changing it: not cancelled, not started


def need_of(callback_data: CallbackData | None) -> Need:
    """From the button itself, so the filter and the refusal (handlers/staff/scope.py) agree.
    A message of the edit dialog (no button) needs a live event."""
    if isinstance(callback_data, CoEditCb):
        return Need.CHANGEABLE
    if isinstance(callback_data, CoEventCb):
        if callback_data.action is CoAction.EDIT:
            return Need.CHANGEABLE
        if callback_data.action in (CoAction.CANCEL, CoAction.CANCEL_YES):
            return Need.LIVE
        return Need.SEEN
    return Need.LIVE


async def event_in_scope(db: Database, event_id: str, role: Role) -> Event | None:
    """The event, if it exists and the role covers it (a district coordinator: their district;
    programme-wide staff: every event); None otherwise, the same answer for both, so a forged
    id reveals nothing."""
    event = await EventRepo(db).get(event_id)
    if event is None or not role.covers_event(event):
        return None
    return event


class Refusal(Enum):
    NO_EVENT = "no_event"  # none, or not in the person's scope: the same answer
    CANCELLED = "cancelled"
    STARTED = "started"


def refusal(event: Event | None, need: Need) -> Refusal | None:
    """Why the event may not be used as needed, or None when it may."""
    if event is None:
        return Refusal.NO_EVENT
    if need is not Need.SEEN and event.status is EventStatus.CANCELLED:
        return Refusal.CANCELLED
    if need is Need.CHANGEABLE and event.starts_at <= utcnow():
        return Refusal.STARTED
    return None


async def event_id_of(callback_data: CallbackData | None, state: FSMContext) -> str:
    """The event a button names, or, for a message, the event of the edit dialog."""
    if isinstance(callback_data, CoEventCb | CoEditCb):
        return callback_data.event_id
    return (await EditDraft.load(state)).event_id


class EventInScope(BaseFilter):
    """Loads the event the button (or the edit dialog) names and hands it over as ``event``
    when the person's scope covers it and it is in the state the action needs. When not, the
    update goes on to the one refusal of handlers/staff/scope.py, which says why."""

    async def __call__(
        self,
        obj: TelegramObject,
        db: Database,
        role: Role,
        state: FSMContext,
        callback_data: CallbackData | None = None,
    ) -> bool | dict[str, Any]:
        event = await event_in_scope(db, await event_id_of(callback_data, state), role)
        if refusal(event, need_of(callback_data)) is not None:
            return False
        return {"event": event}
