"""Announcements with real processes: ``python -m bot broadcast`` queueing while a bot runs, and
``python -m bot`` killed (SIGKILL) in the middle of an announcement, then restarted."""

from __future__ import annotations

import asyncio
import signal
import time
from pathlib import Path

import pytest

from bot.config import Settings
from bot.delivery.broadcasting import Audience, AudienceKind, BroadcastService
from bot.registration.regions import default_regions
from bot.telegram import create_bot
from storage.broadcasts import BroadcastRepo
from storage.db import Database
from tests.support.broadcast import ADMIN, add_people, deliveries, wait_delivered, wait_until
from tests.support.people import Person
from tests.support.process import env_for, polling_bot, python_m_bot
from tests.support.running import RunningBot
from tests.support.stand_in import StandInServer, TgUser

UFO = list(range(5501, 5506))
CFO = list(range(5601, 5603))


pytestmark = pytest.mark.broadcast_admin


async def cli(tmp_path: Path, *args: str) -> tuple[int, str, str]:
    proc = await python_m_bot(
        tmp_path,
        "broadcast",
        *args,
        env=env_for(tmp_path, DATABASE_PATH=str(tmp_path / "bot.sqlite3")),
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def test_cli_queues_while_the_bot_runs_and_reports_progress(
    tmp_path: Path, running: RunningBot, server: StandInServer
) -> None:
    await add_people(running.db, server, UFO, district="ufo")
    await add_people(running.db, server, CFO, district="cfo")

    code, out, err = await cli(
        tmp_path,
        "--audience",
        "district:ufo",
        "--text",
        "<b>Важно</b>: приём заявок & консультации",
    )
    queued_at = time.monotonic()
    assert code == 0, err
    assert "Announcement 1 queued for 5 recipient(s) (district:ufo)" in out
    await wait_delivered(server, UFO, method="sendMessage", timeout=10)
    assert time.monotonic() - queued_at < 5  # the running bot picked it up within 5 s
    assert deliveries(server, CFO, method="sendMessage") == {}
    message = server.chat_messages(UFO[0])[-1]
    assert message.text == "Важно: приём заявок & консультации"
    assert message.entities == [{"type": "bold", "offset": 0, "length": 5}]

    async def finished() -> str:
        while True:
            code, out, _ = await cli(tmp_path, "status", "1")
            assert code == 0
            if "\tdone\t" in out:
                return out
            await asyncio.sleep(0.5)

    out = await asyncio.wait_for(finished(), 20)
    assert "#1\tdone" in out and "sent 5 of 5, not delivered 0" in out
    code, out, _ = await cli(tmp_path, "status")
    assert code == 0 and out.startswith("#1\tdone")


async def test_cli_refuses_what_telegram_would_refuse_and_escapes_plain_files(
    tmp_path: Path, running: RunningBot, server: StandInServer
) -> None:
    await add_people(running.db, server, UFO, district="ufo")
    code, _, err = await cli(tmp_path, "--audience", "all", "--text", "<b>не закрыт")
    assert code == 1
    assert "Telegram would refuse this text: <b> is never closed. Nothing was queued." in err
    code, _, err = await cli(tmp_path, "--audience", "all", "--text", "1 < 2")
    assert code == 1 and "write &lt;" in err
    code, _, err = await cli(tmp_path, "--audience", "event:nope", "--text", "Привет")
    assert code == 1 and "unknown event 'nope'" in err
    code, _, err = await cli(tmp_path, "--audience", "everyone", "--text", "Привет")
    assert code == 2 and "--audience" in err
    code, _, err = await cli(tmp_path, "--audience", "district:cfo", "--text", "Привет")
    assert code == 1 and "nobody to send to" in err
    assert await BroadcastRepo(running.db).latest() == []

    notes = tmp_path / "notes.txt"
    notes.write_text("Условия: <не больше 3 человек> & без опозданий\n", encoding="utf-8")
    code, _, err = await cli(tmp_path, "--audience", "all", "--file", str(notes))
    assert code == 0, err
    await wait_delivered(server, UFO, method="sendMessage", timeout=10)
    assert server.chat_messages(UFO[0])[-1].text == "Условия: <не больше 3 человек> & без опозданий"


# --- SIGKILL in the middle of an announcement ------------------------------------------------


async def run_bot(tmp_path: Path, server: StandInServer) -> asyncio.subprocess.Process:
    return await polling_bot(tmp_path, server, ADMIN_IDS=str(ADMIN), BROADCAST_RATE="60")


@pytest.mark.slow
async def test_sigkill_in_the_middle_of_an_announcement_then_restart(
    tmp_path: Path, server: StandInServer, settings: Settings
) -> None:
    people = list(range(20_001, 20_301))  # 300 recipients
    path = tmp_path / "bot.sqlite3"
    async with Database(path) as db:
        await add_people(db, server, people)
        # The coordinator's message to copy, and the bot's status message in their chat.
        admin = TgUser(ADMIN, "Админ")
        server.add_chat(admin)
        server.message(admin, "Объявление: сессия переносится")  # the bot will see it too
        source_id = 1  # the first message in that chat
        bot = create_bot(settings)
        try:
            status = await bot.send_message(ADMIN, "Рассылка…")
        finally:
            await bot.session.close()
        service = BroadcastService(
            db, default_regions(), default_zone=settings.zone, quiet_hours=None
        )
        broadcast_id, total = await service.create(
            Audience(AudienceKind.ALL),
            None,
            created_by=ADMIN,
            source=(ADMIN, source_id),
            status_message=(ADMIN, status.message_id),
        )
    assert total == 300
    server.delay = 0.3  # each message is in flight for 0.3 s

    first = await run_bot(tmp_path, server)
    try:
        await server.wait_polling(timeout=30)
        await wait_until(lambda: len(deliveries(server, people)) >= 60, 30, "60 deliveries")
    finally:
        first.kill()  # SIGKILL: nothing is recorded after this point
        await first.wait()
    delivered_before = deliveries(server, people)
    async with Database(path) as db:
        rows = await db.fetchall(
            "SELECT chat_id FROM outbox WHERE broadcast_id = ? AND status = 'sending'",
            (broadcast_id,),
        )
        progress = await BroadcastRepo(db).progress(
            await BroadcastRepo(db).get(broadcast_id),  # type: ignore[arg-type]
            status.date,
        )
    in_flight = {row[0] for row in rows}
    assert 0 < progress.sent < 300 and progress.waiting > 0  # killed in the middle

    server.delay = 0
    second = await run_bot(tmp_path, server)
    try:
        got = await wait_delivered(server, people, timeout=40)  # nobody skipped
        await server.wait_idle(quiet=1.0)
        got = deliveries(server, people)
        twice = {chat for chat, n in got.items() if n > 1}
        assert max(got.values()) <= 2
        # a copy twice only for a message in flight at the kill (sent, not yet recorded)
        assert twice <= in_flight, (twice - in_flight, len(in_flight))
        assert twice <= set(delivered_before)
        # ...and the status message goes on: the report, edited in place after the restart
        admin_person = Person(server, ADMIN, "Админ")
        await wait_until(
            lambda: "завершена" in (admin_person.messages[0].text or ""), 15, "the report"
        )
        report = admin_person.messages[0].text or ""
        assert "Отправлено 300 из 300" in report
    finally:
        second.send_signal(signal.SIGINT)
        _, stderr = await asyncio.wait_for(second.communicate(), 30)
    assert second.returncode == 0, stderr.decode()
    assert b"Traceback" not in stderr
    async with Database(path) as db:
        broadcast = await BroadcastRepo(db).get(broadcast_id)
        assert broadcast is not None and broadcast.status == "done"
