"""Taking the answers of a questionnaire: typed, shared as a contact, or pressed as a button.

One handler per kind of button (``AnswerCb.kind``). The steps (ask, accept, advance, resume)
are in handlers/participant/flow.py; what the dialog stores, in handlers/participant/dialog.py.
"""

from __future__ import annotations

from aiogram import F
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, ReplyKeyboardRemove

from bot.registration.form import (
    CONSENT_YES,
    Accepted,
    Ambiguous,
    FileAnswer,
    Question,
    QuestionType,
    Rejected,
    check_file_answer,
    check_text_answer,
    display_value,
    normalize_phone,
)
from handlers.callbacks import AnswerCb, Pick
from handlers.keyboards import participant as keyboards
from handlers.participant.context import FormContext, drop_buttons, set_buttons
from handlers.participant.dialog import QuestionnaireData, keep_draft
from handlers.participant.filters import AskedNow, Picked
from handlers.participant.flow import Asked, accept, ask_again, current_question, resume
from handlers.routing import Routes
from handlers.states import Questionnaire

#: The answers themselves (typed text that is not a command, a contact, a document, the answer
#: buttons): handlers/__init__.py puts this router first among the features, so the most
#: frequent update of all does not walk past every other feature's handlers first. Nothing
#: else takes these (the answering state is the questionnaire's own, ``AnswerCb`` buttons
#: only come from it); commands and menu buttons still work in the middle of a dialog because
#: a command is never taken here.
answers = Routes("questionnaire_answers")
#: Everything else sent while answering (a sticker, an unknown command...): after the
#: commands, so /cancel, /my ... are theirs first.
routes = Routes("questionnaire")


# --- answers typed or sent -----------------------------------------------------------------


async def _asked(ctx: FormContext, state: FSMContext) -> Asked | None:
    """The question a message answers; with none open, the dialog continues where it was."""
    found = await current_question(ctx, state)
    if found is None:
        await resume(ctx, state)
    return found


async def _phone_saved(message: Message, ctx: FormContext, q: Question, phone: str) -> None:
    """The number as understood; the "share my number" keyboard goes."""
    shown = display_value(q, phone, ctx.t.locale, ctx.regions) or phone
    await message.answer(ctx.t("phone.saved", phone=shown), reply_markup=ReplyKeyboardRemove())


@answers.message(Questionnaire.answering, F.text & ~F.text.startswith("/"))
async def on_text(message: Message, state: FSMContext, ctx: FormContext) -> None:
    found = await _asked(ctx, state)
    if found is None:
        return
    assert message.text is not None
    outcome = check_text_answer(found.q, message.text, ctx.regions)
    if isinstance(outcome, Accepted):
        if found.q.type is QuestionType.PHONE:
            await _phone_saved(message, ctx, found.q, outcome.value)
        await accept(ctx, state, found, outcome.value)
    elif isinstance(outcome, Ambiguous):
        markup = keyboards.question(
            found.q, found.qkey, ctx.t, ctx.regions, candidates=outcome.candidates
        )
        await message.answer(ctx.t("region.several"), reply_markup=markup)
    else:
        assert isinstance(outcome, Rejected)
        await message.answer(ctx.t(f"problem.{outcome.problem.value}", limit=outcome.limit))
        await ask_again(ctx, state, found)


def _contact_phone(message: Message) -> str | None:
    contact = message.contact
    assert contact is not None
    number = contact.phone_number
    return normalize_phone(number if number.startswith("+") else "+" + number)


@answers.message(Questionnaire.answering, F.contact)
async def on_contact(message: Message, state: FSMContext, ctx: FormContext) -> None:
    found = await _asked(ctx, state)
    if found is None:
        return
    assert message.contact is not None and message.from_user is not None
    phone = None
    if found.q.type is not QuestionType.PHONE:
        problem = ctx.t("problem.not_now_contact")
    elif message.contact.user_id != message.from_user.id:
        problem = ctx.t("problem.foreign_contact")
    else:
        problem = ctx.t("problem.phone_invalid")
        phone = _contact_phone(message)
    if phone is None:
        await message.answer(problem)
        await ask_again(ctx, state, found)
        return
    await _phone_saved(message, ctx, found.q, phone)
    await accept(ctx, state, found, phone)


@answers.message(Questionnaire.answering, F.document)
async def on_document(message: Message, state: FSMContext, ctx: FormContext) -> None:
    """A document: the answer to a ``file`` question (PDF/DOC/DOCX, size checked), or, to
    any other question, a friendly repeat."""
    found = await _asked(ctx, state)
    if found is None:
        return
    document = message.document
    assert document is not None
    if found.q.type is not QuestionType.FILE:
        await message.answer(ctx.t("problem.not_text"))
        await ask_again(ctx, state, found)
        return
    candidate = FileAnswer(
        file_id=document.file_id,
        file_unique_id=document.file_unique_id,
        name=document.file_name or "document",
        size=document.file_size or 0,
    )
    outcome = check_file_answer(candidate, document.mime_type)
    if isinstance(outcome, Rejected):
        await message.answer(ctx.t(f"problem.{outcome.problem.value}", limit=outcome.limit))
        await ask_again(ctx, state, found)
        return
    await message.answer(ctx.t("question.file_saved", name=candidate.name))
    await accept(ctx, state, found, outcome.value)


