"""The kinds of periodic job the bot schedules (draft expiry, reminder rescans and watch,
the staff command menus)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, tzinfo
from typing import Any

from apscheduler.schedulers.base import BaseScheduler


def every(
    scheduler: BaseScheduler,
    job: Callable[..., Any],
    seconds: float,
    job_id: str,
    *,
    first: datetime | None = None,
) -> None:
    """Run ``job`` every ``seconds``: never two runs at once, missed runs folded into one and
    run however late (a paused process catches up once), and a job of the same id replaced
    (a feature set up again). ``first``: the first run, if not one interval from now."""
    start = {} if first is None else {"next_run_time": first}
    scheduler.add_job(
        job,
        "interval",
        seconds=seconds,
        id=job_id,
        replace_existing=True,
        coalesce=True,
        max_instances=1,
        misfire_grace_time=None,
        **start,
    )


def daily(
    scheduler: BaseScheduler, job: Callable[..., Any], at: time, zone: tzinfo, job_id: str
) -> None:
    """Run ``job`` every day at ``at`` in ``zone`` (the daily backup), with the same rules as
    :func:`every`: one run at a time, a missed run made up once, however late."""
    scheduler.add_job(
        job,
        "cron",
        hour=at.hour,
        minute=at.minute,
        timezone=zone,
        id=job_id,
        replace_existing=True,
        coalesce=True,
        max_instances=1,
        misfire_grace_time=None,
    )
