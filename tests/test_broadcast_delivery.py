"""Delivering an announcement: 429 and 5xx answers, blocked recipients, other errors in the
report, quiet hours in each recipient's own zone, the sender's rate limiter."""

from __future__ import annotations

import asyncio
import bisect
import time
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.delivery.broadcasting import Audience, AudienceKind, not_before
from bot.delivery.sender import rate_limiter
from storage.broadcasts import BroadcastRepo
from storage.participants import ParticipantRepo
from tests.support.broadcast import (
    ADMIN,
    add_people,
    bc_settings,
    deliveries,
    wait_delivered,
    wait_status,
    wait_until,
)
from tests.support.people import Person
from tests.support.running import RunningBot, polling
from tests.support.stand_in import StandInServer

UFO = list(range(5101, 5111))
MOSCOW = ZoneInfo("Europe/Moscow")


pytestmark = pytest.mark.broadcast_admin(broadcast_rate=50)


async def preview_for_ufo(admin: Person, text: str) -> None:
    """Up to the preview (which is a copyMessage of its own: faults are set after it)."""
    await admin.send("/broadcast")
    await admin.click("Участники округа")
    await admin.click(lambda b: b.startswith("Уральский"))
    await admin.send(text)


async def test_429_5xx_blocked_and_refused_messages(
    running: RunningBot, server: StandInServer
) -> None:
    await add_people(running.db, server, UFO, district="ufo")
    blocked = UFO[:2]
    refused = UFO[2]
    admin = Person(server, ADMIN, "Админ")
    await preview_for_ufo(admin, "Напоминаем о сессии")
    for user_id in blocked:
        server.block(user_id)
    server.too_many_requests("copyMessage", times=2)
    server.fail("copyMessage", error_code=502, description="Bad Gateway", times=2)
    server.fail(
        "copyMessage",
        error_code=400,
        description="Bad Request: message to copy not found",
        chat_id=refused,
    )
    started = time.monotonic()
    await admin.click("Отправить")

    delivered = UFO[3:]
    got = await wait_delivered(server, delivered, timeout=20)
    assert got == dict.fromkeys(delivered, 1)  # nothing lost to a 429 or a 502, nothing twice
    assert server.count_429 == 2
    assert time.monotonic() - started >= 1  # the whole queue paused for retry_after
    report = await wait_status(admin, "завершена", timeout=20)
    assert "Отправлено 7 из 10, не доставлено 3" in report
    assert "заблокировали бота или удалили аккаунт: 2" in report
    assert "другие ошибки: 1" in report
    assert "Bad Request: message to copy not found: 1" in report

    participants = ParticipantRepo(running.db)
    for user_id in blocked:
        person = await participants.get(user_id)
        assert person is not None and person.unreachable_since is not None
    assert (await participants.get(refused)).unreachable_since is None  # type: ignore[union-attr]

    # Unreachable people are left out of the next announcement...
    await admin.send("/broadcast")
    await admin.click("Участники округа")
    reply = await admin.click(lambda b: b.startswith("Уральский"))
    assert "— 8" in reply.text
    await admin.send("/cancel")
    # ...until they write to the bot again.
    server.unblock(blocked[0])
    await Person(server, blocked[0], "Участник").send("/start")
    assert (await participants.get(blocked[0])).unreachable_since is None  # type: ignore[union-attr]
    await admin.send("/broadcast")
    await admin.click("Участники округа")
    reply = await admin.click(lambda b: b.startswith("Уральский"))
    assert "— 9" in reply.text


async def test_5xx_until_the_last_attempt_is_an_error_with_its_reason(
    running: RunningBot, server: StandInServer
) -> None:
    await add_people(running.db, server, UFO[:2], district="ufo")
    admin = Person(server, ADMIN, "Админ")
    await preview_for_ufo(admin, "Сервер Telegram болеет")
    server.server_error("copyMessage", times=99, chat_id=UFO[0])
    await admin.click("Отправить")
    await wait_delivered(server, UFO[1:2])
    # attempts with back-off 1, 2, 4, 8 s: the test does not wait for that, it checks the
    # row is pending with its reason, then finishes the tries at once
    repo = BroadcastRepo(running.db)
    broadcast = (await repo.latest(1))[0]
    await wait_until(lambda: server.error_counts["copyMessage"] >= 1, 5, "the first 500")
    async with running.db.transaction() as conn:
        await conn.execute(
            "UPDATE outbox SET attempts = 4, not_before = ? WHERE chat_id = ?",
            ("2000-01-01T00:00:00.000000+00:00", UFO[0]),
        )
    running.dp["broadcasting"].wake()
    report = await wait_status(admin, "завершена", timeout=15)
    assert "Отправлено 1 из 2, не доставлено 1" in report
    assert "Internal Server Error" in report
    progress = await repo.progress(broadcast, datetime.now(UTC))
    assert (progress.sent, progress.failed, progress.blocked) == (1, 1, 0)


