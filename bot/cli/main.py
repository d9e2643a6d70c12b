"""``python -m bot`` runs the bot; the command groups (events, export, coordinators,
broadcast) are tools for coordinators, one module each, assembled here."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sqlite3
import sys

from bot.cli import broadcast, coordinators, events, export, volunteers
from bot.cli.command import Command
from bot.config import Settings, load_settings_or_exit
from storage.db import SchemaTooNewError

#: The command groups, in the order ``--help`` lists them.
COMMANDS: tuple[Command, ...] = (
    Command(events.COMMAND, events.add_parser, events.run),
    Command(export.COMMAND, export.add_parser, export.run),
    Command(coordinators.COMMAND, coordinators.add_parser, coordinators.run),
    Command(broadcast.COMMAND, broadcast.add_parser, broadcast.run),
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
    logging.basicConfig(
        level=settings.log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
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
