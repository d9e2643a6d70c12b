"""Whether the bot is healthy, from its database alone: ``python -m bot status``, the
Dockerfile's HEALTHCHECK and ``GET /healthz`` in webhook mode all read this one snapshot.

Unhealthy means something an operator must look at:

* the delivery queue is stuck: a message due more than five minutes ago is still pending
  while the bot runs (a stopped bot sends nothing; that is not the queue's fault);
* backups are on (``BACKUP_DIR``) and the last one is more than two days old (or there has
  never been one on a database holding data for that long).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.config import Settings
from bot.delivery.reminders import event_offsets
from storage.db import Database, from_db, utcnow
from storage.ops import BackupRecord, Counts, OpsRepo, QueueState
from storage.reminders import scheduled_since

STUCK_AFTER = timedelta(minutes=5)
BACKUP_MAX_AGE = timedelta(days=2)


@dataclass(frozen=True, slots=True)
class Health:
    checked_at: datetime
    schema_version: int
    bot_running: bool
    counts: Counts
    queue: QueueState
    next_reminder: datetime | None
    backups_on: bool
    last_backup: BackupRecord | None
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_json(self) -> dict[str, Any]:
        """The same as :meth:`lines`, for ``/healthz`` and a monitoring system."""

        def moment(value: datetime | None) -> str | None:
            return value.isoformat(timespec="seconds") if value else None

        q = self.queue
        return {
            "ok": self.ok,
            "problems": list(self.problems),
            "checked_at": moment(self.checked_at),
            "schema_version": self.schema_version,
            "bot_running": self.bot_running,
            "participants": self.counts.participants,
            "events": self.counts.events,
            "registrations": self.counts.registrations,
            "queue": {
                "pending": q.pending,
                "sending": q.sending,
                "oldest_pending_age_s": self.oldest_age_seconds,
                "failed_last_hour": q.failed_last_hour,
                "last_sent": moment(q.last_sent),
            },
            "next_reminder": moment(self.next_reminder),
            "backups_on": self.backups_on,
            "last_backup": None
            if self.last_backup is None
            else {
                "path": self.last_backup.path,
                "size": self.last_backup.size,
                "taken_at": moment(self.last_backup.taken_at),
            },
        }

    @property
    def oldest_age_seconds(self) -> int | None:
        due = self.queue.oldest_due
        return None if due is None else max(0, int((self.checked_at - due).total_seconds()))

    def lines(self) -> list[str]:
        """What ``python -m bot status`` prints."""
        data = self.as_json()
        q = data["queue"]
        backup = self.last_backup
        return [
            f"status:           {'OK' if self.ok else 'PROBLEM'}",
            *(f"problem:          {p}" for p in self.problems),
            f"schema version:   {self.schema_version}",
            f"bot running:      {'yes' if self.bot_running else 'no'}",
            f"participants:     {self.counts.participants}",
            f"events:           {self.counts.events}",
            f"registrations:    {self.counts.registrations} (registered or waiting)",
            f"queue:            {q['pending']} pending, {q['sending']} sending",
            f"oldest pending:   {_age(self.oldest_age_seconds)}",
            f"failed last hour: {q['failed_last_hour']}",
            f"last sent:        {q['last_sent'] or 'never'}",
            f"next reminder:    {data['next_reminder'] or 'none planned'}",
            "last backup:      "
            + (
                f"{backup.taken_at.isoformat(timespec='seconds')} {backup.path} "
                f"({backup.size} bytes)"
                if backup
                else "never"
            )
            + ("" if self.backups_on else " (daily backups off: BACKUP_DIR not set)"),
        ]


def _age(seconds: int | None) -> str:
    if seconds is None:
        return "none due"
    return f"due {seconds // 60} min {seconds % 60} s ago"


async def next_reminder(db: Database, settings: Settings, now: datetime) -> datetime | None:
    """The next moment a reminder falls due (of the scheduled events still to come)."""
    moments = [
        event.starts_at - offset
        for event in await scheduled_since(db, now)
        for offset in event_offsets(event, settings.reminder_offsets)
        if event.starts_at - offset > now
    ]
    return min(moments, default=None)


async def _data_since(db: Database) -> datetime | None:
    row = await db.fetchone(
        "SELECT min(m) FROM (SELECT min(created_at) AS m FROM participants "
        "UNION ALL SELECT min(created_at) FROM events)"
    )
    return from_db(row[0]) if row else None


async def collect(
    db: Database, settings: Settings, *, running: bool, now: datetime | None = None
) -> Health:
    """The snapshot; ``running``: whether a bot holds the database (bot/ops/lock.py)."""
    now = now or utcnow()
    repo = OpsRepo(db)
    queue = await repo.queue(now, now - timedelta(hours=1))
    last_backup = await repo.last_backup()
    backups_on = settings.backup_dir is not None
    problems: list[str] = []
    if running and queue.oldest_due is not None and now - queue.oldest_due > STUCK_AFTER:
        minutes = int((now - queue.oldest_due).total_seconds() // 60)
        problems.append(f"delivery queue stuck: a message due {minutes} min ago is still pending")
    if backups_on:
        if last_backup is not None and now - last_backup.taken_at > BACKUP_MAX_AGE:
            problems.append(
                f"last backup is old: {last_backup.taken_at.isoformat(timespec='seconds')}"
            )
        if last_backup is None:
            since = await _data_since(db)
            if since is not None and now - since > BACKUP_MAX_AGE:
                problems.append("no backup has been taken yet")
    return Health(
        checked_at=now,
        schema_version=await db.schema_version(),
        bot_running=running,
        counts=await repo.counts(),
        queue=queue,
        next_reminder=await next_reminder(db, settings, now),
        backups_on=backups_on,
        last_backup=last_backup,
        problems=tuple(problems),
    )
