"""The ranking of applications: pure functions of the criteria and the experts' scores.

An expert's share of an application is ``sum(weight × score) / sum(weight × max)``; the
application's score is the mean of its experts' shares (recusals and reviews with a criterion
left unscored do not count). Shares are exact fractions, so two applications with the same
scores tie exactly and the earlier application wins, as the issue asks; the percentage people
read is rounded to one decimal only when shown.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from typing import Any

from bot.selection.config import SelectionSpec


@dataclass(frozen=True, slots=True)
class Scored:
    """One expert's verdict on one application, as the ranking reads it."""

    expert_id: int
    scores: Mapping[str, Any]
    recused: bool = False


@dataclass(frozen=True, slots=True)
class Entry:
    """An application as it competes: who, and when it was first submitted (ties)."""

    application_id: int
    submitted_at: datetime


@dataclass(frozen=True, slots=True)
class Ranked:
    entry: Entry
    rank: int  # 1, 2, ... in ranked order (those without scores last, by submission)
    share: Fraction | None  # None: no expert has scored it ("нет оценок")
    experts: int  # how many experts' scores count

    @property
    def percent(self) -> float | None:
        return percent(self.share)


def expert_share(spec: SelectionSpec, scored: Scored) -> Fraction | None:
    """The weighted share of one review, or None when it does not count: a recusal, or a
    criterion without a valid score (0..max)."""
    if scored.recused:
        return None
    total = 0
    for criterion in spec.criteria:
        value = scored.scores.get(criterion.id)
        if isinstance(value, bool) or not isinstance(value, int):
            return None
        if not 0 <= value <= criterion.max:
            return None
        total += criterion.weight * value
    return Fraction(total, spec.max_weighted)


def application_share(
    spec: SelectionSpec, reviews: Iterable[Scored]
) -> tuple[Fraction | None, int]:
    """The mean share over the reviews that count, and how many counted."""
    shares = [s for s in (expert_share(spec, r) for r in reviews) if s is not None]
    if not shares:
        return None, 0
    return sum(shares, Fraction(0)) / len(shares), len(shares)


def percent(share: Fraction | None) -> float | None:
    """A share as the percentage shown (one decimal, half away from zero)."""
    if share is None:
        return None
    tenths = share * 1000
    return float(int(tenths + Fraction(1, 2))) / 10


def rank(
    spec: SelectionSpec, entries: Iterable[Entry], reviews: Mapping[int, list[Scored]]
) -> list[Ranked]:
    """Entries in ranked order: the higher score first, a tie to the earlier submission (then
    the lower id); those nobody scored last, by submission."""
    scored = []
    for entry in entries:
        share, count = application_share(spec, reviews.get(entry.application_id, []))
        scored.append((entry, share, count))

    def order(item: tuple[Entry, Fraction | None, int]) -> tuple[int, Fraction, datetime, int]:
        entry, share, _ = item
        unscored = share is None
        return (int(unscored), -(share or Fraction(0)), entry.submitted_at, entry.application_id)

    scored.sort(key=order)
    return [
        Ranked(entry, n, share, count) for n, (entry, share, count) in enumerate(scored, start=1)
    ]
