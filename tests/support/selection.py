"""Helpers of the selection tests (issue 9): a selection event, applying through the chat."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

from storage.models import Event
from tests.support.people import Person, Reply
from tests.support.running import fill_profile, make_event

CRITERIA = [
    {
        "id": "relevance",
        "title": {"ru": "Актуальность проекта", "en": "Relevance"},
        "weight": 2,
        "max": 5,
    },
    {
        "id": "experience",
        "title": {"ru": "Опыт организации", "en": "Experience"},
        "weight": 1,
        "max": 3,
    },
]
QUESTIONS: list[dict[str, Any]] = [
    {"id": "project", "type": "text", "prompt": "Опишите ваш проект", "max_length": 3000},
    {"id": "letter", "type": "file", "prompt": "Приложите письмо поддержки"},
]
PDF = b"%PDF-1.4 support letter"


def selection_event(
    event_id: str = "ethnic-2027",
    *,
    deadline_in: timedelta = timedelta(days=3),
    per_application: int | None = None,
    district: str | None = "ufo",
) -> Event:
    selection: dict[str, Any] = {"seats": 2, "reserve": 1, "criteria": CRITERIA}
    if per_application is not None:
        selection["reviews_per_application"] = per_application
    event = make_event(
        event_id,
        title="ЭтНик: ресурсное сообщество",
        kind="seminar",
        location="Екатеринбург",
        online_url=None,
        district=district,
        starts_in=timedelta(days=30),
        deadline_in=deadline_in,
        questions=QUESTIONS,
    )
    return replace(event, selection=selection)


async def apply(
    person: Person,
    event_id: str = "ethnic-2027",
    project: str = "Школа национальных языков",
    *,
    profile: dict[str, str] | None = None,
) -> Reply:
    """Open the event's link, fill in the profile and the application, confirm."""
    await person.send(f"/start ev_{event_id}")
    await fill_profile(person, profile)
    await person.send(project)
    await person.send_document(PDF, f"letter-{person.id}.pdf", "application/pdf")
    return await person.click("Отправить заявку")
