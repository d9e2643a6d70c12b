"""Asking the questions of a registration or a profile edit, one at a time.

What a person has answered is kept in the FSM data (in SQLite) the moment it is accepted,
so a restart, a /cancel or an old button loses nothing that was typed.
"""

from __future__ import annotations

import logging
from enum import StrEnum
from typing import Any

from aiogram import Bot, F
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, ReplyKeyboardRemove

from bot.i18n import Html, Translator, esc
from bot.registration.flow import EVENT_SCOPE, PROFILE_SCOPE, by_scope, key, resolve, split
from bot.registration.form import (
    CONSENT_YES,
    Accepted,
    Ambiguous,
    Form,
    Question,
    QuestionType,
    Rejected,
    check_text_answer,
    display_value,
    normalize_phone,
)
from bot.registration.regions import Regions
from bot.registration.service import RegistrationService
from handlers.callbacks import AnswerCb, Pick
from handlers.keyboards import participant as keyboards
from handlers.participant.summary import show_summary
from handlers.routing import Routes
from handlers.states import EditEvent, NewEvent, Questionnaire
from storage.models import Event, Participant

log = logging.getLogger(__name__)
routes = Routes("questionnaire")

FLOW_REGISTER = "register"
FLOW_PROFILE = "profile"


def question_text(q: Question, t: Translator, *, number: int | None, total: int | None) -> Html:
    parts: list[str] = []
    if number and total and total > 1:
        parts.append(t("question.progress", n=number, total=total))
    parts.append(esc(q.prompt.get(t.locale)))
    if q.type is QuestionType.CONSENT:
        if q.text is not None:
            parts.append("")
            parts.append(t("consent.text", text=q.text.get(t.locale)))
        if q.url:
            parts.append(t("consent.link", url=q.url))
    elif q.type is QuestionType.TEXT:
        parts.append(t("question.hint_text", limit=q.limit))
    elif q.type is QuestionType.EMAIL:
        parts.append(t("question.hint_email"))
    elif q.type is QuestionType.PHONE:
        parts.append(t("question.hint_phone"))
    if not q.required:
        parts.append(t("question.optional"))
    return Html("\n".join(parts))


async def ask(
    bot: Bot,
    chat_id: int,
    q: Question,
    qkey: str,
    t: Translator,
    regions: Regions,
    data: dict[str, Any],
) -> None:
    total = data.get("total")
    number = data.get("number")
    text = question_text(q, t, number=number, total=total)
    if q.type is QuestionType.PHONE:
        # A reply keyboard with the "share my number" button; skipping stays a chat button.
        await bot.send_message(chat_id, text, reply_markup=keyboards.share_phone(t))
        skip = keyboards.question(q, qkey, t, regions)
        if skip is not None:
            await bot.send_message(chat_id, t("question.skip_hint"), reply_markup=skip)
        return
    await bot.send_message(chat_id, text, reply_markup=keyboards.question(q, qkey, t, regions))


async def begin(
    bot: Bot,
    chat_id: int,
    state: FSMContext,
    *,
    flow: str,
    queue: list[str],
    answers: dict[str, str | None],
    event_id: str | None,
    t: Translator,
    form: Form,
    regions: Regions,
    event: Event | None,
    registration: RegistrationService,
    back_to_summary: bool = False,
) -> None:
    """Start asking ``queue`` (question keys); with nothing to ask go straight to the end."""
    data = await state.get_data()
    data.update(
        flow=flow,
        event_id=event_id,
        queue=list(queue),
        answers=answers,
        current=None,
        back_to_summary=back_to_summary,
        total=len(queue),
        number=0,
    )
    await state.set_state(Questionnaire.answering)
    await state.set_data(data)
    await advance(bot, chat_id, state, t, form, regions, event, registration)


