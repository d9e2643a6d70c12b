"""Registering for an event: the start (button or deep link), the summary, the confirmation."""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from typing import TYPE_CHECKING, TypeVar

from aiogram import Bot, F
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery, Message

from bot.i18n import Translator
from bot.registration.flow import EVENT_SCOPE, PROFILE_SCOPE, by_scope, key, split
from bot.registration.form import Form, QuestionType
from bot.registration.ics import event_ics
from bot.registration.regions import Regions
from bot.registration.service import RegisterOutcome, RegistrationError, RegistrationService
from handlers.callbacks import EvAction, EventCb, SumAction, SummaryCb
from handlers.common_ui import show
from handlers.keyboards import participant as keyboards
from handlers.participant.events import send_event_card
from handlers.participant.notify import notify_promotions
from handlers.participant.questionnaire import FLOW_REGISTER, begin, keep_draft
from handlers.participant.summary import summary_items
from handlers.routing import Routes
from handlers.states import Questionnaire
from handlers.views import participant as views
from storage.db import utcnow
from storage.models import Event, Participant, RegStatus

if TYPE_CHECKING:
    from bot.runtime import Runtime

T = TypeVar("T")
log = logging.getLogger(__name__)
routes = Routes("registration")


async def start_registration(
    target: Message | CallbackQuery,
    event: Event,
    state: FSMContext,
    t: Translator,
    participant: Participant | None,
    form: Form,
    regions: Regions,
    registration: RegistrationService,
) -> None:
    user_id = target.from_user.id if target.from_user else 0
    bot = target.bot
    assert bot is not None
    reason = registration.closed_reason(event)
    reg = await registration.registrations.get(event.id, user_id)
    if reason is not None or (reg is not None and reg.status is not RegStatus.CANCELLED):
        await send_event_card(target, event, t, participant, registration, regions)
        return
    data = await state.get_data()
    if await state.get_state() is not None:
        await keep_draft(state)  # another dialog was open: keep what it collected
        data = await state.get_data()
    draft: dict[str, str | None] = dict(data.get("draft") or {})
    draft_event = data.get("draft_event") or {}
    if draft_event.get("event_id") == event.id:
        draft.update(draft_event.get("answers") or {})
    missing = [key(PROFILE_SCOPE, q.id) for q in await registration.missing_profile(participant)]
    wanted = missing + [key(EVENT_SCOPE, q.id) for q in registration.event_questions(event)]
    answers = {k: draft[k] for k in wanted if k in draft}
    queue = [k for k in wanted if k not in answers]
    if queue:
        intro = "reg.intro_new" if missing else "reg.intro_known"
        await bot.send_message(user_id, t(intro, title=event.title))
    await begin(
        bot,
        user_id,
        state,
        flow=FLOW_REGISTER,
        queue=queue,
        answers=answers,
        event_id=event.id,
        t=t,
        form=form,
        regions=regions,
        event=event,
        registration=registration,
    )


@routes.callback_query(EventCb.filter(F.action == EvAction.REGISTER))
async def register_button(
    callback: CallbackQuery,
    callback_data: EventCb,
    state: FSMContext,
    t: Translator,
    participant: Participant | None,
    form: Form,
    regions: Regions,
    registration: RegistrationService,
) -> None:
    event = await registration.events.get(callback_data.event_id)
    if event is None:
        await callback.answer(t.plain("stale.event"), show_alert=True)
        return
    reason = registration.closed_reason(event)
    if reason is not None:
        await callback.answer(t.plain(f"closed.{reason.value}"), show_alert=True)
    else:
        await callback.answer()
    data = await state.get_data()
    if (
        await state.get_state() is not None
        and data.get("event_id") == event.id
        and data.get("flow") == FLOW_REGISTER
    ):
        # A double tap, or the button pressed again: continue, do not start over.
        from handlers.participant.questionnaire import resume

        await resume(bot_of(callback), callback.from_user.id, state, t, form, regions, registration)
        return
    await start_registration(callback, event, state, t, participant, form, regions, registration)


def bot_of(callback: CallbackQuery) -> Bot:
    assert callback.bot is not None
    return callback.bot


async def _stale_summary(
    callback: CallbackQuery, event_id: str, t: Translator, registration: RegistrationService
) -> None:
    reg = await registration.registrations.get(event_id, callback.from_user.id)
    if reg is not None and reg.status is RegStatus.REGISTERED:
        await callback.answer(t.plain("stale.already_registered"), show_alert=True)
    elif reg is not None and reg.status is RegStatus.WAITLISTED:
        await callback.answer(t.plain("stale.already_waitlisted"), show_alert=True)
    else:
        await callback.answer(t.plain("stale.summary"), show_alert=True)


