"""Feedback after an event: the request (sent by the delivery queue), then one question at a
time, by buttons (choice) or a message (text). Every answer is stored the moment it is given,
once per participant, event and question; the dialog's place is kept in the FSM
(handlers/participant/dialog.py: FeedbackData), so a restart or a detour loses nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiogram import Bot, F
from aiogram.filters import BaseFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from bot.i18n import Html, Translator, translator
from bot.registration.feedback import feedback_questions, may_be_asked, next_question
from bot.registration.form import Accepted, Question, QuestionType, Rejected, check_text_answer
from handlers.callbacks import FbAction, FeedbackCb
from handlers.keyboards.build import Keyboard
from handlers.participant.context import FormContext, drop_buttons
from handlers.participant.dialog import FLOW_FEEDBACK, FeedbackData, keep_draft
from handlers.routing import Routes
from handlers.views.participant import question_text
from storage.db import Database, utcnow
from storage.feedback import FeedbackRepo
from storage.models import Event, EventStatus, RegStatus
from storage.outbox import OutItem
from storage.reminders import event_and_attendee

routes = Routes("feedback")

SHORT_OPTION = 3  # options this short (a 1-5 rating) share one row of buttons


class FeedbackStates(StatesGroup):
    answering = State()


# --- texts and buttons -----------------------------------------------------------------------


def question_buttons(
    event: Event, index: int, q: Question, t: Translator
) -> InlineKeyboardMarkup | None:
    kb = Keyboard()
    widths: list[int] = []
    if q.type is QuestionType.CHOICE:
        for number, option in enumerate(q.options):
            kb.button(
                text=option.label.get(t.locale),
                callback_data=FeedbackCb(
                    action=FbAction.PICK, event_id=event.id, q=index, v=number
                ),
            )
        short = all(len(o.label.get(t.locale)) <= SHORT_OPTION for o in q.options)
        widths = [len(q.options)] if short else [1] * len(q.options)
    if not q.required:
        kb.button(
            text=t.plain("question.skip"),
            callback_data=FeedbackCb(action=FbAction.SKIP, event_id=event.id, q=index),
        )
        widths.append(1)
    if not widths:
        return None
    kb.adjust(*widths)
    return kb.as_markup()


def start_button(event: Event, t: Translator) -> InlineKeyboardMarkup:
    data = FeedbackCb(action=FbAction.START, event_id=event.id).pack()
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=t.plain("feedback.start"), callback_data=data)]]
    )


def prompt(questions: list[Question], index: int, t: Translator) -> Html:
    return question_text(questions[index], t, number=index + 1, total=len(questions))


# --- the request (the delivery queue) --------------------------------------------------------


async def render_feedback(bot: Bot, item: OutItem, db: Database) -> bool:
    if item.event_id is None:
        return False
    event, person = await event_and_attendee(db, item.event_id, item.chat_id)
    if event is None or event.status is not EventStatus.SCHEDULED:
        return False
    if person is None or person.status is not RegStatus.REGISTERED:
        return False
    if await FeedbackRepo(db).answers(event.id, item.chat_id) is not None:
        return False  # already answering (or answered)
    if not await may_be_asked(db, event.id, item.chat_id):
        return False  # attendance was taken, and this person was not marked as come
    t = translator(person.language)
    questions = feedback_questions(event)
    intro = t("feedback.intro", title=event.title)
    first = questions[0]
    if first.type is QuestionType.CHOICE:
        # The first answer is one tap under the request itself.
        text = Html(intro + "\n\n" + prompt(questions, 0, t))
        await bot.send_message(
            item.chat_id, text, reply_markup=question_buttons(event, 0, first, t)
        )
    else:
        await bot.send_message(item.chat_id, intro, reply_markup=start_button(event, t))
    return True


# --- the dialog -------------------------------------------------------------------------------


async def feedback_refusal(
    callback: CallbackQuery, event: Event | None, ctx: FormContext
) -> str | None:
    """Why this person may not give feedback on ``event`` now (the alert's text), or None."""
    t = ctx.t
    if event is None or event.status is not EventStatus.SCHEDULED:
        return t.plain("stale.event")
    reg = await ctx.registration.registrations.get(event.id, callback.from_user.id)
    if reg is None or reg.status is not RegStatus.REGISTERED:
        return t.plain("feedback.not_participant")
    if event.ends_at > utcnow():
        return t.plain("feedback.not_yet")
    return None


@dataclass(frozen=True, slots=True)
class Answer:
    q: Question
    value: str


class FeedbackOpen(BaseFilter):
    """A feedback button of an event the person may give feedback on now, as ``event``; with
    ``answer_of``, also the answer the button gives to the question it names by position, as
    ``answer`` (``answer_of`` returns None when the button does not fit the question)."""

    def __init__(
        self, answer_of: Callable[[Question, FeedbackCb], str | None] | None = None
    ) -> None:
        self.answer_of = answer_of

    async def __call__(
        self, callback: CallbackQuery, callback_data: FeedbackCb, ctx: FormContext
    ) -> dict[str, Any] | bool:
        event = await ctx.registration.events.get(callback_data.event_id)
        if event is None or await feedback_refusal(callback, event, ctx) is not None:
            return False
        if self.answer_of is None:
            return {"event": event}
        questions = feedback_questions(event)
        index = callback_data.q
        q = questions[index] if 0 <= index < len(questions) else None
        value = self.answer_of(q, callback_data) if q is not None else None
        if q is None or value is None:
            return False
        return {"event": event, "answer": Answer(q, value)}


async def _enter(state: FSMContext, event: Event, index: int) -> None:
    """Put the dialog on this question (leaving another dialog as /cancel does)."""
    current = await state.get_state()
    data = await FeedbackData.load(state)
    if current is not None and data.flow != FLOW_FEEDBACK:
        await keep_draft(state)
        data = await FeedbackData.load(state)
    data.flow, data.event_id, data.fb_q = FLOW_FEEDBACK, event.id, index
    await state.set_state(FeedbackStates.answering)
    await data.save(state)


async def _leave(state: FSMContext) -> None:
    data = await FeedbackData.load(state)
    if data.flow != FLOW_FEEDBACK:
        return
    await state.set_state(None)
    await state.set_data(data.without_dialog())


async def ask_next(ctx: FormContext, state: FSMContext, event: Event) -> None:
    """Ask the first question not answered yet, or thank and finish."""
    questions = feedback_questions(event)
    answered = await FeedbackRepo(ctx.registration.db).answers(event.id, ctx.chat_id)
    index = next_question(questions, answered)
    if index is None:
        await _leave(state)
        await ctx.say(ctx.t("feedback.thanks"))
        return
    await _enter(state, event, index)
    await _ask(ctx, event, questions, index)


async def _ask(ctx: FormContext, event: Event, questions: list[Question], index: int) -> None:
    markup = question_buttons(event, index, questions[index], ctx.t)
    await ctx.say(prompt(questions, index, ctx.t), markup)


async def _store(ctx: FormContext, event: Event, q: Question, value: str) -> bool:
    """Store one answer; False when this question was answered before."""
    return await FeedbackRepo(ctx.registration.db).add_answer(
        event.id, ctx.chat_id, q.id, value, utcnow()
    )


async def _store_pressed(
    callback: CallbackQuery, ctx: FormContext, state: FSMContext, event: Event, answer: Answer
) -> None:
    """An answer by button: stored, the buttons go, the next question comes."""
    if not await _store(ctx, event, answer.q, answer.value):
        await callback.answer(ctx.t.plain("feedback.already"), show_alert=True)
        return
    await callback.answer()
    await drop_buttons(callback)
    await ask_next(ctx, state, event)


def _skipped(q: Question, _button: FeedbackCb) -> str | None:
    return "" if not q.required else None  # a skipped answer is stored empty


def _an_option(q: Question, button: FeedbackCb) -> str | None:
    if q.type is QuestionType.CHOICE and 0 <= button.v < len(q.options):
        return q.options[button.v].id
    return None


@routes.callback_query(FeedbackCb.filter(F.action == FbAction.START), FeedbackOpen())
async def on_start(
    callback: CallbackQuery, state: FSMContext, ctx: FormContext, event: Event
) -> None:
    await callback.answer()
    await drop_buttons(callback)
    await ask_next(ctx, state, event)


@routes.callback_query(FeedbackCb.filter(F.action == FbAction.SKIP), FeedbackOpen(_skipped))
@routes.callback_query(FeedbackCb.filter(F.action == FbAction.PICK), FeedbackOpen(_an_option))
async def on_answer(
    callback: CallbackQuery, state: FSMContext, ctx: FormContext, event: Event, answer: Answer
) -> None:
    """An option picked, or an optional question skipped: stored, then the next question."""
    await _store_pressed(callback, ctx, state, event, answer)


@routes.callback_query(FeedbackCb.filter())
async def on_stale_feedback(
    callback: CallbackQuery, callback_data: FeedbackCb, ctx: FormContext
) -> None:
    """Last: a button FeedbackOpen refused. The event is not open to this person's feedback
    (the alert says why), or the question or option it names is no longer there."""
    event = await ctx.registration.events.get(callback_data.event_id)
    refusal = await feedback_refusal(callback, event, ctx)
    await callback.answer(refusal or ctx.t.plain("stale.question"), show_alert=True)


async def _current(ctx: FormContext, state: FSMContext) -> tuple[Event, list[Question], int] | None:
    data = await FeedbackData.load(state)
    event = await ctx.registration.events.get(str(data.event_id))
    index = data.fb_q
    if event is None or index is None:
        return None
    questions = feedback_questions(event)
    return (event, questions, index) if 0 <= index < len(questions) else None


@routes.message(FeedbackStates.answering, F.text & ~F.text.startswith("/"))
async def on_feedback_text(message: Message, state: FSMContext, ctx: FormContext) -> None:
    found = await _current(ctx, state)
    if found is None:
        await _leave(state)
        await message.answer(ctx.t("stale.event"))
        return
    event, questions, index = found
    q = questions[index]
    assert message.text is not None
    outcome = check_text_answer(q, message.text, ctx.regions)
    if isinstance(outcome, Accepted):
        if not await _store(ctx, event, q, outcome.value):
            await message.answer(ctx.t("feedback.already"))
        await ask_next(ctx, state, event)
        return
    problem = outcome.problem.value if isinstance(outcome, Rejected) else "not_an_option"
    limit = outcome.limit if isinstance(outcome, Rejected) else 0
    await message.answer(ctx.t(f"problem.{problem}", limit=limit))
    await _ask(ctx, event, questions, index)


@routes.message(FeedbackStates.answering)
async def on_feedback_other(message: Message, state: FSMContext, ctx: FormContext) -> None:
    """A sticker, a photo, an unknown command: a friendly repeat of the question."""
    if message.text and message.text.startswith("/"):
        await message.answer(ctx.t("problem.unknown_command"))
    else:
        await message.answer(ctx.t("problem.not_text"))
    await resume_feedback(ctx, state)


async def resume_feedback(ctx: FormContext, state: FSMContext) -> None:
    """Continue the feedback dialog (the menu's "continue", or after a stray message)."""
    found = await _current(ctx, state)
    if found is None:
        await _leave(state)
        await ctx.say(ctx.t("stale.event"))
        return
    await ask_next(ctx, state, found[0])
