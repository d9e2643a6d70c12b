"""Fixture rows for the selection decision tests: a selection event, applicants with their
answers, experts and their reviews, inserted with SQL through the Database.

Applying and reviewing in the chat are tested by their own tests (issue 9, the other half);
the decision tests begin where those end, from rows such a chat would have left.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime, timedelta
from typing import Any

from storage.db import Database, to_db, utcnow
from storage.models import Event
from tests.support.running import make_event

EVENT = "ethnic-2027"
CRITERIA = [
    {"id": "relevance", "title": {"ru": "Актуальность проекта", "en": "Relevance"}, "weight": 2},
    {"id": "experience", "title": {"ru": "Опыт организации", "en": "Experience"}, "weight": 1},
]
QUESTIONS = [
    {"id": "project", "type": "text", "prompt": {"ru": "Опишите проект", "en": "Your project"}},
    {"id": "letter", "type": "text", "prompt": {"ru": "Рекомендательное письмо"}},
]


def selection_event(
    event_id: str = EVENT,
    *,
    seats: int = 2,
    reserve: int = 2,
    district: str | None = "ufo",
    confirm_days: int = 5,
    deadline_in: timedelta | None = timedelta(days=-1),
) -> Event:
    """ "ЭтНик: ресурсное сообщество" of the Ural district, its applications closed yesterday
    (so reviewing is open), two weighted criteria of max 5 (``sum(weight × max)`` = 15)."""
    event = make_event(
        event_id,
        title="ЭтНик: ресурсное сообщество",
        kind="seminar",
        district=district,
        starts_in=timedelta(days=30),
        deadline_in=deadline_in,
        questions=[dict(q) for q in QUESTIONS],
    )
    spec = {
        "seats": seats,
        "reserve": reserve,
        "criteria": [dict(c, max=5) for c in CRITERIA],
        "confirm_days": confirm_days,
    }
    return dataclasses.replace(event, selection=spec)


async def person(
    db: Database, telegram_id: int, full_name: str, *, language: str = "ru", zone: str | None = None
) -> None:
    now = to_db(utcnow())
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT OR IGNORE INTO participants (telegram_id, first_name, username, language, "
            "timezone, consent_at, consent_version, created_at, updated_at) "
            "VALUES (?, ?, NULL, ?, ?, ?, 'v1', ?, ?)",
            (telegram_id, full_name.split()[-1], language, zone, now, now, now),
        )
        await conn.execute(
            "INSERT OR REPLACE INTO answers (participant_id, event_id, question_id, value, "
            "updated_at) VALUES (?, '', 'full_name', ?, ?)",
            (telegram_id, full_name, now),
        )


async def application(
    db: Database,
    telegram_id: int,
    full_name: str,
    *,
    event_id: str = EVENT,
    submitted_at: datetime | None = None,
    answers: dict[str, str] | None = None,
    status: str = "applied",
    **person_fields: Any,
) -> int:
    """The person, their application and its answers; returns the application's id."""
    await person(db, telegram_id, full_name, **person_fields)
    at = to_db(submitted_at or utcnow())
    async with db.transaction() as conn:
        cur = await conn.execute(
            "INSERT INTO applications (event_id, participant_id, status, submitted_at, "
            "updated_at) VALUES (?, ?, ?, ?, ?)",
            (event_id, telegram_id, status, at, at),
        )
        app_id = cur.lastrowid
        for question, value in (answers or {}).items():
            await conn.execute(
                "INSERT INTO answers (participant_id, event_id, question_id, value, updated_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (telegram_id, event_id, question, value, at),
            )
    assert app_id is not None
    return int(app_id)


async def expert(db: Database, telegram_id: int, full_name: str, event_id: str = EVENT) -> None:
    await person(db, telegram_id, full_name)
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO experts (event_id, telegram_id, added_by, created_at) "
            "VALUES (?, ?, NULL, ?)",
            (event_id, telegram_id, to_db(utcnow())),
        )


async def review(
    db: Database,
    app_id: int,
    expert_id: int,
    scores: dict[str, int] | None = None,
    *,
    comment: str | None = None,
    recused: bool = False,
    at: datetime | None = None,
) -> None:
    moment = to_db(at or utcnow())
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT OR REPLACE INTO reviews (application_id, expert_id, scores, comment, "
            "recused, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (app_id, expert_id, json.dumps(scores or {}), comment, int(recused), moment, moment),
        )


def scores(relevance: int, experience: int) -> dict[str, int]:
    return {"relevance": relevance, "experience": experience}


#: The five applicants of :func:`competition`, best first (their Telegram ids).
APPLICANTS = (5001, 5002, 5003, 5004, 5005)
EXPERTS = (6001, 6002)


async def competition(db: Database, event_id: str = EVENT) -> dict[int, int]:
    """Five applicants scored by two experts so that they rank in the order of their ids
    (5001 first, 100 %; then 93.3, 86.7, 80.0, and 5005 whom nobody scored); returns Telegram
    id -> application id. The event must exist (``selection_event``)."""
    for telegram_id, name in zip(EXPERTS, ("Иванова Мария", "Петров Олег"), strict=True):
        await expert(db, telegram_id, name, event_id)
    start = utcnow() - timedelta(days=3)
    apps = {}
    for n, telegram_id in enumerate(APPLICANTS):
        apps[telegram_id] = await application(
            db,
            telegram_id,
            f"Заявитель{n + 1} Иван",
            event_id=event_id,
            submitted_at=start + timedelta(minutes=n),
            answers={
                "project": f"Проект №{n + 1}",
                "letter": '{"file_id": "F", "name": "rec.pdf"}',
            },
        )
    marks = {5001: (5, 5), 5002: (5, 4), 5003: (4, 5), 5004: (4, 4)}
    for telegram_id, (relevance, experience) in marks.items():
        for who in EXPERTS:
            await review(db, apps[telegram_id], who, scores(relevance, experience), comment="ок")
    return apps
