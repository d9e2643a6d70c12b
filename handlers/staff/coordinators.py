"""/coordinators for admins (the list, removing, one-time invitation links), the invitation
deep link itself (/start co_<token>), and the refusals: whoever is not staff and sends a
coordinator's command or presses (or forges) a coordinator's button is told no, and nothing
else. Built after the other coord_* routers, so the refusals see only what they left."""

from __future__ import annotations

import re
from datetime import timedelta

from aiogram import Bot, F
from aiogram.filters import Command, CommandObject, CommandStart, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.config import Settings
from bot.i18n import Html, Translator
from bot.registration.regions import Regions
from bot.staff.commands import CommandMenus
from bot.staff.coordination import ALL, INVITE_PREFIX, Coordinators, InviteRefusal, parse_scope
from bot.staff.roles import Role
from bot.timefmt import when
from handlers.callbacks import AdmAction, CoordAdminCb, Menu, MenuCb
from handlers.common_ui import show
from handlers.filters import IsAdmin
from handlers.keyboards import staff as kb
from handlers.routing import Routes
from handlers.staff.common import (
    COMMANDS,
    PREFIX_RE,
    invite_link,
    leave,
    not_command,
    scope_name,
)
from handlers.states import EditEvent, NewEvent
from handlers.views import staff as views
from storage.db import Database, utcnow

routes = Routes("coordinators")

INVITE_RE = re.compile(r"^co_([A-Za-z0-9_-]{8,60})$")


# --- the invitation link: for anybody who opens it ------------------------------------------


def coordinators_of(db: Database, settings: Settings) -> Coordinators:
    """The service with what the invitations need: who the admins are, how long a link works."""
    return Coordinators(
        db, admin_ids=settings.admin_ids, invite_ttl=timedelta(days=settings.invite_ttl_days)
    )


@routes.message(CommandStart(deep_link=True, magic=F.args.startswith(INVITE_PREFIX)))
async def accept_invite(
    message: Message,
    command: CommandObject,
    db: Database,
    t: Translator,
    regions: Regions,
    settings: Settings,
    menus: CommandMenus | None = None,
) -> None:
    assert message.from_user is not None
    match = INVITE_RE.match(command.args or "")
    if match is None:
        await message.answer(t("coord.invite_bad"))
        return
    outcome = await coordinators_of(db, settings).accept(
        match.group(1), message.from_user.id, utcnow()
    )
    if outcome.invite is None:
        refusal = outcome.refusal or InviteRefusal.BAD
        await message.answer(t(f"coord.invite_{refusal.value}"))
        return
    scope = scope_name(outcome.invite.district, regions, t)
    await message.answer(t("coord.invite_ok", scope=scope))
    if menus is not None:
        await menus.sync()  # the new coordinator's command menu


# --- /coordinators: admins only -------------------------------------------------------------


async def send_admin_menu(
    target: Message | CallbackQuery,
    db: Database,
    t: Translator,
    regions: Regions,
    settings: Settings,
) -> None:
    coordinators = coordinators_of(db, settings)
    items = await coordinators.list()
    any_invites = bool(await coordinators.open_invites(utcnow()))
    text = views.coordinators(items, settings.admin_ids, t, regions)
    await show(
        target, text, kb.admin_menu(t, any_coordinators=bool(items), any_invites=any_invites)
    )


async def send_invites(
    callback: CallbackQuery, db: Database, t: Translator, regions: Regions, settings: Settings
) -> None:
    """The open invitations, each with its "revoke" button."""
    items = await coordinators_of(db, settings).open_invites(utcnow())
    text = views.invites(items, t, regions, settings.zone)
    buttons = [(i.id, scope_name(i.district, regions, t)) for i in items]
    await show(callback, text, kb.admin_invites(buttons, t))


@routes.message(Command("coordinators"), IsAdmin())
async def cmd_coordinators(
    message: Message, db: Database, t: Translator, regions: Regions, settings: Settings
) -> None:
    await send_admin_menu(message, db, t, regions, settings)


@routes.callback_query(CoordAdminCb.filter(F.action == AdmAction.INVITES), IsAdmin())
async def open_invites(
    callback: CallbackQuery, db: Database, t: Translator, regions: Regions, settings: Settings
) -> None:
    await callback.answer()
    await send_invites(callback, db, t, regions, settings)


