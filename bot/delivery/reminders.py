"""Reminders before every session and feedback requests after it, decided from the database.

:func:`plan` looks at the events and registrations as they are now and queues (in the
delivery queue, ``outbox``) what is due: for each registered participant of a scheduled event
that has not started, the reminder of the latest reminder moment that has passed, and
``FEEDBACK_DELAY`` after an event ends, a feedback request. It is idempotent (every item has
a de-duplication key), so it runs as often as convenient:

* at each reminder or feedback moment (an APScheduler ``DateTrigger`` job per moment);
* within ``WATCH_SECONDS`` of a change written by another process (``python -m bot events
  import`` beside the running bot: SQLite's ``PRAGMA data_version`` moves);
* every ``RESCAN_SECONDS`` anyway (a moment missed while the event loop was busy), which also
  rebuilds those jobs;
* at start (what passed while the bot was stopped);
* right after a registration or a promotion (``plan_now``).

The jobs hold no state: they are rebuilt from the database at every start.

Rules for one participant and one event (offsets = the event's ``reminders`` or
``REMINDER_OFFSETS``): a moment is ``starts_at - offset``; the moments that have passed
before the start are candidates, and only the latest of them is queued (after downtime,
only the latest reminder is sent). A moment before the person became registered does not
count, except the last one (smallest offset): who registers 40 minutes before a session gets
"starts in 40 minutes", who registers 10 hours before does not get the "24 hours" one.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from bot.events.durations import parse_offset
from bot.jobs import every
from bot.reports.certificates import certificate_items
from bot.resilience import Backoff, guarded
from storage.db import Database, utcnow
from storage.models import Event, RegStatus
from storage.outbox import NewItem, OutboxRepo, Priority
from storage.reminders import attendees, scheduled_since, without_feedback

if TYPE_CHECKING:
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    from bot.delivery.sender import Sender
    from bot.runtime import Runtime

log = logging.getLogger(__name__)

KIND_REMINDER = "reminder"
KIND_FEEDBACK = "feedback"
#: How often the plan is made again even when no moment is due (see the module docstring).
RESCAN_SECONDS = 30.0
#: How often to look whether another process (the command line) wrote to the database.
WATCH_SECONDS = 2.0
#: Feedback is asked for up to this long after it became due (not for long-past events
#: when the bot was down for a long time or the feature is switched on).
FEEDBACK_WINDOW = timedelta(days=3)
#: Longest event (bot/events/files.py allows 31 days): how far back events can still be running.
LONGEST_EVENT = timedelta(days=32)
JOB_PREFIX = "reminders:"


def event_offsets(event: Event, default: Iterable[timedelta]) -> tuple[timedelta, ...]:
    """The event's own offsets or the default ones, largest first."""
    offsets = (
        {parse_offset(o) for o in event.reminders} if event.reminders is not None else set(default)
    )
    return tuple(sorted(offsets, reverse=True))


def due_offset(
    starts_at: datetime, offsets: tuple[timedelta, ...], since: datetime, now: datetime
) -> timedelta | None:
    """The reminder (by its offset) one participant should have got by ``now``, if any."""
    if not offsets or now >= starts_at:
        return None
    passed = [o for o in offsets if starts_at - o <= now]
    if not passed:
        return None
    latest = min(passed)
    if starts_at - latest >= since or latest == min(offsets):
        return latest
    return None


