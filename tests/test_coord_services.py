"""Coordinators, invitations and the participants list, as plain services on a real database;
and `python -m bot coordinators`."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.cli.main import main
from bot.events.files import import_events
from bot.registration.form import default_form
from bot.registration.regions import default_regions
from bot.registration.service import RegistrationService
from bot.staff.coordination import (
    Coordinators,
    InviteOutcome,
    InviteRefusal,
    page_of,
    parse_scope,
    roster,
)
from bot.staff.roles import Role, RoleKind, role_of
from storage.db import Database, utcnow
from storage.models import RegStatus
from storage.participants import ParticipantRepo
from tests.support.process import ROOT, run_cli
from tests.support.running import make_event

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    async with Database(tmp_path / "bot.sqlite3") as database:
        yield database


def test_scopes() -> None:
    assert parse_scope(None) is None
    assert parse_scope("all") is None
    assert parse_scope(" UFO ") == "ufo"
    with pytest.raises(ValueError, match="unknown district"):
        parse_scope("ural")


async def test_add_change_remove_and_the_role_follows(db: Database) -> None:
    coordinators = Coordinators(db)
    assert await coordinators.add(42, "ufo", 1, NOW) is True
    assert await role_of(42, frozenset(), db) == Role(RoleKind.COORDINATOR, "ufo")
    assert await coordinators.add(42, None, 1, NOW) is False  # the scope changes
    assert (await role_of(42, frozenset(), db)).district is None
    assert [c.telegram_id for c in await coordinators.list()] == [42]
    assert await coordinators.remove(42) is True
    assert await coordinators.remove(42) is False
    assert not (await role_of(42, frozenset(), db)).is_staff


async def test_an_invitation_works_once(db: Database) -> None:
    coordinators = Coordinators(db, admin_ids=frozenset({1}))
    token = await coordinators.invite("pfo", 1, NOW)
    assert len(f"co_{token}") <= 64 and token.replace("-", "").replace("_", "").isalnum()
    assert token != await coordinators.invite("pfo", 1, NOW)  # each one new
    invite = (await coordinators.accept(token, 555, NOW)).invite
    assert invite is not None and invite.district == "pfo"
    role = await role_of(555, frozenset(), db)
    assert (role.kind, role.district) == (RoleKind.COORDINATOR, "pfo")
    assert await coordinators.accept(token, 556, NOW) == InviteOutcome(None, InviteRefusal.BAD)
    assert (await coordinators.accept("no-such-token", 556, NOW)).refusal is InviteRefusal.BAD
    assert not (await role_of(556, frozenset(), db)).is_staff
    listed = await coordinators.get(555)
    assert listed is not None and listed.added_by == 1


async def test_roster_order_names_and_regions(db: Database) -> None:
    await import_events(db, [make_event("sem", capacity=2)], utcnow())
    service = RegistrationService(db, default_form(), default_regions())
    people = ParticipantRepo(db)
    async with db.transaction() as conn:
        for pid in (1, 2, 3, 4, 5):
            await people.upsert_seen(conn, pid, f"Имя{pid}", None, "ru", utcnow())
    for pid, region in ((1, "RU-SVE"), (2, "RU-TA"), (3, "RU-MOW"), (4, "RU-SVE"), (5, None)):
        profile: dict[str, str | None] = {"consent": "yes", "organization": f"НКО {pid}"}
        if pid != 5:
            profile["full_name"] = f"Участник {pid}"
        if region:
            profile["region"] = region
        await service.register(pid, "sem", profile, {})
    await service.cancel(1, "sem")  # 3 gets the seat; 4 and 5 wait
    rows = await roster(db, "sem", default_regions(), "ru")
    assert [(r.number, r.participant_id, r.status, r.position) for r in rows] == [
        (1, 2, RegStatus.REGISTERED, None),
        (2, 3, RegStatus.REGISTERED, None),
        (3, 4, RegStatus.WAITLISTED, 1),
        (4, 5, RegStatus.WAITLISTED, 2),
        (5, 1, RegStatus.CANCELLED, None),
    ]
    by_id = {r.participant_id: r for r in rows}
    assert by_id[2].name == "Участник 2"
    assert by_id[2].organisation == "НКО 2"
    assert by_id[2].region == "Республика Татарстан"
    assert by_id[5].name == "Имя5"  # no full name given: the Telegram name
    assert by_id[5].region == ""
    english = await roster(db, "sem", default_regions(), "en", with_cancelled=False)
    assert [r.participant_id for r in english] == [2, 3, 4, 5]
    assert english[0].region == "Republic of Tatarstan"


def test_pages() -> None:
    items = list(range(23))
    assert page_of(items, 0, 10) == (list(range(10)), 0, 3)
    assert page_of(items, 2, 10) == ([20, 21, 22], 2, 3)
    assert page_of(items, 9, 10) == ([20, 21, 22], 2, 3)  # an old button: the last page
    assert page_of([], 0, 10) == ([], 0, 1)


# --- python -m bot coordinators -------------------------------------------------------------


@pytest.fixture
def cli_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "bot.sqlite3"
    monkeypatch.delenv("BOT_TOKEN", raising=False)
    monkeypatch.setenv("DATABASE_PATH", str(path))
    monkeypatch.setenv("ADMIN_IDS", "100")
    return path


def test_cli_add_list_remove(cli_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["coordinators", "add", "201", "--district", "ufo"]) == 0
    assert "201 is now a coordinator: ufo (Ural Federal District)" in capsys.readouterr().out
    assert main(["coordinators", "add", "202"]) == 0
    assert main(["coordinators", "add", "201", "--district", "sfo"]) == 0
    assert "scope set: sfo" in capsys.readouterr().out
    assert main(["coordinators", "list"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("202\tall (whole programme)")
    assert out[1].startswith("201\tsfo (Siberian Federal District)")
    assert out[-1] == "Admins (ADMIN_IDS): 100"
    assert main(["coordinators", "remove", "201"]) == 0
    assert main(["coordinators", "remove", "201"]) == 1
    assert "201 is not a coordinator" in capsys.readouterr().err

    async def roles() -> tuple[bool, bool]:
        async with Database(cli_db) as db:
            return (
                (await role_of(201, frozenset(), db)).is_staff,
                (await role_of(202, frozenset(), db)).is_staff,
            )

    assert asyncio.run(roles()) == (False, True)


def test_cli_refuses_bad_ids_and_districts(
    cli_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for argv in (
        ["coordinators", "add", "12x"],
        ["coordinators", "add", "1", "--district", "ural"],
        ["coordinators", "remove"],
        ["coordinators"],
    ):
        with pytest.raises(SystemExit) as exited:
            main(argv)
        assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "'12x' is not a Telegram user id" in err
    assert "invalid choice: 'ural'" in err
    assert main(["coordinators", "list"]) == 0
    assert "No coordinators yet" in capsys.readouterr().out


def test_cli_as_a_process(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k.upper() != "BOT_TOKEN"}
    env |= {"PYTHONPATH": str(ROOT), "DATABASE_PATH": str(tmp_path / "bot.sqlite3")}
    done = run_cli(tmp_path, "coordinators", "add", "303", "--district", "dfo", env=env)
    assert done.returncode == 0, done.stderr
    assert "303 is now a coordinator: dfo" in done.stdout
