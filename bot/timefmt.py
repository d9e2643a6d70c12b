"""Dates and times as people read them: Moscow time, and their own when it differs."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime, format_time

from bot.i18n import Translator

MOSCOW = ZoneInfo("Europe/Moscow")


def _same_offset(moment: datetime, a: ZoneInfo, b: ZoneInfo) -> bool:
    return moment.astimezone(a).utcoffset() == moment.astimezone(b).utcoffset()


def when(
    moment: datetime,
    t: Translator,
    own_zone: str | None = None,
    base: ZoneInfo = MOSCOW,
) -> str:
    """'29 ноября 2026, 14:00 МСК (19:00 по вашему времени)'."""
    local = moment.astimezone(base)
    day = format_date(local, "d MMMM y", locale=t.locale)
    clock = format_time(local, "HH:mm", locale=t.locale)
    text: str = t("time.base", day=day, time=clock, zone=zone_label(base, t))
    if own_zone:
        zone = ZoneInfo(own_zone)
        if not _same_offset(moment, zone, base):
            own = moment.astimezone(zone)
            own_clock = format_time(own, "HH:mm", locale=t.locale)
            if own.date() != local.date():
                own_day = format_date(own, "d MMMM", locale=t.locale)
                text += " " + t("time.own_other_day", day=own_day, time=own_clock)
            else:
                text += " " + t("time.own", time=own_clock)
    return text


def short_date(moment: datetime, t: Translator, base: ZoneInfo = MOSCOW) -> str:
    """'29 нояб., 14:00' for lists."""
    return format_datetime(moment.astimezone(base), "d MMM, HH:mm", locale=t.locale)


def zone_label(zone: ZoneInfo, t: Translator) -> str:
    if zone.key == "Europe/Moscow":
        return t("time.msk")
    return zone.key


def duration(minutes: int, t: Translator) -> str:
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return t("duration.hours_minutes", h=hours, m=rest)
    if hours:
        return t.plural("duration.hours", hours)
    return t.plural("duration.minutes", rest)
