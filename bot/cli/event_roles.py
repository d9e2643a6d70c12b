"""The command line of a role scoped to one event and granted by staff:
``python -m bot <role> add USER_ID --event ID | remove USER_ID --event ID | list [--event ID]``.

Experts of a selection (issue 9, bot/cli/experts.py) and door volunteers (issue 10,
bot/cli/volunteers.py) are both such a role: each module brings its words and its service
(which keeps its own rule of which events take the role); the parser and the run are here once.

Works beside the running bot (the same SQLite file): the role is looked up on every update.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from bot.cli.coordinators import _user_id
from bot.config import Settings
from storage.db import Database, utcnow
from storage.event_roles import RoleHolder

if TYPE_CHECKING:
    from bot.cli.command import Subparsers


class RoleService(Protocol):
    """One role's service as the command calls it (``added_by`` None: the command line)."""

    async def add(
        self, event_id: str, telegram_id: int, added_by: int | None, now: datetime
    ) -> bool: ...

    async def remove(self, event_id: str, telegram_id: int) -> bool: ...

    async def holders(self, event_id: str | None) -> Sequence[RoleHolder]: ...


@dataclass(frozen=True, slots=True)
class RoleWords:
    """Every text of one role's command. The answers are ``str.format`` templates filled with
    ``user`` and ``event`` (``refused`` also with ``error``, the service's exception; ``row``
    with ``x``, a :class:`RoleHolder`)."""

    help: str
    add_help: str
    remove_help: str
    list_help: str
    event_help: str
    added: str
    already: str
    removed: str
    not_held: str  # on stderr, exit code 1
    refused: str  # on stderr, exit code 1: the service refused the event
    empty: str
    row: str


@dataclass(frozen=True, slots=True)
class RoleCommand:
    """The ``add_parser`` and ``run`` of one role's command group (bot/cli/main.py)."""

    name: str
    words: RoleWords
    service: Callable[[Database], RoleService]
    refusal: type[Exception]  # what the service raises for an event that cannot take the role

    @property
    def dest(self) -> str:
        return f"{self.name}_command"

    def add_parser(self, sub: Subparsers) -> None:
        words = self.words
        parser = sub.add_parser(self.name, help=words.help)
        commands = parser.add_subparsers(dest=self.dest, required=True)
        for name, text in (("add", words.add_help), ("remove", words.remove_help)):
            command = commands.add_parser(name, help=text)
            command.add_argument("user_id", type=_user_id, metavar="USER_ID")
            command.add_argument("--event", required=True, metavar="ID", help=words.event_help)
        listing = commands.add_parser("list", help=words.list_help)
        listing.add_argument("--event", metavar="ID", help="only this event")

    async def run(self, settings: Settings, args: argparse.Namespace) -> int:
        async with Database(
            settings.database_path, busy_timeout_ms=settings.db_busy_timeout_ms
        ) as db:
            try:
                return await self._run(self.service(db), args)
            except self.refusal as exc:
                print(self.words.refused.format(event=args.event, error=exc), file=sys.stderr)
                return 1

    async def _run(self, service: RoleService, args: argparse.Namespace) -> int:
        words, command = self.words, getattr(args, self.dest)
        if command == "add":
            new = await service.add(args.event, args.user_id, None, utcnow())
            print(
                (words.added if new else words.already).format(user=args.user_id, event=args.event)
            )
            return 0
        if command == "remove":
            if await service.remove(args.event, args.user_id):
                print(words.removed.format(user=args.user_id, event=args.event))
                return 0
            print(words.not_held.format(user=args.user_id, event=args.event), file=sys.stderr)
            return 1
        holders = await service.holders(args.event)
        if not holders:
            print(words.empty)
        for x in holders:
            print(words.row.format(x=x))
        return 0
