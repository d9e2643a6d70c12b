"""``python -m bot volunteers add USER_ID --event ID | remove USER_ID --event ID | list
[--event ID]``: door volunteers, who may check people in at one event and nothing else.

Works beside the running bot (the same SQLite file): rights are looked up on every scan.
The command itself is bot/cli/event_roles.py.
"""

from __future__ import annotations

from datetime import datetime

from bot.attendance.volunteers import VolunteerError, Volunteers
from bot.cli.event_roles import RoleCommand, RoleWords
from storage.attendance import Volunteer
from storage.db import Database

COMMAND = "volunteers"

WORDS = RoleWords(
    help="add, remove or list door volunteers of an event",
    add_help="let a Telegram user check people in at one event",
    remove_help="take that right away",
    list_help="print the volunteers (of one event)",
    event_help="the event's id",
    added="{user} is now a door volunteer of {event}",
    already="{user} was already a door volunteer of {event}",
    removed="{user} is no longer a door volunteer of {event}",
    not_held="{user} is not a volunteer of {event}",
    refused="Error: {error}",
    empty="no volunteers",
    row="{x.event_id}\t{x.telegram_id}\tadded {x.created_at:%Y-%m-%d %H:%M} UTC",
)


class _Volunteers:
    """``Volunteers`` (person first) in the event-first order of the role command."""

    def __init__(self, db: Database) -> None:
        self.volunteers = Volunteers(db)

    async def add(
        self, event_id: str, telegram_id: int, added_by: int | None, now: datetime
    ) -> bool:
        return await self.volunteers.add(telegram_id, event_id, added_by, now)

    async def remove(self, event_id: str, telegram_id: int) -> bool:
        return await self.volunteers.remove(telegram_id, event_id)

    async def holders(self, event_id: str | None) -> list[Volunteer]:
        return await self.volunteers.list(event_id)


ROLE = RoleCommand(COMMAND, WORDS, _Volunteers, VolunteerError)
add_parser = ROLE.add_parser
run = ROLE.run
