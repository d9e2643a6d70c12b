"""``python -m bot`` runs the bot; the command groups (events, export, coordinators,
broadcast) are tools for coordinators, one module each, assembled here."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sqlite3
import sys

from bot.cli import (
    backup,
    broadcast,
    coordinators,
    events,
    experts,
    export,
    reports,
    restore,
    status,
    volunteers,
)
from bot.cli import selection as selection_cli  # issue 9: decide, publish, export
from bot.cli.command import Command
from bot.config import Settings, load_settings_or_exit
from bot.ops.logs import configure_logging
from storage.db import SchemaTooNewError

#: The command groups, in the order ``--help`` lists them.
COMMANDS: tuple[Command, ...] = (
    Command(events.COMMAND, events.add_parser, events.run),
    Command(export.COMMAND, export.add_parser, export.run),
    Command(coordinators.COMMAND, coordinators.add_parser, coordinators.run),
    Command(broadcast.COMMAND, broadcast.add_parser, broadcast.run),
    Command(experts.COMMAND, experts.add_parser, experts.run),
    Command(selection_cli.COMMAND, selection_cli.add_parser, selection_cli.run),
    Command(reports.COMMAND, reports.add_parser, reports.run),
    # operations (issue 11): online backup, restore, health
    Command(backup.COMMAND, backup.add_parser, backup.run),
    Command(restore.COMMAND, restore.add_parser, restore.run),
    Command(status.COMMAND, status.add_parser, status.run),
    Command(volunteers.COMMAND, volunteers.add_parser, volunteers.run),
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="Participant bot of the ethnocultural NGO programmes. "
        "Without a command it runs the bot (BOT_TOKEN must be set).",
    )
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="run the bot (the default)")
    for command in COMMANDS:
        command.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    command = args.command or "run"
    settings = load_settings_or_exit(need_token=command == "run")
    configure_logging(settings)
    try:
        if command == "run":
            return run(settings)
        try:
            for group in COMMANDS:
                if command == group.name:
                    return asyncio.run(group.run(settings, args))
        except sqlite3.Error as exc:
            print(f"Error: database {settings.database_path}: {exc}", file=sys.stderr)
            return 1
    except SchemaTooNewError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 1
    return 2  # pragma: no cover


def run(settings: Settings) -> int:
    """Run the bot until interrupted."""
    # Here, not at the top: the app imports aiogram and every handler, seconds that the
    # command-line tools would pay on every call.
    from bot.app import TokenRejected, run_bot
    from bot.ops.lock import DatabaseBusyError

    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(run_bot(settings))
    except DatabaseBusyError:
        print(
            f"Error: another bot is already running on {settings.database_path} "
            "(one bot per database)",
            file=sys.stderr,
        )
        return 2
    except TokenRejected:
        print(
            "Configuration error: BOT_TOKEN: Telegram does not accept this token "
            "(check it with @BotFather)",
            file=sys.stderr,
        )
        return 2
    return 0
