"""Every button fits Telegram's 64 bytes of callback data by construction.

For every ``CallbackData`` factory of the handlers (found by walking the package, so a new one
is checked without being listed here) the longest value each field can hold is derived from the
field's declared bounds (``max_length`` of a string, ``le``/``lt`` of a number, the longest
member of an enum), and the button built from them must pack within 64 bytes. A field without a
bound fails the test: it could carry anything.
"""

from __future__ import annotations

import importlib
import pkgutil
import types
import typing
from enum import Enum
from typing import Any, cast

import annotated_types
import pytest
from aiogram.filters.callback_data import CallbackData
from pydantic import ValidationError
from pydantic.fields import FieldInfo

import handlers
from bot.events.files import EVENT_ID_MAX
from bot.registration.form import OPTION_ID_MAX, QUESTION_ID_MAX
from handlers.callbacks import AnswerCb, EvAction, EventCb, FeedbackCb, Pick, SumAction, SummaryCb

TELEGRAM_LIMIT = 64


def factories() -> list[type[CallbackData]]:
    for module in pkgutil.walk_packages(handlers.__path__, "handlers."):
        importlib.import_module(module.name)
    found: list[type[CallbackData]] = []
    todo = list(CallbackData.__subclasses__())
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return sorted(found, key=lambda c: c.__name__)


def _bound(field: FieldInfo) -> Any:
    for item in field.metadata:
        if isinstance(item, annotated_types.MaxLen):
            return item.max_length
        if isinstance(item, annotated_types.Le):
            return item.le
        if isinstance(item, annotated_types.Lt):
            return cast(int, item.lt) - 1
    return None


def _lower(field: FieldInfo) -> Any:
    for item in field.metadata:
        if isinstance(item, annotated_types.Ge):
            return item.ge
        if isinstance(item, annotated_types.Gt):
            return cast(int, item.gt) + 1
    return None


def _unwrap(annotation: Any) -> Any:
    """``X | None`` -> X (the bounds of an optional field live on its inner type)."""
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        inner = [a for a in typing.get_args(annotation) if a is not type(None)]
        assert len(inner) == 1, annotation
        return inner[0]
    return annotation


def longest_value(cls: type[CallbackData], name: str, field: FieldInfo) -> Any:
    """The value of this field whose packed form is longest."""
    annotation = _unwrap(field.annotation)
    if typing.get_origin(annotation) is typing.Annotated:
        annotation, *extra = typing.get_args(annotation)
        field = FieldInfo.merge_field_infos(field, *[e for e in extra if isinstance(e, FieldInfo)])
    where = f"{cls.__name__}.{name}"
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return max(annotation, key=lambda member: len(str(member.value)))
    if annotation is bool:
        return True
    if annotation is str:
        limit = _bound(field)
        assert limit is not None, f"{where}: a string without max_length"
        return "x" * limit
    if annotation is int:
        high, low = _bound(field), _lower(field)
        assert high is not None and low is not None, f"{where}: a number without ge and le/lt"
        return max(high, low, key=lambda n: len(str(n)))
    raise AssertionError(f"{where}: no rule for {annotation!r}")


def longest(cls: type[CallbackData]) -> CallbackData:
    values = {name: longest_value(cls, name, f) for name, f in cls.model_fields.items()}
    return cls(**values)


def test_all_factories_are_found() -> None:
    names = {cls.__name__ for cls in factories()}
    assert {"EventCb", "AnswerCb", "SummaryCb", "CoEditCb", "FeedbackCb", "ReminderCb"} <= names


@pytest.mark.parametrize("cls", factories(), ids=lambda c: c.__name__)
def test_the_longest_button_of_every_factory_fits_in_64_bytes(cls: type[CallbackData]) -> None:
    button = longest(cls)
    packed = button.pack()  # aiogram refuses past 64 bytes; the length is checked here too
    assert len(packed.encode()) <= TELEGRAM_LIMIT, packed
    assert cls.unpack(packed) == button


def test_a_value_past_its_bound_cannot_be_built() -> None:
    with pytest.raises(ValidationError):
        EventCb(action=EvAction.OPEN, event_id="x" * (EVENT_ID_MAX + 1))
    with pytest.raises(ValidationError):
        AnswerCb(q="e." + "x" * (QUESTION_ID_MAX + 1), kind=Pick.OPTION)
    with pytest.raises(ValidationError):
        FeedbackCb.model_validate({"action": "p", "event_id": "x", "q": -1})


def test_the_widest_answer_and_summary_buttons_at_the_id_limits() -> None:
    """The two that broke: an option of a long question, and "change this answer" of an event
    with a 48-character id (it once carried the question's key as well)."""
    answer = AnswerCb(q="e." + "q" * QUESTION_ID_MAX, kind=Pick.OPTION, value="o" * OPTION_ID_MAX)
    assert len(answer.pack()) <= TELEGRAM_LIMIT
    pick = SummaryCb(action=SumAction.PICK, event_id="x" * EVENT_ID_MAX, q=99)
    assert len(pick.pack()) <= TELEGRAM_LIMIT
