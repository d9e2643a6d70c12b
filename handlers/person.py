"""The base of the outer update middlewares that act on the person behind an update."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, User

#: The next step of aiogram's middleware chain (the handler, or the next middleware).
Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class PersonMiddleware(BaseMiddleware, ABC):
    """Hands ``for_person`` the person aiogram found for the update (``event_from_user``).

    The throttle (handlers/throttle.py) and the participant context (handlers/middlewares.py)
    both start from that person; the user is None for updates that have none (a channel post,
    a poll's new state), and a bot for updates from other bots: each subclass decides.
    """

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: User | None = data.get("event_from_user")
        return await self.for_person(user, handler, event, data)

    @abstractmethod
    async def for_person(
        self, user: User | None, handler: Handler, event: TelegramObject, data: dict[str, Any]
    ) -> Any:
        """Handle the update of ``user``, calling ``handler(event, data)`` to go on."""