async def advance(
    bot: Bot,
    chat_id: int,
    state: FSMContext,
    t: Translator,
    form: Form,
    regions: Regions,
    event: Event | None,
    registration: RegistrationService,
    data: dict[str, Any] | None = None,
) -> None:
    """Ask the next question, or finish: the summary (registration) or the save (profile).

    ``data``: the FSM data already in hand (with the new answer), written once here.
    """
    if data is None:
        data = await state.get_data()
    event_questions = registration.event_questions(event) if event else []
    while data["queue"]:
        qkey = data["queue"].pop(0)
        q = resolve(qkey, form, event_questions)
        if q is None:
            continue  # the form or the event changed meanwhile
        data["current"] = qkey
        data["number"] = data.get("number", 0) + 1
        await state.set_data(data)
        await ask(bot, chat_id, q, qkey, t, regions, data)
        return
    data["current"] = None
    await state.set_data(data)
    if data["flow"] == FLOW_PROFILE:
        await finish_profile_edit(bot, chat_id, state, t, form, regions, registration)
    elif event is not None:
        await show_summary(bot, chat_id, state, t, form, regions, event, registration)
    else:
        await state.clear()
        await bot.send_message(
            chat_id, t("closed.not_found"), reply_markup=keyboards.back_to_menu(t)
        )


async def finish_profile_edit(
    bot: Bot,
    chat_id: int,
    state: FSMContext,
    t: Translator,
    form: Form,
    regions: Regions,
    registration: RegistrationService,
) -> None:
    from handlers.participant.profile import (
        send_profile,  # the profile view; imported late to avoid a cycle
    )

    data = await state.get_data()
    answers = by_scope(data.get("answers", {}), PROFILE_SCOPE)
    for question_id, value in answers.items():
        await registration.update_profile_answer(chat_id, question_id, value)
    await state.set_state(None)
    await state.set_data({k: v for k, v in data.items() if k in ("draft", "draft_event")})
    await bot.send_message(chat_id, t("profile.saved"), reply_markup=ReplyKeyboardRemove())
    await send_profile(bot, chat_id, t, form, regions, registration)


async def accept(
    bot: Bot,
    chat_id: int,
    state: FSMContext,
    qkey: str,
    value: str | None,
    t: Translator,
    form: Form,
    regions: Regions,
    registration: RegistrationService,
    event: Event | None = None,
) -> None:
    """Take an answer; it is stored (with the next step) before the next question is sent."""
    data = await state.get_data()
    data.setdefault("answers", {})[qkey] = value
    data["district"] = None
    back = data.get("back_to_summary", False)
    if back:
        data["queue"] = []
    if event is None or event.id != data.get("event_id"):
        event = await registration.events.get(data["event_id"]) if data.get("event_id") else None
    await advance(bot, chat_id, state, t, form, regions, event, registration, data)


async def current_question(
    state: FSMContext, form: Form, registration: RegistrationService
) -> tuple[str, Question, Event | None] | None:
    data = await state.get_data()
    qkey = data.get("current")
    if not qkey:
        return None
    event = await registration.events.get(data["event_id"]) if data.get("event_id") else None
    q = resolve(qkey, form, registration.event_questions(event) if event else [])
    return (qkey, q, event) if q else None


# --- answers typed or sent -----------------------------------------------------------------


@routes.message(Questionnaire.answering, F.text & ~F.text.startswith("/"))
async def on_text(
    message: Message,
    bot: Bot,
    state: FSMContext,
    t: Translator,
    form: Form,
    regions: Regions,
    registration: RegistrationService,
) -> None:
    found = await current_question(state, form, registration)
    if found is None:
        await resume(bot, message.chat.id, state, t, form, regions, registration)
        return
    qkey, q, event = found
    assert message.text is not None
    outcome = check_text_answer(q, message.text, regions)
    if isinstance(outcome, Accepted):
        if q.type is QuestionType.PHONE:
            shown = display_value(q, outcome.value, t.locale, regions) or outcome.value
            await message.answer(t("phone.saved", phone=shown), reply_markup=ReplyKeyboardRemove())
        await accept(
            bot, message.chat.id, state, qkey, outcome.value, t, form, regions, registration, event
        )
    elif isinstance(outcome, Ambiguous):
        await message.answer(
            t("region.several"),
            reply_markup=keyboards.question(q, qkey, t, regions, candidates=outcome.candidates),
        )
    else:
        assert isinstance(outcome, Rejected)
        await message.answer(t(f"problem.{outcome.problem.value}", limit=outcome.limit))
        await ask(bot, message.chat.id, q, qkey, t, regions, await state.get_data())


