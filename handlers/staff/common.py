"""What every coordinator router shares: the role filter on the whole router, the scope check
of an event, the links to share, leaving a dialog without losing a participant's draft."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from aiogram import Bot, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.i18n import Translator
from bot.registration.regions import Regions
from bot.staff.roles import Role
from handlers.filters import IsStaff
from handlers.participant.questionnaire import keep_draft
from handlers.routing import Routes
from handlers.states import Questionnaire
from storage.db import Database
from storage.events import EventRepo
from storage.models import Event

if TYPE_CHECKING:
    from bot.runtime import Runtime

#: Callback data prefixes of the coordinator's buttons (handlers/callbacks.py), for the
#: refusal of forged or stale presses.
PREFIXES = ("ce1", "cl1", "ne1", "cd1", "ca1", "cs1")
PREFIX_RE = re.compile(rf"^(?:{'|'.join(PREFIXES)})(?::|$)")
COMMANDS = ("coord", "newevent", "stats", "coordinators")

#: FSM data a participant's unfinished registration keeps (handlers/questionnaire.keep_draft).
KEPT_KEYS = ("draft", "draft_event")


class StaffRoutes(Routes):
    """Routes whose every handler, message or button, runs for staff only: the role (put in
    by the middleware for each update) is checked by a router-level filter."""

    def build(self) -> Router:
        router = super().build()
        router.message.filter(IsStaff())
        router.callback_query.filter(IsStaff())
        return router


def not_command(message: Message) -> bool:
    """Messages of a dialog; commands go on to their own handlers (/events works mid-dialog)."""
    return not (message.text or "").startswith("/")


async def event_in_scope(db: Database, event_id: str, role: Role) -> Event | None:
    """The event, if it exists and the role covers it; None otherwise (the same answer for
    both, so a forged id reveals nothing)."""
    event = await EventRepo(db).get(event_id)
    if event is None or not role.covers_event(event):
        return None
    return event


async def refuse_event(callback: CallbackQuery, t: Translator) -> None:
    await callback.answer(t.plain("coord.no_event"), show_alert=True)


async def bot_username(bot: Bot) -> str:
    me = await bot.me()  # cached by aiogram after the first call
    return me.username or ""


async def event_link(bot: Bot, event_id: str) -> str:
    return f"https://t.me/{await bot_username(bot)}?start=ev_{event_id}"


async def invite_link(bot: Bot, token: str) -> str:
    return f"https://t.me/{await bot_username(bot)}?start=co_{token}"


def scope_name(district: str | None, regions: Regions, t: Translator) -> str:
    """'Уральский федеральный округ', or 'вся программа' for None."""
    if district is None:
        return t.plain("coord.scope_all")
    found = regions.district(district)
    return found.name(t.locale) if found else district


async def enter(state: FSMContext, new_state: Any, **values: Any) -> None:
    """Start a coordinator dialog, keeping a participant's unfinished registration draft
    (a coordinator may be registering for an event themselves)."""
    if await state.get_state() in Questionnaire.__all_states_names__:
        await keep_draft(state)
    data = await state.get_data()
    kept = {k: v for k, v in data.items() if k in KEPT_KEYS}
    await state.set_state(new_state)
    await state.set_data({**kept, **values})


async def leave(state: FSMContext) -> None:
    """End a coordinator dialog: its data goes, a registration draft stays."""
    data = await state.get_data()
    await state.set_state(None)
    await state.set_data({k: v for k, v in data.items() if k in KEPT_KEYS})


async def after_event_change(runtime: Runtime | None) -> None:
    """import_events queued the change notices: send them now, and plan the reminders for
    the event's new time (no-op without the runtime)."""
    if runtime is None:
        return
    from bot.delivery.reminders import plan_now

    runtime.sender.wake()
    await plan_now(runtime)
