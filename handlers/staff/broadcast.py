"""/broadcast: a coordinator announces something to many people.

Audience -> the message itself (any single message, copied as written) -> preview with the
number of recipients -> Send. Every step checks the role and the scope again (``routes`` sit
under the staff router, whose filter checks the role; the message step checks it itself; the
audience is re-checked against the role by the service), so a forged button or a role taken
away mid-way gets nowhere. ``text_routes`` (the message step and the refusals) come after the
participant's commands (handlers/__init__.py), so /cancel or /my in the middle still work.
"""

from __future__ import annotations

import logging

from aiogram import F
from aiogram.enums import ContentType
from aiogram.filters import Command, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, TelegramObject

from bot.delivery.broadcasting import Audience, AudienceError, AudienceKind, Broadcasting
from bot.i18n import Html, Translator
from bot.registration.regions import Regions
from bot.staff.roles import Role
from handlers.callbacks import BcAction, BcDistrictCb, BcEventCb, BcStopCb, BroadcastCb, EvScope
from handlers.common_ui import show
from handlers.filters import IsStaff
from handlers.routing import Routes
from handlers.staff.context import StaffContext
from handlers.staff.dialogs import BroadcastDraft
from handlers.staff.states import BroadcastFlow
from handlers.views import broadcast as view
from storage.models import EventCounts

log = logging.getLogger(__name__)
routes = Routes("broadcast")  # staff only: nested under the staff router
text_routes = Routes("broadcast_text")

#: What can be announced: one message that copyMessage copies as it is.
COPYABLE = frozenset(
    {
        ContentType.TEXT,
        ContentType.PHOTO,
        ContentType.VIDEO,
        ContentType.DOCUMENT,
        ContentType.ANIMATION,
        ContentType.AUDIO,
        ContentType.VOICE,
        ContentType.VIDEO_NOTE,
        ContentType.STICKER,
        ContentType.LOCATION,
        ContentType.VENUE,
        ContentType.CONTACT,
    }
)


async def _leave(state: FSMContext) -> None:
    """End the flow; other data (a registration draft) stays."""
    await state.set_state(None)
    await BroadcastDraft.drop(state)


async def _begin(state: FSMContext) -> None:
    """(Back to) the choice of the audience, with nothing chosen yet."""
    await state.set_state(BroadcastFlow.audience)
    await BroadcastDraft().save(state)


# --- step 1: the audience -----------------------------------------------------------------


@routes.message(Command("broadcast"))
async def cmd_broadcast(message: Message, state: FSMContext, ctx: StaffContext) -> None:
    await _begin(state)
    markup = view.audience_menu(ctx.t, ctx.role, ctx.regions)
    await message.answer(ctx.t("broadcast.choose"), reply_markup=markup)


@routes.callback_query(BroadcastCb.filter(F.action == BcAction.BACK))
async def back(callback: CallbackQuery, state: FSMContext, ctx: StaffContext) -> None:
    await callback.answer()
    await _begin(state)
    await show(
        callback, ctx.t("broadcast.choose"), view.audience_menu(ctx.t, ctx.role, ctx.regions)
    )


@routes.callback_query(BroadcastCb.filter(F.action == BcAction.CANCEL))
async def cancel(callback: CallbackQuery, state: FSMContext, t: Translator) -> None:
    await callback.answer()
    await _leave(state)
    await show(callback, t("broadcast.cancelled"))


@routes.callback_query(BroadcastCb.filter(F.action == BcAction.EVENTS), BroadcastFlow.audience)
async def list_events(
    callback: CallbackQuery, t: Translator, role: Role, broadcasting: Broadcasting
) -> None:
    await callback.answer()
    service = broadcasting.service
    events = await service.events_for(role)
    if not events:
        await show(callback, t("broadcast.no_events"), view.back_cancel(t))
        return
    counts = await service.events.counts([e.id for e in events])
    await show(callback, t("broadcast.choose_event"), view.events_menu(events, counts, t))


@routes.callback_query(BroadcastCb.filter(F.action == BcAction.DISTRICTS), BroadcastFlow.audience)
async def list_districts(
    callback: CallbackQuery, t: Translator, role: Role, regions: Regions, broadcasting: Broadcasting
) -> None:
    if role.district is not None:  # a district coordinator has one district: "everyone"
        await callback.answer(t.plain("broadcast.unavailable"), show_alert=True)
        return
    await callback.answer()
    counts = await broadcasting.service.repo.by_district()
    await show(callback, t("broadcast.choose_district"), view.districts_menu(regions, counts, t))


