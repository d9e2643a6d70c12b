"""Feedback after an event: the request (sent by the delivery queue), then one question at a
time, by buttons (choice) or a message (text). Every answer is stored the moment it is given,
once per participant, event and question; the dialog's place is kept in the FSM
(``flow`` = "feedback", ``event_id``, ``fb_q``), so a restart or a detour loses nothing.
"""

from __future__ import annotations

from typing import Any

from aiogram import Bot, F
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.i18n import Html, Translator, translator
from bot.registration.feedback import feedback_questions, next_question
from bot.registration.form import Accepted, Question, QuestionType, Rejected, check_text_answer
from bot.registration.regions import Regions
from bot.registration.service import RegistrationService
from handlers.callbacks import FbAction, FeedbackCb
from handlers.participant.questionnaire import keep_draft, question_text
from handlers.routing import Routes
from storage.db import Database, utcnow
from storage.feedback import FeedbackRepo
from storage.models import Event, EventStatus, RegStatus
from storage.outbox import OutItem
from storage.reminders import event_and_attendee

routes = Routes("feedback")

FLOW_FEEDBACK = "feedback"
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
    callback: CallbackQuery, event_id: str, t: Translator, registration: RegistrationService
) -> Event | None:
    """The event, if this person may give feedback on it now; otherwise an alert says why."""
    event = await registration.events.get(event_id)
    if event is None or event.status is not EventStatus.SCHEDULED:
        await callback.answer(t.plain("stale.event"), show_alert=True)
        return None
    reg = await registration.registrations.get(event.id, callback.from_user.id)
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
    data = await state.get_data()
    if current is not None and data.get("flow") != FLOW_FEEDBACK:
        await keep_draft(state)
        data = await state.get_data()
    data.update(flow=FLOW_FEEDBACK, event_id=event.id, fb_q=index)
    await state.set_state(FeedbackStates.answering)
    await state.set_data(data)


async def _leave(state: FSMContext) -> None:
    data = await state.get_data()
    if data.get("flow") != FLOW_FEEDBACK:
        return
    await state.set_state(None)
    await state.set_data({k: v for k, v in data.items() if k not in ("flow", "event_id", "fb_q")})


async def ask_next(
    bot: Bot, chat_id: int, event: Event, state: FSMContext, t: Translator, db: Database
) -> None:
    """Ask the first question not answered yet, or thank and finish."""
    questions = feedback_questions(event)
    index = next_question(questions, await FeedbackRepo(db).answers(event.id, chat_id))
    if index is None:
        await _leave(state)
        await bot.send_message(chat_id, t("feedback.thanks"))
        return
    await _enter(state, event, index)
    q = questions[index]
    await bot.send_message(
        chat_id, prompt(questions, index, t), reply_markup=question_buttons(event, index, q, t)
    )


async def _store(
    callback_or_message: CallbackQuery | Message,
    event: Event,
    q: Question,
    value: str,
    state: FSMContext,
    t: Translator,
    db: Database,
) -> None:
    user_id = callback_or_message.from_user.id if callback_or_message.from_user else 0
    bot = callback_or_message.bot
    assert bot is not None
    stored = await FeedbackRepo(db).add_answer(event.id, user_id, q.id, value, utcnow())
    if isinstance(callback_or_message, CallbackQuery):
        if not stored:
            await callback_or_message.answer(t.plain("feedback.already"), show_alert=True)
            return
        await callback_or_message.answer()
        message = callback_or_message.message
        if isinstance(message, Message):
            await message.edit_reply_markup(reply_markup=None)
    elif not stored:
        await callback_or_message.answer(t("feedback.already"))
    await ask_next(bot, user_id, event, state, t, db)


@routes.callback_query(FeedbackCb.filter())
async def on_feedback_button(
    callback: CallbackQuery,
    callback_data: FeedbackCb,
    bot: Bot,
    state: FSMContext,
    t: Translator,
    registration: RegistrationService,
) -> None:
    event = await _event_for(callback, callback_data.event_id, t, registration)
    if event is None:
        return
    db = registration.db
    if callback_data.action is FbAction.START:
        await callback.answer()
        if isinstance(callback.message, Message):
            await callback.message.edit_reply_markup(reply_markup=None)
        await ask_next(bot, callback.from_user.id, event, state, t, db)
        return
    questions = feedback_questions(event)
    index = callback_data.q
    q = questions[index] if 0 <= index < len(questions) else None
    if q is None:
        await callback.answer(t.plain("stale.question"), show_alert=True)
        return
    if callback_data.action is FbAction.SKIP and not q.required:
        await _store(callback, event, q, "", state, t, db)
    elif (
        callback_data.action is FbAction.PICK
        and q.type is QuestionType.CHOICE
        and 0 <= callback_data.v < len(q.options)
    ):
        await _store(callback, event, q, q.options[callback_data.v].id, state, t, db)
    else:
        await callback.answer(t.plain("stale.question"), show_alert=True)


async def _current(
    state: FSMContext, registration: RegistrationService
) -> tuple[Event, list[Question], int] | None:
    data: dict[str, Any] = await state.get_data()
    event = await registration.events.get(str(data.get("event_id")))
    index = data.get("fb_q")
    if event is None or not isinstance(index, int):
        return None
    questions = feedback_questions(event)
    return (event, questions, index) if 0 <= index < len(questions) else None


@routes.message(FeedbackStates.answering, F.text & ~F.text.startswith("/"))
async def on_feedback_text(
    message: Message,
    bot: Bot,
    state: FSMContext,
    t: Translator,
    regions: Regions,
    registration: RegistrationService,
) -> None:
    found = await _current(state, registration)
    if found is None:
        await _leave(state)
        await message.answer(t("stale.event"))
        return
    event, questions, index = found
    q = questions[index]
    assert message.text is not None
    outcome = check_text_answer(q, message.text, regions)
    if isinstance(outcome, Accepted):
        await _store(message, event, q, outcome.value, state, t, registration.db)
        return
    problem = outcome.problem.value if isinstance(outcome, Rejected) else "not_an_option"
    limit = outcome.limit if isinstance(outcome, Rejected) else 0
    await message.answer(t(f"problem.{problem}", limit=limit))
    await bot.send_message(
        message.chat.id,
        prompt(questions, index, t),
        reply_markup=question_buttons(event, index, q, t),
    )


@routes.message(FeedbackStates.answering)
async def on_feedback_other(
    message: Message,
    bot: Bot,
    state: FSMContext,
    t: Translator,
    registration: RegistrationService,
) -> None:
    """A sticker, a photo, an unknown command: a friendly repeat of the question."""
    if message.text and message.text.startswith("/"):
        await message.answer(t("problem.unknown_command"))
    else:
        await message.answer(t("problem.not_text"))
    await resume_feedback(bot, message.chat.id, state, t, registration)


async def resume_feedback(
    bot: Bot, chat_id: int, state: FSMContext, t: Translator, registration: RegistrationService
) -> None:
    """Continue the feedback dialog (the menu's "continue", or after a stray message)."""
    found = await _current(state, registration)
    if found is None:
        await _leave(state)
        await bot.send_message(chat_id, t("stale.event"))
        return
    await ask_next(bot, chat_id, found[0], state, t, registration.db)
