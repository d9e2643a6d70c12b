"""Retention (``RETENTION_DAYS``): personal data is not kept for ever.

Once a day the bot erases everyone with no activity in that many days: no registration,
application or attendance (and no answer, feedback, dialog step or change of their own row)
since then, and no registration for an event still to come. Staff are never erased this
way. The erasure is "Delete my data" itself (``RegistrationService.erase_participant``,
storage/erasure.py): the same rows go, the same way, seats pass to the waiting list, and
the dialog state in memory is dropped too. The job logs how many people it erased (never
who).

The same job deletes the delivery queue's rows sent more than 30 days ago (storage/ops.py
says which are kept: an announcement's, and those whose key still prevents a repeat).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from aiogram.fsm.storage.base import BaseStorage

from bot.delivery.notices import queue_promotions
from bot.delivery.reminders import FEEDBACK_WINDOW, LONGEST_EVENT
from bot.jobs import every
from bot.registration.service import RegistrationService
from bot.resilience import Backoff, guarded
from storage.db import Database, utcnow
from storage.fsm import SQLiteStorage
from storage.ops import OpsRepo

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger(__name__)

JOB_ID = "ops:retention"
SENT_KEPT = timedelta(days=30)
FIRST_RUN_DELAY = timedelta(minutes=10)
INTERVAL = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Sweep:
    erased: int
    pruned: int


@dataclass
class Retention:
    db: Database
    registration: RegistrationService
    days: int | None
    feedback_delay: timedelta
    staff_ids: frozenset[int] = frozenset()
    storage: BaseStorage | None = None
    clock: Callable[[], datetime] = utcnow
    #: One warning when a fault begins, one line when a sweep works again (bot/resilience.py).
    backoff: Backoff = field(default_factory=lambda: Backoff("retention sweep", log), repr=False)

    async def sweep(self) -> Sweep:
        """Erase the inactive people and prune the old sent rows; raises on a database error
        (:meth:`run` is the job). Each person is erased in one transaction, so a sweep the
        database stops leaves everyone erased wholly or not at all; the next one goes on."""
        now = self.clock()
        erased = await self._erase_inactive(now)
        events_before = now - (LONGEST_EVENT + FEEDBACK_WINDOW + self.feedback_delay)
        async with self.db.transaction() as conn:
            pruned = await OpsRepo.prune_sent(conn, now - SENT_KEPT, events_before)
        log.info(
            "retention: %d inactive person(s) erased (RETENTION_DAYS=%s); %d sent message "
            "row(s) older than %d days deleted",
            erased,
            self.days if self.days is not None else "off",
            pruned,
            SENT_KEPT.days,
        )
        return Sweep(erased, pruned)

    async def _erase_inactive(self, now: datetime) -> int:
        if self.days is None:
            return 0
        stale = await OpsRepo(self.db).inactive_since(
            now - timedelta(days=self.days), self.staff_ids
        )
        erased = 0
        try:
            for participant_id in stale:
                done = await self.registration.erase_participant(participant_id)
                erased += 1
                if isinstance(self.storage, SQLiteStorage):
                    self.storage.forget_user(participant_id)
                await queue_promotions(self.db, done.promoted, now)
        except Exception:
            if erased:  # the count is logged even when the sweep stops half-way through
                log.info("retention: %d inactive person(s) erased before the sweep stopped", erased)
            raise
        return erased

    async def run(self) -> None:
        """The daily job: never raises (a failure is logged, and the next day's run goes on)."""
        await guarded(self.backoff, self.sweep)


def setup(runtime: Runtime) -> None:
    settings = runtime.settings
    retention = Retention(
        runtime.db,
        runtime.dp["registration"],
        settings.retention_days,
        settings.feedback_delay,
        staff_ids=settings.admin_ids,
        storage=runtime.dp.storage,
    )
    runtime.retention = retention
    every(
        runtime.scheduler,
        retention.run,
        INTERVAL.total_seconds(),
        JOB_ID,
        first=utcnow() + FIRST_RUN_DELAY,
    )
