"""The buttons of the coordinator's "Отбор" screen. Apart from the screen's module so the
event card's keyboard (handlers/keyboards/staff.py) can name its entry button without
importing the handlers.

Two factories: an event's actions carry the event id (up to 48 characters), an application's
carry only its number (event id and number together would not fit Telegram's 64 bytes); the
application's event is looked up and checked for the presser's scope on every press.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from aiogram.filters.callback_data import CallbackData
from pydantic import Field

from bot.events.files import EVENT_ID_MAX
from storage.decisions import Decision

EventId = Annotated[str, Field(max_length=EVENT_ID_MAX)]
Page = Annotated[int, Field(ge=0, le=99_999)]
AppId = Annotated[int, Field(ge=0, le=2**53)]  # an SQLite rowid


class SdAction(StrEnum):
    SCREEN = "s"  # progress and a page of the ranked list
    OPEN_REVIEW = "o"
    DECIDE = "d"  # "Принять лучших": the defaults
    NOTE = "n"  # words to the rejected
    PUBLISH = "p"  # ask, with the counts
    PUBLISH_YES = "y"
    EXPORT = "e"


class SelEventCb(CallbackData, prefix="sd1"):
    action: SdAction
    event_id: EventId
    page: Page = 0


class SaAction(StrEnum):
    OPEN = "o"
    SET = "s"


#: A decision as one letter in a button.
DECISION_CODES = {"a": Decision.ACCEPTED, "r": Decision.RESERVE, "j": Decision.REJECTED}
CODE_OF = {v: k for k, v in DECISION_CODES.items()}


class SelAppCb(CallbackData, prefix="sa1"):
    action: SaAction
    app: AppId
    to: Annotated[str, Field(max_length=1)] = ""  # with SET: a key of DECISION_CODES
    page: Page = 0  # the list page to come back to


def entry(event_id: str) -> SelEventCb:
    """The "Отбор" button of an event's card."""
    return SelEventCb(action=SdAction.SCREEN, event_id=event_id)
