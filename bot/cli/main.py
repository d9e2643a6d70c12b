"""``python -m bot`` runs the bot; ``events``, ``export`` are tools for coordinators."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sqlite3
import sys
from pathlib import Path
from typing import Any

from bot.config import Settings, load_settings_or_exit
from storage.db import SchemaTooNewError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="Participant bot of the ethnocultural NGO programmes. "
        "Without a command it runs the bot (BOT_TOKEN must be set).",
    )
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="run the bot (the default)")

    events = sub.add_parser("events", help="import or list events")
    events_sub = events.add_subparsers(dest="events_command", required=True)
    imp = events_sub.add_parser("import", help="create or update events from a YAML/JSON file")
    imp.add_argument("file", type=Path)
    events_sub.add_parser("list", help="print the events")

    export = sub.add_parser("export", help="export an event's registrations (or its feedback)")
    export.add_argument("--event", required=True, help="the event id")
    export.add_argument(
        "--feedback", action="store_true", help="the feedback answers instead of registrations"
    )
    export.add_argument("--format", choices=("csv", "xlsx"), default=None)
    export.add_argument("--output", type=Path, default=None, help="file (default: CSV to stdout)")
    for module in cli_modules():
        module.add_parser(sub)
    return parser


# Feature commands live in their own modules: each has add_parser(sub) (registering one
# top-level command, e.g. "coordinators") and ``async run(settings, args) -> int``.
CLI_MODULES = ("bot.cli.coordinators", "bot.cli.broadcast")


def cli_modules() -> list[Any]:
    import importlib

    return [importlib.import_module(name) for name in CLI_MODULES]


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    command = args.command or "run"
    settings = load_settings_or_exit(need_token=command == "run")
    logging.basicConfig(
        level=settings.log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        if command == "run":
            from bot.app import TokenRejected, run_bot

            try:
                with contextlib.suppress(KeyboardInterrupt):
                    asyncio.run(run_bot(settings))
            except TokenRejected:
                print(
                    "Configuration error: BOT_TOKEN: Telegram does not accept this token "
                    "(check it with @BotFather)",
                    file=sys.stderr,
                )
                return 2
            return 0
        try:
            if command == "events":
                return asyncio.run(events_command(settings, args))
            if command == "export":
                return asyncio.run(export_command(settings, args))
            for module in cli_modules():
                if command == module.COMMAND:
                    return int(asyncio.run(module.run(settings, args)))
        except sqlite3.Error as exc:
            print(f"Error: database {settings.database_path}: {exc}", file=sys.stderr)
            return 1
    except SchemaTooNewError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 1
    return 2  # pragma: no cover


async def events_command(settings: Settings, args: argparse.Namespace) -> int:
    from bot.events.files import EventsFileError, import_events, read_events_file
    from bot.registration.regions import default_regions
    from storage.db import Database, utcnow
    from storage.events import EventRepo

    async with Database(settings.database_path, busy_timeout_ms=settings.db_busy_timeout_ms) as db:
        if args.events_command == "import":
            try:
                events = read_events_file(args.file, settings.zone)
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


async def export_command(settings: Settings, args: argparse.Namespace) -> int:
    from bot.registration.form import default_form, load_form
    from bot.registration.regions import default_regions
    from bot.staff.export import ExportError, feedback_table, registration_table, to_csv, to_xlsx
    from storage.db import Database

    # not bot.app.load_questionnaire: importing aiogram would add seconds to every export
    form = load_form(settings.form_path) if settings.form_path else default_form()
    fmt = args.format
    if fmt is None:
        fmt = "xlsx" if args.output and args.output.suffix.lower() == ".xlsx" else "csv"
    if fmt == "xlsx" and args.output is None:
        print("Error: XLSX needs --output FILE", file=sys.stderr)
        return 2
    if not settings.database_path.is_file():
        # do not leave an empty database behind when run from the wrong directory
        print(
            f"Error: no database at {settings.database_path} (set DATABASE_PATH)", file=sys.stderr
        )
        return 1
    async with Database(settings.database_path, busy_timeout_ms=settings.db_busy_timeout_ms) as db:
        try:
            if args.feedback:
                table = await feedback_table(
                    db, args.event, default_regions(), settings.zone, settings.default_locale
                )
            else:
                table = await registration_table(
                    db,
                    args.event,
                    form,
                    default_regions(),
                    settings.zone,
                    settings.default_locale,
                )
        except ExportError as exc:
            print(f"Error: {exc}", file=sys.stderr)
            return 1
    data = to_csv(table) if fmt == "csv" else to_xlsx(table, args.event)
    if args.output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        try:
            args.output.parent.mkdir(parents=True, exist_ok=True)
            args.output.write_bytes(data)
        except OSError as exc:
            print(f"Error: cannot write {args.output}: {exc.strerror}", file=sys.stderr)
            return 1
        print(f"{len(table.rows)} row(s) written to {args.output}", file=sys.stderr)
    return 0
