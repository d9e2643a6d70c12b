"""An error that says why something was refused, by a reason from a closed list."""

from __future__ import annotations

from enum import StrEnum
from typing import Generic, TypeVar

R = TypeVar("R", bound=StrEnum)


class Refused(Exception, Generic[R]):
    """Refused for ``reason``, a member of an enum whose value names the text in locales.

    Registration (bot/registration/service.py, ``closed.*``) and the typed event fields
    (bot/events/input.py, ``newevent.problem.*``) refuse the same way: the handler shows the
    reason's text, a test checks the reason; the message is the value, for logs.
    """

    def __init__(self, reason: R) -> None:
        super().__init__(reason.value)
        self.reason = reason