@routes.callback_query(
    CoordAdminCb.filter((F.action == AdmAction.REVOKE) & F.value.regexp(r"^\d+$")), IsAdmin()
)
async def revoke_invite(
    callback: CallbackQuery,
    callback_data: CoordAdminCb,
    db: Database,
    t: Translator,
    regions: Regions,
    settings: Settings,
) -> None:
    """The link stops working at once; the list is shown again without it."""
    revoked = await coordinators_of(db, settings).revoke(
        utcnow(), callback.from_user.id, invite_id=int(callback_data.value)
    )
    if revoked is not None:
        await callback.answer(t.plain("coord.invite_revoked_ok"))
    else:
        await callback.answer(t.plain("coord.invite_revoke_gone"), show_alert=True)
    await send_invites(callback, db, t, regions, settings)


@routes.callback_query(CoordAdminCb.filter(), IsAdmin())
async def admin_button(
    callback: CallbackQuery,
    callback_data: CoordAdminCb,
    bot: Bot,
    db: Database,
    t: Translator,
    regions: Regions,
    settings: Settings,
    menus: CommandMenus | None = None,
) -> None:
    action, value = callback_data.action, callback_data.value
    coordinators = coordinators_of(db, settings)
    if action is AdmAction.LIST:
        await callback.answer()
        await send_admin_menu(callback, db, t, regions, settings)
    elif action is AdmAction.INVITE:
        await callback.answer()
        await show(callback, t("coord.invite_scope"), kb.admin_scopes(t, regions))
    elif action is AdmAction.INVITE_SCOPE:
        try:
            district = parse_scope(value or ALL)
        except ValueError:
            await callback.answer(t.plain("stale.button"), show_alert=True)
            return
        await callback.answer()
        now = utcnow()
        token = await coordinators.invite(district, callback.from_user.id, now)
        link = await invite_link(bot, token)
        scope = scope_name(district, regions, t)
        until = Html(when(now + coordinators.invite_ttl, t, base=settings.zone))
        await show(callback, t("coord.invite_link", link=link, scope=scope, until=until))
    elif action is AdmAction.REMOVE and not value:
        await callback.answer()
        await show(callback, t("coord.remove_pick"), kb.admin_remove(await coordinators.list(), t))
    elif action is AdmAction.REMOVE and value.isdigit():
        found = await coordinators.get(int(value))
        if found is None:
            await callback.answer(t.plain("coord.remove_gone"), show_alert=True)
            return
        await callback.answer()
        who = found.first_name or value
        text = t("coord.remove_ask", who=who, scope=scope_name(found.district, regions, t))
        await show(callback, text, kb.admin_remove_confirm(found.telegram_id, t))
    elif action is AdmAction.REMOVE_YES and value.isdigit():
        removed = await coordinators.remove(int(value))
        await callback.answer(t.plain("coord.removed") if removed else t.plain("coord.remove_gone"))
        await send_admin_menu(callback, db, t, regions, settings)
        if menus is not None:
            await menus.sync()  # the staff menu goes from their chat
    else:
        await callback.answer(t.plain("stale.button"), show_alert=True)


# --- refusals: whatever the staff routers did not take --------------------------------------


@routes.message(Command(*COMMANDS))
async def refuse_command(message: Message, role: Role, t: Translator) -> None:
    """A participant's /coord, /stats, ...; a coordinator's /coordinators."""
    await message.answer(t("coord.admin_only") if role.is_staff else t("coord.denied"))


@routes.callback_query(F.data.regexp(PREFIX_RE))
async def refuse_button(callback: CallbackQuery, role: Role, t: Translator) -> None:
    """A coordinator's button pressed by someone who is not (or no longer) one, an admin's
    button pressed by a coordinator, or data that does not decode (forged or stale)."""
    if not role.is_staff:
        text = t.plain("coord.denied_short")
    elif (callback.data or "").startswith("ca1") and not role.is_admin:
        text = t.plain("coord.admin_only_short")
    else:
        text = t.plain("stale.button")
    await callback.answer(text, show_alert=True)


@routes.message(StateFilter(NewEvent, EditEvent), not_command)
async def refuse_in_dialog(message: Message, state: FSMContext, t: Translator) -> None:
    """Someone removed from the coordinators in the middle of a dialog."""
    await leave(state)
    await message.answer(t("coord.denied"))


@routes.callback_query(MenuCb.filter(F.action == Menu.RESUME), StateFilter(NewEvent, EditEvent))
async def refuse_resume(callback: CallbackQuery, state: FSMContext, t: Translator) -> None:
    """The same, pressing "Continue" after /start: the dialog is over."""
    await leave(state)
    await callback.answer(t.plain("coord.denied_short"), show_alert=True)
