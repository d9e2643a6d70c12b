"""Statistics as plain values, and the chart as a real PNG."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from PIL import Image

from bot.staff.stats import ChartText, Day, Record, per_day, render_chart, summarize
from storage.models import RegStatus

MSK = ZoneInfo("Europe/Moscow")
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # 12:00 in Moscow
TEXT = ChartText("Семинар «НКО»", "за день", "всего", "без отменивших", "регистрации")


def rec(
    pid: int,
    status: RegStatus = RegStatus.REGISTERED,
    *,
    day: int = 0,
    hour: int = 0,
    cancelled_day: int | None = None,
    district: str | None = "ufo",
    role: str | None = "ngo_leader",
    event: str = "sem",
) -> Record:
    at = T0 + timedelta(days=day, hours=hour)
    cancelled = T0 + timedelta(days=cancelled_day) if cancelled_day is not None else None
    return Record(event, pid, status, at, cancelled, district, role)


def test_counts_by_status_district_and_role() -> None:
    records = [
        rec(1),
        rec(2, district="pfo", role="expert"),
        rec(3, district="pfo", role="expert"),
        rec(4, RegStatus.WAITLISTED, district=None, role=None),
        rec(5, RegStatus.CANCELLED, cancelled_day=1, district="cfo", role="media"),
        rec(1, event="rt"),  # the same person at a second event
    ]
    s = summarize(records)
    assert (s.registered, s.waitlisted, s.cancelled, s.total) == (4, 1, 1, 6)
    assert s.events == 2
    assert s.people == 4  # 1, 2, 3, 4: the cancelled one is not counted, 1 counts once
    # active registrations only (the cancelled cfo/media one is not there), most first
    assert s.by_district == [("pfo", 2), ("ufo", 2), (None, 1)]
    assert s.by_role == [("expert", 2), ("ngo_leader", 2), (None, 1)]


def test_nothing_to_count() -> None:
    s = summarize([])
    assert (s.total, s.events, s.people, s.by_district, s.by_role) == (0, 0, 0, [], [])
    assert per_day([], MSK) == []


def test_per_day_in_moscow_time_with_empty_days_and_cancellations() -> None:
    records = [
        rec(1, day=0),
        rec(2, day=0, hour=11),  # 23:00 Moscow: still the first day
        rec(3, day=0, hour=12),  # 00:00 Moscow: the next day
        rec(4, RegStatus.CANCELLED, day=3, cancelled_day=5),
    ]
    days = per_day(records, MSK)
    assert [d.day for d in days] == [date(2026, 11, 2) + timedelta(days=i) for i in range(6)]
    assert [d.new for d in days] == [2, 1, 0, 1, 0, 0]
    assert [d.total for d in days] == [2, 3, 3, 4, 4, 4]
    # cancelled on 7 November at 12:00 Moscow
    assert [d.active for d in days] == [2, 3, 3, 4, 4, 3]


def test_the_day_boundary_follows_the_zone() -> None:
    late = rec(1, day=0, hour=11)  # 23:00 in Moscow, 06:00 next day in Vladivostok
    assert per_day([late], MSK)[0].day == date(2026, 11, 2)
    assert per_day([late], ZoneInfo("Asia/Vladivostok"))[0].day == date(2026, 11, 3)


def png(data: bytes) -> Image.Image:
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def test_chart_is_a_png_of_the_expected_size() -> None:
    days = per_day([rec(i, day=i % 9) for i in range(40)], MSK)
    image = png(render_chart(days, TEXT))
    assert image.format == "PNG"
    assert image.size == (800, 450)


def test_chart_of_a_single_day_and_of_a_long_period() -> None:
    png(render_chart([Day(date(2026, 11, 2), 3, 3, 3)], TEXT))
    long = [rec(i, day=i) for i in range(120)]
    long.append(rec(999, RegStatus.CANCELLED, day=1, cancelled_day=100))
    png(render_chart(per_day(long, MSK), ChartText("x" * 200, "a", "b", "c", "d")))
