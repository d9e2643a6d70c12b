"""Prometheus metrics (``METRICS_PORT``): what the bot does, for a dashboard and alerts.

* ``bot_updates_total{type,outcome}``, ``bot_handler_errors_total{type}`` and the answer
  latency ``bot_update_seconds{type}``: from the outer middleware of bot/ops/observe.py;
* ``bot_outbox_pending``: the delivery queue's depth, read at each scrape;
* ``bot_messages_total{kind,outcome}``: the sender's results (its listener hook), the
  outcome being sent, failed, dropped, retry or 429;
* ``bot_telegram_429_total{source}``: 429 answers to the sender and to the replies;
* ``bot_db_write_wait_seconds`` and ``bot_db_unavailable_total``: how long writers waited
  for SQLite's write lock, and how often they gave up (storage/db.py's hook).

Each bot has its own registry (tests run several in one process); the endpoint is a small
aiohttp server on ``METRICS_HOST:METRICS_PORT`` at ``/metrics``.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from aiogram import Bot
from aiogram.client.session.middlewares.base import NextRequestMiddlewareType
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import TelegramMethod
from aiogram.methods.base import Response, TelegramType
from aiohttp import web
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

from storage.ops import OpsRepo
from storage.outbox import Outcome, OutItem, OutStatus

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger(__name__)

LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
LOCK_BUCKETS = (0.001, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0, 30.0)


class Metrics:
    def __init__(self) -> None:
        r = self.registry = CollectorRegistry()
        self.updates = Counter("bot_updates", "Updates handled", ["type", "outcome"], registry=r)
        self.errors = Counter(
            "bot_handler_errors", "Updates whose handler raised", ["type"], registry=r
        )
        self.latency = Histogram(
            "bot_update_seconds",
            "Time from the update's arrival at the handlers to the end of its handling",
            ["type"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.queue_depth = Gauge(
            "bot_outbox_pending", "Messages waiting in the delivery queue", registry=r
        )
        self.messages = Counter(
            "bot_messages",
            "Messages of the delivery queue by kind and outcome",
            ["kind", "outcome"],
            registry=r,
        )
        self.too_many = Counter(
            "bot_telegram_429",
            "429 Too Many Requests answers from Telegram",
            ["source"],
            registry=r,
        )
        self.lock_wait = Histogram(
            "bot_db_write_wait_seconds",
            "Time a writer waited for the database's write lock",
            buckets=LOCK_BUCKETS,
            registry=r,
        )
        self.unavailable = Counter(
            "bot_db_unavailable",
            "Writes given up: the database stayed locked past the busy timeout",
            registry=r,
        )

    # --- hooks ---------------------------------------------------------------------------

    def update_handled(self, kind: str, outcome: str, seconds: float) -> None:
        self.updates.labels(kind, outcome).inc()
        if outcome == "error":
            self.errors.labels(kind).inc()
        self.latency.labels(kind).observe(seconds)

    async def sender_results(self, batch: list[tuple[OutItem, Outcome]]) -> None:
        """The sender's listener (bot/delivery/sender.py): called after each batch written."""
        for item, outcome in batch:
            label = outcome.status.value
            if outcome.status is OutStatus.PENDING:
                label = "429" if outcome.error == "429" else "retry"
            if label == "429":
                self.too_many.labels("sender").inc()
            self.messages.labels(item.kind, label).inc()

    def write_waited(self, seconds: float, acquired: bool) -> None:
        """storage/db.py's hook: a writer got (or gave up on) the write lock."""
        self.lock_wait.observe(seconds)
        if not acquired:
            self.unavailable.inc()

    async def count_429(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        """A request middleware of the replying bot: counts each 429 (then retried)."""
        try:
            return await make_request(bot, method)
        except TelegramRetryAfter:
            self.too_many.labels("replies").inc()
            raise

    def render(self) -> bytes:
        return generate_latest(self.registry)


class MetricsServer:
    """``GET /metrics`` on its own port; the queue depth is read at each scrape."""

    def __init__(self, metrics: Metrics, repo: OpsRepo, host: str, port: int) -> None:
        self.metrics = metrics
        self.repo = repo
        self.host = host
        self.port = port
        self._runner: web.AppRunner | None = None

    async def scrape(self, _request: web.Request) -> web.Response:
        try:
            self.metrics.queue_depth.set(await self.repo.pending_depth())
        except Exception as exc:  # a locked database must not fail the scrape
            log.warning("metrics: queue depth not read (%r)", exc)
        return web.Response(
            body=self.metrics.render(), headers={"Content-Type": CONTENT_TYPE_LATEST}
        )

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/metrics", self.scrape)
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        await web.TCPSite(runner, self.host, self.port).start()
        self._runner = runner
        log.info("metrics on http://%s:%s/metrics", self.host, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()


def setup(runtime: Runtime) -> None:
    """With ``METRICS_PORT`` set: hook the metrics made by the app factory into the sender,
    the database and the replying bot, and serve them."""
    settings = runtime.settings
    metrics: Metrics | None = runtime.dp.workflow_data.get("metrics")
    if metrics is None or settings.metrics_port is None:
        return
    runtime.metrics = metrics
    runtime.sender.listeners.append(metrics.sender_results)
    runtime.db.on_write_wait = metrics.write_waited
    replies = runtime.bot.session.middleware
    if metrics.count_429 not in list(replies):  # once, however often the bot starts
        replies(metrics.count_429)
    server = MetricsServer(
        metrics, OpsRepo(runtime.db), settings.metrics_host, settings.metrics_port
    )
    runtime.on_started.append(server.start)
    runtime.on_stopped.append(server.stop)
