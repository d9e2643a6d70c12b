"""/start (with deep links), /help, /language, /cancel and the main menu."""

from __future__ import annotations

import re

from aiogram import F
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, ReplyKeyboardRemove

from bot.attendance.service import CheckInService
from bot.i18n import LOCALES, Translator, translator
from bot.staff.commands import CommandMenus
from bot.staff.roles import Role
from handlers.attendance.staff_tools import volunteer_tools
from handlers.callbacks import LangCb, Menu, MenuCb
from handlers.common_ui import show
from handlers.keyboards import participant as keyboards
from handlers.participant.context import FormContext
from handlers.participant.dialog import Kept, keep_draft
from handlers.participant.flow import in_questionnaire, resumable, resume
from handlers.participant.registration import start_registration
from handlers.routing import Routes
from storage.db import Database, utcnow
from storage.experts import ExpertRepo
from storage.models import Participant

routes = Routes("common")

EVENT_LINK = re.compile(r"^ev_([A-Za-z0-9_-]{1,48})$")


async def in_dialog(state: FSMContext) -> bool:
    return await state.get_state() is not None


@routes.message(CommandStart(deep_link=True))
async def start_deep_link(
    message: Message,
    command: CommandObject,
    state: FSMContext,
    ctx: FormContext,
    participant: Participant | None,
) -> None:
    match = EVENT_LINK.match(command.args or "")
    event = await ctx.registration.events.get(match.group(1)) if match else None
    if event is None:
        await message.answer(ctx.t("start.bad_link"), reply_markup=keyboards.main_menu(ctx.t))
        return
    await start_registration(message, event, state, ctx, participant)


def staff_start(role: Role, t: Translator) -> str:
    """The short staff section under the welcome ("" for participants)."""
    if not role.is_staff:
        return ""
    # The reports to the federal centre (handlers/reports/): /report, and admins' /reports.
    reports = t("reports.start.admin") if role.is_admin else t("reports.start.staff")
    return "\n" + t("staff.start") + "\n" + reports


def help_text(role: Role, t: Translator) -> str:
    """/help: the participants' part; staff see their own section first."""
    if not role.is_staff:
        return t("help.text")
    parts: list[str] = [t("staff.help.coordinator")]
    if role.is_admin:
        parts.append(t("staff.help.admin"))
    parts += ["", t("help.text")]
    return "\n".join(parts)


async def expert_start(db: Database, user_id: int, role: Role, t: Translator) -> str:
    """Selection (issue 9): the line that leads an expert to /review, and staff to /experts
    ("" for everyone else)."""
    lines = [t("experts.staff_hint")] if role.is_staff else []
    if await ExpertRepo(db).events_of(user_id):
        lines.append(t("review.start_hint"))
    return "".join("\n" + line for line in lines)


@routes.message(CommandStart())
async def start(
    message: Message,
    state: FSMContext,
    t: Translator,
    role: Role,
    db: Database,
    menus: CommandMenus | None = None,
    checkin: CheckInService | None = None,
) -> None:
    assert message.from_user is not None
    resume_button = await resumable(state)
    expert = await expert_start(db, message.from_user.id, role, t)
    await message.answer(
        t("start.welcome", name=message.from_user.first_name) + staff_start(role, t) + expert,
        reply_markup=keyboards.main_menu(t, resume=resume_button),
    )
    if role.is_staff and menus is not None:
        # An admin or coordinator who had never opened the chat gets their menu now.
        await menus.ensure(message.from_user.id)
    if checkin is not None:  # issue 10: a door volunteer finds their check-in tools here
        await volunteer_tools(message, checkin, t)


@routes.callback_query(MenuCb.filter(F.action == Menu.HOME))
async def menu_home(callback: CallbackQuery, state: FSMContext, t: Translator) -> None:
    await callback.answer()
    await show(callback, t("menu.title"), keyboards.main_menu(t, resume=await resumable(state)))


@routes.callback_query(MenuCb.filter(F.action == Menu.RESUME))
async def menu_resume(callback: CallbackQuery, state: FSMContext, ctx: FormContext) -> None:
    if not await in_questionnaire(state):  # the staff dialogs resume in their own routers
        await callback.answer(ctx.t.plain("stale.nothing_to_resume"), show_alert=True)
        return
    await callback.answer()
    await resume(ctx, state)


@routes.message(Command("help"))
async def cmd_help(message: Message, t: Translator, role: Role) -> None:
    await message.answer(help_text(role, t), reply_markup=keyboards.back_to_menu(t))


@routes.callback_query(MenuCb.filter(F.action == Menu.HELP))
async def menu_help(callback: CallbackQuery, t: Translator, role: Role) -> None:
    await callback.answer()
    await show(callback, help_text(role, t), keyboards.back_to_menu(t))


@routes.message(Command("cancel"))
async def cmd_cancel(
    message: Message, state: FSMContext, t: Translator, participant: Participant | None
) -> None:
    if not await in_dialog(state):
        await message.answer(t("cancel.nothing"), reply_markup=keyboards.main_menu(t))
        return
    consented = participant is not None and participant.consent_at is not None
    kept = await keep_draft(state, consented=consented)
    # The phone question may have left a reply keyboard: take it away.
    await message.answer(t("cancel.left"), reply_markup=ReplyKeyboardRemove())
    # Say exactly what was kept: "your answers are kept" only when they were.
    texts = {
        Kept.ANSWERS: t("cancel.kept"),
        Kept.NOT_KEPT: t("cancel.not_kept"),
        Kept.NOTHING: t("menu.title"),
    }
    await message.answer(texts[kept], reply_markup=keyboards.main_menu(t))


@routes.message(Command("language"))
async def cmd_language(message: Message, t: Translator) -> None:
    await message.answer(t("language.choose"), reply_markup=keyboards.languages())


@routes.callback_query(LangCb.filter())
async def set_language(
    callback: CallbackQuery,
    callback_data: LangCb,
    state: FSMContext,
    ctx: FormContext,
    role: Role,
    menus: CommandMenus | None = None,
) -> None:
    if callback_data.code not in LOCALES:
        await callback.answer(ctx.t.plain("stale.button"), show_alert=True)
        return
    registration = ctx.registration
    async with registration.db.transaction() as conn:
        await registration.participants.set_language(
            conn, callback.from_user.id, callback_data.code, utcnow()
        )
    new_t = translator(callback_data.code)
    await callback.answer(new_t.plain("language.set"))
    await show(
        callback, new_t("language.set"), keyboards.main_menu(new_t, resume=await in_dialog(state))
    )
    if role.is_staff and menus is not None:
        await menus.sync()  # the staff menu in the new language


__all__ = ["Participant", "routes"]
