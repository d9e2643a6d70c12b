"""Certificates, the report dialog and the admins' overview (issue 10, items 5-7).

:func:`setup` gives one router: the certificate button for anybody; /report and its dialog
for staff (the role checked on every update); /reports for admins; and, last, the polite
refusals of these commands and buttons to whoever the filters above turned away.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.i18n import Translator
from bot.staff.roles import Role
from handlers.filters import IsAdmin, IsStaff
from handlers.reports import certificates, dialog, overview
from handlers.reports.dialog import ReportStates
from handlers.routing import Routes
from handlers.staff.common import leave, not_command
from handlers.staff.context import staff_context

refusals = Routes("reports_refusals")


@refusals.message(Command("report", "reports"))
async def refuse_command(message: Message, role: Role, t: Translator) -> None:
    """A participant's /report or /reports; a coordinator's /reports."""
    await message.answer(t("reports.admin_only") if role.is_staff else t("reports.denied"))


@refusals.callback_query(F.data.regexp(r"^(?:rp1|rs1)(?::|$)"))
async def refuse_button(callback: CallbackQuery, role: Role, t: Translator) -> None:
    """A report button pressed by someone no longer staff, an admin's by a coordinator, or
    data that does not decode."""
    if not role.is_staff:
        text = t.plain("reports.denied_short")
    elif (callback.data or "").startswith("rs1") and not role.is_admin:
        text = t.plain("reports.admin_only_short")
    else:
        text = t.plain("stale.button")
    await callback.answer(text, show_alert=True)


def not_staff(obj: object, role: Role) -> bool:
    return not role.is_staff


@refusals.message(StateFilter(ReportStates.collecting), not_staff, not_command)
async def refuse_in_dialog(message: Message, state: FSMContext, t: Translator) -> None:
    """Someone removed from the staff in the middle of the report dialog."""
    await leave(state)
    await message.answer(t("reports.denied"))


def setup() -> Router:
    reports = Router(name="reports")
    staff = dialog.routes.build()
    admin = overview.routes.build()
    for router, role_filter in ((staff, IsStaff()), (admin, IsAdmin())):
        router.message.filter(role_filter, staff_context)
        router.callback_query.filter(role_filter, staff_context)
    reports.include_routers(certificates.routes.build(), staff, admin, refusals.build())
    return reports
