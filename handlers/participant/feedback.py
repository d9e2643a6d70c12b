"""Feedback after an event: the request (sent by the delivery queue), then one question at a
time, by buttons (choice) or a message (text). Every answer is stored the moment it is given,
once per participant, event and question; the dialog's place is kept in the FSM
(handlers/participant/dialog.py: FeedbackData), so a restart or a detour loses nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiogram import Bot, F
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.i18n import Html, Translator, translator
from bot.registration.feedback import feedback_questions, next_question
from bot.registration.form import Accepted, Question, QuestionType, Rejected, check_text_answer
from handlers.callbacks import FbAction, FeedbackCb
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
    kb = InlineKeyboardBuilder()
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


async def _event_for(
    callback: CallbackQuery, callback_data: FeedbackCb, ctx: FormContext
) -> Event | None:
    """The event, if this person may give feedback on it now; otherwise an alert says why."""
    t = ctx.t
    event = await ctx.registration.events.get(callback_data.event_id)
    if event is None or event.status is not EventStatus.SCHEDULED:
        await callback.answer(t.plain("stale.event"), show_alert=True)
        return None
    reg = await ctx.registration.registrations.get(event.id, callback.from_user.id)
    if reg is None or reg.status is not RegStatus.REGISTERED:
        await callback.answer(t.plain("feedback.not_participant"), show_alert=True)
        return None
    if event.ends_at > utcnow():
        await callback.answer(t.plain("feedback.not_yet"), show_alert=True)
        return None
    return event


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
    callback: CallbackQuery, ctx: FormContext, state: FSMContext, event: Event, value: Choice
) -> None:
    """An answer by button: stored, the buttons go, the next question comes."""
    if not await _store(ctx, event, value.q, value.value):
        await callback.answer(ctx.t.plain("feedback.already"), show_alert=True)
        return
    await callback.answer()
    await drop_buttons(callback)
    await ask_next(ctx, state, event)


@dataclass(frozen=True, slots=True)
class Choice:
    q: Question
    value: str


async def _pressed(
    callback: CallbackQuery, callback_data: FeedbackCb, ctx: FormContext
) -> tuple[Event, Question] | None:
    """The event and the question a SKIP or PICK button names, both still valid."""
    event = await _event_for(callback, callback_data, ctx)
    if event is None:
        return None
    questions = feedback_questions(event)
    index = callback_data.q
    if not 0 <= index < len(questions):
        await callback.answer(ctx.t.plain("stale.question"), show_alert=True)
        return None
    return event, questions[index]


@routes.callback_query(FeedbackCb.filter(F.action == FbAction.START))
async def on_start(
    callback: CallbackQuery, callback_data: FeedbackCb, state: FSMContext, ctx: FormContext
) -> None:
    event = await _event_for(callback, callback_data, ctx)
    if event is None:
        return
    await callback.answer()
    await drop_buttons(callback)
    await ask_next(ctx, state, event)


@routes.callback_query(FeedbackCb.filter(F.action == FbAction.SKIP))
async def on_skip(
    callback: CallbackQuery, callback_data: FeedbackCb, state: FSMContext, ctx: FormContext
) -> None:
    found = await _pressed(callback, callback_data, ctx)
    if found is None:
        return
    event, q = found
    if q.required:
        await callback.answer(ctx.t.plain("stale.question"), show_alert=True)
        return
    await _store_pressed(callback, ctx, state, event, Choice(q, ""))


@routes.callback_query(FeedbackCb.filter(F.action == FbAction.PICK))
async def on_pick(
    callback: CallbackQuery, callback_data: FeedbackCb, state: FSMContext, ctx: FormContext
) -> None:
    found = await _pressed(callback, callback_data, ctx)
    if found is None:
        return
    event, q = found
    if q.type is not QuestionType.CHOICE or not 0 <= callback_data.v < len(q.options):
        await callback.answer(ctx.t.plain("stale.question"), show_alert=True)
        return
    await _store_pressed(callback, ctx, state, event, Choice(q, q.options[callback_data.v].id))


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
