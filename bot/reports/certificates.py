"""Certificates of participation: a one-page PDF made on the fly (never stored) for a person
who came to an event that gives them (``certificates: false`` turns them off).

fpdf2 and the font are loaded only when a certificate is made, so the bot's start-up memory
does not grow; the font is matplotlib's DejaVu Sans (a dependency already), which has
Cyrillic. Whatever the name holds (emoji, a thousand characters), the page is made: glyphs
the font lacks are left out, and a long name is wrapped and set smaller.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from babel.dates import format_date

from bot.i18n import Translator
from storage.db import Database
from storage.models import Event
from storage.outbox import NewItem, Priority
from storage.reports import AttendanceReader, profile_name

if TYPE_CHECKING:
    import aiosqlite
    from fpdf import FPDF

KIND_CERTIFICATE = "certificate"
FONT = "DejaVu"
#: Longest name put on the page (a profile's name is far shorter; this bounds the work).
NAME_LIMIT = 300
NAME_SIZES = (30, 26, 22, 18, 15, 12, 10)
NAME_LINES = 3
PAGE_WIDTH = 297  # A4 landscape, mm
MARGIN = 20


@dataclass(frozen=True, slots=True)
class Certificate:
    """What the page says, every text already in the person's language."""

    name: str
    event_title: str
    date: str
    place: str
    programme: str
    heading: str
    confirms: str
    took_part: str


@functools.cache
def font_path() -> Path:
    import matplotlib  # here: a few megabytes that only a certificate needs

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"


def certificate_of(
    event: Event, name: str, t: Translator, *, zone: ZoneInfo, programme: str
) -> Certificate:
    return Certificate(
        name=name,
        event_title=event.title,
        date=format_date(event.starts_at.astimezone(zone), "d MMMM y", locale=t.locale),
        place=event.location or t.plain("reports.cert.online"),
        programme=programme or t.plain("reports.cert.programme"),
        heading=t.plain("reports.cert.heading"),
        confirms=t.plain("reports.cert.confirms"),
        took_part=t.plain("reports.cert.took_part"),
    )


def _printable(pdf: FPDF, text: str) -> str:
    """``text`` without the characters the font cannot draw (emoji, rare scripts)."""
    cmap = pdf.current_font.cmap  # type: ignore[union-attr]
    kept = "".join(c for c in text if ord(c) in cmap or c in "\n ")
    return " ".join(kept.split())


def _lines(pdf: FPDF, text: str, size: int) -> list[str]:
    """How ``text`` wraps at ``size`` across the page."""
    pdf.set_font(FONT, size=size)
    width = PAGE_WIDTH - 2 * MARGIN
    lines = pdf.multi_cell(width, size * 0.5, text, align="C", dry_run=True, output="LINES")
    return [str(line) for line in lines]  # type: ignore[union-attr]


def _name(pdf: FPDF, name: str) -> None:
    """The name centred, in the largest size at which it fits in ``NAME_LINES`` lines (at the
    smallest, its first lines)."""
    text = _printable(pdf, name[:NAME_LIMIT]) or "—"
    size = NAME_SIZES[-1]
    for candidate in NAME_SIZES:
        lines = _lines(pdf, text, candidate)
        if len(lines) <= NAME_LINES:
            size = candidate
            break
    else:
        text = " ".join(lines[:NAME_LINES])
    pdf.set_font(FONT, size=size)
    pdf.multi_cell(PAGE_WIDTH - 2 * MARGIN, size * 0.5, text, align="C")


def _centred(pdf: FPDF, text: str, size: int, gap: float = 4) -> None:
    pdf.set_font(FONT, size=size)
    shown = _printable(pdf, text)
    pdf.multi_cell(PAGE_WIDTH - 2 * MARGIN, size * 0.5, shown, align="C")
    pdf.ln(gap)


def render_pdf(cert: Certificate) -> bytes:
    """The page as PDF bytes (CPU work: call it in a thread from the event loop)."""
    from fpdf import FPDF  # here: see the module docstring

    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.add_page()
    pdf.add_font(FONT, "", str(font_path()))
    pdf.set_draw_color(40, 80, 140)
    pdf.set_line_width(1.2)
    pdf.rect(10, 10, PAGE_WIDTH - 20, 190)
    pdf.set_y(28)
    _centred(pdf, cert.programme, 13, gap=10)
    _centred(pdf, cert.heading, 34, gap=8)
    _centred(pdf, cert.confirms, 14, gap=4)
    _name(pdf, cert.name)
    pdf.ln(6)
    _centred(pdf, cert.took_part, 14, gap=2)
    _centred(pdf, f"«{cert.event_title}»", 18, gap=6)
    _centred(pdf, f"{cert.date} · {cert.place}", 13, gap=0)
    return bytes(pdf.output())


@dataclass(frozen=True, slots=True)
class Issuer:
    """Who gives the certificates: the programme's name (PROGRAMME_NAME, else the text of
    locales) and the time zone its dates are in."""

    zone: ZoneInfo
    programme: str = ""


async def certificate_for(
    db: Database, event: Event, participant_id: int, t: Translator, issuer: Issuer
) -> Certificate | None:
    """The certificate the person may have for ``event``: None unless the event gives them
    and the person was marked as having come."""
    reader = AttendanceReader(db)
    if not event.certificates or not await reader.came(event.id, participant_id):
        return None
    name = await profile_name(reader, participant_id)
    return certificate_of(event, name, t, zone=issuer.zone, programme=issuer.programme)


def certificate_key(event_id: str, participant_id: int) -> str:
    return f"certificate:{event_id}:{participant_id}"


async def certificate_items(
    conn: aiosqlite.Connection, event: Event, at: datetime
) -> list[NewItem]:
    """With the feedback requests: a certificate for each person who came (none when the
    event gives none). Sent just after the request (a second later, a lower priority)."""
    if not event.certificates:
        return []
    return [
        NewItem(
            key=certificate_key(event.id, pid),
            chat_id=pid,
            kind=KIND_CERTIFICATE,
            not_before=at + timedelta(seconds=1),
            priority=Priority.FEEDBACK - 1,
            event_id=event.id,
        )
        for pid in await AttendanceReader.reachable_attendees(conn, event.id)
    ]
