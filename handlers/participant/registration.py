"""Registering for an event: the start (button or deep link), the summary, the confirmation."""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import TypeVar

from aiogram import F
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot.attendance.service import CheckInService, Outcome
from bot.registration.flow import EVENT_SCOPE, PROFILE_SCOPE, by_scope, key, split
from bot.registration.form import QuestionType
from bot.registration.service import RegisterOutcome, RegistrationError
from bot.selection.applying import is_selection
from handlers.attendance.participant import confirmation_qr
from handlers.callbacks import EvAction, EventCb, SumAction, SummaryCb
from handlers.common_ui import show
from handlers.keyboards import participant as keyboards
from handlers.participant.context import FormContext, drop_buttons, set_buttons
from handlers.participant.dialog import FLOW_REGISTER, QuestionnaireData, keep_draft
from handlers.participant.events import send_event_card, send_ics
from handlers.participant.filters import KnownEvent, Shown, SummaryShown, summary_open
from handlers.participant.flow import Plan, begin, resume
from handlers.participant.notify import notify_promotions
from handlers.participant.summary import summary_items
from handlers.routing import Routes
from handlers.selection.apply import confirm_application, stored_answers
from handlers.views import participant as views
from storage.db import utcnow
from storage.models import Event, Participant, RegStatus

T = TypeVar("T")
log = logging.getLogger(__name__)
routes = Routes("registration")


async def start_registration(
    target: Message | CallbackQuery,
    event: Event,
    state: FSMContext,
    ctx: FormContext,
    participant: Participant | None,
) -> None:
    registration = ctx.registration
    reason = registration.closed_reason(event)
    stored = await _already(ctx, event)
    if reason is not None or stored is None:
        await send_event_card(target, event, ctx, participant)
        return
    if await state.get_state() is not None:
        await keep_draft(state)  # another dialog was open: keep what it collected
    draft = {**(await QuestionnaireData.load(state)).prefill(event.id), **stored}
    missing = [key(PROFILE_SCOPE, q.id) for q in await registration.missing_profile(participant)]
    wanted = missing + [key(EVENT_SCOPE, q.id) for q in registration.event_questions(event)]
    answers = {k: draft[k] for k in wanted if k in draft}
    queue = [k for k in wanted if k not in answers]
    if queue:
        intro = "reg.intro_new" if missing else "reg.intro_known"
        await ctx.say(ctx.t(intro, title=event.title))
    await begin(ctx, state, event, Plan(FLOW_REGISTER, queue, answers))


async def _already(ctx: FormContext, event: Event) -> dict[str, str | None] | None:
    """None when the person is registered (or waitlisted) already, or their application is
    decided; else what pre-fills the questionnaire beyond the drafts (a selection event:
    the application's stored answers, to be changed before the deadline)."""
    if is_selection(event):
        return await stored_answers(ctx, event)
    reg = await ctx.registration.registrations.get(event.id, ctx.chat_id)
    return None if reg is not None and reg.status is not RegStatus.CANCELLED else {}


@routes.callback_query(EventCb.filter(F.action == EvAction.REGISTER), KnownEvent())
async def register_button(
    callback: CallbackQuery,
    event: Event,
    state: FSMContext,
    ctx: FormContext,
    participant: Participant | None,
) -> None:
    reason = ctx.registration.closed_reason(event)
    if reason is not None:
        await callback.answer(ctx.t.plain(f"closed.{reason.value}"), show_alert=True)
    else:
        await callback.answer()
    data = await QuestionnaireData.load(state)
    if (
        await state.get_state() is not None
        and data.event_id == event.id
        and data.flow == FLOW_REGISTER
    ):
        # A double tap, or the button pressed again: continue, do not start over.
        await resume(ctx, state)
        return
    await start_registration(callback, event, state, ctx, participant)


# --- the summary: one handler per button, then the stale ones ----------------------------------


async def _summary_markup(callback: CallbackQuery, markup: InlineKeyboardMarkup) -> None:
    await set_buttons(callback, markup)


@routes.callback_query(SummaryCb.filter(F.action == SumAction.CONFIRM), SummaryShown())
async def on_confirm(
    callback: CallbackQuery,
    state: FSMContext,
    ctx: FormContext,
    shown: Shown,
    checkin: CheckInService | None = None,
) -> None:
    await callback.answer()
    await confirm(ctx, state, shown.event, callback)
    if checkin is not None:  # issue 10: the QR for the door, beside the confirmation
        await confirmation_qr(ctx.bot, checkin, ctx.chat_id, shown.event, ctx.t)
        # sent here from the room link: in the room, so checked in as soon as registered
        came = await checkin.after_registration(shown.event.id, ctx.chat_id, utcnow())
        if came.outcome is Outcome.MARKED:
            await ctx.say(ctx.t("att.spot.marked", title=shown.event.title))


@routes.callback_query(SummaryCb.filter(F.action == SumAction.EDIT), SummaryShown())
async def on_edit(callback: CallbackQuery, ctx: FormContext, shown: Shown) -> None:
    """ "Change an answer": the summary's buttons become one per answer."""
    await callback.answer()
    items = await summary_items(ctx, shown.event, shown.dialog.answers)
    choices = [(k, label) for k, label, _ in items]
    await _summary_markup(callback, keyboards.summary_pick(shown.event.id, choices, ctx.t))


@routes.callback_query(SummaryCb.filter(F.action == SumAction.BACK), SummaryShown())
async def on_back(callback: CallbackQuery, ctx: FormContext, shown: Shown) -> None:
    await callback.answer()
    application = is_selection(shown.event)
    await _summary_markup(
        callback, keyboards.summary(shown.event.id, ctx.t, application=application)
    )


