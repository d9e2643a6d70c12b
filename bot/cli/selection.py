"""``python -m bot selection decide|publish|export|open-review --event ID``: the coordinator's
selection from the command line, the same services as the buttons of "Отбор" in the chat.

``publish`` only queues the messages; the running bot's delivery queue sends them.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bot.config import Settings
from bot.selection.decisions import SelectionRefused, Why
from storage.db import Database, utcnow

if TYPE_CHECKING:
    from bot.cli.command import Subparsers

COMMAND = "selection"

WHY = {
    Why.NO_EVENT: "no event with this id",
    Why.NOT_SELECTION: "this event has no selection block",
    Why.PUBLISHED: "the decisions have been published already; they cannot change",
    Why.NOT_CANDIDATE: "this application is not competing",
    Why.UNDECIDED: "some applications have no decision yet: run `selection decide` first",
    Why.NOTHING: "there are no applications to decide on",
}


def add_parser(sub: Subparsers) -> None:
    parser = sub.add_parser(COMMAND, help="competitive selection: decide, publish, export")
    actions = parser.add_subparsers(dest="action", required=True)
    decide = actions.add_parser("decide", help="draft decisions over the ranked applications")
    decide.add_argument("--event", required=True, help="the event id")
    decide.add_argument("--accept-top", type=int, default=None, help="default: the seats")
    decide.add_argument("--reserve", type=int, default=None, help="default: the reserve")
    publish = actions.add_parser("publish", help="publish the decisions (queues the messages)")
    publish.add_argument("--event", required=True, help="the event id")
    publish.add_argument("--note", default=None, help="optional words to the rejected")
    export = actions.add_parser("export", help="the applications, ranked, with the scores")
    export.add_argument("--event", required=True, help="the event id")
    export.add_argument("--format", choices=("csv", "xlsx"), default=None)
    export.add_argument("--output", type=Path, default=None, help="file (default: CSV to stdout)")
    opening = actions.add_parser("open-review", help="open reviewing before the deadline")
    opening.add_argument("--event", required=True, help="the event id")


async def run(settings: Settings, args: argparse.Namespace) -> int:
    if not settings.database_path.is_file():
        print(
            f"Error: no database at {settings.database_path} (set DATABASE_PATH)", file=sys.stderr
        )
        return 1
    fmt = getattr(args, "format", None)
    if args.action == "export" and fmt is None:
        fmt = "xlsx" if args.output and args.output.suffix.lower() == ".xlsx" else "csv"
    if args.action == "export" and fmt == "xlsx" and args.output is None:
        print("Error: XLSX needs --output FILE", file=sys.stderr)
        return 2
    async with Database(settings.database_path, busy_timeout_ms=settings.db_busy_timeout_ms) as db:
        try:
            if args.action == "export":
                return await _export(db, settings, args, fmt or "csv")
            return await _act(db, args)
        except SelectionRefused as exc:
            print(f"Error: {args.event}: {WHY[exc.reason]}", file=sys.stderr)
            return 1


async def _act(db: Database, args: argparse.Namespace) -> int:
    from bot.selection import decisions, publish

    if args.action == "decide":
        drafted = await decisions.decide(db, args.event, args.accept_top, args.reserve)
        print(
            f"{args.event}: draft decisions: {drafted.accepted} accepted, {drafted.reserve} "
            f"reserve, {drafted.rejected} rejected (nothing sent; publish to send)"
        )
        return 0
    if args.action == "publish":
        done = await publish.publish(db, args.event, utcnow(), args.note)
        if done.already:
            print(f"{args.event}: the decisions were published before; nothing sent again")
            return 0
        print(
            f"{args.event}: published: {done.accepted} accepted, {done.reserve} reserve, "
            f"{done.rejected} rejected; {done.queued} message(s) queued"
        )
        return 0
    opened = await decisions.open_review(db, args.event, utcnow())
    print(f"{args.event}: " + ("reviewing is open now" if opened else "reviewing was open already"))
    return 0


async def _export(db: Database, settings: Settings, args: argparse.Namespace, fmt: str) -> int:
    # Here, not at the top: openpyxl costs every other command a quarter of a second.
    from bot.cli.export import _write
    from bot.registration.regions import default_regions
    from bot.selection.export import selection_table
    from bot.staff.export import to_csv, to_xlsx

    table = await selection_table(db, args.event, default_regions(), settings.default_locale)
    data = to_csv(table) if fmt == "csv" else to_xlsx(table, args.event)
    return _write(data, args.output, len(table.rows))
