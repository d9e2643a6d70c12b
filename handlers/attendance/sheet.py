"""The printed registration sheet with who came: a mark in the signature column of each
registrant who checked in, and the walk-ins (typed in at the door) after them."""

from __future__ import annotations

from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.i18n import Translator
from bot.staff.coordination import RosterRow
from storage.attendance import AttendanceRepo
from storage.db import Database
from storage.models import RegStatus

if TYPE_CHECKING:
    # bot.staff.sheets loads openpyxl (some 24 MB with numpy and Pillow): imported where a
    # sheet is made, not with every bot process (python -m bench.registration, memory).
    from bot.staff.sheets import SheetRow


async def with_check_ins(
    db: Database,
    event_id: str,
    sheet: list[SheetRow],
    roster: list[RosterRow],
    look: tuple[Translator, ZoneInfo],
) -> list[SheetRow]:
    """``sheet`` (the registered, in ``roster``'s order) marked, and the walk-ins after."""
    from bot.staff.sheets import SheetRow  # openpyxl, see above

    t, zone = look
    marks = await AttendanceRepo(db).of_event(event_id)
    came = {m.participant_id: m for m in marks if m.participant_id is not None}
    registered = [r for r in roster if r.status is RegStatus.REGISTERED]
    out = []
    for row, person in zip(sheet, registered, strict=True):
        mark = came.get(person.participant_id)
        at = mark.checked_in_at.astimezone(zone).strftime("%H:%M") if mark else ""
        out.append(
            SheetRow(
                row.name,
                row.organisation,
                row.region,
                t.plain("att.sheet.came", at=at) if mark else "",
            )
        )
    for mark in marks:
        if mark.participant_id is None:
            at = mark.checked_in_at.astimezone(zone).strftime("%H:%M")
            out.append(
                SheetRow(
                    mark.name or "",
                    mark.organisation or "",
                    mark.region or "",
                    t.plain("att.sheet.walk_in", at=at),
                )
            )
    return out
