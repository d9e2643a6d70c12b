"""Webhook mode: Telegram calls the bot instead of the bot asking Telegram (``WEBHOOK_URL``).

aiogram's aiohttp handler serves ``WEBHOOK_HOST:WEBHOOK_PORT`` at the URL's path. It refuses
a request without the right ``X-Telegram-Bot-Api-Secret-Token`` header with 401 before the
dispatcher sees it, and answers Telegram at once, handling the update in the background:

* one person's updates are handled in the order they arrived, as in polling: each update's
  task is created in arrival order and waits for the person's isolation lock
  (storage/fsm.py ``BoundedEventIsolation``, first come first served) before anything that
  could let a later one overtake it;
* at most ``UPDATES_CONCURRENCY`` updates are handled at once; past that the answer to
  Telegram waits for a free slot, so a burst waits at Telegram, not as thousands of tasks
  here (the same rule as polling's ``tasks_concurrency_limit``).

The sender, scheduler and planner start in the dispatcher's startup hook, exactly as in
polling. ``setWebhook`` is called once the server listens, with the secret and the update
types the handlers use, never dropping the updates Telegram holds. Polling mode deletes the
webhook at start (keeping the pending updates), so switching back needs nothing else.

``GET /healthz`` answers bot/ops/health.py's snapshot as JSON: 200 when healthy, 503 if not.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import signal
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

from aiogram import Bot, Dispatcher
from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
from aiohttp import web

from bot.config import Settings
from bot.ops.health import collect
from storage.db import Database

log = logging.getLogger(__name__)

HEALTH_PATH = "/healthz"
#: How long a stop waits for the updates still being handled.
DRAIN_SECONDS = 10.0


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_webhook_url(value: str) -> str:
    """WEBHOOK_URL as Telegram will call it: https, or http to a loopback address (tests)."""
    value = value.strip()
    parts = urlsplit(value)
    host = parts.hostname or ""
    if parts.scheme not in ("https", "http") or not host or parts.fragment:
        raise ValueError("expected the public address, like https://bot.example.org/telegram")
    if parts.scheme == "http" and not _loopback(host):
        raise ValueError("Telegram calls webhooks over https only (http: loopback tests only)")
    if parts.path == HEALTH_PATH:
        raise ValueError(f"{HEALTH_PATH} is the health check; choose another path")
    return value


def webhook_path(url: str) -> str:
    return urlsplit(url).path or "/"


class OrderedRequestHandler(SimpleRequestHandler):
    """aiogram's handler with a bound on the updates handled at once (see the module
    docstring) and a stop that lets the updates under way finish."""

    def __init__(self, dispatcher: Dispatcher, bot: Bot, *, secret: str, slots: int) -> None:
        super().__init__(dispatcher, bot, handle_in_background=True, secret_token=secret)
        self._slots = asyncio.Semaphore(slots)

    async def _handle_request_background(self, bot: Bot, request: web.Request) -> web.Response:
        await self._slots.acquire()  # waiters resume first come, first served
        try:
            return await super()._handle_request_background(bot, request)
        except BaseException:  # the body could not be read: no task was made
            self._slots.release()
            raise

    async def _background_feed_update(self, bot: Bot, update: dict[str, Any]) -> None:
        try:
            await super()._background_feed_update(bot, update)
        finally:
            self._slots.release()

    @property
    def in_flight(self) -> int:
        """Updates being handled now (tests wait for 0)."""
        return len(self._background_feed_update_tasks)

    async def close(self) -> None:
        tasks = list(self._background_feed_update_tasks)
        if tasks:
            await asyncio.wait(tasks, timeout=DRAIN_SECONDS)
        await super().close()


def build_app(
    settings: Settings, dp: Dispatcher, bot: Bot
) -> tuple[web.Application, OrderedRequestHandler]:
    """The aiohttp application: the webhook at the URL's path and ``/healthz``."""
    assert settings.webhook_url is not None and settings.webhook_secret is not None
    app = web.Application()
    handler = OrderedRequestHandler(
        dp,
        bot,
        secret=settings.webhook_secret.get_secret_value(),
        slots=settings.updates_concurrency,
    )
    handler.register(app, path=webhook_path(settings.webhook_url))
    db: Database = dp["db"]

    async def healthz(_request: web.Request) -> web.Response:
        health = await collect(db, settings, running=True)
        return web.json_response(health.as_json(), status=200 if health.ok else 503)

    app.router.add_get(HEALTH_PATH, healthz)
    setup_application(app, dp, bot=bot)
    return app, handler


@contextlib.asynccontextmanager
async def serving(
    settings: Settings, dp: Dispatcher, bot: Bot
) -> AsyncIterator[OrderedRequestHandler]:
    """Listen, start the bot's runtime, register the webhook; stop it all on the way out
    (the webhook stays registered: Telegram keeps the updates until the bot is back)."""
    assert settings.webhook_url is not None and settings.webhook_secret is not None
    app, handler = build_app(settings, dp, bot)
    runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=5.0)
    await runner.setup()  # the dispatcher's startup: sender, scheduler, planner
    try:
        site = web.TCPSite(runner, settings.webhook_host, settings.webhook_port)
        await site.start()
        await bot.set_webhook(
            settings.webhook_url,
            secret_token=settings.webhook_secret.get_secret_value(),
            allowed_updates=dp.resolve_used_update_types(),
            drop_pending_updates=False,
        )
        log.info(
            "webhook mode: listening on %s:%s, Telegram calls %s",
            settings.webhook_host,
            settings.webhook_port,
            webhook_path(settings.webhook_url),
        )
        yield handler
    finally:
        await runner.cleanup()  # the dispatcher's shutdown after the updates under way


async def leave_webhook(bot: Bot) -> None:
    """Polling mode: delete a webhook left from webhook mode (the updates it holds stay)."""
    info = await bot.get_webhook_info()
    if info.url:
        log.info("deleting the webhook of webhook mode: polling now")
        await bot.delete_webhook(drop_pending_updates=False)


async def run_webhook(settings: Settings, dp: Dispatcher, bot: Bot) -> None:
    """``python -m bot`` in webhook mode: serve until SIGINT or SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with serving(settings, dp, bot):
        await stop.wait()
    log.info("webhook mode: stopped")
