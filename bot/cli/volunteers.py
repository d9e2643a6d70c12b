"""``python -m bot volunteers add USER_ID --event ID | remove USER_ID --event ID | list
[--event ID]``: door volunteers, who may check people in at one event and nothing else.

Works beside the running bot (the same SQLite file): rights are looked up on every scan.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from bot.attendance.volunteers import VolunteerError, Volunteers
from bot.config import Settings
from storage.db import Database, utcnow

if TYPE_CHECKING:
    from bot.cli.command import Subparsers

COMMAND = "volunteers"


def _user_id(text: str) -> int:
    if not text.isdigit() or int(text) <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a Telegram user id (digits only)")
    return int(text)


def add_parser(sub: Subparsers) -> None:
    parser = sub.add_parser(COMMAND, help="add, remove or list door volunteers of an event")
    commands = parser.add_subparsers(dest="volunteers_command", required=True)
    for name, text in (
        ("add", "let a Telegram user check people in at one event"),
        ("remove", "take that right away"),
    ):
        command = commands.add_parser(name, help=text)
        command.add_argument("user_id", type=_user_id, metavar="USER_ID")
        command.add_argument("--event", required=True, metavar="ID", help="the event's id")
    listing = commands.add_parser("list", help="print the volunteers (of one event)")
    listing.add_argument("--event", metavar="ID", help="only this event")


async def run(settings: Settings, args: argparse.Namespace) -> int:
    async with Database(settings.database_path) as db:
        volunteers = Volunteers(db)
        command = args.volunteers_command
        if command == "add":
            try:
                new = await volunteers.add(args.user_id, args.event, None, utcnow())
            except VolunteerError as exc:
                print(f"Error: {exc}", file=sys.stderr)
                return 1
            state = "is now" if new else "was already"
            print(f"{args.user_id} {state} a door volunteer of {args.event}")
            return 0
        if command == "remove":
            if not await volunteers.remove(args.user_id, args.event):
                print(f"{args.user_id} is not a volunteer of {args.event}", file=sys.stderr)
                return 1
            print(f"{args.user_id} is no longer a door volunteer of {args.event}")
            return 0
        rows = await volunteers.list(args.event)
        if not rows:
            print("no volunteers")
        for row in rows:
            print(f"{row.event_id}\t{row.telegram_id}\tadded {row.created_at:%Y-%m-%d %H:%M} UTC")
        return 0
