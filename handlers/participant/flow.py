"""Asking the questions of a registration or a profile edit, one at a time: the steps.

What a person has answered is kept in the FSM data (in SQLite) the moment it is accepted,
so a restart, a /cancel or an old button loses nothing that was typed. The handlers that take
the answers are in handlers/participant/questionnaire.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from aiogram.fsm.context import FSMContext
from aiogram.types import ReplyKeyboardRemove

from bot.registration.flow import PROFILE_SCOPE, by_scope, resolve
from bot.registration.form import Question, QuestionType
from handlers.keyboards import participant as keyboards
from handlers.participant.context import FormContext
from handlers.participant.dialog import (
    FLOW_FEEDBACK,
    FLOW_PROFILE,
    FLOW_REGISTER,
    Answers,
    FeedbackData,
    QuestionnaireData,
    keep_draft,
)
from handlers.participant.feedback import resume_feedback
from handlers.participant.profile_page import send_profile
from handlers.participant.summary import show_summary
from handlers.staff.states import EditEvent, NewEvent
from handlers.states import Questionnaire
from handlers.views.participant import question_text
from storage.models import Event


@dataclass(frozen=True, slots=True)
class Plan:
    """What a questionnaire asks: ``queue`` (question keys), with ``answers`` already given;
    ``back_to_summary``: one answer changed from the summary, then the summary again."""

    flow: str
    queue: list[str]
    answers: Answers = field(default_factory=dict)
    back_to_summary: bool = False


@dataclass(frozen=True, slots=True)
class Asked:
    """The question waiting for an answer: its key, itself, and the event (a registration)."""

    qkey: str
    q: Question
    event: Event | None


async def ask(ctx: FormContext, q: Question, qkey: str, data: QuestionnaireData) -> None:
    t = ctx.t
    text = question_text(q, t, number=data.number, total=data.total)
    if q.type is QuestionType.PHONE:
        # A reply keyboard with the "share my number" button; skipping stays a chat button.
        await ctx.say(text, keyboards.share_phone(t))
        skip = keyboards.question(q, qkey, t, ctx.regions)
        if skip is not None:
            await ctx.say(t("question.skip_hint"), skip)
        return
    await ctx.say(text, keyboards.question(q, qkey, t, ctx.regions))


async def ask_again(ctx: FormContext, state: FSMContext, asked: Asked) -> None:
    """The same question once more (after an answer that did not fit)."""
    await ask(ctx, asked.q, asked.qkey, await QuestionnaireData.load(state))


async def begin(ctx: FormContext, state: FSMContext, event: Event | None, plan: Plan) -> None:
    """Start asking ``plan.queue``; with nothing to ask go straight to the end."""
    data = await QuestionnaireData.load(state)
    data.flow = plan.flow
    data.event_id = event.id if event is not None else None
    data.queue = list(plan.queue)
    data.answers = plan.answers
    data.current = None
    data.back_to_summary = plan.back_to_summary
    data.total = len(plan.queue)
    data.number = 0
    await state.set_state(Questionnaire.answering)
    await advance(ctx, state, event, data)


async def advance(
    ctx: FormContext, state: FSMContext, event: Event | None, data: QuestionnaireData
) -> None:
    """Ask the next question, or finish: the summary (registration) or the save (profile).

    ``data``: the FSM data already in hand (with the new answer), written once here.
    """
    event_questions = ctx.registration.event_questions(event) if event else []
    while data.queue:
        qkey = data.queue.pop(0)
        q = resolve(qkey, ctx.form, event_questions)
        if q is None:
            continue  # the form or the event changed meanwhile
        data.current = qkey
        data.number += 1
        await data.save(state)
        await ask(ctx, q, qkey, data)
        return
    data.current = None
    await data.save(state)
    if data.flow == FLOW_PROFILE:
        await finish_profile_edit(ctx, state, data)
    elif event is not None:
        await show_summary(ctx, state, event, data.answers)
    else:
        await state.clear()
        await ctx.say(ctx.t("closed.not_found"), keyboards.back_to_menu(ctx.t))


async def finish_profile_edit(ctx: FormContext, state: FSMContext, data: QuestionnaireData) -> None:
    for question_id, value in by_scope(data.answers, PROFILE_SCOPE).items():
        await ctx.registration.update_profile_answer(ctx.chat_id, question_id, value)
    await state.set_state(None)
    await state.set_data(data.kept())
    await ctx.say(ctx.t("profile.saved"), ReplyKeyboardRemove())
    await send_profile(ctx)


async def accept(ctx: FormContext, state: FSMContext, asked: Asked, value: str | None) -> None:
    """Take an answer; it is stored (with the next step) before the next question is sent."""
    data = await QuestionnaireData.load(state)
    data.answers = {**data.answers, asked.qkey: value}
    data.district = None
    if data.back_to_summary:
        data.queue = []
    event = asked.event
    if event is None or event.id != data.event_id:
        event = await _event_of(ctx, data)
    await advance(ctx, state, event, data)


async def _event_of(ctx: FormContext, data: QuestionnaireData) -> Event | None:
    return await ctx.registration.events.get(data.event_id) if data.event_id else None


async def current_question(ctx: FormContext, state: FSMContext) -> Asked | None:
    data = await QuestionnaireData.load(state)
    if not data.current:
        return None
    event = await _event_of(ctx, data)
    event_questions = ctx.registration.event_questions(event) if event else []
    q = resolve(data.current, ctx.form, event_questions)
    return Asked(data.current, q, event) if q else None


#: Staff dialogs that "Продолжить" takes back to by their own handlers (handlers/staff/new_event.py,
#: handlers/staff/edit.py). /broadcast is not among them: /broadcast starts it again.
STAFF_RESUMABLE = frozenset(NewEvent.__all_states_names__ + EditEvent.__all_states_names__)


async def in_questionnaire(state: FSMContext) -> bool:
    """Whether a questionnaire (or the feedback form) is open: what ``resume`` continues.

    Another dialog's data has another shape: ``resume`` on /broadcast's once raised
    ``KeyError('queue')``."""
    current = await state.get_state()
    if current in Questionnaire.__all_states_names__:
        return True
    return current is not None and (await FeedbackData.load(state)).flow == FLOW_FEEDBACK


async def resumable(state: FSMContext) -> bool:
    """Whether /start and the menu offer "Продолжить": a questionnaire, or a staff dialog
    that has its own way back."""
    return await state.get_state() in STAFF_RESUMABLE or await in_questionnaire(state)


async def resume(ctx: FormContext, state: FSMContext) -> None:
    """Continue a questionnaire where it stopped (after /start, a restart, a menu detour)."""
    data = await QuestionnaireData.load(state)
    if data.flow == FLOW_FEEDBACK:  # the feedback dialog (handlers/participant/feedback.py)
        await resume_feedback(ctx, state)
        return
    event = await _event_of(ctx, data)
    if data.flow == FLOW_REGISTER:
        reason = ctx.registration.closed_reason(event)
        if reason is not None:
            await keep_draft(state)
            await ctx.say(ctx.t(f"closed.{reason.value}"), keyboards.main_menu(ctx.t))
            return
    if data.current:
        event_questions = ctx.registration.event_questions(event) if event else []
        q = resolve(data.current, ctx.form, event_questions)
        if q is not None:
            await ask(ctx, q, data.current, data)
            return
    await advance(ctx, state, event, data)
