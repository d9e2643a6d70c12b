"""Applying to a selection event (issue 9, item 1): the card, the application read back,
withdrawing, and what confirming the summary does for a selection event.

Applying reuses the registration questionnaire (handlers/participant/registration.py): the
"Apply" and "Change my application" buttons are its register button, which for a selection
event pre-fills the stored answers (:func:`stored_answers`); its confirmation calls
:func:`confirm_application` here.
"""

from __future__ import annotations

from aiogram import F
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.i18n import Html
from bot.registration.flow import EVENT_SCOPE, PROFILE_SCOPE, by_scope, key
from bot.registration.service import RegistrationError
from bot.selection.applying import Applying, application_deadline
from bot.selection.config import SelectionSpec
from bot.timefmt import when
from handlers.common_ui import show
from handlers.keyboards import participant as keyboards
from handlers.participant.context import FormContext, drop_buttons
from handlers.participant.dialog import Answers, QuestionnaireData, keep_draft
from handlers.routing import Routes
from handlers.selection import keyboards as skb
from handlers.selection import views as sviews
from handlers.selection.callbacks import ApAction, ApplyCb
from handlers.views import participant as views
from storage.applications import AppStatus
from storage.models import Event, Participant

routes = Routes("selection_apply")


def applying(ctx: FormContext) -> Applying:
    return Applying(ctx.registration)


async def stored_answers(ctx: FormContext, event: Event) -> Answers | None:
    """What pre-fills the questionnaire for this selection event: the stored answers of an
    application under consideration or withdrawn (applying again), {} for a first one; None
    when the person's application is past that (decided): nothing to fill in."""
    found = await applying(ctx).get(ctx.chat_id, event.id)
    if found is None:
        return {}
    if found.status not in (AppStatus.APPLIED, AppStatus.WITHDRAWN):
        return None
    stored = await applying(ctx).answers(ctx.chat_id, event.id)
    return {key(EVENT_SCOPE, k): v for k, v in stored.items()}


async def send_selection_card(
    target: Message | CallbackQuery, event: Event, ctx: FormContext, participant: Participant | None
) -> None:
    """The card of a selection event: "отбор: заявки до …, мест …" instead of the seats
    left, the person's application, and the buttons to apply, view or withdraw."""
    spec = SelectionSpec.of(event)
    assert spec is not None
    found = await applying(ctx).get(ctx.chat_id, event.id)
    closed = applying(ctx).closed(event)
    card = views.CardState(
        own_zone=participant.timezone if participant else None,
        seats_left=None,
        status=None,
        position=None,
        closed=None,
    )
    lines = [views.event_card(event, ctx.t, ctx.regions, card).rstrip("\n")]
    lines.insert(1, sviews.selection_line(event, spec, ctx.t))
    lines += ["", *sviews.card_tail(event, found, closed, ctx.t)]
    status = found.status if found else None
    markup = skb.selection_card(event, ctx.t, status=status, is_open=closed is None)
    await show(target, "\n".join(lines), markup)


async def confirm_application(
    ctx: FormContext, state: FSMContext, event: Event, callback: CallbackQuery
) -> None:
    """The summary confirmed for a selection event: the application is stored (or its
    answers changed); the answer says it is an application, not a place."""
    answers = (await QuestionnaireData.load(state)).answers
    try:
        outcome = await applying(ctx).apply(
            ctx.chat_id, event.id, by_scope(answers, PROFILE_SCOPE), by_scope(answers, EVENT_SCOPE)
        )
    except RegistrationError as exc:
        await keep_draft(state)
        await drop_buttons(callback)
        await ctx.say(ctx.t(f"closed.{exc.reason.value}"), keyboards.main_menu(ctx.t))
        return
    await state.clear()  # the answers are stored: no copy stays in the dialog's data
    await drop_buttons(callback)
    until = Html(when(application_deadline(event), ctx.t))
    if outcome.already:
        text = ctx.t("selection.updated", title=event.title, until=until)
    else:
        text = ctx.t("selection.applied", title=event.title, until=until)
    await ctx.say(text, skb.after_apply(event, ctx.t))


# --- the application read back, and withdrawing --------------------------------------------


@routes.callback_query(ApplyCb.filter(F.action == ApAction.VIEW))
async def view_application(
    callback: CallbackQuery, callback_data: ApplyCb, ctx: FormContext
) -> None:
    event = await ctx.registration.events.get(callback_data.event_id)
    found = await applying(ctx).get(ctx.chat_id, callback_data.event_id) if event else None
    if event is None or found is None:
        await callback.answer(ctx.t.plain("selection.no_application"), show_alert=True)
        return
    await callback.answer()
    stored = await applying(ctx).answers(ctx.chat_id, event.id)
    questions = ctx.registration.event_questions(event)
    text = sviews.answers_text(event, questions, stored, ctx.t, ctx.regions)
    status: str = ctx.t("selection.card_status", status=sviews.status_text(found, ctx.t))
    editable = found.status is AppStatus.APPLIED and applying(ctx).closed(event) is None
    if found.status is AppStatus.APPLIED and not editable:
        status += "\n" + ctx.t("selection.edit_closed")
    await show(callback, f"{text}\n\n{status}", skb.application(event, ctx.t, editable=editable))


@routes.callback_query(ApplyCb.filter(F.action == ApAction.WITHDRAW))
async def ask_withdraw(callback: CallbackQuery, callback_data: ApplyCb, ctx: FormContext) -> None:
    event = await ctx.registration.events.get(callback_data.event_id)
    refusal = await _withdraw_refusal(ctx, event)
    if refusal is not None:
        await callback.answer(refusal, show_alert=True)
        return
    assert event is not None
    await callback.answer()
    await show(
        callback, ctx.t("selection.withdraw_ask", title=event.title), skb.withdraw(event, ctx.t)
    )


@routes.callback_query(ApplyCb.filter(F.action == ApAction.WITHDRAW_YES))
async def do_withdraw(callback: CallbackQuery, callback_data: ApplyCb, ctx: FormContext) -> None:
    event = await ctx.registration.events.get(callback_data.event_id)
    refusal = await _withdraw_refusal(ctx, event)
    if refusal is not None:
        await callback.answer(refusal, show_alert=True)
        return
    assert event is not None
    try:
        done = await applying(ctx).withdraw(ctx.chat_id, event.id)
    except RegistrationError:
        done = None
    if done is None:  # changed meanwhile (a double tap, the deadline)
        await callback.answer(ctx.t.plain("selection.cannot_withdraw"), show_alert=True)
        return
    await callback.answer()
    await show(
        callback, ctx.t("selection.withdrawn", title=event.title), keyboards.main_menu(ctx.t)
    )


async def _withdraw_refusal(ctx: FormContext, event: Event | None) -> str | None:
    """Why withdrawing is not possible now (a polite alert), or None."""
    found = await applying(ctx).get(ctx.chat_id, event.id) if event else None
    if event is None or found is None or found.status is not AppStatus.APPLIED:
        return ctx.t.plain("selection.no_application")
    if applying(ctx).closed(event) is not None:
        return ctx.t.plain("selection.deadline_passed")
    return None
