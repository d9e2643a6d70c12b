"""The pack for the federal centre: one ZIP with a folder per counted event (its attendance
sheet with marks, the scans and photos the coordinator sent, the text report and the
feedback) and ``summary.xlsx``, one row per event.

Reading is async (the database); writing the ZIP is CPU and disk work done in a thread, so
the bot keeps answering while a large pack is built.
"""

from __future__ import annotations

import asyncio
import statistics
import zipfile
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.events.minimums import minimum_met, minimum_of
from bot.registration.feedback import RATING
from bot.registration.regions import Regions
from bot.reports.files import download_missing
from bot.reports.report import needs_report
from bot.staff.export import Table, feedback_table, to_csv, to_xlsx
from storage.db import Database, utcnow
from storage.events import EventRepo
from storage.feedback import FeedbackRepo
from storage.models import Event
from storage.reports import AttendanceReader, Report, ReportFile, ReportRepo, SheetRow

if TYPE_CHECKING:
    from aiogram import Bot

#: The district code of events for the whole programme (no district).
PROGRAMME = "all"
#: Before the first event of the programme.
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
#: Telegram lets a bot send documents up to 50 MB.
TELEGRAM_LIMIT = 50 * 1024 * 1024
SUMMARY_HEADER = [
    "date",
    "district",
    "kind",
    "event_id",
    "title",
    "registered",
    "attended",
    "minimum",
    "minimum_met",
    "feedback_average",
    "report_submitted",
]
SHEET_HEADER = [
    "no",
    "name",
    "organisation",
    "region",
    "attended",
    "checked_in_at",
    "check_in_method",
]


@dataclass(frozen=True, slots=True)
class PackFilter:
    """Which events: of one district (``PROGRAMME``: those of the whole programme; None:
    all), starting within [since, until] (days in
    the programme's time zone, both included)."""

    district: str | None = None
    since: date | None = None
    until: date | None = None

    def admits(self, event: Event, zone: ZoneInfo) -> bool:
        day = event.starts_at.astimezone(zone).date()
        district = event.district or PROGRAMME
        return (
            (self.district is None or district == self.district)
            and (self.since is None or day >= self.since)
            and (self.until is None or day <= self.until)
        )


@dataclass(frozen=True, slots=True)
class EventPack:
    event: Event
    registered: int
    sheet: list[SheetRow]
    feedback: Table
    rating: float | None
    report: Report | None
    files: list[ReportFile]

    @property
    def attended(self) -> int:
        return sum(1 for row in self.sheet if row.attended)


@dataclass(frozen=True, slots=True)
class Look:
    """How values are shown: the time zone and the regions' names."""

    zone: ZoneInfo
    regions: Regions
    locale: str = "ru"

    def region(self, code: str) -> str:
        region = self.regions.get(code)
        return region.name(self.locale) if region else code

    def district(self, code: str | None) -> str:
        district = self.regions.district(code) if code else None
        return district.name(self.locale) if district else (code or "")

    def moment(self, at: datetime | None) -> str:
        return at.astimezone(self.zone).strftime("%Y-%m-%d %H:%M") if at else ""


async def events_of(db: Database, flt: PackFilter, zone: ZoneInfo, now: datetime) -> list[Event]:
    """The counted events that have ended and pass the filter, oldest first."""
    ended = await ReportRepo(db).ended(EPOCH, now)
    return [e for e in ended if needs_report(e) and flt.admits(e, zone)]


def average_rating(answers: list[dict[str, str]]) -> float | None:
    ratings = [int(a[RATING]) for a in answers if a.get(RATING, "").isdigit()]
    return round(statistics.fmean(ratings), 2) if ratings else None


async def collect(db: Database, events: list[Event], look: Look) -> list[EventPack]:
    counts = await EventRepo(db).counts([e.id for e in events])
    repo, reader = ReportRepo(db), AttendanceReader(db)
    packs = []
    for event in events:
        answers = [f.answers for f in await FeedbackRepo(db).of_event(event.id)]
        packs.append(
            EventPack(
                event=event,
                registered=counts[event.id].registered if event.id in counts else 0,
                sheet=await reader.sheet(event.id),
                feedback=await feedback_table(db, event.id, look.regions, look.zone, look.locale),
                rating=average_rating(answers),
                report=await repo.get(event.id),
                files=await repo.files(event.id),
            )
        )
    return packs


