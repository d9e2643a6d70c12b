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
