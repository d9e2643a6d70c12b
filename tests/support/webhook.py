"""The real bot in webhook mode (the same ``serving`` as ``python -m bot`` with WEBHOOK_URL),
called by the stand-in server, which POSTs the updates to it as Telegram does."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from bot.app import create_dispatcher
from bot.config import Settings
from bot.events.files import import_events
from bot.ops.webhook import OrderedRequestHandler, serving
from bot.telegram import create_bot
from storage.db import Database, utcnow
from storage.models import Event
from tests.support.running import bot_settings
from tests.support.stand_in import StandInServer

SECRET = "s3cret-Token_for-the-tests"
HOOK_PATH = "/telegram/hook"


def free_port() -> int:
    """A port nobody listens on now (the bot binds it a moment later)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def webhook_settings(tmp_path: Path, server: StandInServer, **fields: Any) -> Settings:
    port = free_port()
    return bot_settings(
        tmp_path,
        server,
        webhook_url=f"http://127.0.0.1:{port}{HOOK_PATH}",
        webhook_secret=SECRET,
        webhook_host="127.0.0.1",
        webhook_port=port,
        **fields,
    )


def base_url(settings: Settings) -> str:
    return f"http://127.0.0.1:{settings.webhook_port}"


class WebhookBot:
    """The real bot serving its webhook; ``settled`` waits until no update is being handled."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.db = Database(settings.database_path, busy_timeout_ms=settings.db_busy_timeout_ms)
        self._stack = contextlib.AsyncExitStack()
        self.handler: OrderedRequestHandler | None = None

    async def start(self) -> None:
        await self.db.connect()
        self.bot = create_bot(self.settings)
        self.dp = create_dispatcher(self.settings, self.db)
        self.handler = await self._stack.enter_async_context(
            serving(self.settings, self.dp, self.bot)
        )

    async def stop(self) -> None:
        await self._stack.aclose()
        await self.bot.session.close()
        await self.db.close()

    async def settled(self, timeout: float = 20.0) -> None:  # noqa: ASYNC109
        """Return once every update received has been handled."""
        assert self.handler is not None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.handler.in_flight:
            if loop.time() > deadline:
                msg = f"{self.handler.in_flight} update(s) still handled after {timeout} s"
                raise TimeoutError(msg)
            await asyncio.sleep(0.005)

    async def add_events(self, *events: Event) -> None:
        await import_events(self.db, list(events), utcnow())


@contextlib.asynccontextmanager
async def webhook_bot(
    settings: Settings, server: StandInServer, *, settle: bool = True
) -> AsyncIterator[WebhookBot]:
    """The bot in webhook mode for the block. With ``settle`` the stand-in counts an update
    as processed once its handling is over (``Person.send`` then returns the replies)."""
    bot = WebhookBot(settings)
    await bot.start()
    server.webhook_settle = bot.settled if settle else None
    try:
        yield bot
    finally:
        server.webhook_settle = None
        await bot.stop()