# --- writing (in a thread) ---------------------------------------------------------------


def folder(pack: EventPack, look: Look) -> str:
    day = pack.event.starts_at.astimezone(look.zone).date().isoformat()
    return f"{day}_{pack.event.id}"


def yes_no(value: bool | None) -> str:
    return "" if value is None else ("yes" if value else "no")


def summary_row(pack: EventPack, look: Look) -> list[str | int | None]:
    event = pack.event
    minimum = minimum_of(event)
    return [
        event.starts_at.astimezone(look.zone).date().isoformat(),
        look.district(event.district),
        event.kind,
        event.id,
        event.title,
        pack.registered,
        pack.attended,
        minimum,
        yes_no(minimum_met(event, pack.attended)),
        pack.rating,  # type: ignore[list-item]
        yes_no(pack.report is not None and pack.report.submitted),
    ]


def sheet_table(pack: EventPack, look: Look) -> Table:
    rows: list[list[str | int | None]] = [
        [
            number,
            row.name,
            row.organisation,
            look.region(row.region),
            yes_no(row.attended),
            look.moment(row.checked_in_at),
            row.method or "",
        ]
        for number, row in enumerate(pack.sheet, start=1)
    ]
    return Table(SHEET_HEADER, rows)


def report_text(pack: EventPack, look: Look, missing: list[ReportFile]) -> str:
    event, report = pack.event, pack.report
    lines = [
        event.title,
        f"id: {event.id}",
        f"date: {look.moment(event.starts_at)}",
        f"place: {event.location or event.online_url or ''}",
        f"district: {look.district(event.district)}",
        f"kind: {event.kind}",
        f"registered: {pack.registered}",
        f"attended: {pack.attended}",
        f"minimum: {minimum_of(event) or ''}",
        f"report: {report.status if report else 'missing'}",
        f"submitted_at: {look.moment(report.submitted_at) if report else ''}",
        "",
        (report.text if report and report.text else ""),
    ]
    if missing:
        lines += ["", "files kept in Telegram only (not downloaded):"]
        lines += [f"- {f.kind}: {f.name or ''} file_id={f.file_id}" for f in missing]
    return "\n".join(lines) + "\n"


def _event_folder(archive: zipfile.ZipFile, pack: EventPack, look: Look, root: Path) -> None:
    base = folder(pack, look)
    archive.writestr(f"{base}/attendance.xlsx", to_xlsx(sheet_table(pack, look), "attendance"))
    archive.writestr(f"{base}/feedback.csv", to_csv(pack.feedback))
    missing = []
    for file in pack.files:
        local = root / file.path if file.path else None
        if local is None or not local.is_file():
            missing.append(file)
            continue
        archive.write(local, f"{base}/{file.kind}s/{local.name}")
    archive.writestr(f"{base}/report.txt", report_text(pack, look, missing))


def write_zip(packs: list[EventPack], look: Look, root: Path, output: Path) -> int:
    """Write the ZIP (replacing ``output`` only once complete); its size in bytes."""
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".part")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        summary = Table(SUMMARY_HEADER, [summary_row(p, look) for p in packs])
        archive.writestr("summary.xlsx", to_xlsx(summary, "summary"))
        for pack in packs:
            _event_folder(archive, pack, look, root)
    partial.replace(output)
    return output.stat().st_size


@dataclass(frozen=True, slots=True)
class Built:
    events: int
    size: int


async def make_pack(
    db: Database, flt: PackFilter, look: Look, paths: tuple[Path, Path], bot: Bot | None = None
) -> Built:
    """The pack of the events ``flt`` admits, written to ``paths`` = (REPORTS_DIR, output);
    with a ``bot``, the files still in Telegram only are downloaded first."""
    root, output = paths
    events = await events_of(db, flt, look.zone, utcnow())
    if bot is not None:
        for event in events:
            await download_missing(bot, db, root, event.id)
    packs = await collect(db, events, look)
    size = await asyncio.to_thread(write_zip, packs, look, root, output)
    return Built(len(packs), size)