@routes.callback_query(SummaryCb.filter())
async def on_summary(
    callback: CallbackQuery,
    callback_data: SummaryCb,
    state: FSMContext,
    t: Translator,
    participant: Participant | None,
    form: Form,
    regions: Regions,
    registration: RegistrationService,
    runtime: Runtime | None = None,
) -> None:
    data = await state.get_data()
    current_state = await state.get_state()
    in_summary = (
        current_state == Questionnaire.summary.state
        and data.get("event_id") == callback_data.event_id
    )
    if not in_summary:
        await _stale_summary(callback, callback_data.event_id, t, registration)
        return
    event = await registration.events.get(callback_data.event_id)
    bot = bot_of(callback)
    user_id = callback.from_user.id
    message = callback.message if isinstance(callback.message, Message) else None
    if event is None:
        await callback.answer(t.plain("stale.event"), show_alert=True)
        await state.clear()
        return
    action = callback_data.action
    if action is SumAction.CONFIRM:
        await callback.answer()
        await confirm(
            bot, user_id, state, t, event, participant, registration, message, runtime=runtime
        )
    elif action is SumAction.EDIT:
        await callback.answer()
        items = await summary_items(state, t, form, regions, event, registration, user_id)
        choices = [(k, label) for k, label, _ in items]
        if message is not None:
            await message.edit_reply_markup(
                reply_markup=keyboards.summary_pick(event.id, choices, t)
            )
    elif action is SumAction.BACK:
        await callback.answer()
        if message is not None:
            await message.edit_reply_markup(reply_markup=keyboards.summary(event.id, t))
    elif action is SumAction.PICK:
        items = await summary_items(state, t, form, regions, event, registration, user_id)
        index = callback_data.q
        qkey = items[index][0] if index is not None and 0 <= index < len(items) else ""
        scope, question_id = split(qkey)
        known = (scope == PROFILE_SCOPE and form.get(question_id) is not None) or (
            scope == EVENT_SCOPE
            and any(q.id == question_id for q in registration.event_questions(event))
        )
        q = form.get(question_id) if scope == PROFILE_SCOPE else None
        if not known or (q is not None and q.type is QuestionType.CONSENT):
            await callback.answer(t.plain("stale.question"), show_alert=True)
            return
        await callback.answer()
        if message is not None:
            await message.edit_reply_markup(reply_markup=None)
        await begin(
            bot,
            user_id,
            state,
            flow=FLOW_REGISTER,
            queue=[qkey],
            answers=data.get("answers", {}),
            event_id=event.id,
            t=t,
            form=form,
            regions=regions,
            event=event,
            registration=registration,
            back_to_summary=True,
        )
    elif action is SumAction.CANCEL:
        await callback.answer()
        await keep_draft(state)
        await show(callback, t("reg.cancelled", title=event.title), keyboards.main_menu(t))


async def confirm(
    bot: Bot,
    user_id: int,
    state: FSMContext,
    t: Translator,
    event: Event,
    participant: Participant | None,
    registration: RegistrationService,
    message: Message | None,
    *,
    runtime: Runtime | None = None,
) -> None:
    data = await state.get_data()
    answers = data.get("answers", {})
    try:
        outcome = await registration.register(
            user_id, event.id, by_scope(answers, PROFILE_SCOPE), by_scope(answers, EVENT_SCOPE)
        )
    except RegistrationError as exc:
        await keep_draft(state)
        if message is not None:
            await message.edit_reply_markup(reply_markup=None)
        await bot.send_message(
            user_id, t(f"closed.{exc.reason.value}"), reply_markup=keyboards.main_menu(t)
        )
        return
    # The registration is committed: from here on nothing is a failure of the registration.
    # Each step below is logged if it fails and the next one still runs (above all the
    # planner, so the reminders come even when the calendar file could not be sent).
    await after_commit(bot, user_id, state, t, event, outcome, registration, message, runtime)


async def after_commit(
    bot: Bot,
    user_id: int,
    state: FSMContext,
    t: Translator,
    event: Event,
    outcome: RegisterOutcome,
    registration: RegistrationService,
    message: Message | None,
    runtime: Runtime | None,
) -> None:
    """What follows a committed registration: close the dialog, confirm, send the calendar
    file, queue promotions and plan the reminders. Never raises (the person was registered)."""
    await _step("clearing the dialog", user_id, event, state.clear())
    if message is not None:
        await _step("removing the summary buttons", user_id, event, _drop_buttons(message))
    fresh = await _step(
        "reading the profile", user_id, event, registration.participants.get(user_id)
    )
    text = views.registered(
        event,
        t,
        status=outcome.status,
        position=outcome.position,
        already=outcome.already,
        own_zone=fresh.timezone if fresh else None,
    )
    await _step(
        "sending the confirmation",
        user_id,
        event,
        bot.send_message(user_id, text, reply_markup=keyboards.main_menu(t)),
    )
    if outcome.status is RegStatus.REGISTERED:
        sent = await _step(
            "sending the calendar file", user_id, event, _send_ics(bot, user_id, t, event)
        )
        if sent is None:
            # /my -> the event's card has "Add to calendar": the file is one tap away.
            await _step(
                "telling the calendar file was not sent",
                user_id,
                event,
                bot.send_message(user_id, t("reg.ics_failed")),
            )
    # Queues "a seat has opened" for anyone promoted and plans the reminders (someone who
    # registers 40 minutes before the start gets "starts in 40 minutes").
    await _step(
        "queueing promotions and planning reminders",
        user_id,
        event,
        notify_promotions(bot, outcome.promoted, registration, runtime=runtime),
    )


async def _drop_buttons(message: Message) -> None:
    await message.edit_reply_markup(reply_markup=None)


async def _send_ics(bot: Bot, user_id: int, t: Translator, event: Event) -> Message:
    return await bot.send_document(
        user_id,
        BufferedInputFile(event_ics(event, stamp=utcnow()), filename=f"{event.id}.ics"),
        caption=t("ics.caption", title=event.title),
    )


async def _step(what: str, user_id: int, event: Event, work: Awaitable[T]) -> T | None:
    """Await one post-commit step; a failure is logged with context and yields None."""
    try:
        return await work
    except Exception:
        log.exception("registration of %s for %s is saved; %s failed", user_id, event.id, what)
        return None
