"""What the registration's speed-ups (issue 12) must not change: the role and the participant
are read fresh on every update in one query (a coordinator removed by the command line, in
another process, loses the staff tools on the very next update; a new one gets them at once),
and no filter goes through a thread any more."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import create_dispatcher
from bot.config import Settings
from bot.staff.roles import ADMIN, PARTICIPANT, Role, RoleKind, role_for, role_of
from storage.coordinators import CoordinatorRepo
from storage.db import Database, utcnow
from storage.participants import ParticipantRepo
from tests.support.coord import UFO, coordinator
from tests.support.people import Person
from tests.support.process import env_for, run_cli
from tests.support.running import RunningBot, make_event, sign_up, start_questions
from tests.support.stand_in import StandInServer

pytestmark = pytest.mark.with_admin

DENIED = "только для координаторов"


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    async with Database(tmp_path / "bot.sqlite3") as database:
        yield database


async def cli(tmp_path: Path, settings: Settings, *args: str) -> None:
    """``python -m bot ARGS`` in a process of its own, on the running bot's database."""
    env = env_for(tmp_path, DATABASE_PATH=str(settings.database_path))
    done = await asyncio.to_thread(run_cli, tmp_path, *args, env=env)
    assert done.returncode == 0, done.stderr


async def test_a_coordinator_removed_by_another_process_loses_the_staff_tools_at_once(
    running: RunningBot, server: StandInServer, settings: Settings, tmp_path: Path
) -> None:
    await running.add_events(make_event("ufo-online"))
    ulyana = await coordinator(running, server)
    reply = await ulyana.send("/start")
    assert "Для координатора" in reply.text  # the staff section of the menu
    assert "Онлайн стратегическая сессия УФО" in (await ulyana.send("/coord")).text

    await cli(tmp_path, settings, "coordinators", "remove", str(UFO))
    reply = await ulyana.send("/coord")  # the very next update
    assert DENIED in reply.text
    reply = await ulyana.send("/start")
    assert "Для координатора" not in reply.text and "/coord" not in reply.text


async def test_a_coordinator_added_by_another_process_has_the_tools_at_once(
    running: RunningBot, settings: Settings, tmp_path: Path, irina: Person
) -> None:
    await running.add_events(make_event("ufo-online"))
    await sign_up(irina)
    assert DENIED in (await irina.send("/coord")).text
    await cli(tmp_path, settings, "coordinators", "add", str(irina.id), "--district", "ufo")
    reply = await irina.send("/coord")
    assert "Онлайн стратегическая сессия УФО" in reply.text


async def test_one_read_gives_what_the_two_reads_gave(db: Database) -> None:
    """``person``: the participant row and the coordinator row, each or both missing."""
    participants, coordinators = ParticipantRepo(db), CoordinatorRepo(db)
    now = utcnow()
    async with db.transaction() as conn:
        await participants.upsert_seen(conn, 1, "Ирина", "irina", "ru", now)
        await participants.upsert_seen(conn, 3, "Ульяна", None, "ru", now)
        await coordinators.put(conn, 2, "ufo", None, now)
        await coordinators.put(conn, 3, None, 2, now)
    for user_id in (1, 2, 3, 4):
        assert await participants.person(user_id) == (
            await participants.get(user_id),
            await coordinators.get(user_id),
        )
    _, both = await participants.person(3)
    assert both is not None and both.district is None and both.added_by == 2


async def test_the_role_from_the_joined_read_is_the_role_of_before(db: Database) -> None:
    participants, coordinators = ParticipantRepo(db), CoordinatorRepo(db)
    async with db.transaction() as conn:
        await coordinators.put(conn, 2, "ufo", None, utcnow())
    admins = frozenset({9})
    for user_id in (1, 2, 9):
        _, found = await participants.person(user_id)
        assert role_for(user_id, admins, found) == await role_of(user_id, admins, db)
    assert role_for(9, admins, None) is ADMIN
    assert role_for(1, admins, None) is PARTICIPANT
    assert role_for(2, admins, await coordinators.get(2)) == Role(RoleKind.COORDINATOR, "ufo")


def test_no_filter_goes_through_a_thread(settings: Settings, tmp_path: Path) -> None:
    """aiogram runs a filter that is not a coroutine function in ``asyncio.to_thread``; after
    create_dispatcher every filter of every router is called in the loop."""
    dp = create_dispatcher(settings, Database(tmp_path / "unused.sqlite3"))
    checked = 0
    for router in dp.chain_tail:
        for observer in router.observers.values():
            for handler in [observer._handler, *observer.handlers]:
                for event_filter in handler.filters or ():
                    assert event_filter.awaitable, (router.name, event_filter.callback)
                    checked += 1
    assert checked > 50


def button_data(person: Person, text: str) -> str:
    """The callback data of the button ``text`` in the person's latest keyboard."""
    keyboards = [m for m in person.messages if m.inline_keyboard and not m.deleted]
    rows = keyboards[-1].inline_keyboard or []
    return next(str(b["callback_data"]) for row in rows for b in row if b.get("text") == text)


async def test_a_button_that_would_change_nothing_makes_no_call_to_telegram(
    running: RunningBot, irina: Person
) -> None:
    """Back to the districts twice (the second tap an old button): the first tap puts the
    district list back under the question, the second finds it there and only answers."""
    await start_questions(running, irina, "Иванова Ирина", "Дом дружбы", "Председатель")
    await irina.click("Руководитель НКО")
    await irina.click(lambda text: text.startswith("Уральский"))
    back = button_data(irina, "⬅️ Другой округ")
    reply = await irina.click_data(back)
    assert [c.method for c in reply.calls] == ["answerCallbackQuery", "editMessageReplyMarkup"]
    reply = await irina.click_data(back)  # the same button again: the list is already there
    assert [c.method for c in reply.calls] == ["answerCallbackQuery"]
    assert reply.answered and not reply.errors
    reply = await irina.send("Свердловская")  # the question is still waiting for its answer
    assert "телефон" in reply.text.lower()


#: Libraries of one occasional tool each (spreadsheets, certificates): tens of megabytes that
#: every bot process would carry if start-up loaded them (openpyxl alone brings numpy and
#: Pillow, some 24 MB).
OCCASIONAL = ("openpyxl", "numpy", "PIL", "fpdf", "matplotlib", "pypdf")


def test_start_up_loads_no_library_of_an_occasional_tool() -> None:
    """``python -m bot`` runs bot.app (and with it every handler); a fresh interpreter
    shows what that drags in. Regression: the check-in sheet imported the sheet module, and
    with it openpyxl, at start-up."""
    import subprocess
    import sys

    probe = (
        "import sys, bot.app, handlers; "
        f"print(','.join(m for m in {OCCASIONAL!r} if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip() == "", f"loaded at start-up: {done.stdout.strip()}"
