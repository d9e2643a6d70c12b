"""Filters that load what a participant's button names, check it, and hand it over.

A filter that passes returns what it found (aiogram adds it to the handler's arguments), so a
handler starts with a valid event, question or summary (the feedback's own filter,
FeedbackOpen, is in handlers/participant/feedback.py). A filter that refuses says nothing: the
button goes on to the module's last handler for that button (or to handlers/fallback.py),
which says why it is stale, in one place with one wording.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiogram.filters import BaseFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery

from bot.registration.form import Question
from handlers.callbacks import AnswerCb, EventCb, SummaryCb
from handlers.participant.context import FormContext
from handlers.participant.dialog import QuestionnaireData
from handlers.participant.flow import current_question
from handlers.states import Questionnaire
from storage.models import Event


class KnownEvent(BaseFilter):
    """The event an ``EventCb`` button names, as ``event``; gone, handlers/fallback.py says so."""

    async def __call__(
        self, callback: CallbackQuery, callback_data: EventCb, ctx: FormContext
    ) -> dict[str, Any] | bool:
        event = await ctx.registration.events.get(callback_data.event_id)
        return {"event": event} if event is not None else False


@dataclass(frozen=True, slots=True)
class Picked:
    """What an option or region button picked: the label its alert shows, the value stored."""

    label: str
    value: str


class AskedNow(BaseFilter):
    """The question an answer button answers, as ``asked``: the one asked now, and one the
    button ``fits`` (an option of it, a region of the list...). What ``fits`` returned (a
    Picked, or True) comes as ``picked``."""

    def __init__(self, fits: Callable[[Question, AnswerCb, FormContext], object]) -> None:
        self.fits = fits

    async def __call__(
        self, callback: CallbackQuery, callback_data: AnswerCb, state: FSMContext, ctx: FormContext
    ) -> dict[str, Any] | bool:
        if await state.get_state() != Questionnaire.answering.state:
            return False
        found = await current_question(ctx, state)
        if found is None or found.qkey != callback_data.q:
            return False
        picked = self.fits(found.q, callback_data, ctx)
        return {"asked": found, "picked": picked} if picked else False


async def summary_open(state: FSMContext, dialog: QuestionnaireData, event_id: str) -> bool:
    """Whether the summary of ``event_id`` is the one shown now."""
    return await state.get_state() == Questionnaire.summary.state and dialog.event_id == event_id


@dataclass(frozen=True, slots=True)
class Shown:
    """The summary shown now: its event and the dialog's data."""

    event: Event
    dialog: QuestionnaireData


class SummaryShown(BaseFilter):
    """A summary button of the summary shown now, as ``shown``."""

    async def __call__(
        self,
        callback: CallbackQuery,
        callback_data: SummaryCb,
        state: FSMContext,
        ctx: FormContext,
    ) -> dict[str, Any] | bool:
        dialog = await QuestionnaireData.load(state)
        if not await summary_open(state, dialog, callback_data.event_id):
            return False
        event = await ctx.registration.events.get(callback_data.event_id)
        return {"shown": Shown(event, dialog)} if event is not None else False
