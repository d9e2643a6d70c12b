"""``python -m bot events import FILE | list``: create or update events, print them."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bot.config import Settings
from bot.events.files import EventsFileError, import_events, read_events_file
from bot.registration.regions import default_regions
from storage.db import Database, utcnow
from storage.events import EventRepo

if TYPE_CHECKING:
    from bot.cli.command import Subparsers

COMMAND = "events"


def add_parser(sub: Subparsers) -> None:
    events = sub.add_parser(COMMAND, help="import or list events")
    events_sub = events.add_subparsers(dest="events_command", required=True)
    imp = events_sub.add_parser("import", help="create or update events from a YAML/JSON file")
    imp.add_argument("file", type=Path)
    events_sub.add_parser("list", help="print the events")


async def run(settings: Settings, args: argparse.Namespace) -> int:
    async with Database(settings.database_path, busy_timeout_ms=settings.db_busy_timeout_ms) as db:
        if args.events_command == "import":
            return await _import(db, settings, args.file)
        return await _list(db, settings)


async def _import(db: Database, settings: Settings, file: Path) -> int:
    try:
        events = read_events_file(file, settings.zone)
    except EventsFileError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        print("Nothing was imported.", file=sys.stderr)
        return 1
    result = await import_events(db, events, utcnow())
    print(
        f"Imported {len(events)} event(s): {len(result.created)} new, "
        f"{len(result.updated)} updated."
    )
    return 0


async def _list(db: Database, settings: Settings) -> int:
    regions = default_regions()
    repo = EventRepo(db)
    events = await repo.all()
    counts = await repo.counts()
    if not events:
        print("No events yet. Import some with: python -m bot events import FILE")
        return 0
    for event in events:
        c = counts.get(event.id)
        district = regions.district(event.district) if event.district else None
        seats = f"{c.registered if c else 0}/{event.capacity or '∞'}"
        waiting = f", waitlist {c.waitlisted}" if c and c.waitlisted else ""
        start = event.starts_at.astimezone(settings.zone).strftime("%Y-%m-%d %H:%M")
        print(
            f"{event.id}\t{start} {settings.timezone}\t{event.kind}\t"
            f"{district.code if district else '-'}\t{seats}{waiting}\t"
            f"{event.status.value}\t{event.title}"
        )
    return 0
