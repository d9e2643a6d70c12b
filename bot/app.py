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
from functools import partial

from aiogram import Bot, Dispatcher
from aiogram.exceptions import (
    TelegramNetworkError,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.fsm.storage.base import DefaultKeyBuilder
from aiogram.fsm.strategy import FSMStrategy

from bot.attendance.service import CheckInService, secret_of
from bot.config import Settings
from bot.delivery import broadcasting, reminders
from bot.delivery.notices import KIND_CANCELLED, KIND_NOTICE, KIND_PROMOTED
from bot.delivery.reminders import KIND_FEEDBACK, KIND_REMINDER
from bot.ops import backup, metrics, retention
from bot.ops.lock import RunLock
from bot.ops.metrics import Metrics
from bot.ops.observe import UpdateObserver
from bot.ops.webhook import leave_webhook, run_webhook
from bot.registration import drafts
from bot.registration.form import Form, default_form, load_form
from bot.registration.regions import Regions, default_regions
from bot.registration.service import RegistrationService
from bot.reports import report
from bot.reports.certificates import KIND_CERTIFICATE
from bot.reports.report import KIND_CHECKLIST, KIND_DUE, KIND_NUDGE
from bot.runtime import Feature, Launcher, Runtime, settle_memory
from bot.selection import confirm as selection_confirm
from bot.selection.publish import KIND_SELECTION
from bot.staff import commands
from bot.staff.commands import COMMANDS as PARTICIPANT_COMMANDS
from bot.telegram import create_bot
from handlers import get_routers
from handlers.middlewares import ParticipantMiddleware
from handlers.participant.feedback import render_feedback
from handlers.participant.notify import render_promoted
from handlers.participant.reminders import render_cancelled, render_notice, render_reminder
from handlers.reports.certificates import render_certificate
from handlers.reports.notices import render_report_notice
from handlers.routing import run_filters_inline
from handlers.selection.confirm import render_decision
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
    secret = secret_of(runtime.settings)  # the check-in QR: last reminder, a seat opened
    sender.register(
        KIND_REMINDER, lambda bot, item: render_reminder(bot, item, db, offsets, secret)
    )
    sender.register(KIND_NOTICE, lambda bot, item: render_notice(bot, item, db))
    sender.register(KIND_CANCELLED, lambda bot, item: render_cancelled(bot, item, db))
    sender.register(KIND_PROMOTED, lambda bot, item: render_promoted(bot, item, db, secret))
    sender.register(KIND_FEEDBACK, lambda bot, item: render_feedback(bot, item, db))


def selection_decisions(runtime: Runtime) -> None:
    """Issue 9: the messages about selection decisions, and the job that expires the seats
    not confirmed in time (passing them down the reserve list)."""
    db = runtime.db
    runtime.sender.register(KIND_SELECTION, lambda bot, item: render_decision(bot, item, db))
    selection_confirm.setup(runtime)


def announcements(runtime: Runtime) -> None:
    """The broadcaster, showing its progress through the handlers' status message."""
    settings = runtime.settings
    view = StatusView(runtime.bot, runtime.db, settings.default_locale, runtime.regions)
    broadcasting.setup(runtime, view)


def report_renderers(runtime: Runtime) -> None:
    """Issue 10: certificates (with the feedback request) and the report's checklist, due
    reminder and nudge to coordinators; the report job (bot/reports/report.py)."""
    db, settings, sender = runtime.db, runtime.settings, runtime.sender
    sender.register(KIND_CERTIFICATE, lambda bot, item: render_certificate(bot, item, db, settings))
    for kind in (KIND_CHECKLIST, KIND_DUE, KIND_NUDGE):
        sender.register(kind, lambda bot, item: render_report_notice(bot, item, db, settings))
    report.setup(runtime)


#: What runs beside polling, in order (bot/runtime.py starts them).
FEATURES: tuple[Feature, ...] = (
    reminders.setup,
    participant_renderers,
    report_renderers,
    announcements,
    drafts.setup,
    commands.setup,
    selection_decisions,
    # operations (issue 11): the daily backup and retention sweep, the metrics endpoint
    backup.setup,
    retention.setup,
    metrics.setup,
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
    # "Delete my data" from an accepted applicant passes the seat down the reserve list.
    dp["registration"].seat_releases.append(partial(selection_confirm.release_seats, db))
    # Check-in (issue 10): signs and verifies the personal QR links.
    dp["checkin"] = CheckInService(db, secret_of(settings), dp["registration"])

    # One log line per update and the update metrics (bot/ops/observe.py), innermost.
    dp["metrics"] = Metrics() if settings.metrics_port is not None else None
    dp.update.outer_middleware(UpdateObserver(dp["metrics"]))

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
    """Run until stopped: polling, or webhook mode with WEBHOOK_URL (bot/ops/webhook.py).

    The run lock (bot/ops/lock.py) says a bot runs on this database; ``restore`` checks it.
    """
    with RunLock(settings.database_path):
        async with Database(
            settings.database_path, busy_timeout_ms=settings.db_busy_timeout_ms
        ) as db:
            bot = create_bot(settings)
            dp = create_dispatcher(settings, db)
            settle_memory()
            try:
                username = await wait_for_telegram(bot)
                log.info("starting @%s with database %s", username, settings.database_path)
                if settings.webhook_url is not None:
                    await run_webhook(settings, dp, bot)
                    return
                await leave_webhook(bot)
                await dp.start_polling(
                    bot,
                    allowed_updates=dp.resolve_used_update_types(),
                    handle_as_tasks=True,
                    # Polling waits for a free slot: a burst of updates queues at Telegram,
                    # not as thousands of tasks in this process's memory.
                    tasks_concurrency_limit=settings.updates_concurrency,
                )
            finally:
                await bot.session.close()
