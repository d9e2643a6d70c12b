"""Registration statistics: counts by status, district and role, registrations per day, and
the chart of them (PNG drawn by matplotlib with the Agg backend: no display needed).

Plain values in, plain values out; the bot turns them into a message and a photo.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from storage.models import RegStatus

ACTIVE = (RegStatus.REGISTERED, RegStatus.WAITLISTED)


@dataclass(frozen=True, slots=True)
class Record:
    """One registration as the statistics see it."""

    event_id: str
    participant_id: int
    status: RegStatus
    registered_at: datetime  # the first confirmation
    cancelled_at: datetime | None
    district: str | None  # the participant's federal district
    role: str | None  # the participant's answer to the "role" question


@dataclass(frozen=True, slots=True)
class Summary:
    registered: int = 0
    waitlisted: int = 0
    cancelled: int = 0
    events: int = 0  # events with at least one registration
    people: int = 0  # distinct participants with an active registration
    # Active registrations (registered or waiting) by the participant's district / role;
    # None: not known. Most first, then by key.
    by_district: list[tuple[str | None, int]] = field(default_factory=list)
    by_role: list[tuple[str | None, int]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.registered + self.waitlisted + self.cancelled


def _ranked(counter: Counter[str | None]) -> list[tuple[str | None, int]]:
    return sorted(counter.items(), key=lambda kv: (-kv[1], kv[0] is None, kv[0] or ""))


def summarize(records: Iterable[Record]) -> Summary:
    """Counts of ``records``; a person registered for three events is one of ``people``."""
    records = list(records)
    status = Counter(r.status for r in records)
    active = [r for r in records if r.status in ACTIVE]
    return Summary(
        registered=status[RegStatus.REGISTERED],
        waitlisted=status[RegStatus.WAITLISTED],
        cancelled=status[RegStatus.CANCELLED],
        events=len({r.event_id for r in records}),
        people=len({r.participant_id for r in active}),
        by_district=_ranked(Counter(r.district for r in active)),
        by_role=_ranked(Counter(r.role for r in active)),
    )


@dataclass(frozen=True, slots=True)
class Day:
    day: date
    new: int  # registrations made that day (whatever became of them later)
    total: int  # all registrations made up to the end of that day
    active: int  # ... minus those cancelled by then


def per_day(records: Iterable[Record], zone: ZoneInfo) -> list[Day]:
    """Registrations per day in ``zone``, from the first day with one to the last day with a
    registration or a cancellation, days without any included (zero)."""
    records = list(records)
    if not records:
        return []
    made = Counter(r.registered_at.astimezone(zone).date() for r in records)
    dropped = Counter(
        r.cancelled_at.astimezone(zone).date()
        for r in records
        if r.status is RegStatus.CANCELLED and r.cancelled_at is not None
    )
    first = min(made)
    last = max([*made, *dropped])
    days = []
    total = active = 0
    day = first
    while day <= last:
        total += made[day]
        active += made[day] - dropped[day]
        days.append(Day(day, made[day], total, active))
        day += timedelta(days=1)
    return days


@dataclass(frozen=True, slots=True)
class ChartText:
    title: str
    new: str  # legend: registrations per day
    total: str  # legend: cumulative
    active: str  # legend: cumulative without the cancelled
    axis: str  # the y axis


def render_chart(days: list[Day], text: ChartText) -> bytes:
    """A PNG: bars of registrations per day and lines of the cumulative totals."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    # Figure and its Agg canvas directly (not pyplot): no global state, safe in a thread.
    figure = Figure(figsize=(8, 4.5), dpi=100)
    FigureCanvasAgg(figure)
    ax = figure.add_subplot()
    xs = list(range(len(days)))
    ax.bar(xs, [d.new for d in days], color="#9ecae1", label=text.new)
    ax.plot(
        xs, [d.total for d in days], color="#08519c", marker="o", markersize=3, label=text.total
    )
    if any(d.active != d.total for d in days):
        ax.plot(xs, [d.active for d in days], color="#e6550d", linestyle="--", label=text.active)
    step = max(1, len(days) // 12)
    ax.set_xticks(xs[::step], [d.day.strftime("%d.%m") for d in days][::step])
    ax.set_xlim(-0.6, max(len(days) - 0.4, 0.6))
    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    # parse_math=False: the title is an event's title as someone typed it, and "$" in it
    # ("Грант $5000 и $300") would be read as mathtext and fail the whole chart.
    ax.set_ylabel(text.axis, parse_math=False)
    title = text.title if len(text.title) <= 70 else text.title[:69] + "…"
    ax.set_title(title, parse_math=False)
    ax.grid(axis="y", alpha=0.3)
    for label in ax.legend(loc="upper left").get_texts():
        label.set_parse_math(False)
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()


# --- who came (issue 10): registered against attended, per event, district and kind ---------


@dataclass(frozen=True, slots=True)
class Turnout:
    key: str | None  # an event id, a district code or a kind; None: no district
    registered: int
    attended: int  # walk-ins included


def turnout_by(
    rows: Iterable[tuple[str | None, int, int]],
) -> list[Turnout]:
    """(key, registered, attended) rows summed by key, the most attended first."""
    registered: Counter[str | None] = Counter()
    attended: Counter[str | None] = Counter()
    for key, r, a in rows:
        registered[key] += r
        attended[key] += a
    keys = sorted(registered, key=lambda k: (-attended[k], -registered[k], k is None, k or ""))
    return [Turnout(k, registered[k], attended[k]) for k in keys]
