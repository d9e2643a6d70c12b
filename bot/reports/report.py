"""The report each counted event owes the federal centre: a scanned registration sheet, at
least three photos and a short text, submitted by its coordinator in the chat.

When such an event has ended, the people responsible for it (the coordinators of its
district, else the admins) get a checklist through the delivery queue; ``REPORT_DUE_DAYS``
after the end, if nothing was submitted, one reminder. One scheduler job does both, and
fetches the files Telegram did not give the first time; it survives any exception and
decides everything from the database, so a restart repeats nothing (each message has a
de-duplication key, the reminder also ``reports.reminded_at``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from bot.events.minimums import minimum_met, minimum_of
from bot.jobs import every
from bot.reports.files import Retries, download_missing
from bot.resilience import Backoff, guarded
from storage.coordinators import CoordinatorRepo
from storage.db import Database, utcnow
from storage.models import Event
from storage.outbox import NewItem, OutboxRepo, Priority
from storage.reports import AttendanceReader, Report, ReportFile, ReportRepo

if TYPE_CHECKING:
    from aiogram import Bot

    from bot.runtime import Runtime

log = logging.getLogger(__name__)

KIND_CHECKLIST = "report_checklist"
KIND_DUE = "report_due"
KIND_NUDGE = "report_nudge"
PHOTOS_NEEDED = 3
TEXT_LIMIT = 3500
JOB_ID = "reports:duties"
JOB_SECONDS = 60.0
FIRST_RUN = timedelta(seconds=5)
#: Checklists go out for events that ended this recently (not for last year's, when the
#: feature is switched on); a reminder still goes out this long after the end.
CHECKLIST_WINDOW = timedelta(days=14)
DUE_WINDOW = timedelta(days=60)


class Missing(StrEnum):
    SHEET = "sheet"
    PHOTOS = "photos"
    TEXT = "text"


def needs_report(event: Event) -> bool:
    """An event counted for the federal centre (its kind or the event sets a minimum)."""
    return minimum_of(event) is not None


@dataclass(frozen=True, slots=True)
class Progress:
    """Where an event's report stands: what was sent, what is missing, the attendance."""

    event: Event
    report: Report | None
    files: list[ReportFile]
    attended: int

    def count(self, kind: str) -> int:
        return sum(1 for f in self.files if f.kind == kind)

    @property
    def text(self) -> str | None:
        return self.report.text if self.report else None

    @property
    def submitted(self) -> bool:
        return self.report is not None and self.report.submitted

    @property
    def minimum(self) -> int | None:
        return minimum_of(self.event)

    @property
    def met(self) -> bool | None:
        return minimum_met(self.event, self.attended)

    @property
    def missing(self) -> list[Missing]:
        gaps = []
        if not self.count("sheet"):
            gaps.append(Missing.SHEET)
        if self.count("photo") < PHOTOS_NEEDED:
            gaps.append(Missing.PHOTOS)
        if not self.text:
            gaps.append(Missing.TEXT)
        return gaps


async def progress_of(db: Database, event: Event) -> Progress:
    repo = ReportRepo(db)
    attended = (await AttendanceReader(db).counts([event.id])).get(event.id, 0)
    return Progress(event, await repo.get(event.id), await repo.files(event.id), attended)


async def responsible(db: Database, event: Event, admin_ids: frozenset[int]) -> list[int]:
    """The coordinators of the event's district; when it has none (or the event is for the
    whole programme), the admins."""
    coordinators = await CoordinatorRepo(db).all()
    ids = [c.telegram_id for c in coordinators if event.district and c.district == event.district]
    return ids or sorted(admin_ids)


def _item(kind: str, key: str, chat_id: int, event: Event, at: datetime) -> NewItem:
    return NewItem(
        key=key,
        chat_id=chat_id,
        kind=kind,
        not_before=at,
        priority=Priority.NOTICE,
        event_id=event.id,
    )


async def nudge(db: Database, event: Event, admin_ids: frozenset[int], now: datetime) -> int:
    """An admin's nudge to the late coordinator(s): queued once a day at most; how many."""
    day = now.date().isoformat()
    items = [
        _item(KIND_NUDGE, f"report-nudge:{event.id}:{chat}:{day}", chat, event, now)
        for chat in await responsible(db, event, admin_ids)
    ]
    async with db.transaction() as conn:
        return await OutboxRepo.enqueue(conn, items, now)


