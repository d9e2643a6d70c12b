"""Shared by the coordinator tests: who is who, settings with an admin, people registered
through the registration service (the conversation itself is tested elsewhere)."""

from __future__ import annotations

import re
from pathlib import Path

from bot.config import Settings
from bot.registration.service import RegisterOutcome
from bot.staff.coordination import Coordinators
from storage.db import Database, utcnow
from storage.participants import ParticipantRepo
from tests.support.people import Person, Reply
from tests.support.running import RunningBot, bot_settings, make_event, sign_up
from tests.support.stand_in import StandInServer

ADMIN = 7001
UFO = 7002  # coordinator of the Ural district
PFO = 7003  # coordinator of the Volga district
ALL = 7004  # coordinator of the whole programme
BOT_LINK = "https://t.me/ethnic_test_bot?start="
INVITE = re.compile(re.escape(BOT_LINK) + r"co_([A-Za-z0-9_-]+)")


def coord_settings(tmp_path: Path, server: StandInServer) -> Settings:
    return bot_settings(tmp_path, server, admin_ids=frozenset({ADMIN}))


async def open_event(person: Person, title_part: str) -> Reply:
    """A coordinator's /coord, then the button of the event whose title holds ``title_part``:
    the event's card."""
    await person.send("/coord")
    return await person.click(lambda b: title_part in b)


def staff(server: StandInServer) -> dict[str, Person]:
    return {
        "admin": Person(server, ADMIN, "Анна", username="anna_admin"),
        "ufo": Person(server, UFO, "Ульяна", username="ulyana_ufo"),
        "pfo": Person(server, PFO, "Павел", username="pavel_pfo"),
        "all": Person(server, ALL, "Алексей", username="alexey_all"),
    }


async def appoint(db: Database) -> None:
    """The three coordinators (as `python -m bot coordinators add` would)."""
    coordinators = Coordinators(db)
    for user_id, district in ((UFO, "ufo"), (PFO, "pfo"), (ALL, None)):
        await coordinators.add(user_id, district, ADMIN, utcnow())


async def coordinator(running: RunningBot, server: StandInServer, who: str = "ufo") -> Person:
    """The coordinators appointed (``appoint``) and the one ``staff`` names ``who``: how a
    coordinator's test begins."""
    await appoint(running.db)
    return staff(server)[who]


async def card_with_irina(running: RunningBot, server: StandInServer, irina: Person) -> Person:
    """The Ural session (``make_event``'s default) with Irina signed up, and Ulyana, its
    coordinator, looking at its card: where the cancel and edit tests begin."""
    ulyana = await coordinator(running, server)
    await running.add_events(make_event("ufo-online"))
    await sign_up(irina)
    await open_event(ulyana, "УФО")
    return ulyana


async def name_new_event(person: Person, title: str) -> Reply:
    """/newevent, then the title typed: the new-event dialog is at its second step, whose
    question is returned."""
    await person.send("/newevent")
    return await person.send(title)


async def register(
    running: RunningBot,
    user_id: int,
    event_id: str,
    *,
    name: str,
    organisation: str = "АНО «Дом дружбы»",
    region: str = "RU-SVE",
    role: str = "ngo_leader",
) -> RegisterOutcome:
    """A participant with a profile, registered (or waitlisted) for ``event_id``."""
    async with running.db.transaction() as conn:
        await ParticipantRepo(running.db).upsert_seen(
            conn, user_id, name.split()[-1], None, "ru", utcnow()
        )
    profile: dict[str, str | None] = {
        "consent": "yes",
        "full_name": name,
        "organization": organisation,
        "position": "председатель",
        "role": role,
        "region": region,
        "phone": f"+7912{user_id:07d}",
        "email": f"p{user_id}@example.ru",
    }
    return await running.registration.register(user_id, event_id, profile, {})


async def open_invitation(admin: Person, scope: str) -> Reply:
    """The admin's /coordinators, "Пригласить координатора", then the ``scope`` button: the
    reply that holds the invitation link."""
    await admin.send("/coordinators")
    await admin.click("Пригласить координатора")
    return await admin.click(scope)


def invite_token(text: str) -> str:
    """The token of the invitation link in a message of the bot."""
    match = INVITE.search(text)
    assert match is not None, text
    return match.group(1)