def chosen(obj: TelegramObject, callback_data: CallbackData) -> dict[str, Audience]:
    """A filter that hands over the audience a button stands for (everyone, a district, an
    event's registered, with its waiting list or not)."""
    if isinstance(callback_data, BcDistrictCb):
        return {"audience": Audience(AudienceKind.DISTRICT, callback_data.code)}
    if isinstance(callback_data, BcEventCb):
        waiting = callback_data.scope is EvScope.WITH_WAITLIST
        kind = AudienceKind.EVENT_WAIT if waiting else AudienceKind.EVENT
        return {"audience": Audience(kind, callback_data.event_id)}
    return {"audience": Audience(AudienceKind.ALL)}


@routes.callback_query(BcEventCb.filter(F.scope == EvScope.ASK), BroadcastFlow.audience)
async def pick_event(
    callback: CallbackQuery,
    callback_data: BcEventCb,
    state: FSMContext,
    ctx: StaffContext,
    broadcasting: Broadcasting,
) -> None:
    """An event: with a waiting list, ask whether it is told too; else, its registered."""
    service, t = broadcasting.service, ctx.t
    audience = Audience(AudienceKind.EVENT, callback_data.event_id)
    try:
        _, event = await service.check(audience, ctx.role)
    except AudienceError:
        await callback.answer(t.plain("broadcast.unavailable"), show_alert=True)
        return
    assert event is not None
    counts = (await service.events.counts([event.id])).get(event.id, EventCounts())
    if not counts.waitlisted:
        await choose(callback, audience, state, ctx, broadcasting)
        return
    await callback.answer()
    text = t("broadcast.ask_waitlist", title=event.title)
    await show(callback, text, view.waitlist_menu(event, counts, t))


@routes.callback_query(BroadcastCb.filter(F.action == BcAction.ALL), BroadcastFlow.audience, chosen)
@routes.callback_query(BcDistrictCb.filter(), BroadcastFlow.audience, chosen)
@routes.callback_query(BcEventCb.filter(), BroadcastFlow.audience, chosen)
async def choose(
    callback: CallbackQuery,
    audience: Audience,
    state: FSMContext,
    ctx: StaffContext,
    broadcasting: Broadcasting,
) -> None:
    t, regions = ctx.t, ctx.regions
    try:
        resolved = await broadcasting.service.resolve(audience, ctx.role)
    except AudienceError:
        await callback.answer(t.plain("broadcast.unavailable"), show_alert=True)
        return
    if not resolved.recipients:
        await callback.answer(t.plain("broadcast.nobody"), show_alert=True)
        return
    await callback.answer()
    await state.set_state(BroadcastFlow.message)
    await BroadcastDraft(audience=str(resolved.audience)).save(state)
    label = view.audience_label(resolved.audience, resolved.event, regions, t)
    text = t("broadcast.ask_message", audience=label, n=view.num(len(resolved.recipients), t))
    await show(callback, text, view.back_cancel(t))


# --- step 2: the message ----------------------------------------------------------------------


def not_announceable(message: Message, t: Translator) -> Html | None:
    """Why this message cannot be the announcement, or None."""
    if message.media_group_id is not None:
        return t("broadcast.no_albums")
    if message.content_type not in COPYABLE:
        return t("broadcast.not_copyable")
    first = message.entities[0] if message.text and message.entities else None
    if first is not None and first.type == "bot_command" and first.offset == 0:
        return t("broadcast.is_command")
    return None


@text_routes.message(BroadcastFlow.message, IsStaff())
async def got_message(
    message: Message, state: FSMContext, ctx: StaffContext, broadcasting: Broadcasting
) -> None:
    t = ctx.t
    problem = not_announceable(message, t)
    if problem is not None:
        await message.answer(problem)
        return
    draft = await BroadcastDraft.load(state)
    try:  # no audience in the draft: unavailable, as an audience no longer allowed
        audience = Audience.parse(draft.audience or "")
        resolved = await broadcasting.service.resolve(audience, ctx.role)
    except AudienceError:
        resolved = None
    if resolved is None or not resolved.recipients:
        await _leave(state)
        await message.answer(
            t("broadcast.nobody") if resolved is not None else t("broadcast.unavailable")
        )
        return
    # The preview is the copy itself: exactly what the recipients will get.
    preview = await ctx.bot.copy_message(
        chat_id=message.chat.id, from_chat_id=message.chat.id, message_id=message.message_id
    )
    await state.set_state(BroadcastFlow.confirm)
    draft.chat, draft.message = message.chat.id, message.message_id
    await draft.save(state)
    label = view.audience_label(resolved.audience, resolved.event, ctx.regions, t)
    await message.answer(
        t("broadcast.preview", audience=label, n=view.num(len(resolved.recipients), t)),
        reply_markup=view.confirm_menu(t),
        reply_to_message_id=preview.message_id,
    )