def _changeable(qkey: str, event: Event, ctx: FormContext) -> bool:
    """A question of this form or event that can be answered again (not the consent)."""
    scope, question_id = split(qkey)
    if scope == EVENT_SCOPE:
        return any(q.id == question_id for q in ctx.registration.event_questions(event))
    q = ctx.form.get(question_id) if scope == PROFILE_SCOPE else None
    return q is not None and q.type is not QuestionType.CONSENT


@routes.callback_query(SummaryCb.filter(F.action == SumAction.PICK), SummaryShown())
async def on_pick(
    callback: CallbackQuery,
    callback_data: SummaryCb,
    state: FSMContext,
    ctx: FormContext,
    shown: Shown,
) -> None:
    """One answer chosen to change: asked again, then the summary again."""
    items = await summary_items(ctx, shown.event, shown.dialog.answers)
    index = callback_data.q
    qkey = items[index][0] if index is not None and 0 <= index < len(items) else ""
    if not _changeable(qkey, shown.event, ctx):
        await callback.answer(ctx.t.plain("stale.question"), show_alert=True)
        return
    await callback.answer()
    await drop_buttons(callback)
    plan = Plan(FLOW_REGISTER, [qkey], shown.dialog.answers, back_to_summary=True)
    await begin(ctx, state, shown.event, plan)


@routes.callback_query(SummaryCb.filter(F.action == SumAction.CANCEL), SummaryShown())
async def on_cancel(
    callback: CallbackQuery, state: FSMContext, ctx: FormContext, shown: Shown
) -> None:
    await callback.answer()
    await keep_draft(state)
    title = shown.event.title
    await show(callback, ctx.t("reg.cancelled", title=title), keyboards.main_menu(ctx.t))


@routes.callback_query(SummaryCb.filter())
async def on_stale_summary(
    callback: CallbackQuery, callback_data: SummaryCb, state: FSMContext, ctx: FormContext
) -> None:
    """Last: a button SummaryShown refused. Its summary is not the one shown now (already
    confirmed, cancelled, or another event's), or the event is gone (the dialog ends)."""
    t = ctx.t
    dialog = await QuestionnaireData.load(state)
    if await summary_open(state, dialog, callback_data.event_id):
        await callback.answer(t.plain("stale.event"), show_alert=True)
        await state.clear()
        return
    reg = await ctx.registration.registrations.get(callback_data.event_id, callback.from_user.id)
    if reg is not None and reg.status is RegStatus.REGISTERED:
        await callback.answer(t.plain("stale.already_registered"), show_alert=True)
    elif reg is not None and reg.status is RegStatus.WAITLISTED:
        await callback.answer(t.plain("stale.already_waitlisted"), show_alert=True)
    else:
        await callback.answer(t.plain("stale.summary"), show_alert=True)


# --- the confirmation ------------------------------------------------------------------------


async def confirm(
    ctx: FormContext, state: FSMContext, event: Event, callback: CallbackQuery
) -> None:
    if is_selection(event):
        await confirm_application(ctx, state, event, callback)
        return
    answers = (await QuestionnaireData.load(state)).answers
    try:
        outcome = await ctx.registration.register(
            ctx.chat_id, event.id, by_scope(answers, PROFILE_SCOPE), by_scope(answers, EVENT_SCOPE)
        )
    except RegistrationError as exc:
        await keep_draft(state)
        await drop_buttons(callback)
        await ctx.say(ctx.t(f"closed.{exc.reason.value}"), keyboards.main_menu(ctx.t))
        return
    # The registration is committed: from here on nothing is a failure of the registration.
    # Each step below is logged if it fails and the next one still runs (above all the
    # planner, so the reminders come even when the calendar file could not be sent).
    await after_commit(ctx, state, event, outcome, callback)


async def after_commit(
    ctx: FormContext,
    state: FSMContext,
    event: Event,
    outcome: RegisterOutcome,
    callback: CallbackQuery,
) -> None:
    """What follows a committed registration: close the dialog, confirm, send the calendar
    file, queue promotions and plan the reminders. Never raises (the person was registered)."""
    step = Steps(ctx.chat_id, event)
    await step("clearing the dialog", state.clear())
    if isinstance(callback.message, Message):
        await step("removing the summary buttons", drop_buttons(callback))
    fresh = await step("reading the profile", ctx.registration.participants.get(ctx.chat_id))
    text = views.registered(
        event,
        ctx.t,
        status=outcome.status,
        position=outcome.position,
        already=outcome.already,
        own_zone=fresh.timezone if fresh else None,
    )
    await step("sending the confirmation", ctx.say(text, keyboards.main_menu(ctx.t)))
    if outcome.status is RegStatus.REGISTERED:
        sent = await step("sending the calendar file", send_ics(ctx, event))
        if sent is None:
            # /my -> the event's card has "Add to calendar": the file is one tap away.
            await step("telling the calendar file was not sent", ctx.say(ctx.t("reg.ics_failed")))
    # Queues "a seat has opened" for anyone promoted and plans the reminders (someone who
    # registers 40 minutes before the start gets "starts in 40 minutes").
    await step(
        "queueing promotions and planning reminders",
        notify_promotions(ctx.bot, outcome.promoted, ctx.registration, runtime=ctx.runtime),
    )


@dataclass(frozen=True, slots=True)
class Steps:
    """Awaits one post-commit step; a failure is logged with context and yields None."""

    user_id: int
    event: Event

    async def __call__(self, what: str, work: Awaitable[T]) -> T | None:
        try:
            return await work
        except Exception:
            log.exception(
                "registration of %s for %s is saved; %s failed", self.user_id, self.event.id, what
            )
            return None
