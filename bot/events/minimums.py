"""How many must come for an event to count in the report to the federal centre.

The programme's grant terms: at least 15 participants at each seminar, 30 at a round table;
other kinds have no minimum. An event may set its own (`min_participants` in the events file).
"""

from __future__ import annotations

from storage.models import Event

KIND_MINIMUM: dict[str, int] = {"seminar": 15, "round_table": 30}


def minimum_of(event: Event) -> int | None:
    """The attendance the event must reach, or None when it has no minimum."""
    if event.min_participants is not None:
        return event.min_participants or None
    return KIND_MINIMUM.get(event.kind)


def minimum_met(event: Event, attended: int) -> bool | None:
    """Whether ``attended`` reaches the minimum; None when there is none to reach."""
    minimum = minimum_of(event)
    return None if minimum is None else attended >= minimum