def key_moment(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def reminder_key(event_id: str, participant_id: int, offset: timedelta, starts_at: datetime) -> str:
    """The start is part of the key: a moved event gets fresh reminders."""
    seconds = int(offset.total_seconds())
    return f"reminder:{event_id}:{participant_id}:{seconds}:{key_moment(starts_at)}"


def feedback_key(event_id: str, participant_id: int) -> str:
    return f"feedback:{event_id}:{participant_id}"


@dataclass(frozen=True, slots=True)
class Plan:
    queued: int
    #: Future reminder and feedback moments: when the plan must be made again.
    moments: frozenset[datetime]


async def plan(
    db: Database,
    *,
    offsets: tuple[timedelta, ...],
    feedback_delay: timedelta,
    now: datetime,
) -> Plan:
    """Queue every reminder and feedback request due at ``now`` (see the module docstring)."""
    events = await scheduled_since(db, now - feedback_delay - FEEDBACK_WINDOW - LONGEST_EVENT)
    items: list[NewItem] = []
    moments: set[datetime] = set()
    conn = db.conn
    for event in events:
        own = event_offsets(event, offsets)
        moments.update(event.starts_at - o for o in own if event.starts_at - o > now)
        asked_at = event.ends_at + feedback_delay
        if asked_at > now:
            moments.add(asked_at)
        if now < event.starts_at and any(event.starts_at - o <= now for o in own):
            for a in await attendees(conn, event.id, (RegStatus.REGISTERED,)):
                offset = due_offset(event.starts_at, own, a.since, now)
                if offset is None:
                    continue
                items.append(
                    NewItem(
                        key=reminder_key(event.id, a.participant_id, offset, event.starts_at),
                        chat_id=a.participant_id,
                        kind=KIND_REMINDER,
                        # not before its moment (a job may fire a hair early)
                        not_before=event.starts_at - offset,
                        priority=Priority.REMINDER,
                        payload={
                            "offset": int(offset.total_seconds()),
                            "starts_at": key_moment(event.starts_at),
                        },
                        event_id=event.id,
                    )
                )
        elif asked_at <= now < asked_at + FEEDBACK_WINDOW:
            for participant_id in await without_feedback(conn, event.id):
                items.append(
                    NewItem(
                        key=feedback_key(event.id, participant_id),
                        chat_id=participant_id,
                        kind=KIND_FEEDBACK,
                        not_before=asked_at,
                        priority=Priority.FEEDBACK,
                        event_id=event.id,
                    )
                )
            # With the requests, a certificate for each person who came (issue 10).
            items += await certificate_items(conn, event, asked_at)
    queued = 0
    if items:
        async with db.transaction() as conn:
            queued = await OutboxRepo.enqueue(conn, items, now)
    return Plan(queued, frozenset(moments))


@dataclass(frozen=True, slots=True)
class Timing:
    """When the planner queues: the settings' offsets and feedback delay, its clock and how
    often it plans anyway."""

    offsets: tuple[timedelta, ...]
    feedback_delay: timedelta
    clock: Callable[[], datetime] = utcnow
    rescan_seconds: float = RESCAN_SECONDS


class Reminders:
    """The planner in the running bot: scheduler jobs at the moments, ``plan_now``."""

    def __init__(
        self, db: Database, sender: Sender, scheduler: AsyncIOScheduler, timing: Timing
    ) -> None:
        self.db = db
        self.sender = sender
        self.scheduler = scheduler
        self.offsets = timing.offsets
        self.feedback_delay = timing.feedback_delay
        self.clock = timing.clock
        self.rescan_seconds = timing.rescan_seconds
        self._lock = asyncio.Lock()
        self._jobs: set[str] = set()
        self._data_version: int | None = None
        self.watching = Backoff("reminder watch", log)
        self.planning = Backoff("reminder planner", log)

    def start(self) -> None:
        every(self.scheduler, self.plan_now, self.rescan_seconds, JOB_PREFIX + "rescan")
        every(self.scheduler, self.watch, WATCH_SECONDS, JOB_PREFIX + "watch")

    async def watch(self) -> None:
        """Plan again when another process has written to the database since the last look
        (SQLite changes ``data_version`` only for commits of other connections). A scheduler
        job: it never raises; a failure is logged once, then at most once a minute."""
        await guarded(self.watching, self._look)

    async def _look(self) -> None:
        row = await self.db.fetchone("PRAGMA data_version")
        version = int(row[0]) if row else 0
        if self._data_version is not None and version != self._data_version:
            await self.plan_now()
        self._data_version = version

    async def plan_now(self, at: datetime | None = None) -> int:
        """Queue what is due now (``at``: the moment a job was set for, in case the
        scheduler wakes up a hair before it) and set the jobs of the coming moments.

        Never raises (it is a scheduler job and is called after registrations): when the
        database refuses (locked, full), the failure is logged once, then at most once a
        minute, and the plan is made again after a back-off, so a reminder moment that fell
        into the fault is only late, not lost.
        """
        queued = await guarded(self.planning, lambda: self._plan(at))
        if queued is None:
            self._retry_later(self.planning.delay)
            return 0
        if queued:
            log.info("queued %d reminder(s) or feedback request(s)", queued)
            self.sender.wake()
        return queued

    async def _plan(self, at: datetime | None) -> int:
        async with self._lock:
            now = self.clock()
            if at is not None and at > now:
                now = at
            result = await plan(
                self.db, offsets=self.offsets, feedback_delay=self.feedback_delay, now=now
            )
            self._schedule(result.moments)
        return result.queued

    def _retry_later(self, delay: float) -> None:
        try:
            self.scheduler.add_job(
                self.plan_now,
                "date",
                run_date=utcnow() + timedelta(seconds=delay),
                id=JOB_PREFIX + "retry",
                replace_existing=True,
                misfire_grace_time=None,
            )
        except Exception:
            log.exception("could not set the planner's retry; the rescan will plan again")

    def _schedule(self, moments: frozenset[datetime]) -> None:
        wanted = {JOB_PREFIX + key_moment(m): m for m in moments}
        for job_id in self._jobs - wanted.keys():
            if self.scheduler.get_job(job_id) is not None:
                self.scheduler.remove_job(job_id)
        for job_id, moment in wanted.items():
            if job_id in self._jobs and self.scheduler.get_job(job_id) is not None:
                continue
            self.scheduler.add_job(
                self.plan_now,
                "date",
                run_date=moment,
                args=[moment],
                id=job_id,
                replace_existing=True,
                misfire_grace_time=None,
            )
        self._jobs = set(wanted)


def reminders_of(runtime: Runtime | None) -> Reminders | None:
    return runtime.reminders if runtime is not None else None


async def plan_now(runtime: Runtime | None) -> None:
    """Make the plan at once (after a registration or a promotion); no-op without a runtime."""
    reminders = reminders_of(runtime)
    if reminders is not None:
        await reminders.plan_now()


def setup(runtime: Runtime) -> None:
    """The planner's jobs and a first plan at start (what passed while the bot was stopped).

    The renderers of what it queues are Telegram messages with buttons: they live with the
    conversation, and the app factory (bot/app.py) registers them with the sender."""
    settings = runtime.settings
    reminders = Reminders(
        runtime.db,
        runtime.sender,
        runtime.scheduler,
        Timing(settings.reminder_offsets, settings.feedback_delay),
    )
    runtime.reminders = reminders
    reminders.start()

    async def first_plan() -> None:
        await reminders.plan_now()

    runtime.on_started.append(first_plan)
