"""``python -m bot export --event ID [--feedback] [--format csv|xlsx] [--output FILE]``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bot.config import Settings
from bot.registration.form import default_form, load_form
from bot.registration.regions import default_regions
from storage.db import Database

if TYPE_CHECKING:
    from bot.cli.command import Subparsers
    from bot.staff.export import Table

COMMAND = "export"


def add_parser(sub: Subparsers) -> None:
    export = sub.add_parser(COMMAND, help="export an event's registrations (or its feedback)")
    export.add_argument("--event", required=True, help="the event id")
    export.add_argument(
        "--feedback", action="store_true", help="the feedback answers instead of registrations"
    )
    export.add_argument("--format", choices=("csv", "xlsx"), default=None)
    export.add_argument("--output", type=Path, default=None, help="file (default: CSV to stdout)")


async def run(settings: Settings, args: argparse.Namespace) -> int:
    # Here, not at the top: bot.staff.export loads openpyxl, a quarter of a second that every
    # other command would pay.
    from bot.staff.export import ExportError, to_csv, to_xlsx

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
    try:
        table = await _table(settings, args)
    except ExportError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 1
    data = to_csv(table) if fmt == "csv" else to_xlsx(table, args.event)
    return _write(data, args.output, len(table.rows))


async def _table(settings: Settings, args: argparse.Namespace) -> Table:
    from bot.staff.export import feedback_table, registration_table  # openpyxl, as above

    regions = default_regions()
    async with Database(settings.database_path, busy_timeout_ms=settings.db_busy_timeout_ms) as db:
        if args.feedback:
            return await feedback_table(
                db, args.event, regions, settings.zone, settings.default_locale
            )
        # not bot.app.load_questionnaire: importing aiogram would add seconds to every export
        form = load_form(settings.form_path) if settings.form_path else default_form()
        return await registration_table(
            db, args.event, form, regions, settings.zone, settings.default_locale
        )


def _write(data: bytes, output: Path | None, rows: int) -> int:
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return 0
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_bytes(data)
    except OSError as exc:
        print(f"Error: cannot write {output}: {exc.strerror}", file=sys.stderr)
        return 1
    print(f"{rows} row(s) written to {output}", file=sys.stderr)
    return 0
