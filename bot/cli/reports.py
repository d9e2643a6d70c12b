"""``python -m bot reports pack [--district CODE] [--from DATE] [--to DATE] --output FILE``:
the pack of reports for the federal centre (bot/reports/pack.py).

Files that are still only in Telegram are downloaded first when BOT_TOKEN is set; without
it, report.txt lists them by file_id.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from bot.config import Settings
from bot.registration.regions import default_regions
from storage.db import Database

if TYPE_CHECKING:
    from bot.cli.command import Subparsers

COMMAND = "reports"


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-11-30") from None


def add_parser(sub: Subparsers) -> None:
    reports = sub.add_parser(COMMAND, help="the reports of events for the federal centre")
    actions = reports.add_subparsers(dest="reports_command", required=True)
    pack = actions.add_parser("pack", help="a ZIP of the events' reports and a summary.xlsx")
    pack.add_argument("--district", help="a district code (cfo, ufo, ...; all: programme-wide)")
    pack.add_argument("--from", dest="since", type=_day, help="first day, YYYY-MM-DD")
    pack.add_argument("--to", dest="until", type=_day, help="last day, YYYY-MM-DD")
    pack.add_argument("--output", type=Path, required=True, help="the ZIP file to write")


async def run(settings: Settings, args: argparse.Namespace) -> int:
    if not settings.database_path.is_file():
        print(
            f"Error: no database at {settings.database_path} (set DATABASE_PATH)", file=sys.stderr
        )
        return 1
    regions = default_regions()
    if args.district and args.district != "all" and regions.district(args.district) is None:
        print(f"Error: unknown district {args.district!r}", file=sys.stderr)
        return 2
    # Here, not at the top: openpyxl, which the other commands need not load.
    from bot.reports.pack import Look, PackFilter, make_pack

    flt = PackFilter(district=args.district, since=args.since, until=args.until)
    look = Look(settings.zone, regions, settings.default_locale)
    paths = (settings.reports_dir, args.output)
    async with Database(settings.database_path, busy_timeout_ms=settings.db_busy_timeout_ms) as db:
        if settings.bot_token is None:
            built = await make_pack(db, flt, look, paths)
        else:
            from bot.telegram import create_bot

            bot = create_bot(settings, retry=False)
            try:
                built = await make_pack(db, flt, look, paths, bot)
            finally:
                await bot.session.close()
    print(f"{built.events} event(s), {built.size} bytes written to {args.output}", file=sys.stderr)
    return 0
