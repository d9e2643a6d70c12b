"""``python -m bot restore PATH``: put a backup in the database's place (the bot stopped)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bot.config import Settings
from bot.ops.backup import BEFORE_RESTORE, BackupError, restore
from bot.ops.lock import DatabaseBusyError

if TYPE_CHECKING:
    from bot.cli.command import Subparsers

COMMAND = "restore"


def add_parser(sub: Subparsers) -> None:
    parser = sub.add_parser(
        COMMAND,
        help="replace the database with a backup (refused while the bot runs)",
        description="Check the backup with PRAGMA integrity_check and put it in the "
        f"database's place; the current database is kept as <database>{BEFORE_RESTORE}. "
        "Refused while a bot runs on the database: stop it first.",
    )
    parser.add_argument("path", type=Path, metavar="PATH", help="the backup file")


async def run(settings: Settings, args: argparse.Namespace) -> int:
    database = settings.database_path
    try:
        size = await asyncio.to_thread(
            restore, database, args.path, busy_timeout_ms=settings.db_busy_timeout_ms
        )
    except DatabaseBusyError:
        print(
            f"Error: the bot is running on {database}; stop it first, then restore",
            file=sys.stderr,
        )
        return 1
    except (BackupError, OSError) as exc:
        print(f"Error: restore refused: {exc}", file=sys.stderr)
        return 1
    print(
        f"Database {database} restored from {args.path} ({size} bytes); "
        f"the previous one is kept as {database.name}{BEFORE_RESTORE}"
    )
    return 0