@dataclass(frozen=True, slots=True)
class Duties:
    """What the report job needs: the settings' admins, due days and folder."""

    admin_ids: frozenset[int]
    due: timedelta
    reports_dir: Path


class ReportJob:
    """Checklists, the reminder, and the downloads to try again (see the module docstring)."""

    def __init__(
        self, db: Database, bot: Bot, duties: Duties, wake: Callable[[], None] | None = None
    ) -> None:
        self.db = db
        self.bot = bot
        self.duties = duties
        self.wake = wake
        # One each: with one shared, the downloads (which may well work while the queue's
        # writes are refused) logged "works again" after every failed tick, and the next
        # failure as a new fault: two lines a minute for as long as the database was locked.
        self.backoff = Backoff("report duties", log)
        self.downloads = Backoff("report file downloads", log)
        self.retries = Retries()  # a file Telegram keeps refusing waits longer each time

    async def run(self) -> None:
        """A scheduler job: never raises (a failure is logged, and the next run tries again)."""
        queued = await guarded(self.backoff, self._queue)
        if queued and self.wake is not None:
            self.wake()
        await guarded(self.downloads, self._downloads)

    async def _queue(self) -> int:
        now = utcnow()
        return await self.checklists(now) + await self.reminders(now)

    async def _downloads(self) -> int:
        return await download_missing(
            self.bot, self.db, self.duties.reports_dir, retries=self.retries
        )

    async def checklists(self, now: datetime) -> int:
        repo = ReportRepo(self.db)
        events = [e for e in await repo.ended(now - CHECKLIST_WINDOW, now) if needs_report(e)]
        reports = await repo.of_events([e.id for e in events])
        items = []
        for event in events:
            if event.id in reports and reports[event.id].submitted:
                continue
            for chat in await responsible(self.db, event, self.duties.admin_ids):
                key = f"report-checklist:{event.id}:{chat}"
                items.append(_item(KIND_CHECKLIST, key, chat, event, now))
        async with self.db.transaction() as conn:
            return await OutboxRepo.enqueue(conn, items, now)

    async def reminders(self, now: datetime) -> int:
        repo = ReportRepo(self.db)
        due = self.duties.due
        events = [e for e in await repo.ended(now - DUE_WINDOW, now - due) if needs_report(e)]
        reports = await repo.of_events([e.id for e in events])
        queued = 0
        for event in events:
            report = reports.get(event.id)
            if report is not None and (report.submitted or report.reminded_at is not None):
                continue
            chats = await responsible(self.db, event, self.duties.admin_ids)
            items = [_item(KIND_DUE, f"report-due:{event.id}:{c}", c, event, now) for c in chats]
            async with self.db.transaction() as conn:
                queued += await OutboxRepo.enqueue(conn, items, now)
                await ReportRepo.mark_reminded(conn, event.id, now)
        return queued


def setup(runtime: Runtime) -> None:
    """The report job (its messages' renderers are the handlers', set by bot/app.py)."""
    settings = runtime.settings
    duties = Duties(
        settings.admin_ids, timedelta(days=settings.report_due_days), settings.reports_dir
    )
    job = ReportJob(runtime.db, runtime.sender.bot, duties, runtime.sender.wake)
    every(runtime.scheduler, job.run, JOB_SECONDS, JOB_ID, first=utcnow() + FIRST_RUN)


@dataclass(frozen=True, slots=True)
class Held:
    """An event held, as the admins' overview shows it."""

    event: Event
    attended: int
    submitted: bool

    @property
    def met(self) -> bool | None:
        return minimum_met(self.event, self.attended)


async def held_events(db: Database, since: datetime, now: datetime) -> list[Held]:
    """The counted events that ended since ``since``, with attendance and report status."""
    repo = ReportRepo(db)
    events = [e for e in await repo.ended(since, now) if needs_report(e)]
    ids = [e.id for e in events]
    counts = await AttendanceReader(db).counts(ids)
    reports = await repo.of_events(ids)
    return [
        Held(e, counts.get(e.id, 0), e.id in reports and reports[e.id].submitted) for e in events
    ]
