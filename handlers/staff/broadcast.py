"""/broadcast: a coordinator announces something to many people.

Audience -> the message itself (any single message, copied as written) -> preview with the
number of recipients -> Send. Every step checks the role and the scope again (IsStaff on each
handler, the audience re-checked against the role by the service), so a forged button or a
role taken away mid-way gets nowhere. Participants' /broadcast and bc1 buttons fall through to
the catch-all, which answers as for any unknown command or stale button: they learn nothing.
"""

from __future__ import annotations

import logging
from typing import Any

from aiogram import F
from aiogram.enums import ContentType
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.delivery.broadcasting import Audience, AudienceError, AudienceKind, Broadcasting
from bot.i18n import Translator
from bot.registration.regions import Regions
from bot.staff.roles import Role
from handlers.callbacks import BcAction, BcDistrictCb, BcEventCb, BcStopCb, BroadcastCb, EvScope
from handlers.common_ui import show
from handlers.filters import IsStaff
from handlers.routing import Routes
from handlers.states import BroadcastFlow
from handlers.views import broadcast as view
from storage.models import EventCounts

log = logging.getLogger(__name__)
routes = Routes("broadcast")

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


async def _draft(state: FSMContext) -> dict[str, Any]:
    return dict((await state.get_data()).get("bc") or {})


async def _leave(state: FSMContext) -> None:
    """End the flow; other data (a registration draft) stays."""
    await state.set_state(None)
    await state.update_data(bc=None)


# --- step 1: the audience -----------------------------------------------------------------


@routes.message(Command("broadcast"), IsStaff())
async def cmd_broadcast(
    message: Message, state: FSMContext, t: Translator, role: Role, regions: Regions
) -> None:
    await state.set_state(BroadcastFlow.audience)
    await state.update_data(bc={})
    await message.answer(t("broadcast.choose"), reply_markup=view.audience_menu(t, role, regions))


@routes.callback_query(BroadcastCb.filter(F.action == BcAction.BACK), IsStaff())
async def back(
    callback: CallbackQuery, state: FSMContext, t: Translator, role: Role, regions: Regions
) -> None:
    await callback.answer()
    await state.set_state(BroadcastFlow.audience)
    await state.update_data(bc={})
    await show(callback, t("broadcast.choose"), view.audience_menu(t, role, regions))


@routes.callback_query(BroadcastCb.filter(F.action == BcAction.CANCEL), IsStaff())
async def cancel(callback: CallbackQuery, state: FSMContext, t: Translator) -> None:
    await callback.answer()
    await _leave(state)
    await show(callback, t("broadcast.cancelled"))


@routes.callback_query(
    BroadcastCb.filter(F.action == BcAction.EVENTS), BroadcastFlow.audience, IsStaff()
)
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


@routes.callback_query(
    BroadcastCb.filter(F.action == BcAction.DISTRICTS), BroadcastFlow.audience, IsStaff()
)
async def list_districts(
    callback: CallbackQuery, t: Translator, role: Role, regions: Regions, broadcasting: Broadcasting
) -> None:
    if role.district is not None:  # a district coordinator has one district: "everyone"
        await callback.answer(t.plain("broadcast.unavailable"), show_alert=True)
        return
    await callback.answer()
    counts = await broadcasting.service.repo.by_district()
    await show(callback, t("broadcast.choose_district"), view.districts_menu(regions, counts, t))


@routes.callback_query(
    BroadcastCb.filter(F.action == BcAction.ALL), BroadcastFlow.audience, IsStaff()
)
async def pick_all(
    callback: CallbackQuery,
    state: FSMContext,
    t: Translator,
    role: Role,
    regions: Regions,
    broadcasting: Broadcasting,
) -> None:
    await _chosen(callback, Audience(AudienceKind.ALL), state, t, role, regions, broadcasting)


@routes.callback_query(BcDistrictCb.filter(), BroadcastFlow.audience, IsStaff())
async def pick_district(
    callback: CallbackQuery,
    callback_data: BcDistrictCb,
    state: FSMContext,
    t: Translator,
    role: Role,
    regions: Regions,
    broadcasting: Broadcasting,
) -> None:
    audience = Audience(AudienceKind.DISTRICT, callback_data.code)
    await _chosen(callback, audience, state, t, role, regions, broadcasting)


@routes.callback_query(BcEventCb.filter(), BroadcastFlow.audience, IsStaff())
async def pick_event(
    callback: CallbackQuery,
    callback_data: BcEventCb,
    state: FSMContext,
    t: Translator,
    role: Role,
    regions: Regions,
    broadcasting: Broadcasting,
) -> None:
    service = broadcasting.service
    kind = (
        AudienceKind.EVENT_WAIT
        if callback_data.scope is EvScope.WITH_WAITLIST
        else AudienceKind.EVENT
    )
    audience = Audience(kind, callback_data.event_id)
    if callback_data.scope is EvScope.ASK:
        try:
            _, event = await service.check(audience, role)
        except AudienceError:
            await callback.answer(t.plain("broadcast.unavailable"), show_alert=True)
            return
        assert event is not None
        counts = (await service.events.counts([event.id])).get(event.id, EventCounts())
        if counts.waitlisted:
            await callback.answer()
            text = t("broadcast.ask_waitlist", title=event.title)
            await show(callback, text, view.waitlist_menu(event, counts, t))
            return
    await _chosen(callback, audience, state, t, role, regions, broadcasting)


