"""``python -m bot status``: the bot's health from its database (exit 1 when unhealthy)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from bot.config import Settings
from bot.ops.health import collect
from bot.ops.lock import bot_running
from storage.db import Database

if TYPE_CHECKING:
    from bot.cli.command import Subparsers

COMMAND = "status"


def add_parser(sub: Subparsers) -> None:
    parser = sub.add_parser(
        COMMAND,
        help="the bot's health from its database (exit 1 when the queue is stuck or the "
        "last backup is old)",
    )
    parser.add_argument("--json", action="store_true", help="print JSON (as GET /healthz)")


async def run(settings: Settings, args: argparse.Namespace) -> int:
    database = settings.database_path
    if not database.is_file():
        print(f"Error: no database at {database} (set DATABASE_PATH)", file=sys.stderr)
        return 1
    running = bot_running(database)
    async with Database(database, busy_timeout_ms=settings.db_busy_timeout_ms) as db:
        health = await collect(db, settings, running=running)
    if args.json:
        print(json.dumps(health.as_json(), ensure_ascii=False, indent=2))
    else:
        print("\n".join(health.lines()))
    return 0 if health.ok else 1
