"""The ranking of a selection against a table computed by hand, and the coordinator's view of
the commission's progress (who has done what, who is late).

Criteria: relevance (weight 2, max 5) and experience (weight 1, max 5), so an expert's share
is (2·relevance + experience) / 15. By hand:

====  ==========================  ======================  ===========  =====
app   expert 1                    expert 2                score        place
====  ==========================  ======================  ===========  =====
A     5,5 → 15/15                 4,3 → 11/15             26/30 86.7   2
B     4,4 → 12/15                 recused                 80.0         3
C     3,5 → 11/15                 5,5 → 15/15             26/30 86.7   1 (earlier than A)
D     5,– (unscored: no count)    2,1 → 5/15              33.3         4
E     –                           –                       нет оценок   5
F     recused                     –                       нет оценок   6 (later than E)
====  ==========================  ======================  ===========  =====
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from fractions import Fraction
from pathlib import Path

import pytest

from bot.events.files import import_events
from bot.selection.config import SelectionSpec
from bot.selection.decisions import board
from bot.selection.ranking import Entry, Scored, application_share, expert_share, percent, rank
from storage.applications import AppStatus
from storage.db import Database, utcnow
from tests.support.running import make_event
from tests.support.selection_seed import application, expert, review, scores, selection_event

SPEC = SelectionSpec.model_validate(selection_event().selection)
T0 = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


def entry(app_id: int, minutes: int) -> Entry:
    return Entry(app_id, T0 + timedelta(minutes=minutes))


# submission order: C (0), A (5), B (10), D (15), E (20), F (25)
ENTRIES = [entry(1, 5), entry(2, 10), entry(3, 0), entry(4, 15), entry(5, 20), entry(6, 25)]
A, B, C, D, E, F = 1, 2, 3, 4, 5, 6
REVIEWS = {
    A: [Scored(11, scores(5, 5)), Scored(12, scores(4, 3))],
    B: [Scored(11, scores(4, 4)), Scored(12, scores(5, 5), recused=True)],
    C: [Scored(11, scores(3, 5)), Scored(12, scores(5, 5))],
    D: [Scored(11, {"relevance": 5}), Scored(12, scores(2, 1))],
    F: [Scored(11, {}, recused=True)],
}


def test_the_hand_computed_table() -> None:
    ranked = rank(SPEC, ENTRIES, REVIEWS)
    table = [(r.entry.application_id, r.rank, r.percent, r.experts) for r in ranked]
    assert table == [
        (C, 1, 86.7, 2),
        (A, 2, 86.7, 2),
        (B, 3, 80.0, 1),
        (D, 4, 33.3, 1),
        (E, 5, None, 0),
        (F, 6, None, 0),
    ]
    assert ranked[0].share == ranked[1].share == Fraction(26, 30)  # an exact tie


def test_an_experts_share_counts_only_complete_valid_scores() -> None:
    assert SPEC.max_weighted == 15
    assert expert_share(SPEC, Scored(1, scores(5, 5))) == 1
    assert expert_share(SPEC, Scored(1, scores(0, 0))) == 0
    assert expert_share(SPEC, Scored(1, scores(4, 3))) == Fraction(11, 15)
    assert expert_share(SPEC, Scored(1, scores(5, 5), recused=True)) is None
    assert expert_share(SPEC, Scored(1, {"relevance": 5})) is None  # a criterion missing
    assert expert_share(SPEC, Scored(1, scores(6, 1))) is None  # past the criterion's max
    assert expert_share(SPEC, Scored(1, {"relevance": True, "experience": 1})) is None
    assert application_share(SPEC, []) == (None, 0)


def test_percent_is_shown_with_one_decimal() -> None:
    assert percent(Fraction(2, 3)) == 66.7
    assert percent(Fraction(1, 8)) == 12.5
    assert percent(Fraction(1, 16)) == 6.3  # 6.25 rounds half up
    assert percent(Fraction(1)) == 100.0
    assert percent(None) is None


def test_ties_without_scores_keep_the_order_of_submission_then_the_id() -> None:
    same = [Entry(9, T0), Entry(4, T0), Entry(7, T0 - timedelta(seconds=1))]
    assert [r.entry.application_id for r in rank(SPEC, same, {})] == [7, 4, 9]


async def test_the_board_ranks_what_the_database_holds(tmp_path: Path) -> None:
    """The same table from rows: withdrawn applications are not ranked; the progress of each
    expert counts what they saved; an expert with work left and nothing for three days is
    late, one who has not started after reviewing opened is late too."""
    async with Database(tmp_path / "bot.sqlite3") as db:
        await import_events(db, [selection_event(), make_event("other")], utcnow())
        await expert(db, 11, "Иванова Мария")
        await expert(db, 12, "Петров Олег")
        await expert(db, 13, "Сидоров Иван")
        ids = {}
        for name, minutes in (("C", 0), ("A", 5), ("B", 10), ("D", 15), ("E", 20), ("F", 25)):
            ids[name] = await application(
                db, 100 + minutes, f"Заявитель {name}", submitted_at=T0 + timedelta(minutes=minutes)
            )
        withdrawn = await application(db, 200, "Ушедший", status="withdrawn", submitted_at=T0)
        old = utcnow() - timedelta(days=4)
        for name, app_reviews in (("A", REVIEWS[A]), ("B", REVIEWS[B]), ("C", REVIEWS[C])):
            for r in app_reviews:
                at = old if r.expert_id == 12 else None
                await review(db, ids[name], r.expert_id, dict(r.scores), recused=r.recused, at=at)
        await review(db, ids["D"], 11, {"relevance": 5})
        await review(db, ids["D"], 12, scores(2, 1), at=old)
        await review(db, ids["F"], 11, recused=True)
        await review(db, withdrawn, 11, scores(5, 5))

        current = await board(db, "ethnic-2027", utcnow())
    ranked = [
        (s.application.participant_id, s.ranked.rank if s.ranked else None)
        for s in current.standings
    ]
    assert ranked == [(100, 1), (105, 2), (110, 3), (115, 4), (120, 5), (125, 6), (200, None)]
    assert current.standings[-1].application.status is AppStatus.WITHDRAWN
    progress = {p.expert_id: (p.done, p.total, p.late) for p in current.experts}
    assert progress == {
        11: (5, 6, False),  # A, B, C, D, F today (the withdrawn one does not count)
        12: (4, 6, True),  # four days ago, work left
        13: (0, 6, True),  # nothing since reviewing opened yesterday
    }


@pytest.mark.parametrize("opened", [False, True])
async def test_nobody_is_late_before_reviewing_opens(tmp_path: Path, opened: bool) -> None:
    async with Database(tmp_path / "bot.sqlite3") as db:
        await import_events(db, [selection_event(deadline_in=timedelta(days=3))], utcnow())
        await expert(db, 11, "Иванова Мария")
        await application(db, 100, "Заявитель")
        if opened:
            from bot.selection.decisions import open_review

            assert await open_review(db, "ethnic-2027", utcnow() - timedelta(seconds=1))
            assert not await open_review(db, "ethnic-2027", utcnow())  # once
        current = await board(db, "ethnic-2027", utcnow())
    assert [(p.done, p.total, p.late) for p in current.experts] == [(0, 1, opened)]
