"""Feedback after an event through the real bot: the request, the answers stored once, the
event's own questions, and ``python -m bot export --event ID --feedback``."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from bot.config import Settings
from bot.events.files import import_events
from storage.db import utcnow
from storage.events import RegistrationRepo
from storage.feedback import FeedbackRepo
from storage.models import Event, EventStatus, RegStatus
from storage.participants import ParticipantRepo
from tests.support.people import Person
from tests.support.process import ROOT
from tests.support.running import RunningBot, start
from tests.support.stand_in import ApiCall, StandInServer

OWN_QUESTIONS: list[dict[str, Any]] = [
    {
        "id": "useful",
        "type": "choice",
        "prompt": {"ru": "Насколько сессия была полезна?", "en": "How useful was it?"},
        "options": [
            {"id": "very", "label": {"ru": "Очень полезна", "en": "Very"}},
            {"id": "some", "label": {"ru": "Отчасти", "en": "Somewhat"}},
        ],
    },
    {"id": "next_topic", "type": "text", "prompt": "Какую тему разобрать в следующий раз?"},
]


def finished(**fields: Any) -> Event:
    """A session that ended an hour ago."""
    event = Event(
        id="past",
        title="Стратегическая сессия «Молодёжь и традиции»",
        kind="strategic_session",
        district=None,
        starts_at=utcnow() - timedelta(hours=2),
        duration_minutes=60,
        location="г. Екатеринбург, Дом народов",
        online_url=None,
        capacity=None,
        registration_deadline=None,
        description="",
    )
    return replace(event, **fields)


@pytest.fixture
def fast(settings: Settings) -> Settings:
    return settings.model_copy(update={"feedback_delay": timedelta(minutes=30)})


async def attended(
    running: RunningBot,
    server: StandInServer,
    person: Person,
    status: RegStatus,
    event_id: str = "past",
) -> None:
    """Registered (or waitlisted) before the event (straight into the database: the service
    refuses registrations for an event that has started)."""
    server.add_chat(person.user)
    now = utcnow()
    async with running.db.transaction() as conn:
        await ParticipantRepo(running.db).upsert_seen(
            conn, person.id, person.user.first_name, person.user.username, "ru", now
        )
        # registered people have consented (their Telegram name is kept only then)
        await ParticipantRepo(running.db).set_consent(conn, person.id, "2026-11-01", now)
        await RegistrationRepo(running.db).put(conn, event_id, person.id, status, now)


def request_to(person: Person) -> Any:
    return lambda c: (
        c.ok and c.chat_id == person.id and "Спасибо, что были" in str(c.params.get("text"))
    )


def export(database: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    env = {k: v for k, v in os.environ.items() if k.upper() not in {"BOT_TOKEN", "FORM_PATH"}}
    env |= {"PYTHONPATH": str(ROOT), "DATABASE_PATH": str(database), "TIMEZONE": "Europe/Moscow"}
    return subprocess.run(
        [sys.executable, "-m", "bot", "export", "--event", "past", "--feedback", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        timeout=60,
        check=False,
    )


def button_texts(call: ApiCall) -> list[list[str]]:
    markup = call.params.get("reply_markup") or {}
    return [[b["text"] for b in row] for row in markup.get("inline_keyboard", [])]


async def test_rating_and_comment_are_stored_once_and_exported(
    bot: RunningBot, settings: Settings, server: StandInServer, tmp_path: Path
) -> None:
    await import_events(bot.db, [finished()], utcnow())
    irina = Person(server, 8101, "Ирина", username="irina_ngo")
    boris = Person(server, 8102, "Борис")
    await attended(bot, server, irina, RegStatus.REGISTERED)
    await attended(bot, server, boris, RegStatus.WAITLISTED)
    await start(bot, server)

    request = await server.wait_for(request_to(irina), timeout=5)
    assert "«Молодёжь и традиции»" in str(request.result["text"])
    assert "Оцените от 1 до 5" in str(request.result["text"])
    assert button_texts(request) == [["1", "2", "3", "4", "5"]]  # one row; rating required

    reply = await irina.click("4")
    assert "Напишите, что понравилось" in reply.text
    assert "Пропустить ➡️" in reply.buttons  # the comment is optional
    assert irina.messages[0].reply_markup is None  # the rating buttons are gone
    reply = await irina.send("Очень полезно & по делу <спасибо>")
    assert "Спасибо за отзыв" in reply.text
    # the old request's button, tapped again: the answer stays as it was
    reply = await irina.click_data("fb1:p:past:0:4", message_id=request.result["message_id"])
    assert reply.alerts == ["Вы уже ответили на этот вопрос — спасибо!"]
    answers = await FeedbackRepo(bot.db).answers("past", irina.id)
    assert answers == {"rating": "4", "comment": "Очень полезно & по делу <спасибо>"}

    await server.wait_idle()
    assert not [c for c in server.calls if c.chat_id == boris.id]  # waitlisted: not asked
    done = export(settings.database_path, tmp_path)
    assert done.returncode == 0, done.stderr.decode()
    rows = list(csv.reader(io.StringIO(done.stdout.decode("utf-8-sig"))))
    assert rows[0] == ["event_id", "telegram_id", "username", "answered_at", "rating", "comment"]
    assert [r[:3] + r[4:] for r in rows[1:]] == [
        ["past", str(irina.id), "irina_ngo", "4", "Очень полезно & по делу <спасибо>"]
    ]
    out = tmp_path / "feedback.xlsx"
    assert export(settings.database_path, tmp_path, "--output", str(out)).returncode == 0
    sheet = openpyxl.load_workbook(out).active
    assert sheet is not None
    assert [c.value for c in sheet[1]] == rows[0]
    assert [c.value for c in sheet[2]][4:] == ["4", "Очень полезно & по делу <спасибо>"]


async def test_the_events_own_questions_with_a_detour_and_a_stray_sticker(
    bot: RunningBot, server: StandInServer
) -> None:
    await import_events(bot.db, [finished(feedback=OWN_QUESTIONS)], utcnow())
    irina = Person(server, 8201, "Ирина")
    await attended(bot, server, irina, RegStatus.REGISTERED)
    await start(bot, server)

    request = await server.wait_for(request_to(irina), timeout=5)
    assert "Насколько сессия была полезна?" in str(request.result["text"])
    assert button_texts(request) == [["Очень полезна"], ["Отчасти"]]
    reply = await irina.click("Очень полезна")
    assert "Какую тему разобрать" in reply.text
    assert "Вопрос 2 из 2" in reply.text
    reply = await irina.send_sticker()
    assert "Какую тему разобрать" in reply.text  # asked again, kindly
    # a detour to the menu and back: the dialog goes on where it stopped
    reply = await irina.send("/start")
    reply = await irina.click("Продолжить")  # the menu's "continue" (it says "registration")
    assert "Какую тему разобрать" in reply.text
    reply = await irina.send("Гранты для молодёжных НКО")
    assert "Спасибо за отзыв" in reply.text
    assert await FeedbackRepo(bot.db).answers("past", irina.id) == {
        "useful": "very",
        "next_topic": "Гранты для молодёжных НКО",
    }


async def test_a_form_that_opens_with_a_text_question_starts_with_a_button(
    bot: RunningBot, server: StandInServer
) -> None:
    await import_events(bot.db, [finished(feedback=OWN_QUESTIONS[1:])], utcnow())
    irina = Person(server, 8301, "Ирина")
    await attended(bot, server, irina, RegStatus.REGISTERED)
    await start(bot, server)
    request = await server.wait_for(request_to(irina), timeout=5)
    assert button_texts(request) == [["✍️ Ответить"]]
    reply = await irina.click("Ответить")
    assert "Какую тему разобрать" in reply.text
    reply = await irina.click_data("fb1:p:past:7:0")  # no such question
    assert reply.alerts == [
        "Эта кнопка относится к уже отвеченному вопросу. Ответьте, пожалуйста, на последний вопрос."
    ]
    reply = await irina.send("Этнокультурный туризм")
    assert "Спасибо за отзыв" in reply.text


async def test_nobody_is_asked_about_a_cancelled_event_and_forged_buttons_are_refused(
    bot: RunningBot, server: StandInServer
) -> None:
    later = replace(finished(id="later"), starts_at=utcnow() + timedelta(days=1))
    await import_events(bot.db, [finished(status=EventStatus.CANCELLED), later], utcnow())
    irina, stranger = Person(server, 8401, "Ирина"), Person(server, 8402, "Гость")
    await attended(bot, server, irina, RegStatus.REGISTERED)
    await attended(bot, server, irina, RegStatus.REGISTERED, "later")
    await start(bot, server)
    await stranger.send("/start")
    await irina.send("/start")
    await server.wait_idle(quiet=0.5)
    assert not [c for c in server.calls if "Спасибо, что были" in str(c.params.get("text"))]
    for person, data, alert in [
        (irina, "fb1:p:past:0:4", "Этого мероприятия больше нет."),
        (irina, "fb1:p:later:0:4", "Отзыв можно оставить после окончания мероприятия."),
        (stranger, "fb1:p:later:0:4", "Отзыв оставляют зарегистрированные участники мероприятия."),
    ]:
        reply = await person.click_data(data)
        assert reply.alerts == [alert], (person.id, data)
