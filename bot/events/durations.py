"""Durations as written in settings and event files: 1d, 24h, 1h30m, 15m, 30s."""

from __future__ import annotations

import re
from datetime import timedelta

OFFSET_RE = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")


def parse_offset(text: str) -> timedelta:
    match = OFFSET_RE.match(text.strip())
    if not text.strip() or not match or not any(match.groups()):
        raise ValueError(f"{text!r} is not a duration like 1d, 24h, 1h30m, 15m or 30s")
    d, h, m, s = (int(g or 0) for g in match.groups())
    return timedelta(days=d, hours=h, minutes=m, seconds=s)
