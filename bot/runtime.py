"""What runs beside polling: the delivery queue's sender and the scheduler.

Features plug in through ``FEATURES``: each module has ``setup(runtime)`` which registers
outbox renderers, scheduler jobs and startup work. Built in the dispatcher's startup hook and
stopped in its shutdown hook, so ``python -m bot`` and the tests run exactly the same thing.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiogram import Bot, Dispatcher
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.config import Settings
from bot.delivery.sender import Sender
from storage.db import Database

log = logging.getLogger(__name__)

FEATURES = (
    "bot.delivery.reminders",
    "bot.delivery.broadcasting",
    "bot.registration.drafts",
    "bot.staff.commands",
)


@dataclass
class Runtime:
    settings: Settings
    db: Database
    dp: Dispatcher
    bot: Bot  # the polling bot (replies); the sender has its own session without retries
    sender: Sender
    scheduler: AsyncIOScheduler
    on_started: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


async def start_runtime(dispatcher: Dispatcher, bot: Bot) -> None:
    from bot.telegram import create_bot

    settings: Settings = dispatcher["settings"]
    db: Database = dispatcher["db"]
    sender_bot = create_bot(settings, retry=False)
    sender = Sender(db, sender_bot, rate=settings.broadcast_rate)
    scheduler = AsyncIOScheduler(timezone="UTC")
    runtime = Runtime(settings, db, dispatcher, bot, sender, scheduler)
    dispatcher["runtime"] = runtime
    dispatcher["sender"] = sender
    for name in FEATURES:
        importlib.import_module(name).setup(runtime)
    scheduler.start()
    await sender.start()
    for hook in runtime.on_started:
        await hook()


async def stop_runtime(dispatcher: Dispatcher) -> None:
    runtime: Runtime | None = dispatcher.workflow_data.get("runtime")
    if runtime is None:
        return
    runtime.scheduler.shutdown(wait=False)
    await runtime.sender.stop()
    await runtime.sender.bot.session.close()
    dispatcher.workflow_data.pop("runtime", None)
