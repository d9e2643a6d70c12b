"""What a coordinator sees of announcements: audience labels, keyboards, the status message."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
from aiogram.types import InlineKeyboardMarkup
from babel.numbers import format_decimal

from bot.delivery.broadcasting import Audience, AudienceKind
from bot.i18n import Html, Translator, translator
from bot.registration.regions import Regions
from bot.staff.roles import Role
from bot.timefmt import short_date
from handlers.callbacks import BcAction, BcDistrictCb, BcEventCb, BcStopCb, BroadcastCb, EvScope
from handlers.keyboards.build import Keyboard
from handlers.keyboards.participant import short_district
from storage.broadcasts import Broadcast, Progress
from storage.db import Database
from storage.events import EventRepo
from storage.models import Event, EventCounts
from storage.participants import ParticipantRepo

log = logging.getLogger(__name__)

BUTTON_LIMIT = 56
REASONS_SHOWN = 3


def num(n: int, t: Translator) -> str:
    """1200 -> "1 200" (ru) or "1,200" (en)."""
    return format_decimal(n, locale=t.locale)


def _cut(text: str, limit: int = BUTTON_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _cb(action: BcAction) -> BroadcastCb:
    return BroadcastCb(action=action)


def audience_label(
    audience: Audience, event: Event | None, regions: Regions, t: Translator
) -> Html:
    if audience.kind is AudienceKind.ALL:
        return t("broadcast.aud_all")
    if audience.kind is AudienceKind.DISTRICT:
        district = regions.district(audience.value)
        name = district.name(t.locale) if district else audience.value
        return t("broadcast.aud_district", district=name)
    title = event.title if event else audience.value
    if audience.kind is AudienceKind.EVENT_WAIT:
        return t("broadcast.aud_event_wait", title=title)
    return t("broadcast.aud_event", title=title)


# --- keyboards -----------------------------------------------------------------------------


def audience_menu(t: Translator, role: Role, regions: Regions) -> InlineKeyboardMarkup:
    kb = Keyboard()
    if role.district is None:
        kb.button(text=t.plain("broadcast.btn_all"), callback_data=_cb(BcAction.ALL))
    else:
        district = regions.district(role.district)
        name = short_district(district.name(t.locale)) if district else role.district
        kb.button(
            text=t.plain("broadcast.btn_all_district", district=name),
            callback_data=_cb(BcAction.ALL),
        )
    kb.button(text=t.plain("broadcast.btn_event"), callback_data=_cb(BcAction.EVENTS))
    if role.district is None:
        kb.button(
            text=t.plain("broadcast.btn_district"),
            callback_data=_cb(BcAction.DISTRICTS),
        )
    kb.button(text=t.plain("broadcast.btn_cancel"), callback_data=_cb(BcAction.CANCEL))
    kb.adjust(1)
    return kb.as_markup()


def _back_cancel(kb: Keyboard, t: Translator) -> None:
    kb.button(text=t.plain("broadcast.btn_back"), callback_data=_cb(BcAction.BACK))
    kb.button(text=t.plain("broadcast.btn_cancel"), callback_data=_cb(BcAction.CANCEL))


def events_menu(
    events: list[Event], counts: dict[str, EventCounts], t: Translator
) -> InlineKeyboardMarkup:
    kb = Keyboard()
    for event in events:
        c = counts.get(event.id, EventCounts())
        label = t.plain(
            "broadcast.btn_event_item",
            date=short_date(event.starts_at, t),
            title=event.title,
            n=num(c.registered, t),
        )
        kb.button(text=_cut(label), callback_data=BcEventCb(event_id=event.id, scope=EvScope.ASK))
    _back_cancel(kb, t)
    kb.adjust(*([1] * len(events)), 2)
    return kb.as_markup()


def waitlist_menu(event: Event, counts: EventCounts, t: Translator) -> InlineKeyboardMarkup:
    kb = Keyboard()
    kb.button(
        text=t.plain("broadcast.btn_registered", n=num(counts.registered, t)),
        callback_data=BcEventCb(event_id=event.id, scope=EvScope.REGISTERED),
    )
    kb.button(
        text=t.plain(
            "broadcast.btn_with_waitlist", n=num(counts.registered + counts.waitlisted, t)
        ),
        callback_data=BcEventCb(event_id=event.id, scope=EvScope.WITH_WAITLIST),
    )
    _back_cancel(kb, t)
    kb.adjust(1, 1, 2)
    return kb.as_markup()


def districts_menu(regions: Regions, counts: dict[str, int], t: Translator) -> InlineKeyboardMarkup:
    kb = Keyboard()
    for district in regions.districts:
        kb.button(
            text=t.plain(
                "broadcast.btn_district_item",
                district=short_district(district.name(t.locale)),
                n=num(counts.get(district.code, 0), t),
            ),
            callback_data=BcDistrictCb(code=district.code),
        )
    _back_cancel(kb, t)
    kb.adjust(*([2] * ((len(regions.districts) + 1) // 2)), 2)
    return kb.as_markup()


def back_cancel(t: Translator) -> InlineKeyboardMarkup:
    kb = Keyboard()
    _back_cancel(kb, t)
    kb.adjust(2)
    return kb.as_markup()


def confirm_menu(t: Translator) -> InlineKeyboardMarkup:
    kb = Keyboard()
    kb.button(text=t.plain("broadcast.btn_send"), callback_data=_cb(BcAction.SEND))
    kb.button(text=t.plain("broadcast.btn_cancel"), callback_data=_cb(BcAction.CANCEL))
    kb.adjust(2)
    return kb.as_markup()


def stop_button(broadcast_id: int, t: Translator) -> InlineKeyboardMarkup:
    kb = Keyboard()
    kb.button(text=t.plain("broadcast.btn_stop"), callback_data=BcStopCb(broadcast_id=broadcast_id))
    return kb.as_markup()


# --- the status message ------------------------------------------------------------------


def status_text(broadcast: Broadcast, progress: Progress, label: Html, t: Translator) -> Html:
    figures = {
        "id": broadcast.id,
        "audience": label,
        "sent": num(progress.sent, t),
        "total": num(progress.total, t),
        "undelivered": num(progress.undelivered, t),
    }
    if not progress.finished:
        lines = [t("broadcast.progress", **figures)]
        if progress.held:
            lines.append(t("broadcast.progress_held", n=num(progress.held, t)))
        return Html("\n".join(lines))
    if broadcast.status == "stopped":
        lines = [t("broadcast.report_stopped", **figures)]
    else:
        lines = [t("broadcast.report_done", **figures)]
    if progress.blocked:
        lines.append(t("broadcast.report_blocked", n=num(progress.blocked, t)))
    if progress.failed:
        lines.append(t("broadcast.report_failed", n=num(progress.failed, t)))
        for reason, n in list(progress.reasons.items())[:REASONS_SHOWN]:
            lines.append(t("broadcast.report_reason", reason=reason[:120], n=num(n, t)))
    if progress.stopped:
        lines.append(t("broadcast.report_not_sent", n=num(progress.stopped, t)))
    return Html("\n".join(lines))


@dataclass(eq=False)  # compared and hashed by identity, as a publisher
class StatusView:
    """Edits an announcement's status message in place (a ProgressReporter publisher)."""

    bot: Bot
    db: Database
    default_locale: str
    regions: Regions
    gone: set[int] = field(default_factory=set)  # status messages that cannot be edited

    def __post_init__(self) -> None:
        self.events = EventRepo(self.db)
        self.participants = ParticipantRepo(self.db)

    async def translator_for(self, user_id: int | None) -> Translator:
        person = await self.participants.get(user_id) if user_id is not None else None
        return translator(person.language if person else self.default_locale)

    async def label(self, broadcast: Broadcast, t: Translator) -> Html:
        try:
            audience = Audience.parse(broadcast.audience)
        except ValueError:
            return Html("")
        event = None
        if audience.kind in (AudienceKind.EVENT, AudienceKind.EVENT_WAIT):
            event = await self.events.get(audience.value)
        return audience_label(audience, event, self.regions, t)

    async def __call__(self, broadcast: Broadcast, progress: Progress) -> None:
        if broadcast.status_chat_id is None or broadcast.status_message_id is None:
            return
        if broadcast.id in self.gone:
            return
        t = await self.translator_for(broadcast.created_by)
        text = status_text(broadcast, progress, await self.label(broadcast, t), t)
        markup = None if progress.finished or broadcast.finished else stop_button(broadcast.id, t)
        try:
            await self.bot.edit_message_text(
                text=text,
                chat_id=broadcast.status_chat_id,
                message_id=broadcast.status_message_id,
                reply_markup=markup,
            )
        except TelegramBadRequest as exc:
            if "not modified" not in exc.message:
                log.warning("announcement %s: status message not editable: %s", broadcast.id, exc)
                self.gone.add(broadcast.id)
        except TelegramAPIError as exc:
            log.warning("announcement %s: status message not updated: %s", broadcast.id, exc)
