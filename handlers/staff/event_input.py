"""What creating an event (/newevent) and changing one (edit) share: the question for a field,
the summary of a draft, and the checks made when the coordinator confirms."""

from __future__ import annotations

from datetime import timedelta

from aiogram.types import CallbackQuery

from bot.config import Settings
from bot.events.input import Draft, EventField, InputProblem
from bot.i18n import Html, Translator
from bot.timefmt import zone_label
from handlers.staff.context import StaffContext
from handlers.views import staff as views
from storage.db import utcnow


def example_moment(settings: Settings, days: int) -> str:
    moment = utcnow().astimezone(settings.zone) + timedelta(days=days)
    return moment.strftime("%d.%m.%Y") + " 14:00"


def prompt(field: EventField, t: Translator, settings: Settings) -> Html:
    """The question for one field, with an example date where one helps."""
    zone = zone_label(settings.zone, t)
    if field is EventField.STARTS:
        return t("newevent.ask.st", zone=zone, example=example_moment(settings, 14))
    if field is EventField.DEADLINE:
        return t("newevent.ask.de", zone=zone, example=example_moment(settings, 10)[:10])
    return t(f"newevent.ask.{field.value}")


def summary(draft: Draft, head: Html, ctx: StaffContext) -> Html:
    return views.draft_summary(draft, ctx.t, ctx.regions, ctx.settings.zone, head)


def problem_key(exc: InputProblem) -> str:
    return f"newevent.problem.{exc.problem.value}"


async def district_allowed(
    callback: CallbackQuery, district: str | None, ctx: StaffContext
) -> bool:
    """On confirming: the district still in the person's scope (it may have changed since the
    dialog began); if not, say so and False."""
    if ctx.role.covers_district(district):
        return True
    await callback.answer(ctx.t.plain("newevent.problem.out_of_scope"), show_alert=True)
    return False
