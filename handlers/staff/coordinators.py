"""/coordinators for admins (the list, removing, one-time invitation links), the invitation
deep link itself (/start co_<token>), and the refusals: whoever is not staff and sends a
coordinator's command or presses (or forges) a coordinator's button is told no, and nothing
else. The refusals come after the staff router (handlers/__init__.py), so they see only what
it left: everything of someone who is not staff, and what a coordinator may not do."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import timedelta

from aiogram import F
from aiogram.filters import Command, CommandObject, CommandStart, StateFilter
from aiogram.filters.callback_data import CallbackQueryFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from magic_filter import MagicFilter

from bot.config import Settings
from bot.i18n import Html, Translator
from bot.staff.commands import CommandMenus
from bot.staff.coordination import (
    ALL,
    INVITE_PREFIX,
    ROLE_COORDINATOR,
    ROLE_EXPERT,
    ROLE_VOLUNTEER,
    Coordinators,
    Invite,
    InviteRefusal,
    parse_scope,
)
from bot.staff.roles import Role
from bot.timefmt import when
from handlers.attendance.staff_tools import volunteer_welcome
from handlers.callbacks import AdmAction, CoordAdminCb, Menu, MenuCb
from handlers.common_ui import show
from handlers.keyboards import staff as kb
from handlers.routing import Routes
from handlers.selection.experts import expert_welcome
from handlers.staff.common import (
    COMMANDS,
    PREFIX_RE,
    invite_link,
    invite_scope,
    leave,
    not_command,
    scope_name,
)
from handlers.staff.context import StaffContext
from handlers.staff.states import EditEvent, NewEvent
from handlers.views import staff as views
from storage.db import Database, utcnow

routes = Routes("coordinators")  # for anybody: the invitation link, the refusals
admin_routes = Routes("coordinators_admin")

INVITE_RE = re.compile(r"^co_([A-Za-z0-9_-]{8,60})$")


# --- the invitation link: for anybody who opens it ------------------------------------------


def coordinators_of(db: Database, settings: Settings) -> Coordinators:
    """The service with what the invitations need: who the admins are, how long a link works."""
    return Coordinators(
        db, admin_ids=settings.admin_ids, invite_ttl=timedelta(days=settings.invite_ttl_days)
    )


async def coordinator_welcome(invite: Invite, ctx: StaffContext) -> str:
    return ctx.t("coord.invite_ok", scope=scope_name(invite.district, ctx.regions, ctx.t))


#: What the opener of an invitation is told, by its role (the roles it gives are
#: ``Coordinators.grants`` in bot/staff/coordination.py): a new role adds an entry here too.
WELCOMES: dict[str, Callable[[Invite, StaffContext], Awaitable[str]]] = {
    ROLE_COORDINATOR: coordinator_welcome,
    ROLE_EXPERT: expert_welcome,
}


@routes.message(CommandStart(deep_link=True, magic=F.args.startswith(INVITE_PREFIX)))
async def accept_invite(
    message: Message, command: CommandObject, ctx: StaffContext, menus: CommandMenus | None = None
) -> None:
    assert message.from_user is not None
    t = ctx.t
    match = INVITE_RE.match(command.args or "")
    if match is None:
        await message.answer(t("coord.invite_bad"))
        return
    coordinators = coordinators_of(ctx.db, ctx.settings)
    outcome = await coordinators.accept(match.group(1), message.from_user.id, utcnow())
    if outcome.invite is None:
        refusal = outcome.refusal or InviteRefusal.BAD
        await message.answer(t(f"coord.invite_{refusal.value}"))
        return
    if outcome.invite.role == ROLE_VOLUNTEER:  # issue 10: a door volunteer for one event
        await volunteer_welcome(message, outcome.invite.event_id, ctx.db, t)
        return
    await message.answer(await WELCOMES[outcome.invite.role](outcome.invite, ctx))
    if menus is not None:
        await menus.sync()  # the new coordinator's command menu


# --- /coordinators: admins only (admin_routes, nested under the staff router with IsAdmin) --


async def send_admin_menu(target: Message | CallbackQuery, ctx: StaffContext) -> None:
    coordinators = coordinators_of(ctx.db, ctx.settings)
    items = await coordinators.list()
    any_invites = bool(await coordinators.open_invites(utcnow()))
    text = views.coordinators(items, ctx.settings.admin_ids, ctx.t, ctx.regions)
    markup = kb.admin_menu(ctx.t, any_coordinators=bool(items), any_invites=any_invites)
    await show(target, text, markup)


async def send_invites(callback: CallbackQuery, ctx: StaffContext) -> None:
    """The open invitations, each with its "revoke" button."""
    t, regions = ctx.t, ctx.regions
    items = await coordinators_of(ctx.db, ctx.settings).open_invites(utcnow())
    text = views.invites(items, t, regions, ctx.settings.zone)
    buttons = [(i.id, invite_scope(i, regions, t)) for i in items]
    await show(callback, text, kb.admin_invites(buttons, t))


def admin_button(action: AdmAction, value: MagicFilter | None = None) -> CallbackQueryFilter:
    """An admin's button of ``action`` (whose value, if given, passes ``value``)."""
    rule = F.action == action
    return CoordAdminCb.filter(rule if value is None else rule & value)


