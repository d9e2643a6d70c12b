"""Taking the answers of a questionnaire: typed, shared as a contact, or pressed as a button.

One handler per kind of button (``AnswerCb.kind``). The steps (ask, accept, advance, resume)
are in handlers/participant/flow.py; what the dialog stores, in handlers/participant/dialog.py.
"""

from __future__ import annotations

from collections.abc import Callable

from aiogram import F
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, ReplyKeyboardRemove

from bot.registration.form import (
    CONSENT_YES,
    Accepted,
    Ambiguous,
    Question,
    QuestionType,
    Rejected,
    check_text_answer,
    display_value,
    normalize_phone,
)
from handlers.callbacks import AnswerCb, Pick
from handlers.keyboards import participant as keyboards
from handlers.participant.context import FormContext, drop_buttons
from handlers.participant.dialog import QuestionnaireData, keep_draft
from handlers.participant.flow import Asked, accept, ask_again, current_question, resume
from handlers.routing import Routes
from handlers.states import Questionnaire

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


@routes.message(Questionnaire.answering, F.text & ~F.text.startswith("/"))
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


@routes.message(Questionnaire.answering, F.contact)
async def on_contact(message: Message, state: FSMContext, ctx: FormContext) -> None:
    found = await _asked(ctx, state)
    if found is None:
        return
    assert message.contact is not None and message.from_user is not None
    phone = None
    if found.q.type is not QuestionType.PHONE:
        problem = "problem.not_now_contact"
    elif message.contact.user_id != message.from_user.id:
        problem = "problem.foreign_contact"
    else:
        problem = "problem.phone_invalid"
        phone = _contact_phone(message)
    if phone is None:
        await message.answer(ctx.t(problem))
        await ask_again(ctx, state, found)
        return
    await _phone_saved(message, ctx, found.q, phone)
    await accept(ctx, state, found, phone)


@routes.message(Questionnaire.answering)
async def on_other(message: Message, state: FSMContext, ctx: FormContext) -> None:
    """A sticker, photo, voice message, unknown command...: a friendly repeat."""
    found = await _asked(ctx, state)
    if found is None:
        return
    if message.text and message.text.startswith("/"):
        await message.answer(ctx.t("problem.unknown_command"))
    else:
        await message.answer(ctx.t("problem.not_text"))
    await ask_again(ctx, state, found)


# --- answers by button ---------------------------------------------------------------------


async def _pressed(
    callback: CallbackQuery,
    callback_data: AnswerCb,
    state: FSMContext,
    ctx: FormContext,
    fits: Callable[[Question], object],
) -> Asked | None:
    """The question a button answers, if it is the one asked now and ``fits`` the button;
    otherwise the alert says the question is no longer asked."""
    found = None
    if await state.get_state() == Questionnaire.answering.state:
        found = await current_question(ctx, state)
    if found is None or found.qkey != callback_data.q or not fits(found.q):
        await callback.answer(ctx.t.plain("stale.question"), show_alert=True)
        return None
    return found


async def _take(
    callback: CallbackQuery, ctx: FormContext, state: FSMContext, found: Asked, value: str | None
) -> None:
    """A button's answer is taken: its buttons go, the next question comes."""
    await drop_buttons(callback)
    await accept(ctx, state, found, value)


@routes.callback_query(AnswerCb.filter(F.kind == Pick.SKIP))
async def on_skip(
    callback: CallbackQuery, callback_data: AnswerCb, state: FSMContext, ctx: FormContext
) -> None:
    found = await _pressed(callback, callback_data, state, ctx, lambda q: not q.required)
    if found is not None:
        await callback.answer(ctx.t.plain("question.skipped"))
        await _take(callback, ctx, state, found, None)


@routes.callback_query(AnswerCb.filter(F.kind == Pick.OPTION))
async def on_option(
    callback: CallbackQuery, callback_data: AnswerCb, state: FSMContext, ctx: FormContext
) -> None:
    value = callback_data.value

    def fits(q: Question) -> object:
        return q.type is QuestionType.CHOICE and q.option(value)

    found = await _pressed(callback, callback_data, state, ctx, fits)
    option = found.q.option(value) if found is not None else None
    if found is not None and option is not None:
        await callback.answer(option.label.get(ctx.t.locale))
        await _take(callback, ctx, state, found, value)


def _region_question(q: Question) -> bool:
    return q.type is QuestionType.REGION


@routes.callback_query(AnswerCb.filter(F.kind == Pick.DISTRICT))
async def on_district(
    callback: CallbackQuery, callback_data: AnswerCb, state: FSMContext, ctx: FormContext
) -> None:
    """A district chosen on the way to a region: its regions replace the districts."""
    value = callback_data.value

    def fits(q: Question) -> object:
        return _region_question(q) and ctx.regions.district(value)

    found = await _pressed(callback, callback_data, state, ctx, fits)
    if found is None:
        return
    await callback.answer()
    data = await QuestionnaireData.load(state)
    data.district = value
    await data.save(state)
    await _replace_buttons(callback, ctx, found, district=value)


@routes.callback_query(AnswerCb.filter(F.kind == Pick.DISTRICTS))
async def on_districts(
    callback: CallbackQuery, callback_data: AnswerCb, state: FSMContext, ctx: FormContext
) -> None:
    """Back from a district's regions to the list of districts."""
    found = await _pressed(callback, callback_data, state, ctx, _region_question)
    if found is not None:
        await callback.answer()
        await _replace_buttons(callback, ctx, found, district=None)


async def _replace_buttons(
    callback: CallbackQuery, ctx: FormContext, found: Asked, *, district: str | None
) -> None:
    if isinstance(callback.message, Message):
        markup = keyboards.question(found.q, found.qkey, ctx.t, ctx.regions, district=district)
        await callback.message.edit_reply_markup(reply_markup=markup)


@routes.callback_query(AnswerCb.filter(F.kind == Pick.REGION))
async def on_region(
    callback: CallbackQuery, callback_data: AnswerCb, state: FSMContext, ctx: FormContext
) -> None:
    region = ctx.regions.get(callback_data.value)

    def fits(q: Question) -> object:
        return _region_question(q) and region

    found = await _pressed(callback, callback_data, state, ctx, fits)
    if found is not None and region is not None:
        await callback.answer(region.name(ctx.t.locale))
        await _take(callback, ctx, state, found, region.code)


def _consent_question(q: Question) -> bool:
    return q.type is QuestionType.CONSENT


@routes.callback_query(AnswerCb.filter(F.kind == Pick.AGREE))
async def on_agree(
    callback: CallbackQuery, callback_data: AnswerCb, state: FSMContext, ctx: FormContext
) -> None:
    found = await _pressed(callback, callback_data, state, ctx, _consent_question)
    if found is None:
        return
    # The consent is recorded now, with this moment, not at the confirmation (152-FZ).
    await ctx.registration.record_consent(ctx.chat_id)
    await callback.answer(ctx.t.plain("consent.thanks"))
    await _take(callback, ctx, state, found, CONSENT_YES)


@routes.callback_query(AnswerCb.filter(F.kind == Pick.DECLINE))
async def on_decline(
    callback: CallbackQuery, callback_data: AnswerCb, state: FSMContext, ctx: FormContext
) -> None:
    found = await _pressed(callback, callback_data, state, ctx, _consent_question)
    if found is None:
        return
    await callback.answer()
    await drop_buttons(callback)
    await state.clear()  # without consent nothing of this dialog is kept
    await ctx.say(ctx.t("consent.declined"), keyboards.main_menu(ctx.t))


__all__ = ["keep_draft", "routes"]
