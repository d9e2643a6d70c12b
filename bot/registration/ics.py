"""An .ics calendar file for an event (RFC 5545, with the icalendar library)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from icalendar import Alarm, Calendar
from icalendar import Event as VEvent

from storage.models import Event

PRODID = "-//Ethnic programmes participant bot//RU"


def event_ics(event: Event, *, stamp: datetime, description: str = "") -> bytes:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    item = VEvent()
    item.add("uid", f"{event.id}@ethnic-participant-bot")
    item.add("dtstamp", stamp.astimezone(UTC))
    item.add("dtstart", event.starts_at.astimezone(UTC))
    item.add("dtend", event.ends_at.astimezone(UTC))
    item.add("summary", event.title)
    where = ", ".join(p for p in (event.location, event.online_url) if p)
    if where:
        item.add("location", where)
    if event.online_url:
        item.add("url", event.online_url)
    text = "\n\n".join(p for p in (event.description, description) if p)
    if text:
        item.add("description", text)
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", event.title)
    alarm.add("trigger", timedelta(hours=-1))
    item.add_component(alarm)
    cal.add_component(item)
    return bytes(cal.to_ical())
