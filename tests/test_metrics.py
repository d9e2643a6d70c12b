"""The Prometheus endpoint (METRICS_PORT), scraped after a conversation and an announcement."""

from __future__ import annotations

from pathlib import Path

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from bot.delivery.broadcasting import Audience, AudienceKind, BroadcastService
from bot.registration.regions import default_regions
from tests.support.broadcast import add_people, wait_until
from tests.support.people import Person
from tests.support.running import bot_settings, make_event, polling, sign_up
from tests.support.stand_in import StandInServer
from tests.support.webhook import free_port

RECIPIENTS = list(range(60_001, 60_011))


async def scrape(port: int) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"http://127.0.0.1:{port}/metrics") as response,
    ):
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain")
        text = await response.text()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(
    samples: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str
) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


async def test_metrics_after_a_conversation_and_an_announcement(
    tmp_path: Path, server: StandInServer, irina: Person, john: Person
) -> None:
    port = free_port()
    settings = bot_settings(tmp_path, server, metrics_port=port)
    async with polling(settings, server) as running:
        await running.add_events(make_event())
        reply = await sign_up(irina)
        assert "Вы зарегистрированы" in reply.text
        # one handler error: Telegram refuses the reply to /help once
        server.fail("sendMessage", error_code=400, description="Bad Request: boom", chat_id=john.id)
        await john.send("/help")
        # an announcement through the delivery queue, with one 429 on the way
        await add_people(running.db, server, RECIPIENTS)
        server.too_many_requests("sendMessage", retry_after=1)
        service = BroadcastService(
            running.db, default_regions(), default_zone=settings.zone, quiet_hours=None
        )
        await service.create(Audience(AudienceKind.ALL), None, created_by=None, text="Объявление")
        running.dp["sender"].wake()
        await wait_until(lambda: sent(server) == len(RECIPIENTS), 30, "the announcement")
        await wait_until(lambda: running.dp["sender"].unwritten == 0, 10, "results written")
        samples = await scrape(port)

    handled = value(samples, "bot_updates_total", type="message", outcome="handled")
    clicks = value(samples, "bot_updates_total", type="callback_query", outcome="handled")
    assert handled >= 7 and clicks >= 3  # the questionnaire's texts and its buttons
    assert value(samples, "bot_handler_errors_total", type="message") == 1
    assert value(samples, "bot_updates_total", type="message", outcome="error") == 1
    assert value(samples, "bot_update_seconds_count", type="message") == handled + 1
    assert value(samples, "bot_messages_total", kind="broadcast", outcome="sent") >= len(RECIPIENTS)
    assert value(samples, "bot_messages_total", kind="broadcast", outcome="429") == 1
    assert value(samples, "bot_telegram_429_total", source="sender") == 1
    assert value(samples, "bot_outbox_pending") == 0
    assert value(samples, "bot_db_write_wait_seconds_count") >= 3  # the registration's writes
    assert value(samples, "bot_db_unavailable_total") == 0


def sent(server: StandInServer) -> int:
    return sum(
        1 for c in server.calls if c.ok and c.method == "sendMessage" and c.chat_id in RECIPIENTS
    )


async def test_no_metrics_port_no_endpoint(tmp_path: Path, server: StandInServer) -> None:
    settings = bot_settings(tmp_path, server)
    async with polling(settings, server) as running:
        assert running.dp["metrics"] is None
        assert running.dp["runtime"].metrics is None
