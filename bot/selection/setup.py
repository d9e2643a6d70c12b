"""Making an event a selection from the chat (/newevent's optional step): seats, a reserve
and one default criterion; more criteria are edited in the events file."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime

from bot.events.files import import_events
from bot.selection.config import Criterion, LocalText, SelectionSpec
from storage.db import Database
from storage.events import EventRepo
from storage.models import Event

#: "40", "40 10", "40/10", "40, 10": seats, then the reserve.
SEATS_RE = re.compile(r"^\s*(\d{1,5})(?:\s*[ ,;/]\s*(\d{1,5}))?\s*$")
DEFAULT_CRITERION = Criterion(
    id="overall", title=LocalText(ru="Общая оценка заявки", en="Overall"), weight=1, max=5
)


def parse_seats(text: str) -> SelectionSpec | None:
    """The selection a coordinator typed ("40 10"), or None when it does not read."""
    match = SEATS_RE.match(text)
    if match is None:
        return None
    seats, reserve = int(match.group(1)), int(match.group(2) or 0)
    if not 0 < seats <= 10_000 or reserve > 10_000:
        return None
    return SelectionSpec(seats=seats, reserve=reserve, criteria=[DEFAULT_CRITERION])


async def make_selection(
    db: Database, event_id: str, spec: SelectionSpec, now: datetime
) -> Event | None:
    """Write the selection block into the event (the one way an event is written); None when
    the event is gone."""
    event = await EventRepo(db).get(event_id)
    if event is None:
        return None
    changed = replace(event, selection=spec.dump())
    await import_events(db, [changed], now)
    return changed
