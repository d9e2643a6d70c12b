"""The coordinator's side of a selection: where the commission stands, the ranked list, and the
draft decisions (accepted, reserve in order, rejected) set over it before anything is sent.

Plain values in, plain results out: ``python -m bot selection decide`` and the buttons of
"Отбор" (handlers/selection/coordinator.py) call the same functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot.refusal import Refused
from bot.selection import reviewing
from bot.selection.config import SelectionSpec
from bot.selection.ranking import Entry, Ranked, Scored, rank
from storage.applications import AppStatus
from storage.db import Database, utcnow
from storage.decisions import (
    Application,
    Decision,
    DecisionRepo,
    DraftUpdate,
    ReviewRow,
    SelectionTimes,
)
from storage.events import EventRepo
from storage.models import Event

#: An expert with work left who has saved nothing for this long is late.
LATE_AFTER = timedelta(days=3)
NOTE_MAX = 1000


class Why(StrEnum):
    """Why a selection action is refused (texts: ``seldec.why.*``)."""

    NO_EVENT = "no_event"
    NOT_SELECTION = "not_selection"
    PUBLISHED = "published"
    NOT_CANDIDATE = "not_candidate"
    UNDECIDED = "undecided"
    NOTHING = "nothing"


class SelectionRefused(Refused[Why]):
    """A selection action refused; ``reason`` says why."""


@dataclass(frozen=True, slots=True)
class Standing:
    """One application in ranked order, with its current draft or status."""

    ranked: Ranked | None  # None: withdrawn (not ranked)
    application: Application


@dataclass(frozen=True, slots=True)
class ExpertProgress:
    expert_id: int
    done: int
    total: int
    late: bool


@dataclass(frozen=True, slots=True)
class Board:
    """Everything "Отбор" shows: the spec, the moments, the ranked list, the experts."""

    event: Event
    spec: SelectionSpec
    times: SelectionTimes
    standings: list[Standing]
    experts: list[ExpertProgress]
    reviews: list[ReviewRow]

    @property
    def published(self) -> bool:
        return self.times.decisions_published_at is not None

    def count(self, decision: Decision) -> int:
        return sum(1 for s in self.standings if s.application.draft_decision is decision)

    @property
    def candidates(self) -> list[Standing]:
        return [s for s in self.standings if s.application.status is AppStatus.APPLIED]


@dataclass(frozen=True, slots=True)
class Drafted:
    accepted: int
    reserve: int
    rejected: int


def review_opened(event: Event, times: SelectionTimes) -> datetime | None:
    """Reviewing opens at the application deadline, or earlier if the coordinator opened it."""
    moments = [m for m in (times.review_opened_at, event.registration_deadline) if m is not None]
    return min(moments) if moments else None


def spec_of(event: Event | None) -> SelectionSpec:
    if event is None:
        raise SelectionRefused(Why.NO_EVENT)
    spec = SelectionSpec.of(event)
    if spec is None:
        raise SelectionRefused(Why.NOT_SELECTION)
    return spec


def scored_by_application(reviews: list[ReviewRow]) -> dict[int, list[Scored]]:
    found: dict[int, list[Scored]] = {}
    for r in reviews:
        found.setdefault(r.application_id, []).append(Scored(r.expert_id, r.scores, r.recused))
    return found


def standings(
    spec: SelectionSpec, applications: list[Application], reviews: list[ReviewRow]
) -> list[Standing]:
    """Every application not withdrawn, ranked; the withdrawn after them, unranked."""
    active = [a for a in applications if a.status is not AppStatus.WITHDRAWN]
    by_id = {a.id: a for a in active}
    ranked = rank(
        spec, [Entry(a.id, a.submitted_at) for a in active], scored_by_application(reviews)
    )
    result = [Standing(r, by_id[r.entry.application_id]) for r in ranked]
    result += [Standing(None, a) for a in applications if a.status is AppStatus.WITHDRAWN]
    return result


def progress(
    spec: SelectionSpec,
    experts: list[int],
    applications: list[Application],
    reviews: list[ReviewRow],
    opened: tuple[datetime | None, datetime],
) -> list[ExpertProgress]:
    """Per expert: reviews saved (a recusal counts as dealt with) of the applications they
    are to review, and whether they are late: work left, reviewing open, and nothing saved in
    the last three days (or nothing at all). With ``reviews_per_application`` an expert's
    share is what they did plus what still lacks reviews and they could take."""
    opened_at, now = opened
    live = {a.id for a in applications if a.status is not AppStatus.WITHDRAWN}
    counting = [r for r in reviews if r.application_id in live]
    per_app: dict[int, int] = {}
    for r in counting:
        if not r.recused:
            per_app[r.application_id] = per_app.get(r.application_id, 0) + 1
    result = []
    for expert in experts:
        own = [r for r in counting if r.expert_id == expert]
        seen = {r.application_id for r in own}
        if spec.reviews_per_application is None:
            total = len(live)
        else:
            need = spec.reviews_per_application
            open_ = [a for a in live if a not in seen and per_app.get(a, 0) < need]
            total = len(seen) + len(open_)
        last = max((r.updated_at for r in own), default=None)
        stale = last is None or last < now - LATE_AFTER
        late = opened_at is not None and opened_at <= now and len(own) < total and stale
        result.append(ExpertProgress(expert, len(own), total, late))
    return result


async def board(db: Database, event_id: str, now: datetime) -> Board:
    event = await EventRepo(db).get(event_id)
    spec = spec_of(event)
    assert event is not None
    repo = DecisionRepo(db)
    times = await repo.times(event_id)
    applications = await repo.applications(event_id)
    reviews = await repo.reviews(event_id)
    experts = await repo.experts(event_id)
    opened = (review_opened(event, times), now)
    return Board(
        event,
        spec,
        times,
        standings(spec, applications, reviews),
        progress(spec, experts, applications, reviews, opened),
        reviews,
    )


def plan(ranked: list[Standing], accept_top: int, reserve: int) -> list[DraftUpdate]:
    """The first ``accept_top`` accepted, the next ``reserve`` on the reserve list (1, 2, ...
    in ranked order), the rest rejected."""
    updates = []
    for n, standing in enumerate(ranked):
        if n < accept_top:
            updates.append(DraftUpdate(standing.application.id, Decision.ACCEPTED, None))
        elif n < accept_top + reserve:
            position = n - accept_top + 1
            updates.append(DraftUpdate(standing.application.id, Decision.RESERVE, position))
        else:
            updates.append(DraftUpdate(standing.application.id, Decision.REJECTED, None))
    return updates


def renumbered(ranked: list[Standing], changed: int, decision: Decision) -> list[DraftUpdate]:
    """The drafts after one application's change: the reserve numbered 1, 2, ... in ranked
    order again; an application without a draft yet stays so (rejected by default later)."""
    updates = []
    position = 0
    for standing in ranked:
        app = standing.application
        current = decision if app.id == changed else app.draft_decision
        if current is None:
            continue
        if current is Decision.RESERVE:
            position += 1
            updates.append(DraftUpdate(app.id, current, position))
        else:
            updates.append(DraftUpdate(app.id, current, None))
    return updates


async def _candidates(db: Database, event_id: str) -> tuple[list[Standing], DecisionRepo]:
    current = await board(db, event_id, utcnow())
    if current.published:
        raise SelectionRefused(Why.PUBLISHED)
    return current.candidates, DecisionRepo(db)


async def decide(
    db: Database, event_id: str, accept_top: int | None = None, reserve: int | None = None
) -> Drafted:
    """Draft decisions over the ranked applications (defaults: the event's seats and
    reserve). Nothing is sent; it may be run again, or changed one by one, until publishing."""
    event = await EventRepo(db).get(event_id)
    spec = spec_of(event)
    top = spec.seats if accept_top is None else max(accept_top, 0)
    kept = spec.reserve if reserve is None else max(reserve, 0)
    ranked, repo = await _candidates(db, event_id)
    updates = plan(ranked, top, kept)
    async with db.transaction() as conn:
        if (await repo.times(event_id, conn)).decisions_published_at is not None:
            raise SelectionRefused(Why.PUBLISHED)
        await repo.set_drafts(conn, updates)
    return _drafted(updates)


async def change(db: Database, application_id: int, decision: Decision) -> Drafted:
    """One application's draft changed by the coordinator; the reserve renumbered."""
    repo = DecisionRepo(db)
    app = await repo.get(application_id)
    if app is None:
        raise SelectionRefused(Why.NOT_CANDIDATE)
    spec_of(await EventRepo(db).get(app.event_id))
    ranked, _ = await _candidates(db, app.event_id)
    if app.id not in {s.application.id for s in ranked}:
        raise SelectionRefused(Why.NOT_CANDIDATE)
    updates = renumbered(ranked, app.id, decision)
    async with db.transaction() as conn:
        if (await repo.times(app.event_id, conn)).decisions_published_at is not None:
            raise SelectionRefused(Why.PUBLISHED)
        await repo.set_drafts(conn, updates)
    return _drafted(updates)


async def set_note(db: Database, event_id: str, note: str | None) -> int:
    """The coordinator's optional words to those not accepted (None: none)."""
    spec_of(await EventRepo(db).get(event_id))
    text = (note or "").strip()[:NOTE_MAX] or None
    async with db.transaction() as conn:
        if (await DecisionRepo(db).times(event_id, conn)).decisions_published_at is not None:
            raise SelectionRefused(Why.PUBLISHED)
        return await DecisionRepo.set_note(conn, event_id, text)


async def open_review(db: Database, event_id: str, now: datetime) -> bool:
    """Reviewing opens now instead of at the deadline; False if it was open already."""
    spec_of(await EventRepo(db).get(event_id))
    return await reviewing.open_review(db, event_id, now)


def _drafted(updates: list[DraftUpdate]) -> Drafted:
    def n(d: Decision) -> int:
        return sum(1 for u in updates if u.decision is d)

    return Drafted(n(Decision.ACCEPTED), n(Decision.RESERVE), n(Decision.REJECTED))
