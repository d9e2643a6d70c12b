"""What runs beside polling: the delivery queue's sender, the scheduler and the features.

A feature is a function ``setup(runtime)`` that registers outbox renderers, scheduler jobs and
startup work, and keeps its service on a typed attribute of :class:`Runtime`. Which features
run, and the handlers' renderers they are given, is decided by the app factory (bot/app.py);
this module knows no handlers. Built in the dispatcher's startup hook and stopped in its
shutdown hook, so ``python -m bot`` and the tests run exactly the same thing.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from aiogram import Bot, Dispatcher
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.config import Settings
from bot.delivery.sender import Sender
from bot.registration.regions import Regions
from bot.telegram import create_bot
from storage.db import Database

if TYPE_CHECKING:
    from bot.delivery.broadcasting import Broadcasting
    from bot.delivery.reminders import Reminders
    from bot.ops.backup import BackupJob
    from bot.ops.metrics import Metrics
    from bot.ops.retention import Retention
    from bot.registration.drafts import DraftExpiry
    from bot.staff.commands import CommandMenus

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    settings: Settings
    db: Database
    regions: Regions
    dp: Dispatcher
    bot: Bot  # the polling bot (replies); the sender has its own session without retries
    sender: Sender
    scheduler: AsyncIOScheduler
    on_started: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    on_stopped: list[Callable[[], Awaitable[None]]] = field(default_factory=list)  # bot/ops
    # Set by the features' setup (None while a feature is not running).
    reminders: Reminders | None = None
    broadcasting: Broadcasting | None = None
    drafts: DraftExpiry | None = None
    menus: CommandMenus | None = None
    # Operations (bot/ops/): None while switched off.
    backups: BackupJob | None = None
    retention: Retention | None = None
    metrics: Metrics | None = None


Feature = Callable[[Runtime], None]

#: The collector's thresholds while the bot runs (Python's are 700, 10, 10). Every update
#: allocates a few thousand short-lived objects (aiogram's pydantic models, the request and the
#: answer); with 700 the youngest generation is collected several times per update and a full
#: collection comes every hundred or so updates. Measured with bench/registration.py.
GC_THRESHOLDS = (7_000, 20, 20)


def settle_memory() -> None:
    """After start-up: collect once, then freeze what is alive (modules, routers, the form,
    the regions, the catalogs; it lives as long as the process) so no later collection walks
    it again, and raise the thresholds (:data:`GC_THRESHOLDS`). For ``python -m bot`` only,
    not for a process that builds and drops many bots (the tests): frozen objects are never
    collected."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


@dataclass(frozen=True, slots=True)
class Launcher:
    """The dispatcher's startup and shutdown hooks (registered by bot/app.py): what the
    runtime is built from, and the features it runs, in order."""

    settings: Settings
    db: Database
    regions: Regions
    features: Sequence[Feature]

    async def start(self, dispatcher: Dispatcher, bot: Bot) -> None:
        sender_bot = create_bot(self.settings, retry=False)
        sender = Sender(self.db, sender_bot, rate=self.settings.broadcast_rate)
        scheduler = AsyncIOScheduler(timezone="UTC")
        runtime = Runtime(self.settings, self.db, self.regions, dispatcher, bot, sender, scheduler)
        dispatcher["runtime"] = runtime
        dispatcher["sender"] = sender
        for setup in self.features:
            setup(runtime)
        scheduler.start()
        await sender.start()
        for hook in runtime.on_started:
            await hook()

    async def stop(self, dispatcher: Dispatcher) -> None:
        runtime: Runtime | None = dispatcher.workflow_data.get("runtime")
        if runtime is None:
            return
        for hook in runtime.on_stopped:
            await hook()
        runtime.scheduler.shutdown(wait=False)
        await runtime.sender.stop()
        await runtime.sender.bot.session.close()
        dispatcher.workflow_data.pop("runtime", None)
