"""Shared by the check-in tests: an in-person seminar, reading the QR code of a photo the bot
sent (with a real QR reader, as a phone's camera would), the attendance rows."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import zxingcpp
from PIL import Image

from bot.attendance.service import CheckInService
from storage.attendance import AttendanceRepo, Mark
from storage.models import Event
from tests.support.coord import BOT_LINK
from tests.support.running import RunningBot, make_event
from tests.support.stand_in import UploadedFile


def seminar(
    event_id: str = "ufo-seminar",
    *,
    starts_in: timedelta = timedelta(minutes=30),
    district: str = "ufo",
    capacity: int | None = None,
    title: str = "Семинар в Екатеринбурге",
    questions: list[dict[str, Any]] | None = None,
) -> Event:
    """An in-person seminar (a minimum of 15), by default starting in half an hour: the room
    link already works."""
    return make_event(
        event_id,
        title=title,
        kind="seminar",
        district=district,
        starts_in=starts_in,
        location="Екатеринбург, Дом дружбы",
        online_url=None,
        capacity=capacity,
        questions=questions,
    )


def read_qr(photo: UploadedFile) -> str:
    """The text of the QR code in a PNG the bot uploaded."""
    assert photo.content.startswith(b"\x89PNG"), photo
    found = zxingcpp.read_barcode(Image.open(io.BytesIO(photo.content)))
    assert found is not None and found.valid, "no QR code in the picture"
    return str(found.text)


def payload_of(link: str) -> str:
    assert link.startswith(BOT_LINK), link
    payload = link.removeprefix(BOT_LINK)
    assert len(payload) <= 64, payload
    return payload


def checkin(running: RunningBot) -> CheckInService:
    service: CheckInService = running.dp["checkin"]
    return service


async def marks(running: RunningBot, event_id: str) -> list[Mark]:
    return await AttendanceRepo(running.db).of_event(event_id)


async def marked_ids(running: RunningBot, event_id: str) -> set[int | None]:
    return {m.participant_id for m in await marks(running, event_id)}
