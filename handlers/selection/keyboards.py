"""Keyboards of selection events: pure functions of their data and the translator."""

from __future__ import annotations

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import Translator
from bot.selection.config import SelectionSpec
from handlers.callbacks import EvAction, EventCb, Menu, MenuCb
from handlers.keyboards.build import Keyboard
from handlers.selection.callbacks import (
    ApAction,
    ApplyCb,
    ReviewCb,
    ReviewEventCb,
    RvAction,
)
from storage.applications import Application, AppStatus
from storage.models import Event

#: Telegram shows at most 8 buttons in a row and 100 in a keyboard.
ROW_MAX = 6
BUTTONS_MAX = 100


def selection_card(
    event: Event, t: Translator, *, status: AppStatus | None, is_open: bool
) -> InlineKeyboardMarkup:
    kb = Keyboard()
    if is_open and status in (None, AppStatus.WITHDRAWN):
        kb.button(
            text=t.plain("selection.apply"),
            callback_data=EventCb(action=EvAction.REGISTER, event_id=event.id),
        )
    if status is not None and status is not AppStatus.WITHDRAWN:
        kb.button(
            text=t.plain("selection.view"),
            callback_data=ApplyCb(action=ApAction.VIEW, event_id=event.id),
        )
    kb.button(text=t.plain("event.to_list"), callback_data=MenuCb(action=Menu.EVENTS))
    kb.adjust(1)
    return kb.as_markup()


def application(event: Event, t: Translator, *, editable: bool) -> InlineKeyboardMarkup:
    kb = Keyboard()
    if editable:
        kb.button(
            text=t.plain("selection.edit"),
            callback_data=EventCb(action=EvAction.REGISTER, event_id=event.id),
        )
        kb.button(
            text=t.plain("selection.withdraw"),
            callback_data=ApplyCb(action=ApAction.WITHDRAW, event_id=event.id),
        )
    kb.button(
        text=t.plain("selection.to_card"),
        callback_data=EventCb(action=EvAction.OPEN, event_id=event.id),
    )
    kb.adjust(1)
    return kb.as_markup()


def after_apply(event: Event, t: Translator) -> InlineKeyboardMarkup:
    kb = Keyboard()
    kb.button(
        text=t.plain("selection.view"),
        callback_data=ApplyCb(action=ApAction.VIEW, event_id=event.id),
    )
    kb.button(text=t.plain("menu.back"), callback_data=MenuCb(action=Menu.HOME))
    kb.adjust(1)
    return kb.as_markup()


def withdraw(event: Event, t: Translator) -> InlineKeyboardMarkup:
    kb = Keyboard()
    kb.button(
        text=t.plain("selection.withdraw_yes"),
        callback_data=ApplyCb(action=ApAction.WITHDRAW_YES, event_id=event.id),
    )
    kb.button(
        text=t.plain("selection.withdraw_no"),
        callback_data=ApplyCb(action=ApAction.VIEW, event_id=event.id),
    )
    kb.adjust(1)
    return kb.as_markup()


# --- an expert's keyboards -----------------------------------------------------------------


def events(items: list[Event]) -> InlineKeyboardMarkup:
    kb = Keyboard()
    for event in items:
        kb.button(text=event.title[:60], callback_data=ReviewEventCb(event_id=event.id))
    kb.adjust(1)
    return kb.as_markup()


def _button(text: str, action: RvAction, app: int, c: int = 0, v: int = 0) -> InlineKeyboardButton:
    data = ReviewCb(action=action, app=app, c=c, v=v).pack()
    return InlineKeyboardButton(text=text, callback_data=data)


def scoring(
    spec: SelectionSpec, app: int, scores: dict[str, int], t: Translator
) -> InlineKeyboardMarkup:
    """A row of 0..max per criterion (the chosen one marked), its name above it where the
    keyboard has room; "Save" once every criterion has a score; skip and recuse."""
    rows: list[list[InlineKeyboardButton]] = []
    with_labels = sum(c.max + 2 for c in spec.criteria) + 3 <= BUTTONS_MAX
    for index, c in enumerate(spec.criteria):
        if with_labels:
            label = f"{index + 1}. {c.title.get(t.locale)}"[:60]
            rows.append([_button(label, RvAction.LABEL, app, index)])
        chosen = scores.get(c.id)
        row = [
            _button(f"✅{v}" if v == chosen else str(v), RvAction.SCORE, app, index, v)
            for v in range(c.max + 1)
        ]
        rows += [row[i : i + ROW_MAX] for i in range(0, len(row), ROW_MAX)]
    if all(c.id in scores for c in spec.criteria):
        rows.append([_button(t.plain("review.save"), RvAction.SAVE, app)])
    rows.append(
        [
            _button(t.plain("review.skip"), RvAction.SKIP, app),
            _button(t.plain("review.recuse"), RvAction.RECUSE, app),
        ]
    )
    return InlineKeyboardMarkup(inline_keyboard=rows)


def saved(app: int, t: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [_button(t.plain("review.next"), RvAction.NEXT, app)],
            [_button(t.plain("review.others"), RvAction.OTHERS, app)],
            [_button(t.plain("review.change"), RvAction.CHANGE, app)],
        ]
    )


def add_application_buttons(
    markup: InlineKeyboardMarkup, items: list[tuple[Application, Event]], t: Translator
) -> None:
    """/my: one button per application (its card), above the last row ("back")."""
    rows = [
        [
            InlineKeyboardButton(
                text=t.plain("selection.my_button", title=event.title[:50]),
                callback_data=EventCb(action=EvAction.OPEN, event_id=event.id).pack(),
            )
        ]
        for application, event in items
        if application.status is not AppStatus.WITHDRAWN
    ]
    markup.inline_keyboard[-1:-1] = rows
