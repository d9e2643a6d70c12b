"""Texts and keyboards of the reports: pure functions of their data and the translator."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import Html, Translator
from bot.reports.report import PHOTOS_NEEDED, Missing, Progress
from bot.timefmt import short_date
from handlers.callbacks import ReportCb, RpAction
from handlers.keyboards.participant import _cut
from storage.models import Event


def button(text: str, data: CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=_cut(text), callback_data=data.pack())


def column(*buttons: InlineKeyboardButton) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[b] for b in buttons])


def mark(done: bool) -> str:
    return "✅" if done else "⬜"


def attendance_line(progress: Progress, t: Translator) -> Html:
    """'Пришли 17 из 15 необходимых ✓' (or just how many came, without a minimum)."""
    if progress.minimum is None:
        return t("reports.status.attended", n=progress.attended)
    sign = "✓" if progress.met else "✗"
    return t("reports.status.attended_min", n=progress.attended, min=progress.minimum, sign=sign)


def status(progress: Progress, t: Translator) -> Html:
    """Where the report stands: the three items, each done or not, and what to do next."""
    event = progress.event
    lines = [
        t("reports.status.title", title=event.title, date=short_date(event.starts_at, t)),
        attendance_line(progress, t),
        "",
        f"{mark(Missing.SHEET not in progress.missing)} "
        + t("reports.status.sheet", n=progress.count("sheet")),
        f"{mark(Missing.PHOTOS not in progress.missing)} "
        + t("reports.status.photos", n=progress.count("photo"), need=PHOTOS_NEEDED),
        f"{mark(Missing.TEXT not in progress.missing)} " + t("reports.status.text"),
    ]
    if progress.count("document"):
        lines.append("📎 " + t("reports.status.documents", n=progress.count("document")))
    lines.append("")
    if progress.submitted:
        lines.append(t("reports.status.submitted"))
    elif progress.missing:
        lines.append(t("reports.status.missing"))
    else:
        lines.append(t("reports.status.complete"))
    return Html("\n".join(lines))


def done_button(event: Event, t: Translator) -> InlineKeyboardButton:
    return button(t.plain("reports.button.done"), ReportCb(action=RpAction.DONE, event_id=event.id))


def dialog_keyboard(
    event: Event, t: Translator, file_row: int | None = None
) -> InlineKeyboardMarkup:
    """Under each answer of the dialog: "this is the sheet" for the file just sent, and
    "Done"."""
    buttons = []
    if file_row is not None:
        data = ReportCb(action=RpAction.SHEET, event_id=event.id, file=file_row)
        buttons.append(button(t.plain("reports.button.sheet"), data))
    buttons.append(done_button(event, t))
    return column(*buttons)


def open_keyboard(event: Event, t: Translator) -> InlineKeyboardMarkup:
    data = ReportCb(action=RpAction.OPEN, event_id=event.id)
    return column(button(t.plain("reports.button.open"), data))


def events_keyboard(items: list[tuple[Event, bool]], t: Translator) -> InlineKeyboardMarkup:
    """/report: an event a row, submitted ones marked."""
    rows = []
    for event, submitted in items:
        label = f"{'✅' if submitted else '📝'} {short_date(event.starts_at, t)} · {event.title}"
        rows.append(button(label, ReportCb(action=RpAction.OPEN, event_id=event.id)))
    return column(*rows)
