"""Every button's callback data, in one place.

Prefixes carry a version (``ev1``): when a layout changes, bump it, and the old buttons
still in people's chats fall through to the catch-all, which explains instead of failing.
Telegram allows 64 bytes of callback data, so every field is bounded here, from the limits of
the data it carries (an event id, a question id, a position): a value past its bound cannot
even be built, and tests/test_callback_limits.py builds the longest button of every factory and
checks that it fits. A new field without a bound fails that test.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from aiogram.filters.callback_data import CallbackData
from pydantic import Field

from bot.events.files import DISTRICTS, EVENT_ID_MAX, EventKind
from bot.events.input import EventField
from bot.registration.flow import key
from bot.registration.form import OPTION_ID_MAX, OPTIONS_MAX, QUESTION_ID_MAX, QUESTIONS_MAX
from bot.staff.coordination import ALL

EventKindValues = [k.value for k in EventKind]
EventId = Annotated[str, Field(max_length=EVENT_ID_MAX)]
#: A question's key in a dialog: "p.<id>" (the profile form) or "e.<id>" (the event's own).
QuestionKey = Annotated[str, Field(max_length=len(key("p", "x" * QUESTION_ID_MAX)))]
#: An option id, a region code (RU-XXX) or a district code.
AnswerValue = Annotated[str, Field(max_length=OPTION_ID_MAX)]
#: A language code; a district code.
Code = Annotated[str, Field(max_length=8)]
#: A district code (cfo, szfo, ...) or "all".
District = Annotated[str, Field(max_length=max(len(d) for d in (*DISTRICTS, ALL)))]
Page = Annotated[int, Field(ge=0, le=99_999)]


class Menu(StrEnum):
    HOME = "h"
    EVENTS = "e"
    MY = "m"
    PROFILE = "p"
    HELP = "q"
    RESUME = "r"


class MenuCb(CallbackData, prefix="mn1"):
    action: Menu


class EvAction(StrEnum):
    OPEN = "o"
    REGISTER = "r"
    CANCEL = "c"
    CANCEL_YES = "y"
    ICS = "i"


class EventCb(CallbackData, prefix="ev1"):
    action: EvAction
    event_id: EventId


class PageCb(CallbackData, prefix="pg1"):
    page: Page


class Pick(StrEnum):
    OPTION = "o"
    DISTRICT = "d"
    REGION = "r"
    DISTRICTS = "b"  # back to the list of districts
    SKIP = "s"
    AGREE = "y"
    DECLINE = "n"


class AnswerCb(CallbackData, prefix="an1"):
    """An answer given by a button; ``q`` is the question's key (``p.role``, ``e.topic``)."""

    q: QuestionKey
    kind: Pick
    value: AnswerValue = ""


class SumAction(StrEnum):
    CONFIRM = "c"
    EDIT = "e"
    PICK = "p"
    BACK = "b"
    CANCEL = "x"


class SummaryCb(CallbackData, prefix="sm1"):
    """``q``: the position of the answer to change in the summary (profile and event questions
    together): an event id of 48 and a question key of 32 would not fit in 64 bytes. (Once a
    key; an old "change" button no longer decodes and meets the catch-all, while old Confirm
    buttons, with ``q`` empty, still work.)"""

    action: SumAction
    event_id: EventId
    q: Annotated[int, Field(ge=0, lt=2 * QUESTIONS_MAX)] | None = None


class ProfAction(StrEnum):
    SHOW = "s"
    EDIT = "e"
    PICK = "p"
    DELETE = "d"
    DELETE_YES = "y"


class ProfileCb(CallbackData, prefix="pf1"):
    action: ProfAction
    q: Annotated[str, Field(max_length=QUESTION_ID_MAX)] = ""


class LangCb(CallbackData, prefix="lg1"):
    code: Code


# --- announcements (/broadcast) ---------------------------------------------------------------


class BcAction(StrEnum):
    ALL = "a"  # everyone (a district coordinator: everyone of their district)
    EVENTS = "e"  # the list of events
    DISTRICTS = "d"  # the list of districts
    BACK = "b"
    SEND = "s"
    CANCEL = "x"


class BroadcastCb(CallbackData, prefix="bc1"):
    action: BcAction


class EvScope(StrEnum):
    ASK = "q"  # the event was chosen: ask about the waiting list if it has one
    REGISTERED = "r"
    WITH_WAITLIST = "w"


class BcEventCb(CallbackData, prefix="bc1e"):
    event_id: EventId
    scope: EvScope


class BcDistrictCb(CallbackData, prefix="bc1d"):
    code: Code


