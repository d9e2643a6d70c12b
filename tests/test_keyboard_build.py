"""handlers/keyboards/build.py lays buttons out exactly as aiogram's InlineKeyboardBuilder: the
same random sequences of button/row/adjust through both give the same markup."""

from __future__ import annotations

import random

import pytest
from aiogram.types import InlineKeyboardButton
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.callbacks import Menu, MenuCb
from handlers.keyboards.build import Keyboard


def _buttons(rng: random.Random, start: int) -> list[InlineKeyboardButton]:
    return [
        InlineKeyboardButton(text=f"b{start + i}", callback_data=f"d{start + i}")
        for i in range(rng.randint(1, 11))
    ]


@pytest.mark.parametrize("seed", range(200))
def test_the_same_layout_as_aiograms_builder(seed: int) -> None:
    rng = random.Random(seed)
    ours, theirs = Keyboard(), InlineKeyboardBuilder()
    made = 0
    for _ in range(rng.randint(1, 8)):
        action = rng.choice(("button", "button", "row", "adjust"))
        if action == "button":
            made += 1
            ours.button(text=f"b{made}", callback_data=f"d{made}")
            theirs.button(text=f"b{made}", callback_data=f"d{made}")
        elif action == "row":
            buttons = _buttons(rng, made)
            made += len(buttons)
            width = rng.randint(1, 8)
            ours.row(*buttons, width=width)
            theirs.row(*buttons, width=width)
        else:
            sizes = [rng.randint(1, 8) for _ in range(rng.randint(0, 4))]
            ours.adjust(*sizes)
            theirs.adjust(*sizes)
    assert ours.as_markup() == theirs.as_markup()


def test_callback_data_is_packed_and_sizes_are_checked() -> None:
    markup = Keyboard().button(text="Меню", callback_data=MenuCb(action=Menu.HOME)).as_markup()
    assert markup.inline_keyboard[0][0].callback_data == MenuCb(action=Menu.HOME).pack()
    with pytest.raises(ValueError, match="Row size 9"):
        Keyboard().adjust(9)