@routes.message(Questionnaire.answering, F.contact)
async def on_contact(
    message: Message,
    bot: Bot,
    state: FSMContext,
    t: Translator,
    form: Form,
    regions: Regions,
    registration: RegistrationService,
) -> None:
    found = await current_question(state, form, registration)
    if found is None:
        await resume(bot, message.chat.id, state, t, form, regions, registration)
        return
    qkey, q, event = found
    contact = message.contact
    assert contact is not None and message.from_user is not None
    if q.type is not QuestionType.PHONE:
        await message.answer(t("problem.not_now_contact"))
        await ask(bot, message.chat.id, q, qkey, t, regions, await state.get_data())
        return
    if contact.user_id != message.from_user.id:
        await message.answer(t("problem.foreign_contact"))
        await ask(bot, message.chat.id, q, qkey, t, regions, await state.get_data())
        return
    phone = normalize_phone(
        contact.phone_number if contact.phone_number.startswith("+") else "+" + contact.phone_number
    )
    if phone is None:
        await message.answer(t("problem.phone_invalid"))
        await ask(bot, message.chat.id, q, qkey, t, regions, await state.get_data())
        return
    shown = display_value(q, phone, t.locale, regions) or phone
    await message.answer(t("phone.saved", phone=shown), reply_markup=ReplyKeyboardRemove())
    await accept(bot, message.chat.id, state, qkey, phone, t, form, regions, registration, event)


@routes.message(Questionnaire.answering)
async def on_other(
    message: Message,
    bot: Bot,
    state: FSMContext,
    t: Translator,
    form: Form,
    regions: Regions,
    registration: RegistrationService,
) -> None:
    """A sticker, photo, voice message, unknown command...: a friendly repeat."""
    found = await current_question(state, form, registration)
    if found is None:
        await resume(bot, message.chat.id, state, t, form, regions, registration)
        return
    qkey, q, _event = found
    if message.text and message.text.startswith("/"):
        await message.answer(t("problem.unknown_command"))
    else:
        await message.answer(t("problem.not_text"))
    await ask(bot, message.chat.id, q, qkey, t, regions, await state.get_data())


# --- answers by button ---------------------------------------------------------------------


@routes.callback_query(AnswerCb.filter())
async def on_button(
    callback: CallbackQuery,
    callback_data: AnswerCb,
    bot: Bot,
    state: FSMContext,
    t: Translator,
    form: Form,
    regions: Regions,
    registration: RegistrationService,
) -> None:
    chat_id = callback.from_user.id
    found = None
    if await state.get_state() == Questionnaire.answering.state:
        found = await current_question(state, form, registration)
    if found is None or found[0] != callback_data.q:
        await callback.answer(t.plain("stale.question"), show_alert=True)
        return
    qkey, q, event = found
    kind, value = callback_data.kind, callback_data.value
    message = callback.message if isinstance(callback.message, Message) else None

    async def drop_buttons() -> None:
        if message is not None:
            await message.edit_reply_markup(reply_markup=None)

    if kind is Pick.SKIP and not q.required:
        await callback.answer(t.plain("question.skipped"))
        await drop_buttons()
        await accept(bot, chat_id, state, qkey, None, t, form, regions, registration, event)
    elif kind is Pick.OPTION and q.type is QuestionType.CHOICE and q.option(value):
        option = q.option(value)
        assert option is not None
        await callback.answer(option.label.get(t.locale))
        await drop_buttons()
        await accept(bot, chat_id, state, qkey, value, t, form, regions, registration, event)
    elif kind is Pick.DISTRICT and q.type is QuestionType.REGION and regions.district(value):
        await callback.answer()
        data = await state.get_data()
        data["district"] = value
        await state.set_data(data)
        if message is not None:
            await message.edit_reply_markup(
                reply_markup=keyboards.question(q, qkey, t, regions, district=value)
            )
    elif kind is Pick.DISTRICTS and q.type is QuestionType.REGION:
        await callback.answer()
        if message is not None:
            await message.edit_reply_markup(reply_markup=keyboards.question(q, qkey, t, regions))
    elif kind is Pick.REGION and q.type is QuestionType.REGION and regions.get(value):
        region = regions.get(value)
        assert region is not None
        await callback.answer(region.name(t.locale))
        await drop_buttons()
        await accept(bot, chat_id, state, qkey, region.code, t, form, regions, registration, event)
    elif kind is Pick.AGREE and q.type is QuestionType.CONSENT:
        # The consent is recorded now, with this moment, not at the confirmation (152-FZ).
        await registration.record_consent(chat_id)
        await callback.answer(t.plain("consent.thanks"))
        await drop_buttons()
        await accept(bot, chat_id, state, qkey, CONSENT_YES, t, form, regions, registration, event)
    elif kind is Pick.DECLINE and q.type is QuestionType.CONSENT:
        await callback.answer()
        await drop_buttons()
        await state.clear()  # without consent nothing of this dialog is kept
        await bot.send_message(chat_id, t("consent.declined"), reply_markup=keyboards.main_menu(t))
    else:
        await callback.answer(t.plain("stale.question"), show_alert=True)


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
    return current is not None and (await state.get_data()).get("flow") == "feedback"


