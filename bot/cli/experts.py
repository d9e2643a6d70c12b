"""``python -m bot experts add USER_ID --event ID | remove USER_ID --event ID | list [--event ID]``.

Works beside the running bot (the same SQLite file): the expert is looked up on each press,
so /review works for them at once.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from bot.cli.coordinators import _user_id
from bot.config import Settings
from bot.selection.experts import Experts, NotASelection
from storage.db import Database, utcnow

if TYPE_CHECKING:
    from bot.cli.command import Subparsers

COMMAND = "experts"


def add_parser(sub: Subparsers) -> None:
    parser = sub.add_parser(COMMAND, help="add, remove or list the experts of a selection event")
    commands = parser.add_subparsers(dest="experts_command", required=True)
    for name, text in (
        ("add", "make a Telegram user an expert of a selection event"),
        ("remove", "take the expert role for that event away (their scores stay)"),
    ):
        command = commands.add_parser(name, help=text)
        command.add_argument("user_id", type=_user_id, metavar="USER_ID")
        command.add_argument("--event", required=True, metavar="ID", help="the event id")
    listing = commands.add_parser("list", help="print the experts (of one event, or all)")
    listing.add_argument("--event", metavar="ID", help="only this event")


async def run(settings: Settings, args: argparse.Namespace) -> int:
    async with Database(settings.database_path, busy_timeout_ms=settings.db_busy_timeout_ms) as db:
        experts = Experts(db)
        try:
            return await _run(experts, args)
        except NotASelection:
            print(
                f"Error: no selection event {args.event!r} (unknown, or it has no selection block)",
                file=sys.stderr,
            )
            return 1


async def _run(experts: Experts, args: argparse.Namespace) -> int:
    if args.experts_command == "add":
        new = await experts.add(args.event, args.user_id, None, utcnow())
        verb = "is now an expert of" if new else "is already an expert of"
        print(f"{args.user_id} {verb} {args.event}")
        return 0
    if args.experts_command == "remove":
        if await experts.remove(args.event, args.user_id):
            print(f"{args.user_id} is no longer an expert of {args.event}")
            return 0
        print(f"Error: {args.user_id} is not an expert of {args.event}", file=sys.stderr)
        return 1
    items = await experts.of_event(args.event) if args.event else await experts.all()
    if not items:
        print("No experts yet. Add one with: python -m bot experts add USER_ID --event ID")
    for x in items:
        print(f"{x.telegram_id}\t{x.event_id}\tadded {x.created_at:%Y-%m-%d %H:%M} UTC")
    return 0
