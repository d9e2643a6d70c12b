"""What every coordinator router shares: the links to share, the name of a scope, entering
and leaving a dialog without losing a participant's draft. (The role is checked once, by the
filter of the staff router that holds them all: handlers/__init__.py.)"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from aiogram import Bot
from aiogram.fsm.context import FSMContext
from aiogram.types import Message

from bot.delivery.reminders import plan_now
from bot.i18n import Translator
from bot.registration.regions import Regions
from handlers.participant.dialog import KEPT_KEYS, keep_draft
from handlers.states import Questionnaire
from storage.coordinators import Invite

if TYPE_CHECKING:
    from bot.runtime import Runtime

#: Callback data prefixes of the coordinator's buttons (handlers/callbacks.py), for the
#: refusal of forged or stale presses.
PREFIXES = ("ce1", "cl1", "ne1", "cd1", "ca1", "cs1")
PREFIX_RE = re.compile(rf"^(?:{'|'.join(PREFIXES)})(?::|$)")
COMMANDS = ("coord", "newevent", "stats", "coordinators")


def not_command(message: Message) -> bool:
    """Messages of a dialog; commands go on to their own handlers (/events works mid-dialog)."""
    return not (message.text or "").startswith("/")


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


def invite_scope(invite: Invite, regions: Regions, t: Translator) -> str:
    """What an invitation gives, as a list of them says it: a coordinator's zone, or the
    event an expert's invitation is for (issue 9)."""
    if invite.event_id is not None:
        return t.plain("experts.invite_scope", event_id=invite.event_id)
    return scope_name(invite.district, regions, t)


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
    runtime.sender.wake()
    await plan_now(runtime)