async def resumable(state: FSMContext) -> bool:
    """Whether /start and the menu offer "Продолжить": a questionnaire, or a staff dialog
    that has its own way back."""
    return await state.get_state() in STAFF_RESUMABLE or await in_questionnaire(state)


async def resume(
    bot: Bot,
    chat_id: int,
    state: FSMContext,
    t: Translator,
    form: Form,
    regions: Regions,
    registration: RegistrationService,
) -> None:
    """Continue a questionnaire where it stopped (after /start, a restart, a menu detour)."""
    data = await state.get_data()
    if data.get("flow") == "feedback":  # the feedback dialog (handlers/participant/feedback.py)
        from handlers.participant.feedback import resume_feedback

        await resume_feedback(bot, chat_id, state, t, registration)
        return
    event = await registration.events.get(data["event_id"]) if data.get("event_id") else None
    if data.get("flow") == FLOW_REGISTER:
        reason = registration.closed_reason(event)
        if reason is not None:
            await keep_draft(state)
            await bot.send_message(
                chat_id, t(f"closed.{reason.value}"), reply_markup=keyboards.main_menu(t)
            )
            return
    current = data.get("current")
    if current:
        q = resolve(current, form, registration.event_questions(event) if event else [])
        if q is not None:
            await ask(bot, chat_id, q, current, t, regions, data)
            return
    await advance(bot, chat_id, state, t, form, regions, event, registration)


class Kept(StrEnum):
    """What leaving a questionnaire kept (the /cancel answer says exactly that)."""

    ANSWERS = "answers"  # a draft with what was typed (after consent)
    NOT_KEPT = "not_kept"  # something was typed, but without consent nothing is kept
    NOTHING = "nothing"  # nothing was typed


async def keep_draft(state: FSMContext, *, consented: bool = False) -> Kept:
    """Leave the dialog but keep what was typed (used to pre-fill the next registration).

    Profile answers are kept only after the consent: given in this dialog, or before
    (``consented``: recorded in the database, or a draft kept since).
    """
    data = await state.get_data()
    answers = data.get("answers") or {}
    draft = dict(data.get("draft") or {})
    if consented or answers.get(key(PROFILE_SCOPE, "consent")) == CONSENT_YES or draft:
        draft.update({k: v for k, v in answers.items() if split(k)[0] == PROFILE_SCOPE})
    keep: dict[str, Any] = {}
    if draft:
        keep["draft"] = draft
    if data.get("event_id") and any(split(k)[0] == EVENT_SCOPE for k in answers):
        keep["draft_event"] = {
            "event_id": data["event_id"],
            "answers": {k: v for k, v in answers.items() if split(k)[0] == EVENT_SCOPE},
        }
    await state.set_state(None)
    await state.set_data(keep)
    if not answers:
        return Kept.NOTHING
    kept_now = {**keep.get("draft", {}), **keep.get("draft_event", {}).get("answers", {})}
    return Kept.ANSWERS if any(k in kept_now for k in answers) else Kept.NOT_KEPT


__all__ = [
    "FLOW_PROFILE",
    "FLOW_REGISTER",
    "Kept",
    "Participant",
    "begin",
    "in_questionnaire",
    "keep_draft",
    "resumable",
    "resume",
]
