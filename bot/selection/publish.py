"""Publishing the decisions: in ONE transaction every undecided application takes the status of
its draft, the event records the moment, and one message per applicant is queued in the
delivery queue (storage/outbox.py), so a crash either publishes all or nothing, and the
messages leave at the queue's pace. The de-duplication keys name the application and what it
is told, so publishing twice (the button pressed twice, the command run again) sends nothing
twice. The texts are rendered when sent (handlers/selection/confirm.py), from the application
as it is then: a message its news has overtaken (a reserve place already turned into a seat)
is dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

import aiosqlite

from bot.selection.decisions import SelectionRefused, Why, spec_of
from storage.applications import AppStatus
from storage.db import Database
from storage.decisions import Application, Decision, DecisionRepo
from storage.events import EventRepo
from storage.outbox import NewItem, OutboxRepo, Priority

#: The outbox kind of every message about a selection decision.
KIND_SELECTION = "selection"


class News(StrEnum):
    """What a message tells; the status the application must still have to be sent."""

    ACCEPTED = "accepted"
    RESERVE = "reserve"
    REJECTED = "rejected"
    PROMOTED = "promoted"  # moved up from the reserve list into a seat
    EXPIRED = "expired"  # did not confirm in time

    @property
    def status(self) -> AppStatus:
        if self in (News.ACCEPTED, News.PROMOTED):
            return AppStatus.ACCEPTED
        return AppStatus(self.value)


@dataclass(frozen=True, slots=True)
class Published:
    accepted: int
    reserve: int
    rejected: int
    queued: int  # messages newly queued (0 when published before)
    already: bool  # the decisions had been published before: nothing was done


def news_key(application_id: int, news: News) -> str:
    """Each application is told each kind of news once."""
    return f"selection:{application_id}:{news.value}"


def news_item(application: Application, news: News, now: datetime) -> NewItem:
    return NewItem(
        key=news_key(application.id, news),
        chat_id=application.participant_id,
        kind=KIND_SELECTION,
        not_before=now,
        priority=Priority.NOTICE,
        payload={"app": application.id, "news": news.value},
        event_id=application.event_id,
    )


async def tell(conn: aiosqlite.Connection, items: list[NewItem], now: datetime) -> int:
    return await OutboxRepo.enqueue(conn, items, now)


async def publish(db: Database, event_id: str, now: datetime, note: str | None = None) -> Published:
    """Turn the drafts into statuses and queue the messages, all at once.

    Refused when an application still competing has no draft (run ``decide`` first) or there
    is none at all. ``note``: the coordinator's words to the rejected, if given here.
    """
    spec = spec_of(await EventRepo(db).get(event_id))
    repo = DecisionRepo(db)
    confirm_by = now + timedelta(days=spec.confirm_days)
    async with db.transaction() as conn:
        if (await repo.times(event_id, conn)).decisions_published_at is not None:
            return Published(0, 0, 0, 0, already=True)
        if note is not None and note.strip():
            await DecisionRepo.set_note(conn, event_id, note.strip())
        candidates = [
            a for a in await repo.applications(event_id, conn) if a.status is AppStatus.APPLIED
        ]
        if not candidates:
            raise SelectionRefused(Why.NOTHING)
        if any(a.draft_decision is None for a in candidates):
            raise SelectionRefused(Why.UNDECIDED)
        items = []
        for app in candidates:
            assert app.draft_decision is not None
            status = AppStatus(app.draft_decision.value)
            deadline = confirm_by if status is AppStatus.ACCEPTED else None
            await DecisionRepo.set_status(conn, app, status, now, deadline)
            items.append(news_item(app, News(app.draft_decision.value), now))
        await DecisionRepo.mark_published(conn, event_id, now)
        queued = await tell(conn, items, now)

    def n(d: Decision) -> int:
        return sum(1 for a in candidates if a.draft_decision is d)

    return Published(n(Decision.ACCEPTED), n(Decision.RESERVE), n(Decision.REJECTED), queued, False)