@routes.message(Questionnaire.answering)
async def on_other(message: Message, state: FSMContext, ctx: FormContext) -> None:
    """A sticker, photo, voice message, unknown command...: a friendly repeat."""
    found = await _asked(ctx, state)
    if found is None:
        return
    if message.text and message.text.startswith("/"):
        await message.answer(ctx.t("problem.unknown_command"))
    elif found.q.type is QuestionType.FILE:
        await message.answer(ctx.t("problem.need_file"))
    else:
        await message.answer(ctx.t("problem.not_text"))
    await ask_again(ctx, state, found)


# --- answers by button: one handler per kind, then the stale ones ----------------------------


async def _take(
    callback: CallbackQuery, ctx: FormContext, state: FSMContext, asked: Asked, value: str | None
) -> None:
    """A button's answer is taken: its buttons go, the next question comes."""
    await drop_buttons(callback)
    await accept(ctx, state, asked, value)


def _optional(q: Question, _button: AnswerCb, _ctx: FormContext) -> bool:
    return not q.required


def _an_option(q: Question, button: AnswerCb, ctx: FormContext) -> Picked | None:
    option = q.option(button.value) if q.type is QuestionType.CHOICE else None
    return Picked(option.label.get(ctx.t.locale), option.id) if option else None


def _a_district(q: Question, button: AnswerCb, ctx: FormContext) -> bool:
    return q.type is QuestionType.REGION and ctx.regions.district(button.value) is not None


def _region_question(q: Question, _button: AnswerCb, _ctx: FormContext) -> bool:
    return q.type is QuestionType.REGION


def _a_region(q: Question, button: AnswerCb, ctx: FormContext) -> Picked | None:
    region = ctx.regions.get(button.value) if q.type is QuestionType.REGION else None
    return Picked(region.name(ctx.t.locale), region.code) if region else None


def _consent_question(q: Question, _button: AnswerCb, _ctx: FormContext) -> bool:
    return q.type is QuestionType.CONSENT


@answers.callback_query(AnswerCb.filter(F.kind == Pick.SKIP), AskedNow(_optional))
async def on_skip(
    callback: CallbackQuery, state: FSMContext, ctx: FormContext, asked: Asked
) -> None:
    await callback.answer(ctx.t.plain("question.skipped"))
    await _take(callback, ctx, state, asked, None)


@answers.callback_query(AnswerCb.filter(F.kind == Pick.OPTION), AskedNow(_an_option))
@answers.callback_query(AnswerCb.filter(F.kind == Pick.REGION), AskedNow(_a_region))
async def on_picked(
    callback: CallbackQuery, state: FSMContext, ctx: FormContext, asked: Asked, picked: Picked
) -> None:
    """An option of a choice, or a region: its name in the alert, its id stored."""
    await callback.answer(picked.label)
    await _take(callback, ctx, state, asked, picked.value)


@answers.callback_query(AnswerCb.filter(F.kind == Pick.DISTRICT), AskedNow(_a_district))
async def on_district(
    callback: CallbackQuery,
    callback_data: AnswerCb,
    state: FSMContext,
    ctx: FormContext,
    asked: Asked,
) -> None:
    """A district chosen on the way to a region: its regions replace the districts."""
    await callback.answer()
    data = await QuestionnaireData.load(state)
    data.district = callback_data.value
    await data.save(state)
    await _replace_buttons(callback, ctx, asked, district=callback_data.value)


@answers.callback_query(AnswerCb.filter(F.kind == Pick.DISTRICTS), AskedNow(_region_question))
async def on_districts(callback: CallbackQuery, ctx: FormContext, asked: Asked) -> None:
    """Back from a district's regions to the list of districts."""
    await callback.answer()
    await _replace_buttons(callback, ctx, asked, district=None)


async def _replace_buttons(
    callback: CallbackQuery, ctx: FormContext, asked: Asked, *, district: str | None
) -> None:
    markup = keyboards.question(asked.q, asked.qkey, ctx.t, ctx.regions, district=district)
    await set_buttons(callback, markup)


@answers.callback_query(AnswerCb.filter(F.kind == Pick.AGREE), AskedNow(_consent_question))
async def on_agree(
    callback: CallbackQuery, state: FSMContext, ctx: FormContext, asked: Asked
) -> None:
    # The consent is recorded now, with this moment, not at the confirmation (152-FZ).
    await ctx.registration.record_consent(ctx.chat_id)
    await callback.answer(ctx.t.plain("consent.thanks"))
    await _take(callback, ctx, state, asked, CONSENT_YES)


@answers.callback_query(AnswerCb.filter(F.kind == Pick.DECLINE), AskedNow(_consent_question))
async def on_decline(callback: CallbackQuery, state: FSMContext, ctx: FormContext) -> None:
    await callback.answer()
    await drop_buttons(callback)
    await state.clear()  # without consent nothing of this dialog is kept
    await ctx.say(ctx.t("consent.declined"), keyboards.main_menu(ctx.t))


@answers.callback_query(AnswerCb.filter())
async def on_stale_answer(callback: CallbackQuery, ctx: FormContext) -> None:
    """Last: an answer button AskedNow refused (another question is asked now, or none, or
    the button does not fit it): an old message's button."""
    await callback.answer(ctx.t.plain("stale.question"), show_alert=True)


__all__ = ["keep_draft", "routes"]
