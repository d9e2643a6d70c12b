"""Registration lists and feedback as CSV (UTF-8 with BOM, so Excel reads Cyrillic) or XLSX."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.registration.feedback import feedback_questions
from bot.registration.form import Form, Question, QuestionType, display_value, parse_questions
from bot.registration.regions import Regions
from storage.attendance import AttendanceRepo, Mark
from storage.db import Database
from storage.events import EventRepo, RegistrationRepo
from storage.feedback import FeedbackRepo
from storage.models import RegStatus
from storage.participants import ParticipantRepo

FIXED = ["event_id", "telegram_id", "username", "status", "waitlist_position", "registered_at"]
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
STATUS_ORDER = {RegStatus.REGISTERED: 0, RegStatus.WAITLISTED: 1, RegStatus.CANCELLED: 2}


class ExportError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Table:
    header: list[str]
    rows: list[list[str | int | None]]


def _shown(q: Question, value: str | None, locale: str, regions: Regions) -> str | None:
    if value in (None, ""):
        return None
    if q.type is QuestionType.PHONE:
        return value  # E.164 as stored, unambiguous for any spreadsheet or dialler
    return display_value(q, value, locale, regions)


async def registration_table(
    db: Database, event_id: str, form: Form, regions: Regions, zone: ZoneInfo, locale: str = "ru"
) -> Table:
    event = await EventRepo(db).get(event_id)
    if event is None:
        raise ExportError(f"no event with id {event_id!r}")
    registrations = RegistrationRepo(db)
    people = ParticipantRepo(db)
    event_questions = parse_questions(event.questions, f"event {event.id}")
    profile_ids = form.ids
    event_ids = [q.id for q in event_questions]
    header = FIXED + profile_ids + [i if i not in profile_ids else f"event_{i}" for i in event_ids]
    regs = await registrations.of_event(event_id)
    waitlist = [r for r in regs if r.status is RegStatus.WAITLISTED]
    waitlist.sort(key=lambda r: (r.queued_at, r.id))
    position = {r.participant_id: n for n, r in enumerate(waitlist, start=1)}
    regs.sort(
        key=lambda r: (
            STATUS_ORDER[r.status],
            position.get(r.participant_id, 0),
            r.registered_at,
            r.id,
        )
    )
    rows: list[list[str | int | None]] = []
    marks = await AttendanceRepo(db).of_event(event_id)
    came = {m.participant_id: m for m in marks if m.participant_id is not None}
    for reg in regs:
        person = await people.get(reg.participant_id)
        profile = await people.answers(reg.participant_id)
        own = await people.answers(reg.participant_id, event_id)
        row: list[str | int | None] = [
            event.id,
            reg.participant_id,
            person.username if person else None,
            reg.status.value,
            position.get(reg.participant_id),
            reg.registered_at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S"),
        ]
        for q in form.questions:
            if q.type is QuestionType.CONSENT:
                at = person.consent_at if person else None
                row.append(at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S") if at else None)
            else:
                row.append(_shown(q, profile.get(q.id), locale, regions))
        for q in event_questions:
            row.append(_shown(q, own.get(q.id), locale, regions))
        rows.append(row + _attendance(came.get(reg.participant_id), zone))
    rows += _walk_ins(event.id, [m for m in marks if m.participant_id is None], header, zone)
    return Table(header + ATTENDANCE, rows)


# --- who came (issue 10): three columns, and walk-ins without Telegram as rows of their own --

ATTENDANCE = ["attended", "checked_in_at", "check_in_method"]
WALK_IN_STATUS = "walk_in"


def _attendance(mark: Mark | None, zone: ZoneInfo) -> list[str | int | None]:
    if mark is None:
        return ["no", None, None]
    return ["yes", mark.checked_in_at.astimezone(zone).strftime(TIME_FORMAT), mark.method]


def _walk_ins(
    event_id: str, marks: list[Mark], header: list[str], zone: ZoneInfo
) -> list[list[str | int | None]]:
    """A row per walk-in: no Telegram id; the name, organisation and region as staff typed
    them, under the questionnaire's columns of the same meaning."""
    typed = {"full_name": "name", "organization": "organisation", "region": "region"}
    rows: list[list[str | int | None]] = []
    for mark in marks:
        row: list[str | int | None] = [None] * len(header)
        row[0], row[3] = event_id, WALK_IN_STATUS
        row[5] = mark.checked_in_at.astimezone(zone).strftime(TIME_FORMAT)
        for column, attribute in typed.items():
            if column in header:
                row[header.index(column)] = getattr(mark, attribute)
        rows.append(row + _attendance(mark, zone))
    return rows


FEEDBACK_FIXED = ["event_id", "telegram_id", "username", "answered_at"]


async def feedback_table(
    db: Database, event_id: str, regions: Regions, zone: ZoneInfo, locale: str = "ru"
) -> Table:
    """One row per participant who answered: the event's feedback questions (or the standard
    rating and comment) as columns, choices by their label, a skipped answer empty."""
    event = await EventRepo(db).get(event_id)
    if event is None:
        raise ExportError(f"no event with id {event_id!r}")
    questions = feedback_questions(event)
    people = ParticipantRepo(db)
    rows: list[list[str | int | None]] = []
    for answer in await FeedbackRepo(db).of_event(event_id):
        person = await people.get(answer.participant_id)
        row: list[str | int | None] = [
            event.id,
            answer.participant_id,
            person.username if person else None,
            answer.created_at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S"),
        ]
        row += [_shown(q, answer.answers.get(q.id), locale, regions) for q in questions]
        rows.append(row)
    return Table(FEEDBACK_FIXED + [q.id for q in questions], rows)


def _safe(value: str | int | None) -> str | int | None:
    """Keep a spreadsheet from running what a person typed as a formula."""
    if isinstance(value, str) and value[:1] in ("=", "@", "\t", "\r"):
        return "'" + value
    if (
        isinstance(value, str)
        and value[:1] in ("+", "-")
        and not value[1:].replace(" ", "").isdigit()
    ):
        return "'" + value
    return value


def to_csv(table: Table) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(table.header)
    for row in table.rows:
        writer.writerow(["" if v is None else _safe(v) for v in row])
    return buffer.getvalue().encode("utf-8-sig")


def to_xlsx(table: Table, title: str = "registrations") -> bytes:
    # Here, not at the top: openpyxl (with numpy and Pillow, which it loads) is some 20 MB of
    # every bot process's memory, for a staff export now and then.
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = title[:31]
    ws.append(table.header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in table.rows:
        # openpyxl refuses control characters (a pasted form feed would stop the export)
        ws.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in row])
        for cell in ws[ws.max_row]:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # text, never a formula
    ws.freeze_panes = "A2"
    for index, name in enumerate(table.header, start=1):
        width = max([len(str(name))] + [len(str(r[index - 1] or "")) for r in table.rows])
        ws.column_dimensions[get_column_letter(index)].width = min(max(width + 2, 8), 60)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
