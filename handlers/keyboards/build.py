"""An inline keyboard assembled in place: aiogram's ``InlineKeyboardBuilder`` without its copies.

The builder deep-copies its whole markup on every ``button()`` and again in ``as_markup()``
(pydantic models copied field by field): a region list of 20 buttons costs 210 copies of a
button. The registration profile (``python -m bench.registration --profile``) found those
copies at about 9% of the bot's time. :class:`Keyboard` keeps the same methods, arguments and
row layout (``button``, ``add``, ``row``, ``adjust``, ``as_markup``), so a keyboard function
changes one line, and builds each button once.
"""

from __future__ import annotations

from itertools import chain
from typing import Any

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

#: Telegram's widest inline row, as in aiogram's builder.
MAX_WIDTH = 8


def _width(size: int) -> int:
    if not 1 <= size <= MAX_WIDTH:
        raise ValueError(f"Row size {size} is not allowed, range: [1, {MAX_WIDTH}]")
    return size


class Keyboard:
    """Rows of inline buttons, laid out as ``InlineKeyboardBuilder`` lays them out."""

    __slots__ = ("_rows",)

    def __init__(self) -> None:
        self._rows: list[list[InlineKeyboardButton]] = []

    def button(self, **kwargs: Any) -> Keyboard:
        """One button (``callback_data`` may be a CallbackData, packed here), appended to the
        last row while it has room."""
        if isinstance(data := kwargs.get("callback_data"), CallbackData):
            kwargs["callback_data"] = data.pack()
        return self.add(InlineKeyboardButton(**kwargs))

    def add(self, *buttons: InlineKeyboardButton) -> Keyboard:
        rest = list(buttons)
        if self._rows and len(self._rows[-1]) < MAX_WIDTH:
            room = MAX_WIDTH - len(self._rows[-1])
            self._rows[-1].extend(rest[:room])
            rest = rest[room:]
        while rest:
            self._rows.append(rest[:MAX_WIDTH])
            rest = rest[MAX_WIDTH:]
        return self

    def row(self, *buttons: InlineKeyboardButton, width: int = MAX_WIDTH) -> Keyboard:
        """``buttons`` on new rows of at most ``width``."""
        _width(width)
        self._rows.extend(list(buttons[i : i + width]) for i in range(0, len(buttons), width))
        return self

    def adjust(self, *sizes: int) -> Keyboard:
        """Lay every button out again in rows of ``sizes``; the last size repeats."""
        widths = [_width(size) for size in sizes] or [MAX_WIDTH]
        rows: list[list[InlineKeyboardButton]] = []
        for button in chain.from_iterable(self._rows):
            if not rows or len(rows[-1]) >= widths[min(len(rows) - 1, len(widths) - 1)]:
                rows.append([])
            rows[-1].append(button)
        self._rows = rows
        return self

    def as_markup(self) -> InlineKeyboardMarkup:
        return InlineKeyboardMarkup(inline_keyboard=[list(row) for row in self._rows])
