"""Experts scoring applications (issue 9, item 2): the queue, scores, recusals, the blind rule.

Reviewing opens at the application deadline, or earlier when the coordinator opens it
(:func:`open_review`); scores can be changed until the decisions are published. An expert sees
the others' scores of an application only after saving their own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.refusal import Refused
from bot.selection.applying import application_deadline
from bot.selection.config import SelectionSpec
from storage.applications import Application, ApplicationRepo, AppStatus
from storage.db import Database, utcnow
from storage.events import EventRepo
from storage.experts import ExpertRepo
from storage.models import Event
from storage.reviews import Review, ReviewRepo

COMMENT_MAX = 1000


class ReviewClosed(StrEnum):
    """Why a score cannot be given or changed now (texts: ``review.closed.<value>``)."""

    NOT_YET = "not_yet"  # reviewing has not opened
    PUBLISHED = "published"  # the decisions are out: the scores are final
    WITHDRAWN = "withdrawn"  # the application is no longer under consideration
    INCOMPLETE = "incomplete"  # a criterion without a score, or a score out of range


class ReviewRefused(Refused[ReviewClosed]):
    """A score or recusal refused; ``reason`` says why."""


async def open_review(db: Database, event_id: str, now: datetime) -> bool:
    """Open reviewing now, before the application deadline (the coordinator's button).
    False when it was open already (opening twice changes nothing)."""
    async with db.transaction() as conn:
        return await ApplicationRepo(db).open_review(conn, event_id, now)


@dataclass(frozen=True, slots=True)
class Window:
    """When reviewing opens, whether it is open now, and whether the decisions are out."""

    opens_at: datetime
    open: bool
    published: bool


@dataclass(frozen=True, slots=True)
class Target:
    """An application an expert may review: with its event and the event's criteria."""

    application: Application
    event: Event
    spec: SelectionSpec


@dataclass(frozen=True, slots=True)
class Queue:
    """An expert's place in one event: the next application (None: done), how many remain of
    how many this expert has (``осталось 12 из 30``)."""

    next_id: int | None
    remaining: int
    total: int


def complete(spec: SelectionSpec, scores: Mapping[str, int]) -> bool:
    """Every criterion scored, each within 0..max."""
    return all(
        c.id in scores and isinstance(scores[c.id], int) and 0 <= scores[c.id] <= c.max
        for c in spec.criteria
    )


class Reviewing:
    def __init__(self, db: Database, clock: Callable[[], datetime] = utcnow) -> None:
        self.db = db
        self.clock = clock
        self.events = EventRepo(db)
        self.applications = ApplicationRepo(db)
        self.experts = ExpertRepo(db)
        self.reviews = ReviewRepo(db)

    async def events_of(self, expert_id: int) -> list[Event]:
        """The selection events this person reviews."""
        return [e for e in await self.experts.events_of(expert_id) if e.selection is not None]

    async def event_for(self, expert_id: int, event_id: str) -> Event | None:
        """The event, if this person is its expert (None otherwise: the same for a forged id)."""
        if not await self.experts.is_expert(event_id, expert_id):
            return None
        event = await self.events.get(event_id)
        return event if event is not None and event.selection is not None else None

    async def window(self, event: Event) -> Window:
        opened, published = await self.applications.review_moments(event.id)
        opens_at = opened or application_deadline(event)
        return Window(opens_at, opens_at <= self.clock(), published is not None)

    async def queue(self, event: Event, expert_id: int, skipped: tuple[int, ...] = ()) -> Queue:
        """The expert's queue; applications skipped in this sitting come last."""
        spec = SelectionSpec.of(event)
        per = spec.reviews_per_application if spec else None
        ids = await self.reviews.queue(event.id, expert_id, per)
        handled = await self.reviews.handled(event.id, expert_id)
        ordered = [i for i in ids if i not in skipped] + [i for i in ids if i in skipped]
        return Queue(ordered[0] if ordered else None, len(ids), len(ids) + handled)

    async def target(self, expert_id: int, application_id: int) -> Target | None:
        """The application, if this person is an expert of its event; None otherwise (a
        forged or foreign id learns nothing)."""
        application = await self.applications.by_id(application_id)
        if application is None:
            return None
        event = await self.event_for(expert_id, application.event_id)
        spec = SelectionSpec.of(event) if event else None
        if event is None or spec is None:
            return None
        return Target(application, event, spec)

    async def answers(self, target: Target) -> dict[str, str]:
        """The application's answers, and the applicant's name and organisation (an expert
        needs them to see a conflict of interest)."""
        application = target.application
        return await self.applications.answers_for_review(
            application.participant_id, application.event_id
        )

    async def own(self, target: Target, expert_id: int) -> Review | None:
        return await self.reviews.get(target.application.id, expert_id)

    async def _writable(self, target: Target) -> None:
        window = await self.window(target.event)
        if window.published:
            raise ReviewRefused(ReviewClosed.PUBLISHED)
        if not window.open:
            raise ReviewRefused(ReviewClosed.NOT_YET)
        current = await self.applications.by_id(target.application.id)
        if current is None or current.status is not AppStatus.APPLIED:
            raise ReviewRefused(ReviewClosed.WITHDRAWN)

    async def save(
        self, target: Target, expert_id: int, scores: Mapping[str, int], comment: str | None
    ) -> Review:
        """Save (or change) this expert's scores: every criterion, each 0..max."""
        await self._writable(target)
        if not complete(target.spec, scores):
            raise ReviewRefused(ReviewClosed.INCOMPLETE)
        wanted = {c.id: int(scores[c.id]) for c in target.spec.criteria}
        return await self._put(target, expert_id, wanted, (comment or "")[:COMMENT_MAX] or None)

    async def recuse(self, target: Target, expert_id: int) -> Review:
        """A conflict of interest: this expert does not score the application; with
        ``reviews_per_application`` set it goes to another expert's queue."""
        await self._writable(target)
        return await self._put(target, expert_id, {}, None, recused=True)

    async def _put(
        self,
        target: Target,
        expert_id: int,
        scores: dict[str, int],
        comment: str | None,
        *,
        recused: bool = False,
    ) -> Review:
        now = self.clock()
        before = await self.reviews.get(target.application.id, expert_id)
        review = Review(
            application_id=target.application.id,
            expert_id=expert_id,
            scores=scores,
            comment=comment,
            recused=recused,
            created_at=before.created_at if before else now,
            updated_at=now,
        )
        async with self.db.transaction() as conn:
            await self.reviews.save(conn, review)
        return review

    async def others(self, target: Target, expert_id: int) -> list[Review] | None:
        """The other experts' reviews of the application, or None while this expert has
        not saved a score of their own (blind until then)."""
        mine = await self.own(target, expert_id)
        if mine is None or mine.recused:
            return None
        every = await self.reviews.of_application(target.application.id)
        return [r for r in every if r.expert_id != expert_id and not r.recused]