async def _chosen(
    callback: CallbackQuery,
    audience: Audience,
    state: FSMContext,
    t: Translator,
    role: Role,
    regions: Regions,
    broadcasting: Broadcasting,
) -> None:
    try:
        resolved = await broadcasting.service.resolve(audience, role)
    except AudienceError:
        await callback.answer(t.plain("broadcast.unavailable"), show_alert=True)
        return
    if not resolved.recipients:
        await callback.answer(t.plain("broadcast.nobody"), show_alert=True)
        return
    await callback.answer()
    await state.set_state(BroadcastFlow.message)
    await state.update_data(bc={"audience": str(resolved.audience)})
    label = view.audience_label(resolved.audience, resolved.event, regions, t)
    text = t("broadcast.ask_message", audience=label, n=view.num(len(resolved.recipients), t))
    await show(callback, text, view.back_cancel(t))


# --- step 2: the message ----------------------------------------------------------------------


@routes.message(BroadcastFlow.message, IsStaff())
async def got_message(
    message: Message,
    state: FSMContext,
    t: Translator,
    role: Role,
    regions: Regions,
    broadcasting: Broadcasting,
) -> None:
    if message.media_group_id is not None:
        await message.answer(t("broadcast.no_albums"))
        return
    if message.content_type not in COPYABLE:
        await message.answer(t("broadcast.not_copyable"))
        return
    if (
        message.text
        and message.entities
        and message.entities[0].type == "bot_command"
        and (message.entities[0].offset == 0)
    ):
        await message.answer(t("broadcast.is_command"))
        return
    draft = await _draft(state)
    try:
        resolved = await broadcasting.service.resolve(Audience.parse(draft["audience"]), role)
    except (AudienceError, KeyError):
        await _leave(state)
        await message.answer(t("broadcast.unavailable"))
        return
    if not resolved.recipients:
        await _leave(state)
        await message.answer(t("broadcast.nobody"))
        return
    assert message.bot is not None
    # The preview is the copy itself: exactly what the recipients will get.
    preview = await message.bot.copy_message(
        chat_id=message.chat.id, from_chat_id=message.chat.id, message_id=message.message_id
    )
    await state.set_state(BroadcastFlow.confirm)
    draft.update(chat=message.chat.id, message=message.message_id)
    await state.update_data(bc=draft)
    label = view.audience_label(resolved.audience, resolved.event, regions, t)
    await message.answer(
        t("broadcast.preview", audience=label, n=view.num(len(resolved.recipients), t)),
        reply_markup=view.confirm_menu(t),
        reply_to_message_id=preview.message_id,
    )


# --- step 3: send -----------------------------------------------------------------------------


@routes.callback_query(
    BroadcastCb.filter(F.action == BcAction.SEND), BroadcastFlow.confirm, IsStaff()
)
async def send(
    callback: CallbackQuery,
    state: FSMContext,
    t: Translator,
    role: Role,
    broadcasting: Broadcasting,
) -> None:
    draft = await _draft(state)
    await _leave(state)  # a second tap on Send finds no flow: one announcement only
    status = callback.message
    if not isinstance(status, Message) or "chat" not in draft or "message" not in draft:
        await callback.answer(t.plain("broadcast.stale"), show_alert=True)
        return
    try:
        broadcast_id, total = await broadcasting.service.create(
            Audience.parse(draft["audience"]),
            role,
            created_by=callback.from_user.id,
            source=(int(draft["chat"]), int(draft["message"])),
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


@routes.callback_query(BcStopCb.filter(), IsStaff())
async def stop(
    callback: CallbackQuery,
    callback_data: BcStopCb,
    t: Translator,
    role: Role,
    broadcasting: Broadcasting,
) -> None:
    service = broadcasting.service
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
@routes.callback_query(BroadcastCb.filter(), IsStaff())
@routes.callback_query(BcEventCb.filter(), IsStaff())
@routes.callback_query(BcDistrictCb.filter(), IsStaff())
async def stale(callback: CallbackQuery, t: Translator) -> None:
    await callback.answer(t.plain("broadcast.stale"), show_alert=True)


# --- refusals: whoever is not staff (or no longer is) ------------------------------------------


@routes.message(Command("broadcast"))
async def refuse_command(message: Message, t: Translator) -> None:
    await message.answer(t("broadcast.denied"))


@routes.callback_query(F.data.regexp(r"^bc1[a-z]?(:|$)"))
async def refuse_button(callback: CallbackQuery, role: Role, t: Translator) -> None:
    """Forged or undecodable bc1 data, or a button of someone who is not staff."""
    text = t.plain("broadcast.stale") if role.is_staff else t.plain("broadcast.denied_short")
    await callback.answer(text, show_alert=True)


@routes.message(StateFilter(BroadcastFlow))
async def outside_the_steps(message: Message, state: FSMContext, role: Role, t: Translator) -> None:
    """A message where a button is expected; or someone removed from the coordinators in the
    middle of an announcement."""
    if role.is_staff:
        await message.answer(t("broadcast.use_buttons"))
        return
    await _leave(state)
    await message.answer(t("broadcast.denied"))
