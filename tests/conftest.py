"""Fixtures only: the stand-in Bot API server, the real bot polling it over HTTP, two people.
Helpers live in ``tests/support/`` (the benchmarks share them)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from aiogram import Bot

from bot.config import Settings
from bot.telegram import create_bot
from tests.support.broadcast import bc_settings
from tests.support.coord import coord_settings
from tests.support.people import Person
from tests.support.running import TEST_PEOPLE_ARE_FAST, RunningBot, bot_settings, polling
from tests.support.stand_in import TEST_TOKEN, StandInServer


@pytest.fixture(autouse=True)
def _fast_test_people(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in TEST_PEOPLE_ARE_FAST.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
async def server() -> AsyncIterator[StandInServer]:
    async with StandInServer(TEST_TOKEN) as srv:
        yield srv


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "with_admin: the bot's settings name the admin of tests/support/coord.py"
    )
    config.addinivalue_line(
        "markers",
        "slow: runs ``python -m bot`` as a process (5-25 s each); ``pytest -m 'not slow'`` "
        "leaves them out while working, CI and the README's command run them",
    )
    config.addinivalue_line(
        "markers",
        "broadcast_admin(**fields): the settings of tests/support/broadcast.py, with ``fields``",
    )


@pytest.fixture
def settings(tmp_path: Path, server: StandInServer, request: pytest.FixtureRequest) -> Settings:
    """The bot's settings; a module marked ``with_admin`` (the coordinator tests) or
    ``broadcast_admin`` (the announcement tests) gets the ones with that admin, the same for
    every such module, instead of its own fixture."""
    if request.node.get_closest_marker("with_admin") is not None:
        return coord_settings(tmp_path, server)
    broadcast = request.node.get_closest_marker("broadcast_admin")
    if broadcast is not None:
        return bc_settings(tmp_path, server, **broadcast.kwargs)
    return bot_settings(tmp_path, server)


@pytest.fixture
async def running(settings: Settings, server: StandInServer) -> AsyncIterator[RunningBot]:
    async with polling(settings, server) as bot:
        yield bot


@pytest.fixture
def irina(server: StandInServer) -> Person:
    return Person(server, 1001, "Ирина", username="irina_ngo")


@pytest.fixture
def john(server: StandInServer) -> Person:
    return Person(server, 1002, "John", language_code="en", username="john")


@pytest.fixture
def fast(settings: Settings) -> Settings:
    """One reminder 2 s before the start (events may set their own), feedback asked at once.
    A module may define its own ``fast`` (the feedback tests do)."""
    return settings.model_copy(
        update={"reminder_offsets": (timedelta(seconds=2),), "feedback_delay": timedelta(0)}
    )


@pytest.fixture
async def bot(fast: Settings, server: StandInServer) -> AsyncIterator[RunningBot]:
    """The real bot with ``fast`` settings, its database open but not polling yet: the events
    and registrations come before the start (``start`` in tests/support/reminders.py)."""
    running = RunningBot(fast)
    await running.db.connect()
    yield running
    await running.stop()


@pytest.fixture
async def sender_bot(settings: Settings) -> AsyncIterator[Bot]:
    """A Bot for the delivery queue's own tests, without the polling bot's retries."""
    bot = create_bot(settings, retry=False)
    yield bot
    await bot.session.close()
