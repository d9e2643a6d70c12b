"""The selection's scheduled job meets a database locked by another connection past the busy
timeout: it returns without raising, changes nothing, and the next run does the work."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.config import Settings
from bot.selection.confirm import ConfirmExpiry
from storage.db import to_db, utcnow
from tests.support.coord import coord_settings
from tests.support.faults import BUSY_MS, WriteLock
from tests.support.running import RunningBot
from tests.support.selection_seed import EVENT
from tests.support.stand_in import StandInServer
from tests.test_selection_publish import published, statuses, wait_sent


@pytest.fixture
def settings(tmp_path: Path, server: StandInServer) -> Settings:
    """The coordinators' settings (an admin), with a busy timeout a test can outlast."""
    return coord_settings(tmp_path, server).model_copy(update={"db_busy_timeout_ms": BUSY_MS})


async def test_the_expiry_job_survives_a_locked_database_and_expires_on_its_next_run(
    running: RunningBot, server: StandInServer
) -> None:
    await published(running, server)
    async with running.db.transaction() as conn:
        await conn.execute(
            "UPDATE applications SET confirm_by = ? WHERE event_id = ? AND status = 'accepted'",
            (to_db(utcnow() - timedelta(minutes=1)), EVENT),
        )
    before = await statuses(running)
    job = ConfirmExpiry(running.dp["runtime"])

    async with WriteLock(running.settings.database_path):
        await job.run()  # refused by the lock: no exception reaches the scheduler
    assert await statuses(running) == before

    await job.run()  # the next tick
    after = await statuses(running)
    expired = [pid for pid, status in before.items() if status == "accepted"]
    assert expired and all(after[pid] == "expired" for pid in expired)
    await wait_sent(server, dict.fromkeys(expired, 2))
