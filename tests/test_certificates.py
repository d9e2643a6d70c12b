"""Feedback and certificates for those who came (issue 10, item 5): once attendance was
taken, the feedback request goes only to those marked; each of them gets a PDF certificate
with it (and from /my) holding the name they gave; an event may turn certificates off."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from pypdf import PdfReader

from bot.events.files import import_events
from bot.reports.certificates import Certificate, render_pdf
from storage.db import utcnow
from storage.events import RegistrationRepo
from storage.models import Event, RegStatus
from storage.participants import ParticipantRepo
from tests.support.attendance_seed import give_profile_name, mark_came
from tests.support.people import Person
from tests.support.running import RunningBot, start
from tests.support.stand_in import ApiCall, StandInServer

TITLE = "Семинар «Язык и традиции»"


def seminar(**fields: Any) -> Event:
    """A seminar in Kazan that ended an hour ago."""
    event = Event(
        id="kzn",
        title=TITLE,
        kind="seminar",
        district="pfo",
        starts_at=utcnow() - timedelta(hours=3),
        duration_minutes=120,
        location="г. Казань, Дом дружбы народов",
        online_url=None,
        capacity=None,
        registration_deadline=None,
        description="",
    )
    return replace(event, **fields)


async def registered(running: RunningBot, server: StandInServer, person: Person) -> None:
    """Registered before the event (straight into the database: the service refuses
    registrations for an event that has started)."""
    server.add_chat(person.user)
    now = utcnow()
    async with running.db.transaction() as conn:
        people = ParticipantRepo(running.db)
        await people.upsert_seen(conn, person.id, person.user.first_name, None, "ru", now)
        await people.set_consent(conn, person.id, "2026-11-01", now)
        await RegistrationRepo(running.db).put(conn, "kzn", person.id, RegStatus.REGISTERED, now)


def feedback_to(person: Person) -> Any:
    return lambda c: (
        c.ok and c.chat_id == person.id and "Спасибо, что были" in str(c.params.get("text"))
    )


def document_to(person: Person) -> Any:
    return lambda c: c.ok and c.chat_id == person.id and c.method == "sendDocument"


def pdf_text(call: ApiCall) -> str:
    return text_of(call.files["document"].content)


def text_of(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    return " ".join(reader.pages[0].extract_text().split())


def calls_to(server: StandInServer, person: Person) -> list[ApiCall]:
    return [c for c in server.calls if c.chat_id == person.id and c.ok]


async def test_feedback_and_certificates_go_only_to_those_who_came(
    bot: RunningBot, server: StandInServer
) -> None:
    await import_events(bot.db, [seminar()], utcnow())
    irina = Person(server, 9101, "Ирина")
    boris = Person(server, 9102, "Борис")
    vera = Person(server, 9103, "Вера")  # registered, did not come
    for person in (irina, boris, vera):
        await registered(bot, server, person)
    await give_profile_name(bot.db, irina.id, "Камчатова Анна Ивановна")
    await mark_came(bot.db, "kzn", irina.id, method="qr")
    await mark_came(bot.db, "kzn", boris.id, method="manual")
    await start(bot, server)

    for person in (irina, boris):
        await server.wait_for(feedback_to(person), timeout=10)
        certificate = await server.wait_for(document_to(person), timeout=10)
        assert TITLE in str(certificate.params.get("caption"))
    text = pdf_text(await server.wait_for(document_to(irina), timeout=1))
    assert "Камчатова Анна Ивановна" in text  # the profile's name, in Cyrillic
    assert "Язык и традиции" in text
    assert "Казань" in text
    assert "СЕРТИФИКАТ" in text
    # Boris gave no name in a profile: his Telegram name is on it
    assert "Борис" in pdf_text(await server.wait_for(document_to(boris), timeout=1))
    await server.wait_idle()
    assert calls_to(server, vera) == []  # not marked as come: neither asked nor certified


async def test_without_attendance_every_registrant_is_asked_and_no_certificate_is_sent(
    bot: RunningBot, server: StandInServer
) -> None:
    await import_events(bot.db, [seminar()], utcnow())
    irina = Person(server, 9201, "Ирина")
    vera = Person(server, 9202, "Вера")
    for person in (irina, vera):
        await registered(bot, server, person)
    await start(bot, server)
    for person in (irina, vera):
        await server.wait_for(feedback_to(person), timeout=10)
    await server.wait_idle()
    assert not [c for c in server.calls if c.method == "sendDocument"]


async def test_an_event_without_certificates_asks_feedback_but_gives_none(
    bot: RunningBot, server: StandInServer
) -> None:
    await import_events(bot.db, [seminar(certificates=False)], utcnow())
    irina = Person(server, 9301, "Ирина")
    await registered(bot, server, irina)
    await mark_came(bot.db, "kzn", irina.id)
    await start(bot, server)
    await server.wait_for(feedback_to(irina), timeout=10)
    await server.wait_idle()
    assert not [c for c in server.calls if c.method == "sendDocument"]
    reply = await irina.send("/my")
    assert not [b for b in reply.buttons if "Сертификат" in b]
    reply = await irina.click_data("ct1:kzn")  # a forged (or old) certificate button
    assert reply.alerts == [
        "Сертификата по этому мероприятию нет: он выдаётся тем, кто отмечен как присутствовавший."
    ]
    assert not reply.documents


async def test_my_gives_the_certificate_to_who_came_and_not_to_others(
    bot: RunningBot, server: StandInServer
) -> None:
    # Long past the feedback window: nothing is queued, /my is the way to the certificate.
    await import_events(bot.db, [seminar(starts_at=utcnow() - timedelta(days=10))], utcnow())
    irina = Person(server, 9401, "Ирина")
    vera = Person(server, 9402, "Вера")
    for person in (irina, vera):
        await registered(bot, server, person)
    odd_name = "Анна-Мария 👩‍🎓 Оглы-Кызы " + "Длиннаяфамилия " * 40
    await give_profile_name(bot.db, irina.id, odd_name)
    await mark_came(bot.db, "kzn", irina.id)
    await start(bot, server)

    reply = await irina.send("/my")
    assert f"🎓 Сертификат: {TITLE}" in reply.buttons
    reply = await irina.click("🎓 Сертификат")
    assert len(reply.documents) == 1
    text = text_of(reply.documents[0].content)
    assert "Анна-Мария" in text and "Оглы-Кызы" in text

    reply = await vera.send("/my")
    assert not [b for b in reply.buttons if "Сертификат" in b]
    reply = await vera.click_data("ct1:kzn")  # someone else's button: nothing to give
    assert reply.alerts and not reply.documents


@pytest.mark.parametrize(
    "name",
    [
        "",
        "🎉🎉🎉",
        "Ёлкина Жанна\u200dЮрьевна\x00\x07",
        "ا" * 50 + " 中文 " + "Ü" * 30,
        "Очень" * 2000,
        "Имя " * 500,
    ],
)
def test_any_name_makes_a_one_page_certificate(name: str) -> None:
    cert = Certificate(
        name=name,
        event_title="Круглый стол «Межнациональный мир» " * 3,
        date="15 декабря 2026",
        place="онлайн",
        programme="Программа поддержки этнокультурных НКО",
        heading="СЕРТИФИКАТ УЧАСТНИКА",
        confirms="подтверждает, что",
        took_part="принял(а) участие в мероприятии",
    )
    reader = PdfReader(io.BytesIO(render_pdf(cert)))
    assert len(reader.pages) == 1
    assert "СЕРТИФИКАТ УЧАСТНИКА" in reader.pages[0].extract_text()
