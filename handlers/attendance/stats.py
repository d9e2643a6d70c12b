"""/stats' block of who came: registered against attended for the events that have started
(or where people are already checked in),
in total, by district, by kind and per event with its minimum (✓ met, ✗ and how many short)."""

from __future__ import annotations

from bot.attendance.service import Summary
from bot.events.minimums import minimum_of
from bot.i18n import Html, Translator
from bot.registration.regions import Regions
from bot.staff.stats import turnout_by
from handlers.attendance.ui import summary_line
from storage.attendance import AttendanceRepo
from storage.db import Database, utcnow
from storage.events import EventRepo
from storage.models import Event

EVENTS_SHOWN = 10  # the latest started events listed one by one


async def turnout_block(db: Database, events: list[Event], t: Translator, regions: Regions) -> str:
    """'' when none of ``events`` has started or has anyone checked in."""
    now = utcnow()
    attended = await AttendanceRepo(db).counts()
    started = [e for e in events if e.starts_at <= now or attended.get(e.id)]
    if not started:
        return ""
    counts = await EventRepo(db).counts([e.id for e in started])
    summaries = {
        e.id: Summary(
            counts[e.id].registered if e.id in counts else 0,
            attended.get(e.id, 0),
            minimum_of(e),
        )
        for e in started
    }
    total = Summary(
        sum(s.registered for s in summaries.values()),
        sum(s.attended for s in summaries.values()),
        None,
    )
    lines = [t("att.stats.head"), summary_line(total, t)]
    by_district = turnout_by(
        (e.district, summaries[e.id].registered, summaries[e.id].attended) for e in started
    )
    for row in by_district:
        found = regions.district(row.key) if row.key else None
        name = found.name(t.locale) if found else t.plain("coord.scope_all")
        lines.append(
            t("att.stats.row", name=name, attended=row.attended, registered=row.registered)
        )
    for row in turnout_by(
        (e.kind, summaries[e.id].registered, summaries[e.id].attended) for e in started
    ):
        name = t.plain(f"kind.{row.key}")
        lines.append(
            t("att.stats.row", name=name, attended=row.attended, registered=row.registered)
        )
    for event in sorted(started, key=lambda e: e.starts_at, reverse=True)[:EVENTS_SHOWN]:
        lines.append(
            t("att.stats.event", title=event.title, line=summary_line(summaries[event.id], t))
        )
    return Html("\n".join(lines))
