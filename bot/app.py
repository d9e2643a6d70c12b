"""The one factory: main() and the tests build the bot the same way.

The composition root: the only module that knows both bot/ and handlers/ (import-linter checks
it, see pyproject.toml). It builds the services, hands the handlers' renderers and status view
to the delivery queue, and assembles the routers.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from aiogram import Bot, Dispatcher
from aiogram.exceptions import (
    TelegramNetworkError,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.fsm.storage.base import DefaultKeyBuilder
from aiogram.fsm.strategy import FSMStrategy

from bot.config import Settings
from bot.delivery import broadcasting, reminders
from bot.delivery.notices import KIND_CANCELLED, KIND_NOTICE, KIND_PROMOTED
from bot.delivery.reminders import KIND_FEEDBACK, KIND_REMINDER
from bot.registration import drafts
from bot.registration.form import Form, default_form, load_form
from bot.registration.regions import Regions, default_regions
from bot.registration.service import RegistrationService
from bot.runtime import Feature, Launcher, Runtime, settle_memory
from bot.staff import commands
from bot.staff.commands import COMMANDS as PARTICIPANT_COMMANDS
from bot.telegram import create_bot
from handlers import get_routers
from handlers.middlewares import ParticipantMiddleware
from handlers.participant.feedback import render_feedback
from handlers.participant.notify import render_promoted
from handlers.participant.reminders import render_cancelled, render_notice, render_reminder
from handlers.routing import run_filters_inline
from handlers.throttle import ThrottleMiddleware, install_throttle
from handlers.views.broadcast import StatusView
from storage.db import Database, utcnow
from storage.fsm import BoundedEventIsolation, SQLiteStorage

log = logging.getLogger(__name__)

COMMANDS = PARTICIPANT_COMMANDS  # the menu is set by bot/staff/commands.py (a runtime feature)


def participant_renderers(runtime: Runtime) -> None:
    """The Telegram side of what the planner and the registration service queue: reminders,
    change notices, cancellations, promotions and feedback requests (messages with buttons)."""
    db, offsets, sender = runtime.db, runtime.settings.reminder_offsets, runtime.sender
    sender.register(KIND_REMINDER, lambda bot, item: render_reminder(bot, item, db, offsets))
    sender.register(KIND_NOTICE, lambda bot, item: render_notice(bot, item, db))
    sender.register(KIND_CANCELLED, lambda bot, item: render_cancelled(bot, item, db))
    sender.register(KIND_PROMOTED, lambda bot, item: render_promoted(bot, item, db))
    sender.register(KIND_FEEDBACK, lambda bot, item: render_feedback(bot, item, db))


def announcements(runtime: Runtime) -> None:
    """The broadcaster, showing its progress through the handlers' status message."""
    settings = runtime.settings
    view = StatusView(runtime.bot, runtime.db, settings.default_locale, runtime.regions)
    broadcasting.setup(runtime, view)


#: What runs beside polling, in order (bot/runtime.py starts them).
FEATURES: tuple[Feature, ...] = (
    reminders.setup,
    participant_renderers,
    announcements,
    drafts.setup,
    commands.setup,
)


def load_questionnaire(settings: Settings) -> Form:
    return load_form(settings.form_path) if settings.form_path else default_form()


def create_dispatcher(
    settings: Settings,
    db: Database,
    *,
    form: Form | None = None,
    regions: Regions | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> Dispatcher:
    form = form or load_questionnaire(settings)
    regions = regions or default_regions()
    storage = SQLiteStorage(db, DefaultKeyBuilder(with_destiny=True))

    dp = Dispatcher(
        storage=storage,
        events_isolation=BoundedEventIsolation(),  # a person's lock lives while in use
        fsm_strategy=FSMStrategy.USER_IN_CHAT,
    )
    # Before the isolation lock and the participant lookup: a flood costs no lock, no SQL.
    install_throttle(
        dp, ThrottleMiddleware(settings.flood_rate, settings.flood_burst, settings.default_locale)
    )
    dp["settings"] = settings
    dp["db"] = db
    dp["form"] = form
    dp["regions"] = regions
    dp["default_locale"] = settings.default_locale
    dp["registration"] = RegistrationService(db, form, regions, clock=clock)

    participants = ParticipantMiddleware(db, settings.default_locale, settings.admin_ids)
    # Inside the private-chats-only router (handlers/__init__.py): no reads or writes about
    # people who write in a group.
    dp.include_routers(*get_routers([participants]))
    # Sync filters (F, plain functions) checked in the loop, not through a thread pool hop.
    run_filters_inline(dp)
    launcher = Launcher(settings, db, regions, FEATURES)
    dp.startup.register(launcher.start)
    dp.shutdown.register(launcher.stop)
    return dp


class TokenRejected(Exception):
    """Telegram answered 401: the token is wrong or revoked."""


async def wait_for_telegram(bot: Bot, *, max_delay: float = 60.0) -> str:
    """getMe until Telegram answers (the network may come up after the bot)."""
    delay = 1.0
    while True:
        try:
            me = await bot.get_me()
            return me.username or str(me.id)
        except TelegramUnauthorizedError:
            raise TokenRejected from None
        except (TelegramNetworkError, TelegramServerError) as exc:
            log.warning("Telegram is not reachable (%s); trying again in %.0f s", exc, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, max_delay)


async def run_bot(settings: Settings) -> None:
    async with Database(settings.database_path, busy_timeout_ms=settings.db_busy_timeout_ms) as db:
        bot = create_bot(settings)
        dp = create_dispatcher(settings, db)
        settle_memory()
        try:
            username = await wait_for_telegram(bot)
            log.info("starting @%s with database %s", username, settings.database_path)
            await dp.start_polling(
                bot,
                allowed_updates=dp.resolve_used_update_types(),
                handle_as_tasks=True,
                # Polling waits for a free slot: a burst of updates queues at Telegram, not
                # as thousands of tasks in this process's memory.
                tasks_concurrency_limit=settings.updates_concurrency,
            )
        finally:
            await bot.session.close()
