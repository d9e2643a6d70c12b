"""``python -m bot broadcast ...``: queue an announcement, see its progress, stop it.

    python -m bot broadcast --audience all|event:ID|event+wait:ID|district:CODE \\
                            (--text HTML | --file FILE) [--format auto|html|plain]
    python -m bot broadcast status [ID]
    python -m bot broadcast stop ID

Queueing only writes to the database (the announcement and one outbox row per recipient, in
one transaction); the running bot delivers it, starting within a few seconds.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bot.config import Settings
from bot.delivery.broadcasting import Audience, AudienceError, BroadcastService
from bot.delivery.html_check import HtmlTextError, plain_to_html, telegram_html
from bot.registration.regions import default_regions
from storage.broadcasts import Broadcast, BroadcastRepo, Progress
from storage.db import Database, utcnow

if TYPE_CHECKING:
    from bot.cli.command import Subparsers

COMMAND = "broadcast"
HTML_SUFFIXES = (".html", ".htm")


def add_parser(sub: Subparsers) -> None:
    parser = sub.add_parser(
        COMMAND,
        help="queue an announcement, show progress, stop one",
        description="Queue an announcement for the running bot to deliver, or show progress.",
    )
    parser.add_argument(
        "--audience",
        help="all (everyone who started the bot), event:ID (registered), event+wait:ID "
        "(registered and the waiting list), district:CODE (e.g. district:ufo)",
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--text", help="the message, in Telegram HTML (<b>, <i>, <a href>...)")
    source.add_argument(
        "--file", type=Path, help="a file with the message (.html: HTML, otherwise plain text)"
    )
    parser.add_argument(
        "--format",
        choices=("auto", "html", "plain"),
        default="auto",
        help="how to read the text (auto: --text and .html files are HTML, other files plain)",
    )
    actions = parser.add_subparsers(dest="broadcast_command")
    status = actions.add_parser("status", help="progress of one announcement, or the latest ones")
    status.add_argument("id", type=int, nargs="?")
    stop = actions.add_parser("stop", help="stop an announcement: the rest is not sent")
    stop.add_argument("id", type=int)


def _fail(message: str, code: int = 1) -> int:
    print(f"Error: {message}", file=sys.stderr)
    return code


def read_text(args: argparse.Namespace) -> str:
    """The message as Telegram HTML; ValueError (HtmlTextError, OSError) when unusable."""
    if args.text is not None:
        raw, is_html = args.text, args.format != "plain"
    else:
        raw = args.file.read_text(encoding="utf-8")
        is_html = args.format == "html" or (
            args.format == "auto" and args.file.suffix.lower() in HTML_SUFFIXES
        )
    return telegram_html(raw if is_html else plain_to_html(raw.strip()))


async def run(settings: Settings, args: argparse.Namespace) -> int:
    if args.broadcast_command is None and (
        args.audience is None or (args.text is None and args.file is None)
    ):
        return _fail("give --audience and --text or --file (or: status [ID], stop ID)", 2)
    if not settings.database_path.is_file():
        return _fail(f"no database at {settings.database_path} (set DATABASE_PATH)")

    async with Database(settings.database_path, busy_timeout_ms=settings.db_busy_timeout_ms) as db:
        if args.broadcast_command == "status":
            return await status(db, args.id)
        if args.broadcast_command == "stop":
            return await stop(db, settings, args.id)
        return await queue(db, settings, args)


def _service(db: Database, settings: Settings) -> BroadcastService:
    return BroadcastService(
        db, default_regions(), default_zone=settings.zone, quiet_hours=settings.quiet_hours
    )


async def queue(db: Database, settings: Settings, args: argparse.Namespace) -> int:
    try:
        audience = Audience.parse(args.audience)
    except AudienceError as exc:
        return _fail(f"--audience: {exc}; use all, event:ID, event+wait:ID or district:CODE", 2)
    try:
        text = read_text(args)
    except HtmlTextError as exc:
        return _fail(f"Telegram would refuse this text: {exc}. Nothing was queued.")
    except (OSError, UnicodeDecodeError) as exc:
        return _fail(f"cannot read {args.file}: {exc}")
    service = _service(db, settings)
    try:
        broadcast_id, total = await service.create(audience, None, created_by=None, text=text)
    except AudienceError as exc:
        return _fail(f"--audience: {exc}")
    if not total:
        return _fail(f"nobody to send to in {audience} (people who blocked the bot are left out)")
    print(
        f"Announcement {broadcast_id} queued for {total} recipient(s) ({audience}). "
        "The running bot starts sending within a few seconds."
    )
    print(f"Progress: python -m bot broadcast status {broadcast_id}")
    return 0


def _line(broadcast: Broadcast, progress: Progress) -> str:
    parts = [f"sent {progress.sent} of {progress.total}", f"not delivered {progress.undelivered}"]
    if progress.waiting:
        parts.append(f"to send {progress.waiting}")
    if progress.held:
        parts.append(f"held by quiet hours {progress.held}")
    if progress.stopped:
        parts.append(f"not sent (stopped) {progress.stopped}")
    created = broadcast.created_at.strftime("%Y-%m-%d %H:%M UTC")
    return f"#{broadcast.id}\t{broadcast.status}\t{created}\t{broadcast.audience}\t" + ", ".join(
        parts
    )


async def status(db: Database, broadcast_id: int | None) -> int:
    repo = BroadcastRepo(db)
    if broadcast_id is None:
        latest = await repo.latest(10)
        if not latest:
            print("No announcements yet.")
            return 0
        for item in latest:
            print(_line(item, await repo.progress(item, utcnow())))
        return 0
    broadcast = await repo.get(broadcast_id)
    if broadcast is None:
        return _fail(f"no announcement {broadcast_id}")
    progress = await repo.progress(broadcast, utcnow())
    print(_line(broadcast, progress))
    if progress.blocked:
        print(f"  blocked the bot or deleted the account: {progress.blocked}")
    for reason, n in progress.reasons.items():
        print(f"  failed: {reason}: {n}")
    return 0


async def stop(db: Database, settings: Settings, broadcast_id: int) -> int:
    service = _service(db, settings)
    broadcast = await service.repo.get(broadcast_id)
    if broadcast is None:
        return _fail(f"no announcement {broadcast_id}")
    if broadcast.finished:
        print(f"Announcement {broadcast_id} is already finished ({broadcast.status}).")
        return 0
    dropped = await service.stop(broadcast_id)
    print(f"Announcement {broadcast_id} stopped: {dropped} message(s) will not be sent.")
    return 0
