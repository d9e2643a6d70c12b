"""Keyboards: pure functions of their data and the translator."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

from bot.i18n import LOCALES, Translator
from bot.registration.form import Question, QuestionType
from bot.registration.regions import Region, Regions
from bot.timefmt import short_date
from handlers.callbacks import (
    AnswerCb,
    EvAction,
    EventCb,
    LangCb,
    Menu,
    MenuCb,
    PageCb,
    Pick,
    ProfAction,
    ProfileCb,
    SumAction,
    SummaryCb,
)
from handlers.keyboards.build import Keyboard
from storage.models import Event, Registration, RegStatus

BUTTON_LIMIT = 60  # characters of an event title shown on a button


def _cut(text: str, limit: int = BUTTON_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def short_district(name: str) -> str:
    """'Уральский федеральный округ' -> 'Уральский' (the question names the district)."""
    return name.removesuffix(" федеральный округ").removesuffix(" Federal District")


def main_menu(t: Translator, *, resume: bool = False) -> InlineKeyboardMarkup:
    kb = Keyboard()
    if resume:
        kb.button(text=t.plain("menu.resume"), callback_data=MenuCb(action=Menu.RESUME))
    kb.button(text=t.plain("menu.events"), callback_data=MenuCb(action=Menu.EVENTS))
    kb.button(text=t.plain("menu.my"), callback_data=MenuCb(action=Menu.MY))
    kb.button(text=t.plain("menu.profile"), callback_data=MenuCb(action=Menu.PROFILE))
    kb.button(text=t.plain("menu.help"), callback_data=MenuCb(action=Menu.HELP))
    kb.adjust(*([1] if resume else []), 1, 2, 1)
    return kb.as_markup()


def back_to_menu(t: Translator) -> InlineKeyboardMarkup:
    kb = Keyboard()
    kb.button(text=t.plain("menu.back"), callback_data=MenuCb(action=Menu.HOME))
    return kb.as_markup()


def events_page(events: list[Event], page: int, pages: int, t: Translator) -> InlineKeyboardMarkup:
    kb = Keyboard()
    for event in events:
        label = f"{short_date(event.starts_at, t)} · {event.title}"
        if event.selection is not None:  # a competitive selection (issue 9)
            label = t.plain("selection.list_mark") + " " + label
        kb.row(
            InlineKeyboardButton(
                text=_cut(label),
                callback_data=EventCb(action=EvAction.OPEN, event_id=event.id).pack(),
            )
        )
    nav = []
    if page > 0:
        nav.append(
            InlineKeyboardButton(
                text=t.plain("list.prev"), callback_data=PageCb(page=page - 1).pack()
            )
        )
    if page < pages - 1:
        nav.append(
            InlineKeyboardButton(
                text=t.plain("list.next"), callback_data=PageCb(page=page + 1).pack()
            )
        )
    if nav:
        kb.row(*nav)
    kb.row(
        InlineKeyboardButton(
            text=t.plain("menu.back"), callback_data=MenuCb(action=Menu.HOME).pack()
        )
    )
    return kb.as_markup()


def event_card(
    event: Event, t: Translator, *, status: RegStatus | None, can_register: bool
) -> InlineKeyboardMarkup:
    kb = Keyboard()
    active = status in (RegStatus.REGISTERED, RegStatus.WAITLISTED)
    if can_register and not active:
        kb.button(
            text=t.plain("event.register"),
            callback_data=EventCb(action=EvAction.REGISTER, event_id=event.id),
        )
    if status is RegStatus.REGISTERED:
        kb.button(
            text=t.plain("event.calendar"),
            callback_data=EventCb(action=EvAction.ICS, event_id=event.id),
        )
    if active:
        kb.button(
            text=t.plain("event.cancel"),
            callback_data=EventCb(action=EvAction.CANCEL, event_id=event.id),
        )
    kb.button(text=t.plain("event.to_list"), callback_data=MenuCb(action=Menu.EVENTS))
    kb.adjust(1)
    return kb.as_markup()


def confirm_cancel(event: Event, t: Translator) -> InlineKeyboardMarkup:
    kb = Keyboard()
    kb.button(
        text=t.plain("cancel.yes"),
        callback_data=EventCb(action=EvAction.CANCEL_YES, event_id=event.id),
    )
    kb.button(
        text=t.plain("cancel.no"), callback_data=EventCb(action=EvAction.OPEN, event_id=event.id)
    )
    kb.adjust(1)
    return kb.as_markup()


def my_registrations(
    items: list[tuple[Registration, Event]], t: Translator
) -> InlineKeyboardMarkup:
    kb = Keyboard()
    for reg, event in items:
        kb.button(
            text=_cut(f"{short_date(event.starts_at, t)} · {event.title}"),
            callback_data=EventCb(action=EvAction.OPEN, event_id=event.id),
        )
        if reg.status in (RegStatus.REGISTERED, RegStatus.WAITLISTED):
            kb.button(
                text=_cut(t.plain("my.cancel_button", title=event.title)),
                callback_data=EventCb(action=EvAction.CANCEL, event_id=event.id),
            )
    kb.button(text=t.plain("menu.back"), callback_data=MenuCb(action=Menu.HOME))
    kb.adjust(1)
    return kb.as_markup()


def question(
    q: Question,
    qkey: str,
    t: Translator,
    regions: Regions,
    *,
    district: str | None = None,
    candidates: list[Region] | None = None,
) -> InlineKeyboardMarkup | None:
    """The inline buttons of a question (None when it has none). A region question shows
    the ``candidates`` a typed name matched, else the regions of ``district``, else the
    districts."""
    kb = Keyboard()
    widths: list[int] = []
    if q.type is QuestionType.CHOICE:
        for option in q.options:
            kb.button(
                text=option.label.get(t.locale),
                callback_data=AnswerCb(q=qkey, kind=Pick.OPTION, value=option.id),
            )
        widths = [1] * len(q.options)
    elif q.type is QuestionType.CONSENT:
        kb.button(text=t.plain("consent.agree"), callback_data=AnswerCb(q=qkey, kind=Pick.AGREE))
        kb.button(
            text=t.plain("consent.decline"), callback_data=AnswerCb(q=qkey, kind=Pick.DECLINE)
        )
        widths = [1, 1]
    elif q.type is QuestionType.REGION:
        shown = RegionList(regions, district, candidates)
        widths = shown.buttons(kb, qkey, t)
    if not q.required:
        kb.button(text=t.plain("question.skip"), callback_data=AnswerCb(q=qkey, kind=Pick.SKIP))
        widths.append(1)
    if not widths:
        return None
    kb.adjust(*widths)
    return kb.as_markup()


@dataclass(frozen=True, slots=True)
class RegionList:
    """Which list a region question shows: the ``candidates`` of a typed name, the regions of
    ``district`` (with "back"), or the districts."""

    regions: Regions
    district: str | None
    candidates: list[Region] | None

    def buttons(self, kb: Keyboard, qkey: str, t: Translator) -> list[int]:
        """Add the buttons; the widths of their rows."""
        if self.candidates:
            self._regions(kb, qkey, t, self.candidates)
            return [1] * len(self.candidates)
        if self.district:
            subjects = self.regions.in_district(self.district)
            self._regions(kb, qkey, t, subjects)
            kb.button(
                text=t.plain("region.back"), callback_data=AnswerCb(q=qkey, kind=Pick.DISTRICTS)
            )
            return [2] * ((len(subjects) + 1) // 2) + [1]
        for d in self.regions.districts:
            kb.button(
                text=short_district(d.name(t.locale)),
                callback_data=AnswerCb(q=qkey, kind=Pick.DISTRICT, value=d.code),
            )
        return [2] * ((len(self.regions.districts) + 1) // 2)

    @staticmethod
    def _regions(kb: Keyboard, qkey: str, t: Translator, regions: Sequence[Region]) -> None:
        for region in regions:
            kb.button(
                text=region.name(t.locale),
                callback_data=AnswerCb(q=qkey, kind=Pick.REGION, value=region.code),
            )


def share_phone(t: Translator) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        keyboard=[[KeyboardButton(text=t.plain("phone.share"), request_contact=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
        input_field_placeholder=t.plain("phone.placeholder"),
    )


def summary(event_id: str, t: Translator, *, application: bool = False) -> InlineKeyboardMarkup:
    """``application``: the summary of an application to a selection (issue 9)."""
    kb = Keyboard()
    confirm = t.plain("selection.submit") if application else t.plain("summary.confirm")
    kb.button(
        text=confirm,
        callback_data=SummaryCb(action=SumAction.CONFIRM, event_id=event_id),
    )
    kb.button(
        text=t.plain("summary.edit"),
        callback_data=SummaryCb(action=SumAction.EDIT, event_id=event_id),
    )
    kb.button(
        text=t.plain("summary.cancel"),
        callback_data=SummaryCb(action=SumAction.CANCEL, event_id=event_id),
    )
    kb.adjust(1)
    return kb.as_markup()


def summary_pick(
    event_id: str, choices: list[tuple[str, str]], t: Translator
) -> InlineKeyboardMarkup:
    """``choices``: (question key, label) of every answer that can be changed; a button names
    its answer by position (handlers/participant/registration.py finds the key again)."""
    kb = Keyboard()
    for index, (_qkey, label) in enumerate(choices):
        kb.button(
            text=_cut(label),
            callback_data=SummaryCb(action=SumAction.PICK, event_id=event_id, q=index),
        )
    kb.button(
        text=t.plain("summary.back"),
        callback_data=SummaryCb(action=SumAction.BACK, event_id=event_id),
    )
    kb.adjust(1)
    return kb.as_markup()


def profile(t: Translator, *, can_edit: bool, can_delete: bool) -> InlineKeyboardMarkup:
    """``can_delete``: anything is stored about the person (a draft or a registration is
    enough), not only a filled profile."""
    kb = Keyboard()
    if can_edit:
        kb.button(text=t.plain("profile.edit"), callback_data=ProfileCb(action=ProfAction.EDIT))
    if can_delete:
        kb.button(text=t.plain("profile.delete"), callback_data=ProfileCb(action=ProfAction.DELETE))
    kb.button(text=t.plain("menu.back"), callback_data=MenuCb(action=Menu.HOME))
    kb.adjust(1)
    return kb.as_markup()


def profile_pick(choices: list[tuple[str, str]], t: Translator) -> InlineKeyboardMarkup:
    kb = Keyboard()
    for question_id, label in choices:
        kb.button(text=_cut(label), callback_data=ProfileCb(action=ProfAction.PICK, q=question_id))
    kb.button(text=t.plain("summary.back"), callback_data=ProfileCb(action=ProfAction.SHOW))
    kb.adjust(1)
    return kb.as_markup()


def confirm_delete(t: Translator) -> InlineKeyboardMarkup:
    kb = Keyboard()
    kb.button(text=t.plain("delete.yes"), callback_data=ProfileCb(action=ProfAction.DELETE_YES))
    kb.button(text=t.plain("delete.no"), callback_data=ProfileCb(action=ProfAction.SHOW))
    kb.adjust(1)
    return kb.as_markup()


LANGUAGE_NAMES = {"ru": "Русский", "en": "English"}


def languages() -> InlineKeyboardMarkup:
    kb = Keyboard()
    for code in LOCALES:
        kb.button(text=LANGUAGE_NAMES[code], callback_data=LangCb(code=code))
    kb.adjust(2)
    return kb.as_markup()