@admin_routes.message(Command("coordinators"))
async def cmd_coordinators(message: Message, ctx: StaffContext) -> None:
    await send_admin_menu(message, ctx)


@admin_routes.callback_query(admin_button(AdmAction.LIST))
async def back_to_menu(callback: CallbackQuery, ctx: StaffContext) -> None:
    await callback.answer()
    await send_admin_menu(callback, ctx)


@admin_routes.callback_query(admin_button(AdmAction.INVITES))
async def open_invites(callback: CallbackQuery, ctx: StaffContext) -> None:
    await callback.answer()
    await send_invites(callback, ctx)


@admin_routes.callback_query(admin_button(AdmAction.REVOKE, F.value.regexp(r"^\d+$")))
async def revoke_invite(
    callback: CallbackQuery, callback_data: CoordAdminCb, ctx: StaffContext
) -> None:
    """The link stops working at once; the list is shown again without it."""
    revoked = await coordinators_of(ctx.db, ctx.settings).revoke(
        utcnow(), callback.from_user.id, invite_id=int(callback_data.value)
    )
    if revoked is not None:
        await callback.answer(ctx.t.plain("coord.invite_revoked_ok"))
    else:
        await callback.answer(ctx.t.plain("coord.invite_revoke_gone"), show_alert=True)
    await send_invites(callback, ctx)


@admin_routes.callback_query(admin_button(AdmAction.INVITE))
async def choose_scope(callback: CallbackQuery, ctx: StaffContext) -> None:
    await callback.answer()
    await show(callback, ctx.t("coord.invite_scope"), kb.admin_scopes(ctx.t, ctx.regions))


@admin_routes.callback_query(admin_button(AdmAction.INVITE_SCOPE))
async def invite(callback: CallbackQuery, callback_data: CoordAdminCb, ctx: StaffContext) -> None:
    """A one-time link for a coordinator of the chosen scope."""
    t = ctx.t
    try:
        district = parse_scope(callback_data.value or ALL)
    except ValueError:
        await callback.answer(t.plain("stale.button"), show_alert=True)
        return
    await callback.answer()
    now = utcnow()
    coordinators = coordinators_of(ctx.db, ctx.settings)
    token = await coordinators.invite(district, callback.from_user.id, now)
    link = await invite_link(ctx.bot, token)
    scope = scope_name(district, ctx.regions, t)
    until = Html(when(now + coordinators.invite_ttl, t, base=ctx.settings.zone))
    await show(callback, t("coord.invite_link", link=link, scope=scope, until=until))


@admin_routes.callback_query(admin_button(AdmAction.REMOVE, F.value == ""))
async def choose_removed(callback: CallbackQuery, ctx: StaffContext) -> None:
    await callback.answer()
    items = await coordinators_of(ctx.db, ctx.settings).list()
    await show(callback, ctx.t("coord.remove_pick"), kb.admin_remove(items, ctx.t))


@admin_routes.callback_query(admin_button(AdmAction.REMOVE, F.value.func(str.isdigit)))
async def ask_remove(
    callback: CallbackQuery, callback_data: CoordAdminCb, ctx: StaffContext
) -> None:
    t, value = ctx.t, callback_data.value
    found = await coordinators_of(ctx.db, ctx.settings).get(int(value))
    if found is None:
        await callback.answer(t.plain("coord.remove_gone"), show_alert=True)
        return
    await callback.answer()
    who = found.first_name or value
    text = t("coord.remove_ask", who=who, scope=scope_name(found.district, ctx.regions, t))
    await show(callback, text, kb.admin_remove_confirm(found.telegram_id, t))


@admin_routes.callback_query(admin_button(AdmAction.REMOVE_YES, F.value.func(str.isdigit)))
async def remove(
    callback: CallbackQuery,
    callback_data: CoordAdminCb,
    ctx: StaffContext,
    menus: CommandMenus | None = None,
) -> None:
    removed = await coordinators_of(ctx.db, ctx.settings).remove(int(callback_data.value))
    await callback.answer(
        ctx.t.plain("coord.removed") if removed else ctx.t.plain("coord.remove_gone")
    )
    await send_admin_menu(callback, ctx)
    if menus is not None:
        await menus.sync()  # the staff menu goes from their chat


@admin_routes.callback_query(CoordAdminCb.filter())
async def stale(callback: CallbackQuery, ctx: StaffContext) -> None:
    """An admin's button whose value does not fit its action (forged or stale)."""
    await callback.answer(ctx.t.plain("stale.button"), show_alert=True)


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
