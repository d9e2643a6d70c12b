"""Drafts nobody finishes are forgotten: a daily job deletes FSM rows (dialog state and the
answers of an unfinished questionnaire) not changed for ``DRAFT_TTL_DAYS`` days.

The same job blanks the Telegram name and username of people who never consented (rows from
before only consenting people and staff had them stored; see handlers/middlewares.py).
Like every job that runs on its own, it survives any exception: logged, tried again the next
day (the scheduler's interval), never raised into the scheduler.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.jobs import every
from storage.db import Database, utcnow
from storage.erasure import ErasureRepo, checkpoint

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger(__name__)

JOB_ID = "drafts:expire"
#: The first run, a while after start (not in the busy first moments), then every day.
FIRST_RUN_DELAY = timedelta(minutes=5)
INTERVAL = timedelta(days=1)


class DraftExpiry:
    def __init__(
        self,
        db: Database,
        ttl: timedelta,
        *,
        staff_ids: frozenset[int] = frozenset(),
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.db = db
        self.ttl = ttl
        self.staff_ids = staff_ids
        self.clock = clock

    async def expire(self) -> int:
        """Delete the drafts older than the TTL; returns how many (raises on a database
        error: :meth:`run` is the job)."""
        before = self.clock() - self.ttl
        async with self.db.transaction() as conn:
            deleted = await ErasureRepo.expire_drafts(conn, before)
            blanked = await ErasureRepo.forget_names_without_consent(conn, self.staff_ids)
        # The deleted text also leaves the -wal (and a checkpoint after an erasure that found
        # the log busy is made up for within a day).
        await checkpoint(self.db)
        log.info(
            "drafts: %d unfinished dialog(s) untouched since %s deleted; "
            "names of %d person(s) without consent blanked",
            deleted,
            before.isoformat(timespec="seconds"),
            blanked,
        )
        return deleted

    async def run(self) -> None:
        """The daily job: never raises (a locked or full database is retried tomorrow)."""
        try:
            await self.expire()
        except Exception:
            log.exception("drafts: expiring unfinished dialogs failed; trying again tomorrow")


def setup(runtime: Runtime) -> None:
    settings = runtime.settings
    expiry = DraftExpiry(
        runtime.db, timedelta(days=settings.draft_ttl_days), staff_ids=settings.admin_ids
    )
    runtime.drafts = expiry
    every(
        runtime.scheduler,
        expiry.run,
        INTERVAL.total_seconds(),
        JOB_ID,
        first=utcnow() + FIRST_RUN_DELAY,
    )
