"""``python -m bot backup PATH``: a consistent copy of the database, even while the bot runs."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bot.config import Settings
from bot.ops.backup import Backup, BackupError, daily_name, take_backup
from storage.db import utcnow

if TYPE_CHECKING:
    from bot.cli.command import Subparsers

COMMAND = "backup"


def add_parser(sub: Subparsers) -> None:
    backup = sub.add_parser(
        COMMAND,
        help="copy the database online (SQLite backup API) and check the copy",
        description="Copy the database while the bot runs, check the copy with "
        "PRAGMA integrity_check and print its size. PATH: a file, or a folder to put "
        "bot-YYYYMMDD-HHMMSS.sqlite3 in.",
    )
    backup.add_argument("path", type=Path, metavar="PATH")


async def run(settings: Settings, args: argparse.Namespace) -> int:
    try:
        made = await asyncio.to_thread(_backup, settings, args.path)
    except (BackupError, OSError) as exc:
        print(f"Error: backup failed: {exc}", file=sys.stderr)
        return 1
    print(f"Backup written to {made.path}: {made.size} bytes, integrity check ok")
    return 0


def _backup(settings: Settings, target: Path) -> Backup:
    if target.is_dir():
        target = target / daily_name(utcnow())
    return take_backup(settings.database_path, target, busy_timeout_ms=settings.db_busy_timeout_ms)
