"""One log line per update, and the update metrics: an outer middleware of the dispatcher.

The line names the update by its id and the person by their Telegram id, never by name
(bot/ops/logs.py). It is the innermost outer middleware (after the person's isolation lock),
so the time it measures is the handling itself; an exception is counted and passed on to
the dispatcher's error handler (handlers/errors.py), which answers the person.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.types import TelegramObject, Update, User

from bot.ops.metrics import Metrics

log = logging.getLogger("bot.updates")

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class UpdateObserver(BaseMiddleware):
    def __init__(self, metrics: Metrics | None = None) -> None:
        self.metrics = metrics

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        if not isinstance(event, Update):  # pragma: no cover (installed on updates only)
            return await handler(event, data)
        user: User | None = data.get("event_from_user")
        kind = event.event_type
        started = time.perf_counter()
        outcome = "error"
        try:
            result = await handler(event, data)
            outcome = "unhandled" if result is UNHANDLED else "handled"
            return result
        finally:
            seconds = time.perf_counter() - started
            if self.metrics is not None:
                self.metrics.update_handled(kind, outcome, seconds)
            log.info(
                "update %s %s from %s: %s in %.0f ms",
                event.update_id,
                kind,
                user.id if user is not None else "-",
                outcome,
                seconds * 1000,
                extra={
                    "update_id": event.update_id,
                    "update_type": kind,
                    "user_id": user.id if user is not None else None,
                    "outcome": outcome,
                    "duration_ms": round(seconds * 1000, 1),
                },
            )
