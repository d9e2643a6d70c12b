"""Fixtures only: the stand-in Bot API server, the real bot polling it over HTTP, two people.
Helpers live in ``tests/support/`` (the benchmarks share them)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.config import Settings
from tests.support.people import Person
from tests.support.running import TEST_PEOPLE_ARE_FAST, RunningBot, bot_settings
from tests.support.stand_in import TEST_TOKEN, StandInServer


@pytest.fixture(autouse=True)
def _fast_test_people(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in TEST_PEOPLE_ARE_FAST.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
async def server() -> AsyncIterator[StandInServer]:
    async with StandInServer(TEST_TOKEN) as srv:
        yield srv


@pytest.fixture
def settings(tmp_path: Path, server: StandInServer) -> Settings:
    return bot_settings(tmp_path, server)


@pytest.fixture
async def running(settings: Settings, server: StandInServer) -> AsyncIterator[RunningBot]:
    bot = RunningBot(settings)
    await bot.start()
    await server.wait_polling()
    yield bot
    await bot.stop()


@pytest.fixture
def irina(server: StandInServer) -> Person:
    return Person(server, 1001, "Ирина", username="irina_ngo")


@pytest.fixture
def john(server: StandInServer) -> Person:
    return Person(server, 1002, "John", language_code="en", username="john")
