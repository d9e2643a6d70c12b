"""Check-in's buttons (callback data, keyboards) and the lines it says: pure functions."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated
from zoneinfo import ZoneInfo

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from pydantic import Field

from bot.attendance.service import CheckIn, Summary
from bot.i18n import Html, Translator
from bot.staff.coordination import RosterRow
from handlers.callbacks import CoAction, CoEventCb, EventId, Page
from handlers.keyboards.build import Keyboard
from storage.attendance import Mark

DOOR_PAGE = 10  # registrants per page of the door list: ten buttons, one thumb's reach
NAME_MAX = 120  # a walk-in's name, organisation, region: each at most this long


class AtAction(StrEnum):
    LIST = "l"  # the door list, afresh (no search)
    PAGE = "p"  # another page of it (the search kept)
    WALK_IN = "w"  # add someone without Telegram
    ROOM = "r"  # the room QR
    VOLUNTEER = "v"  # a volunteer invitation link
    SPOT = "s"  # a walk-in with Telegram: register and check in at the room link
    QR = "q"  # a participant's own QR code again (/my)
    ONLINE = "o"  # "I'm at the session"


class AttCb(CallbackData, prefix="at1"):
    action: AtAction
    event_id: EventId
    page: Page = 0


class RowAction(StrEnum):
    MARK = "m"  # mark the registration ``row`` as come
    UNMARK = "x"  # remove that mark
    UNDO_WALK_IN = "u"  # remove the walk-in of attendance row ``row``


class DoorRowCb(CallbackData, prefix="at1r"):
    """A person on the door list: by the row id of their registration (or of a walk-in's
    attendance), which names the event too: an event id of 48 and a Telegram id would not fit
    in 64 bytes."""

    action: RowAction
    row: Annotated[int, Field(ge=0, le=2**53)]
    page: Page = 0


def button(text: str, data: CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data.pack())


def card_rows(event_id: str, t: Translator, *, staff: bool) -> list[list[InlineKeyboardButton]]:
    """The coordinator card's check-in block (a volunteer gets the door list only)."""
    rows = [[button(t.plain("att.btn.door"), AttCb(action=AtAction.LIST, event_id=event_id))]]
    if staff:
        rows.append(
            [
                button(t.plain("att.btn.room"), AttCb(action=AtAction.ROOM, event_id=event_id)),
                button(
                    t.plain("att.btn.volunteer"),
                    AttCb(action=AtAction.VOLUNTEER, event_id=event_id),
                ),
            ]
        )
    return rows


def door_keyboard(
    event_id: str,
    people: list[tuple[RosterRow, int, bool]],
    page: tuple[int, int],
    t: Translator,
    *,
    staff: bool,
) -> InlineKeyboardMarkup:
    """A toggle per registrant (✅ marked, ▫️ not), the pages, a walk-in, back."""
    number, pages = page
    kb = Keyboard()
    for row, reg_id, marked in people:
        label = f"{'✅' if marked else '▫️'} {row.name}"[:60]
        action = RowAction.UNMARK if marked else RowAction.MARK
        data = DoorRowCb(action=action, row=reg_id, page=number)
        kb.row(button(label, data))
    nav = []
    if number > 0:
        nav.append(
            button(
                t.plain("list.prev"),
                AttCb(event_id=event_id, action=AtAction.PAGE, page=number - 1),
            )
        )
    if number < pages - 1:
        nav.append(
            button(
                t.plain("list.next"),
                AttCb(event_id=event_id, action=AtAction.PAGE, page=number + 1),
            )
        )
    if nav:
        kb.row(*nav)
    kb.row(button(t.plain("att.btn.walk_in"), AttCb(action=AtAction.WALK_IN, event_id=event_id)))
    if staff:
        back = CoEventCb(action=CoAction.OPEN, event_id=event_id)
        kb.row(button(t.plain("coord.to_event"), back))
    return kb.as_markup()


def walk_ins_keyboard(event_id: str, marks: list[Mark], t: Translator) -> InlineKeyboardMarkup:
    kb = Keyboard()
    for mark in marks:
        data = DoorRowCb(action=RowAction.UNDO_WALK_IN, row=mark.id)
        kb.row(button(t.plain("att.btn.undo_walk_in", name=mark.name or "")[:60], data))
    kb.row(button(t.plain("att.btn.door"), AttCb(action=AtAction.LIST, event_id=event_id)))
    return kb.as_markup()


def one(text: str, data: CallbackData) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[button(text, data)]])


def summary_line(summary: Summary, t: Translator) -> Html:
    """'Пришли 17 из 20 записавшихся · минимум 15 ✓' (or ✗ and how many are missing)."""
    line = t("att.summary", attended=summary.attended, registered=summary.registered)
    if summary.minimum is None:
        return line
    if summary.met:
        return Html(
            line + " · " + t("att.minimum_met", attended=summary.attended, minimum=summary.minimum)
        )
    return Html(
        line
        + " · "
        + t(
            "att.minimum_missed",
            attended=summary.attended,
            minimum=summary.minimum,
            missing=summary.missing,
        )
    )


def clock(moment: datetime | None, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%H:%M") if moment else ""


def gendered(name: str, t: Translator) -> str:
    """'отмечена' / 'отмечен' from a Russian patronymic, 'отмечен(а)' when it cannot tell."""
    words = name.replace(".", " ").split()
    last = words[-1].lower() if len(words) >= 3 else ""
    if last.endswith(("вна", "чна", "кызы")):
        return t.plain("att.marked_f")
    if last.endswith(("вич", "ич", "оглы")):
        return t.plain("att.marked_m")
    return t.plain("att.marked_x")


def scan_text(result: CheckIn, t: Translator, zone: ZoneInfo) -> Html:
    """The one line a staff member reads after scanning a personal QR."""
    o = result.outcome.value
    title = result.event.title if result.event else ""
    return t(
        f"att.scan.{o}",
        name=result.name,
        marked=gendered(result.name, t),
        attended=result.attended,
        registered=result.registered,
        at=clock(result.at, zone),
        title=title,
    )
