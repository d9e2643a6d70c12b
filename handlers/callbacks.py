"""Every button's callback data, in one place.

Prefixes carry a version (``ev1``): when a layout changes, bump it, and the old buttons
still in people's chats fall through to the catch-all, which explains instead of failing.
Fields are short because Telegram allows 64 bytes.
"""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData


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
    event_id: str


class PageCb(CallbackData, prefix="pg1"):
    page: int


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

    q: str
    kind: Pick
    value: str = ""


class SumAction(StrEnum):
    CONFIRM = "c"
    EDIT = "e"
    PICK = "p"
    BACK = "b"
    CANCEL = "x"


class SummaryCb(CallbackData, prefix="sm1"):
    action: SumAction
    event_id: str
    q: str = ""


class ProfAction(StrEnum):
    SHOW = "s"
    EDIT = "e"
    PICK = "p"
    DELETE = "d"
    DELETE_YES = "y"


class ProfileCb(CallbackData, prefix="pf1"):
    action: ProfAction
    q: str = ""


class LangCb(CallbackData, prefix="lg1"):
    code: str


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
    event_id: str
    scope: EvScope


class BcDistrictCb(CallbackData, prefix="bc1d"):
    code: str


class BcStopCb(CallbackData, prefix="bc1s"):
    broadcast_id: int


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
    event_id: str
    page: int = 0


class CoListCb(CallbackData, prefix="cl1"):
    """A page of the coordinator's events (/coord) or of the events to pick for /stats."""

    page: int
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
    value: str = ""


class EdAction(StrEnum):
    FIELD = "f"  # change this field
    PICK = "p"  # a value chosen with a button (kind: its two-letter code, district)
    CLEAR = "c"  # leave an optional field empty
    SAVE = "s"


class CoEditCb(CallbackData, prefix="cd1"):
    action: EdAction
    event_id: str
    field: str  # bot.event_input.EventField
    value: str = ""


class AdmAction(StrEnum):
    LIST = "l"
    INVITE = "i"
    INVITE_SCOPE = "s"  # value: a district code or "all"
    REMOVE = "r"  # value: the coordinator's Telegram id
    REMOVE_YES = "y"


class CoordAdminCb(CallbackData, prefix="ca1"):
    action: AdmAction
    value: str = ""


class CoStatsCb(CallbackData, prefix="cs1"):
    """The statistics of the coordinator's whole scope."""


# --- reminders, change notices and feedback (sent through the delivery queue) ----------------


class RmAction(StrEnum):
    CANT_COME = "c"  # "I can't come": ask to confirm
    YES = "y"  # confirmed: cancel the registration
    NO = "n"  # keep it


class ReminderCb(CallbackData, prefix="rm1"):
    action: RmAction
    event_id: str


class FbAction(StrEnum):
    START = "s"  # begin a form that opens with a text question
    PICK = "p"  # option ``v`` of choice question ``q``
    SKIP = "k"  # skip optional question ``q``


class FeedbackCb(CallbackData, prefix="fb1"):
    """Questions and options by position: an event id (48) and two ids would not fit in 64
    bytes. Checked on arrival against the event's current form."""

    action: FbAction
    event_id: str
    q: int = 0
    v: int = 0
