"""The buttons of selection events (issue 9), with short versioned prefixes.

Every button names ids only (an event, an application, a criterion by position); whoever
presses it is checked again against them (handlers/selection/review.py), so a forged or
foreign button learns nothing and changes nothing.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from aiogram.filters.callback_data import CallbackData
from pydantic import Field

from bot.events.files import EVENT_ID_MAX
from bot.selection.config import CRITERIA_MAX, SCORE_MAX

EventId = Annotated[str, Field(max_length=EVENT_ID_MAX)]
AppId = Annotated[int, Field(ge=0, le=10**12)]


class ApAction(StrEnum):
    VIEW = "v"  # the application as sent
    WITHDRAW = "w"  # asks first
    WITHDRAW_YES = "y"


class ApplyCb(CallbackData, prefix="ap1"):
    action: ApAction
    event_id: EventId


class RvAction(StrEnum):
    SCORE = "s"
    LABEL = "l"  # a criterion's name: says it, changes nothing
    SAVE = "v"
    SKIP = "k"
    RECUSE = "r"
    OTHERS = "o"
    CHANGE = "c"  # change a saved score
    NEXT = "n"


class ReviewCb(CallbackData, prefix="rv1"):
    action: RvAction
    app: AppId
    c: Annotated[int, Field(ge=0, lt=CRITERIA_MAX)] = 0
    v: Annotated[int, Field(ge=0, le=SCORE_MAX)] = 0


class ReviewEventCb(CallbackData, prefix="rv1e"):
    """An expert of several events picks one."""

    event_id: EventId


class ExpertsCb(CallbackData, prefix="xp1"):
    """Staff: the experts of one selection event, or a new invitation link for it."""

    event_id: EventId
    invite: bool = False


class MakeSelectionCb(CallbackData, prefix="sx1"):
    """/newevent's optional last step: make the new event a selection."""

    event_id: EventId
