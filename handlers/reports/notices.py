"""What the report job and an admin's nudge queue for coordinators: the checklist after an
event, the reminder when the report is due, the nudge; each with the button that opens the
report dialog. Rendered when sent, so the checklist shows what is still missing then."""

from __future__ import annotations

from aiogram import Bot

from bot.config import Settings
from bot.i18n import Html, Translator, translator
from bot.reports.report import KIND_DUE, KIND_NUDGE, progress_of
from handlers.reports import views
from storage.db import Database
from storage.events import EventRepo
from storage.models import EventStatus
from storage.outbox import OutItem
from storage.participants import ParticipantRepo


def intro(kind: str, title: str, days: int, t: Translator) -> Html:
    if kind == KIND_DUE:
        return t("reports.notice.due", title=title, days=days)
    if kind == KIND_NUDGE:
        return t("reports.notice.nudge", title=title)
    return t("reports.notice.checklist", title=title)


async def render_report_notice(bot: Bot, item: OutItem, db: Database, settings: Settings) -> bool:
    """One renderer for the three kinds; False (nothing sent) once the report is submitted
    or the event is gone."""
    event = await EventRepo(db).get(item.event_id) if item.event_id else None
    if event is None or event.status is not EventStatus.SCHEDULED:
        return False
    progress = await progress_of(db, event)
    if progress.submitted:
        return False
    person = await ParticipantRepo(db).get(item.chat_id)
    t = translator(person.language if person else settings.default_locale)
    said = intro(item.kind, event.title, settings.report_due_days, t)
    text = said + "\n\n" + views.status(progress, t)
    await bot.send_message(item.chat_id, text, reply_markup=views.open_keyboard(event, t))
    return True
