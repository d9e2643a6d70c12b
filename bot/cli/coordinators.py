"""``python -m bot coordinators add USER_ID [--district CODE] | remove USER_ID | list |
invites | revoke TOKEN``.

Works beside the running bot (the same SQLite file); the bot sees the change on the
person's next message or button press, since the role is looked up on every update, and
sets or removes their staff command menu within seconds (bot/staff/commands.py watches SQLite's
``data_version``).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.config import Settings
from bot.registration.regions import DISTRICT_CODES, default_regions
from bot.staff.coordination import INVITE_PREFIX, Coordinators, Invite, parse_scope
from storage.db import Database, utcnow

if TYPE_CHECKING:
    from bot.cli.command import Subparsers

COMMAND = "coordinators"


def _user_id(text: str) -> int:
    if not text.isdigit() or int(text) <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a Telegram user id (digits only)")
    return int(text)


def add_parser(sub: Subparsers) -> None:
    parser = sub.add_parser(COMMAND, help="add, remove or list coordinators")
    commands = parser.add_subparsers(dest="coordinators_command", required=True)
    add = commands.add_parser(
        "add", help="make a Telegram user a coordinator (or change their scope)"
    )
    add.add_argument("user_id", type=_user_id, metavar="USER_ID")
    add.add_argument(
        "--district",
        choices=(*DISTRICT_CODES, "all"),
        default="all",
        metavar="CODE",
        help=f"limit to one federal district: {', '.join(DISTRICT_CODES)} (default: all)",
    )
    remove = commands.add_parser("remove", help="take the coordinator role away")
    remove.add_argument("user_id", type=_user_id, metavar="USER_ID")
    commands.add_parser("list", help="print the coordinators and the admins")
    commands.add_parser(
        "invites", help="print the open invitation links (not used, not revoked, not expired)"
    )
    revoke = commands.add_parser("revoke", help="revoke an invitation link so it cannot be used")
    revoke.add_argument(
        "token", metavar="TOKEN", help="the token (as `invites` prints it) or the whole link"
    )


def _what(invite: Invite, scope: Callable[[str | None], str]) -> str:
    """A coordinator's zone, or the event an expert's invitation is for (issue 9)."""
    if invite.event_id is not None:
        return f"{invite.role} of {invite.event_id}"
    return scope(invite.district)


def _token(text: str) -> str:
    """The token of 'https://t.me/bot?start=co_TOKEN', 'co_TOKEN' or 'TOKEN'."""
    text = text.strip().rsplit("start=", 1)[-1]
    return text.removeprefix(INVITE_PREFIX)


async def run(settings: Settings, args: argparse.Namespace) -> int:
    regions = default_regions()

    def scope(district: str | None) -> str:
        if district is None:
            return "all (whole programme)"
        found = regions.district(district)
        return f"{district} ({found.name_en})" if found else district

    async with Database(settings.database_path, busy_timeout_ms=settings.db_busy_timeout_ms) as db:
        coordinators = Coordinators(
            db, admin_ids=settings.admin_ids, invite_ttl=timedelta(days=settings.invite_ttl_days)
        )
        if args.coordinators_command in ("invites", "revoke"):
            return await _invites(coordinators, settings, args, scope)
        if args.coordinators_command == "add":
            district = parse_scope(args.district)
            new = await coordinators.add(args.user_id, district, None, utcnow())
            verb = "is now a coordinator" if new else "is a coordinator; scope set"
            print(f"{args.user_id} {verb}: {scope(district)}")
            if args.user_id in settings.admin_ids:
                print("Note: this user is also an admin (ADMIN_IDS) and keeps full rights.")
            return 0
        if args.coordinators_command == "remove":
            if await coordinators.remove(args.user_id):
                print(f"{args.user_id} is no longer a coordinator")
                return 0
            print(f"Error: {args.user_id} is not a coordinator", file=sys.stderr)
            return 1
        items = await coordinators.list()
        if not items:
            print("No coordinators yet. Add one with: python -m bot coordinators add USER_ID")
        for c in items:
            name = c.first_name or "-"
            if c.username:
                name += f" @{c.username}"
            added = c.created_at.astimezone(settings.zone).strftime("%Y-%m-%d %H:%M")
            print(f"{c.telegram_id}\t{scope(c.district)}\t{name}\tadded {added}")
        admins = ", ".join(str(i) for i in sorted(settings.admin_ids)) or "none"
        print(f"Admins (ADMIN_IDS): {admins}")
        return 0


async def _invites(
    coordinators: Coordinators,
    settings: Settings,
    args: argparse.Namespace,
    scope: Callable[[str | None], str],
) -> int:
    def moment(value: datetime | None) -> str:
        return value.astimezone(settings.zone).strftime("%Y-%m-%d %H:%M") if value else "-"

    if args.coordinators_command == "revoke":
        token = _token(args.token)
        revoked = await coordinators.revoke(utcnow(), None, token=token)
        if revoked is None:
            print(
                f"Error: no unused invitation {token!r} (used, revoked or unknown)", file=sys.stderr
            )
            return 1
        print(f"revoked: {revoked.token} ({scope(revoked.district)})")
        return 0
    items = await coordinators.open_invites(utcnow())
    if not items:
        print("No open invitations.")
    for i in items:
        author = i.created_by if i.created_by is not None else "command line"
        print(
            f"{i.token}\t{_what(i, scope)}\tby {author}\t"
            f"made {moment(i.created_at)}\tvalid until {moment(i.expires_at)}"
        )
    return 0