# --- quiet hours -----------------------------------------------------------------------------


def test_not_before_in_the_recipients_own_zone() -> None:
    quiet = (clock_time(22, 0), clock_time(9, 0))
    evening = datetime(2026, 11, 20, 19, 30, tzinfo=UTC)  # 22:30 in Moscow, 02:30 in Vladivostok
    assert not_before(evening, MOSCOW, quiet) == datetime(2026, 11, 21, 9, 0, tzinfo=MOSCOW)
    vladivostok = ZoneInfo("Asia/Vladivostok")
    assert not_before(evening, vladivostok, quiet) == datetime(
        2026, 11, 21, 9, 0, tzinfo=vladivostok
    )
    noon = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)  # 12:00 in Moscow
    assert not_before(noon, MOSCOW, quiet) == noon
    assert not_before(evening, MOSCOW, None) == evening
    day_nap = (clock_time(13, 0), clock_time(14, 0))  # a quiet period inside one day
    lunch = datetime(2026, 11, 20, 10, 30, tzinfo=UTC)  # 13:30 in Moscow
    assert not_before(lunch, MOSCOW, day_nap) == datetime(2026, 11, 20, 14, 0, tzinfo=MOSCOW)
    exactly_end = datetime(2026, 11, 21, 6, 0, tzinfo=UTC)  # 09:00 in Moscow: not quiet
    assert not_before(exactly_end, MOSCOW, quiet) == exactly_end


@pytest.fixture
def quiet_now() -> tuple[clock_time, clock_time]:
    """Quiet hours around the present moment in Moscow (and not in Vladivostok, +7 h)."""
    now = datetime.now(MOSCOW)
    start = (now - timedelta(hours=1)).time().replace(second=0, microsecond=0)
    end = (now + timedelta(hours=1)).time().replace(second=0, microsecond=0)
    return start, end


async def test_quiet_hours_hold_a_message_until_morning_in_the_recipients_zone(
    tmp_path: Path, server: StandInServer, quiet_now: tuple[clock_time, clock_time]
) -> None:
    settings = bc_settings(tmp_path, server, quiet_hours=quiet_now)
    async with polling(settings, server) as bot:
        moscow = await add_people(bot.db, server, range(5201, 5204), district="cfo")
        far_east = await add_people(bot.db, server, range(5301, 5303), district="dfo")
        no_zone = await add_people(bot.db, server, [5401])  # no region yet: Moscow time
        admin = Person(server, ADMIN, "Админ")
        await admin.send("/broadcast")
        await admin.click("Все, кто запускал бота")
        await admin.send("Доброе утро!")
        before = datetime.now(UTC)
        await admin.click("Отправить")

        # the admin (no region: Moscow) is held too; Vladivostok is in its daytime
        await wait_delivered(server, far_east)
        held = [*moscow, *no_zone, ADMIN]
        text = await wait_status(admin, "Отправлено 2 из 7")  # edited within ~3 s
        assert "Ждут окончания тихих часов у получателей: 5" in text
        await asyncio.sleep(1.5)  # the sender polls every second: still nothing
        assert deliveries(server, held[:-1]) == {}  # (the admin's own chat has the preview)
        rows = await bot.db.fetchall(
            "SELECT chat_id, not_before, status FROM outbox WHERE kind = 'broadcast'"
        )
        end = datetime.combine(datetime.now(MOSCOW).date(), quiet_now[1], tzinfo=MOSCOW)
        if end < before:
            end += timedelta(days=1)
        for chat_id, moment, status in rows:
            if chat_id in held:
                assert status == "pending"
                assert datetime.fromisoformat(moment) == end
        repo = BroadcastRepo(bot.db)
        broadcast = (await repo.latest(1))[0]
        assert broadcast.status in ("queued", "sending")


# --- the sender's limiter ----------------------------------------------------------------------


async def test_rate_limiter_never_puts_more_than_the_rate_in_any_second() -> None:
    limiter = rate_limiter(100)
    loop = asyncio.get_running_loop()
    moments = []
    started = loop.time()
    for n in range(160):
        await limiter.acquire()
        moments.append(loop.time())
        if n == 40:
            time.sleep(0.05)  # noqa: ASYNC251 (a busy event loop: the next calls catch up)
    most = max(bisect.bisect_left(moments, t + 1.0) - i for i, t in enumerate(moments))
    assert most <= 100  # a property of the limiter, not a timing: speed is for bench/
    assert moments[-1] > started


def test_audiences_as_written_on_the_command_line() -> None:
    with pytest.raises(ValueError, match="unknown audience"):
        Audience.parse("everyone")
    with pytest.raises(ValueError, match="needs a value"):
        Audience.parse("event:")
    assert str(Audience.parse("District:UFO")) == "district:ufo"
    assert Audience.parse("event+wait:abc") == Audience(AudienceKind.EVENT_WAIT, "abc")
    assert str(Audience.parse(" all ")) == "all"
