"""The coordinator's keyboards are pure functions; every button fits Telegram's 64 bytes of
callback data even for the longest event id an events file allows (48 characters)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from aiogram.types import InlineKeyboardMarkup

from bot.events.input import EventField
from bot.i18n import LOCALES, translator
from bot.registration.regions import default_regions
from bot.staff.coordination import CoordinatorInfo
from bot.staff.roles import Role, RoleKind
from handlers.callbacks import CoEditCb, CoEventCb
from handlers.keyboards import staff as kb
from tests.support.running import make_event

LONGEST = "x" * 48
EVENT = make_event(LONGEST, title="Очень длинное название мероприятия " * 5)
EVERYONE = Role(RoleKind.COORDINATOR, None)
UFO = Role(RoleKind.COORDINATOR, "ufo")


def keyboards(locale: str) -> list[InlineKeyboardMarkup]:
    t = translator(locale)
    regions = default_regions()
    people = [
        CoordinatorInfo(10**12, "skfo", "Имя" * 30, "u" * 32, 1, datetime(2026, 1, 1, tzinfo=UTC))
    ]
    return [
        kb.events([EVENT] * 6, 98, 99, t),
        kb.events([EVENT] * 6, 1, 3, t, stats=True),
        kb.event_card(EVENT, t, can_change=True),
        kb.people(LONGEST, 98, 99, t),
        kb.confirm_cancel(LONGEST, t),
        kb.back_to_event(LONGEST, t),
        kb.new_kinds(t),
        kb.new_districts(t, regions),
        kb.skip(t),
        kb.new_confirm(t),
        kb.edit_fields(EVENT, t, EVERYONE),
        kb.edit_kinds(LONGEST, t),
        kb.edit_districts(LONGEST, t, regions),
        *(kb.edit_value(LONGEST, f, t) for f in EventField),
        *(kb.edit_confirm(LONGEST, f, t) for f in EventField),
        kb.admin_menu(t, any_coordinators=True),
        kb.admin_scopes(t, regions),
        kb.admin_remove(people, t),
        kb.admin_remove_confirm(10**12, t),
        kb.admin_menu(t, any_coordinators=True, any_invites=True),
        kb.admin_invites([(2**62, "Северо-Кавказский федеральный округ" * 3)], t),
    ]


@pytest.mark.parametrize("locale", LOCALES)
def test_every_button_fits_and_has_a_label(locale: str) -> None:
    for markup in keyboards(locale):
        for row in markup.inline_keyboard:
            for button in row:
                assert button.text.strip()
                assert len(button.text) <= 64
                assert button.callback_data is not None
                assert len(button.callback_data.encode()) <= 64, button.callback_data


def test_buttons_decode_back_to_what_they_mean() -> None:
    t = translator("ru")
    card = kb.event_card(EVENT, t, can_change=True)
    opened = [
        CoEventCb.unpack(b.callback_data or "")
        for row in card.inline_keyboard
        for b in row
        if (b.callback_data or "").startswith("ce1")
    ]
    assert {c.event_id for c in opened} == {LONGEST}
    picks = kb.edit_districts(LONGEST, t, default_regions())
    decoded = [CoEditCb.unpack(b.callback_data or "") for row in picks.inline_keyboard for b in row]
    assert [d.value for d in decoded] == [
        "all",
        "cfo",
        "szfo",
        "yufo",
        "skfo",
        "pfo",
        "ufo",
        "sfo",
        "dfo",
    ]


def test_what_a_district_coordinator_may_change() -> None:
    t = translator("ru")
    labels = [b.text for row in kb.edit_fields(EVENT, t, UFO).inline_keyboard for b in row]
    assert "Округ" not in labels and "Название" in labels
    labels = [b.text for row in kb.edit_fields(EVENT, t, EVERYONE).inline_keyboard for b in row]
    assert "Округ" in labels
    card = kb.event_card(EVENT, t, can_change=False)
    labels = [b.text for row in card.inline_keyboard for b in row]
    assert "✏️ Изменить" not in labels and "❌ Отменить" not in labels
    assert "🖨 Лист регистрации" in labels
