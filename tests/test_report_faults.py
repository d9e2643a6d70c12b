"""The report job (checklists, the due reminder, the files to fetch again) meets the database
locked by another connection past the busy timeout: a run raises nothing, writes nothing
half (no reminder marked sent without its message queued, no file row naming a file it did not
record), says so once per fault, and the next run does all of it; the coordinator then gets
each message once."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

import bot.reports.report
from bot.config import Settings
from bot.reports.files import Retries
from bot.reports.report import Duties, ReportJob
from storage.db import utcnow
from storage.reports import NewFile, ReportRepo
from tests.support.coord import PFO, appoint, staff
from tests.support.faults import BUSY_MS, WriteLock
from tests.support.reports import ended, report_settings
from tests.support.running import RunningBot
from tests.support.stand_in import ApiCall, StandInServer

PDF = b"%PDF-1.4 scanned registration sheet"
LOGGER = "bot.reports.report"


@pytest.fixture
def settings(tmp_path: Path, server: StandInServer) -> Settings:
    """Reports due one day after the event, and a busy timeout a test can outlast."""
    return report_settings(tmp_path, server, report_due_days=1, db_busy_timeout_ms=BUSY_MS)


@pytest.fixture(autouse=True)
def _own_runs_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """The bot's scheduled report job first runs tomorrow: the test's runs are the only ones."""
    monkeypatch.setattr(bot.reports.report, "FIRST_RUN", timedelta(days=1))


def job_of(running: RunningBot) -> ReportJob:
    """The job as bot/reports/report.py's ``setup`` makes it, on the running bot."""
    runtime = running.dp["runtime"]
    settings = runtime.settings
    duties = Duties(
        settings.admin_ids, timedelta(days=settings.report_due_days), settings.reports_dir
    )
    return ReportJob(runtime.db, runtime.sender.bot, duties, runtime.sender.wake)


async def queued(running: RunningBot) -> set[str]:
    rows = await running.db.fetchall(
        "SELECT dedup_key FROM outbox WHERE kind IN ('report_checklist', 'report_due')"
    )
    return {str(r[0]) for r in rows}


def to(chat_id: int, fragment: str) -> Callable[[ApiCall], bool]:
    return lambda c: (
        c.ok
        and c.method == "sendMessage"
        and c.chat_id == chat_id
        and fragment in str(c.params.get("text"))
    )


def lines(caplog: pytest.LogCaptureFixture, fragment: str) -> list[logging.LogRecord]:
    return [
        r
        for r in caplog.records
        if r.name == LOGGER and r.levelno >= logging.WARNING and fragment in r.getMessage()
    ]


async def test_the_report_job_survives_a_locked_database_and_does_it_all_on_its_next_run(
    running: RunningBot, server: StandInServer, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    await appoint(running.db)
    pavel = staff(server)["pfo"]
    server.add_chat(pavel.user)
    await running.add_events(
        ended(),  # ended an hour ago: the checklist
        ended("pfo-ufa", ago=timedelta(days=2), title="Семинар в Уфе"),  # and the reminder
    )
    repo = ReportRepo(running.db)
    file_id, unique = server.store_file(PDF, "scan.pdf", "application/pdf")
    kept, _ = await repo.add_file(
        "pfo-kazan", NewFile("sheet", file_id, unique, "scan.pdf", len(PDF)), PFO, utcnow()
    )
    assert kept.path is None  # kept by file_id, to be fetched by the job
    job = job_of(running)

    async with WriteLock(running.settings.database_path):
        for _ in range(3):  # three ticks while the lock is held: no exception reaches them
            await job.run()
        assert job.backoff.failing and job.downloads.failing
    assert await queued(running) == set()
    due = await repo.get("pfo-ufa")
    assert due is None or due.reminded_at is None  # not marked reminded without its message
    (row,) = await repo.files("pfo-kazan")
    assert row.path is None  # no row naming a file it did not record
    # one warning for each fault, and no "works again" while it lasts
    assert len(lines(caplog, "report duties: database unavailable")) == 1
    assert len(lines(caplog, "report file downloads: database unavailable")) == 1
    assert lines(caplog, "works again") == []
    assert all(r.exc_info is None for r in lines(caplog, "database unavailable"))

    await job.run()  # the next tick, the lock released
    assert not job.backoff.failing and not job.downloads.failing
    expected = {
        f"report-checklist:pfo-kazan:{PFO}",
        f"report-checklist:pfo-ufa:{PFO}",
        f"report-due:pfo-ufa:{PFO}",
    }
    assert await queued(running) == expected
    due = await repo.get("pfo-ufa")
    assert due is not None and due.reminded_at is not None
    (row,) = await repo.files("pfo-kazan")
    assert row.path is not None
    assert (settings.reports_dir / row.path).read_bytes() == PDF
    assert len(lines(caplog, "report duties works again")) == 1
    assert len(lines(caplog, "report file downloads works again")) == 1

    await job.run()  # and once more: nothing is queued twice
    assert await queued(running) == expected
    for fragment in ("«Семинар в Казани» прошло", "«Семинар в Уфе» прошло", "Напоминание: отчёт"):
        await server.wait_for(to(pavel.id, fragment), timeout=20)
    assert len([c for c in server.calls if to(pavel.id, "прошло")(c)]) == 2  # once each


async def test_a_locked_database_is_one_warning_not_a_warning_and_a_recovery_every_tick(
    running: RunningBot, server: StandInServer, caplog: pytest.LogCaptureFixture
) -> None:
    """With no file to fetch the downloads work while the queue's writes are refused: they
    shared one back-off, so every tick logged "works again" and then the fault anew."""
    caplog.set_level(logging.INFO)
    await appoint(running.db)
    server.add_chat(staff(server)["pfo"].user)
    await running.add_events(ended())
    job = job_of(running)

    async with WriteLock(running.settings.database_path):
        for _ in range(4):
            await job.run()
        assert job.backoff.failing and not job.downloads.failing
    assert await queued(running) == set()
    assert len(lines(caplog, "report duties: database unavailable")) == 1
    assert lines(caplog, "works again") == []

    await job.run()
    assert await queued(running) == {f"report-checklist:pfo-kazan:{PFO}"}
    (recovered,) = lines(caplog, "works again")
    assert "report duties works again" in recovered.getMessage()
    assert "(4 failed attempt(s))" in recovered.getMessage()


def test_a_file_that_keeps_failing_waits_twice_as_long_each_time_at_most_a_day() -> None:
    now = [1000.0]
    retries = Retries(clock=lambda: now[0])
    assert retries.due(7)
    waits = [retries.failed(7) for _ in range(13)]
    assert waits[:4] == [60.0, 120.0, 240.0, 480.0] and waits[-1] == 24 * 3600.0
    assert not retries.due(7) and retries.due(8)  # another file is not held up
    now[0] += 24 * 3600.0
    assert retries.due(7)
    retries.done(7)
    assert retries.failed(7) == 60.0  # fetched once: a new failure starts again from a minute