# --- step 3: send -----------------------------------------------------------------------------


@routes.callback_query(BroadcastCb.filter(F.action == BcAction.SEND), BroadcastFlow.confirm)
async def send(
    callback: CallbackQuery, state: FSMContext, ctx: StaffContext, broadcasting: Broadcasting
) -> None:
    t = ctx.t
    draft = await BroadcastDraft.load(state)
    await _leave(state)  # a second tap on Send finds no flow: one announcement only
    status = callback.message
    if not isinstance(status, Message) or draft.chat is None or draft.message is None:
        await callback.answer(t.plain("broadcast.stale"), show_alert=True)
        return
    try:
        broadcast_id, total = await broadcasting.service.create(
            Audience.parse(draft.audience or ""),
            ctx.role,
            created_by=callback.from_user.id,
            source=(int(draft.chat), int(draft.message)),
            status_message=(status.chat.id, status.message_id),
        )
    except AudienceError:
        await callback.answer(t.plain("broadcast.unavailable"), show_alert=True)
        await show(callback, t("broadcast.cancelled"))
        return
    if not total:
        await callback.answer(t.plain("broadcast.nobody"), show_alert=True)
        await show(callback, t("broadcast.cancelled"))
        return
    broadcasting.wake()
    await callback.answer(t.plain("broadcast.queued"))
    log.info(
        "announcement %s queued by %s for %s people", broadcast_id, callback.from_user.id, total
    )
    # The preview question becomes the status message (with the Stop button).
    await broadcasting.progress.report(broadcast_id)
    broadcasting.progress.watch(broadcast_id, reported_now=True)


@routes.callback_query(BcStopCb.filter())
async def stop(
    callback: CallbackQuery,
    callback_data: BcStopCb,
    ctx: StaffContext,
    broadcasting: Broadcasting,
) -> None:
    service, t, role = broadcasting.service, ctx.t, ctx.role
    broadcast = await service.repo.get(callback_data.broadcast_id)
    allowed = broadcast is not None and (
        broadcast.created_by == callback.from_user.id or role.district is None
    )
    if broadcast is None or not allowed:
        await callback.answer(t.plain("broadcast.unavailable"), show_alert=True)
        return
    if broadcast.finished:
        await callback.answer(t.plain("broadcast.already_finished"))
        return
    broadcasting.renderer.stopped.add(broadcast.id)
    dropped = await service.stop(broadcast.id)
    log.info(
        "announcement %s stopped by %s: %s not sent", broadcast.id, callback.from_user.id, dropped
    )
    await callback.answer(t.plain("broadcast.stopped"))
    await broadcasting.progress.report(broadcast.id)
    broadcasting.progress.watch(broadcast.id, reported_now=True)


# A bc1 button of a flow that is over (sent, cancelled, restarted with /broadcast).
@routes.callback_query(BroadcastCb.filter())
@routes.callback_query(BcEventCb.filter())
@routes.callback_query(BcDistrictCb.filter())
async def stale(callback: CallbackQuery, ctx: StaffContext) -> None:
    await callback.answer(ctx.t.plain("broadcast.stale"), show_alert=True)


# --- refusals: whoever is not staff (or no longer is) ------------------------------------------


@text_routes.message(Command("broadcast"))
async def refuse_command(message: Message, t: Translator) -> None:
    await message.answer(t("broadcast.denied"))


@text_routes.callback_query(F.data.regexp(r"^bc1[a-z]?(:|$)"))
async def refuse_button(callback: CallbackQuery, role: Role, t: Translator) -> None:
    """Forged or undecodable bc1 data, or a button of someone who is not staff."""
    text = t.plain("broadcast.stale") if role.is_staff else t.plain("broadcast.denied_short")
    await callback.answer(text, show_alert=True)


@text_routes.message(StateFilter(BroadcastFlow))
async def outside_the_steps(message: Message, state: FSMContext, role: Role, t: Translator) -> None:
    """A message where a button is expected; or someone removed from the coordinators in the
    middle of an announcement."""
    if role.is_staff:
        await message.answer(t("broadcast.use_buttons"))
        return
    await _leave(state)
    await message.answer(t("broadcast.denied"))
