"""``python -m bot experts add USER_ID --event ID | remove USER_ID --event ID | list [--event ID]``.

Works beside the running bot (the same SQLite file): the expert is looked up on each press,
so /review works for them at once. The command itself is bot/cli/event_roles.py.
"""

from __future__ import annotations

from bot.cli.event_roles import RoleCommand, RoleWords
from bot.selection.experts import Experts, NotASelection
from storage.experts import Expert

COMMAND = "experts"

WORDS = RoleWords(
    help="add, remove or list the experts of a selection event",
    add_help="make a Telegram user an expert of a selection event",
    remove_help="take the expert role for that event away (their scores stay)",
    list_help="print the experts (of one event, or all)",
    event_help="the event id",
    added="{user} is now an expert of {event}",
    already="{user} is already an expert of {event}",
    removed="{user} is no longer an expert of {event}",
    not_held="Error: {user} is not an expert of {event}",
    refused="Error: no selection event {event!r} (unknown, or it has no selection block)",
    empty="No experts yet. Add one with: python -m bot experts add USER_ID --event ID",
    row="{x.telegram_id}\t{x.event_id}\tadded {x.created_at:%Y-%m-%d %H:%M} UTC",
)


class _Experts(Experts):
    async def holders(self, event_id: str | None) -> list[Expert]:
        """An empty ``--event`` lists every event's experts, as no ``--event`` does."""
        return await self.of_event(event_id) if event_id else await self.all()


ROLE = RoleCommand(COMMAND, WORDS, _Experts, NotASelection)
add_parser = ROLE.add_parser
run = ROLE.run