class BcStopCb(CallbackData, prefix="bc1s"):
    broadcast_id: Annotated[int, Field(ge=0, le=2**63 - 1)]  # an SQLite rowid


# --- coordinators (/coord, /newevent, /stats, /coordinators) --------------------------------
# Every press is checked again for the role and, with an event, for the coordinator's scope.


class CoAction(StrEnum):
    OPEN = "o"
    PEOPLE = "p"
    CSV = "c"
    XLSX = "x"
    SHEET = "s"
    STATS = "t"
    EDIT = "e"
    CANCEL = "k"
    CANCEL_YES = "y"


class CoEventCb(CallbackData, prefix="ce1"):
    action: CoAction
    event_id: EventId
    page: Page = 0


class CoListCb(CallbackData, prefix="cl1"):
    """A page of the coordinator's events (/coord) or of the events to pick for /stats."""

    page: Page
    stats: bool = False


class NeAction(StrEnum):
    START = "n"
    KIND = "k"
    DISTRICT = "d"
    SKIP = "s"
    CREATE = "c"
    ABORT = "x"


class NewEventCb(CallbackData, prefix="ne1"):
    action: NeAction
    value: Annotated[str, Field(max_length=max(len(k) for k in EventKindValues))] = ""


class EdAction(StrEnum):
    FIELD = "f"  # change this field
    PICK = "p"  # a value chosen with a button (kind: its two-letter code, district)
    CLEAR = "c"  # leave an optional field empty
    SAVE = "s"


class CoEditCb(CallbackData, prefix="cd1"):
    action: EdAction
    event_id: EventId
    field: Annotated[str, Field(max_length=max(len(f) for f in EventField))]  # an EventField
    value: District = ""  # a kind's two-letter code (KIND_CODES), a district code or "all"


class AdmAction(StrEnum):
    LIST = "l"
    INVITE = "i"
    INVITE_SCOPE = "s"  # value: a district code or "all"
    REMOVE = "r"  # value: the coordinator's Telegram id
    REMOVE_YES = "y"
    INVITES = "n"  # the open invitations
    REVOKE = "v"  # value: the invitation's number


class CoordAdminCb(CallbackData, prefix="ca1"):
    """``value``: a district code or "all", a Telegram id, or an invitation's number."""

    action: AdmAction
    value: Annotated[str, Field(max_length=20)] = ""


class CoStatsCb(CallbackData, prefix="cs1"):
    """The statistics of the coordinator's whole scope."""


# --- reminders, change notices and feedback (sent through the delivery queue) ----------------


class RmAction(StrEnum):
    CANT_COME = "c"  # "I can't come": ask to confirm
    YES = "y"  # confirmed: cancel the registration
    NO = "n"  # keep it


class ReminderCb(CallbackData, prefix="rm1"):
    action: RmAction
    event_id: EventId


class FbAction(StrEnum):
    START = "s"  # begin a form that opens with a text question
    PICK = "p"  # option ``v`` of choice question ``q``
    SKIP = "k"  # skip optional question ``q``


class FeedbackCb(CallbackData, prefix="fb1"):
    """Questions and options by position: an event id (48) and two ids would not fit in 64
    bytes. Checked on arrival against the event's current form."""

    action: FbAction
    event_id: EventId
    q: Annotated[int, Field(ge=0, lt=QUESTIONS_MAX)] = 0
    v: Annotated[int, Field(ge=0, lt=OPTIONS_MAX)] = 0


# --- certificates and the reports to the federal centre (issue 10: handlers/reports/) ------

#: The largest report_files row number a button carries (the longest button still fits).
FileRow = Annotated[int, Field(ge=0, le=99_999_999)]


class CertCb(CallbackData, prefix="ct1"):
    """A participant's certificate of participation (/my)."""

    event_id: EventId


class RpAction(StrEnum):
    LIST = "l"  # the events to report on (/report)
    OPEN = "o"  # open the report dialog of ``event_id``
    SHEET = "s"  # file row ``file`` is the scanned registration sheet
    DONE = "d"  # submit the report


class ReportCb(CallbackData, prefix="rp1"):
    action: RpAction
    event_id: EventId = ""
    file: FileRow = 0


class RsAction(StrEnum):
    HOME = "h"  # the overview by district (/reports)
    DISTRICT = "d"  # one district's events (``district``: a code, or "all" for the programme)
    NUDGE = "n"  # remind the coordinator of ``event_id``
    PACK = "p"  # the ZIP of ``district`` ("" : every district)


class ReportsCb(CallbackData, prefix="rs1"):
    action: RsAction
    district: District = ""
    event_id: EventId = ""
