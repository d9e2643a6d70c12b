"""Applying to a selection event (issue 9, items 1 and 6) through the stand-in Bot API server:
an application instead of a seat, a file answer, editing and withdrawing before the deadline,
refused after it, /my and the event card; erasure of applications."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from bot.config import Settings
from bot.registration.form import FileAnswer
from storage.applications import ApplicationRepo, AppStatus
from storage.db import utcnow
from storage.models import RegStatus
from tests.support.people import Person
from tests.support.running import RunningBot, fill_profile
from tests.support.selection import PDF, apply, selection_event
from tests.support.stand_in import StandInServer


async def test_applying_stores_an_application_with_its_file_and_takes_no_seat(
    running: RunningBot, irina: Person
) -> None:
    await running.add_events(selection_event())
    card = await irina.send("/events")
    assert any(b.startswith("🏅") for b in card.buttons)
    card = await irina.click(lambda text: "ЭтНик" in text)
    assert "Отбор: заявки до" in card.text and "мест 2" in card.text
    assert "📝 Подать заявку" in card.buttons
    reply = await apply(irina, project="Школа " + "родного языка " * 150)  # ~2,000 characters
    assert "Заявка на участие" in reply.text and "а не место" in reply.text
    stored = await ApplicationRepo(running.db).get("ethnic-2027", irina.id)
    assert stored is not None and stored.status is AppStatus.APPLIED
    assert await running.registration.registrations.get("ethnic-2027", irina.id) is None
    answers = await running.registration.participants.answers(irina.id, "ethnic-2027")
    assert len(answers["project"]) > 2000
    attached = FileAnswer.parse(answers["letter"])
    assert attached is not None and attached.name == f"letter-{irina.id}.pdf"
    assert attached.size == len(PDF) and attached.file_id
    my = await irina.send("/my")
    assert "Заявки на отбор" in my.text and "заявка подана" in my.text


async def test_a_wrong_file_type_or_text_for_a_file_gets_a_clear_answer(
    running: RunningBot, irina: Person
) -> None:
    await running.add_events(selection_event())
    await irina.send("/start ev_ethnic-2027")
    await fill_profile(irina)
    await irina.send("Проект")
    reply = await irina.send("вот письмо")
    assert "нужен файл" in reply.text
    reply = await irina.send_document(b"MZ...", "virus.exe", "application/x-msdownload")
    assert "PDF, DOC или DOCX" in reply.text
    reply = await irina.send_sticker()
    assert "нужен файл" in reply.text
    reply = await irina.send_document(b"docx", "письмо.docx")
    assert "Проверьте" in reply.text and "письмо.docx" in reply.text


async def test_a_file_over_20_mb_is_refused(running: RunningBot, irina: Person) -> None:
    await running.add_events(selection_event())
    await irina.send("/start ev_ethnic-2027")
    await fill_profile(irina)
    await irina.send("Проект")
    big = irina.server.store_file(b"x", "big.pdf", "application/pdf")
    document = {
        "file_id": big[0],
        "file_unique_id": big[1],
        "file_name": "big.pdf",
        "mime_type": "application/pdf",
        "file_size": 21 * 1024 * 1024,
    }
    reply = await irina._exchange(lambda: irina.server.message(irina.user, document=document))
    assert "не более 20 МБ" in reply.text


async def test_editing_and_withdrawing_before_the_deadline_and_applying_again(
    running: RunningBot, irina: Person
) -> None:
    await running.add_events(selection_event())
    await apply(irina)
    view = await irina.click("📄 Моя заявка")
    assert "Школа национальных языков" in view.text and f"letter-{irina.id}.pdf" in view.text
    summary = await irina.click("✏️ Изменить заявку")
    assert "Проверьте" in summary.text  # every answer is there: straight to the summary
    await irina.click("Исправить ответ")
    await irina.click(lambda text: "Опишите ваш проект" in text)
    await irina.send("Летняя школа этнокультурных лидеров")
    reply = await irina.click("Отправить заявку")
    assert "обновлена" in reply.text
    answers = await running.registration.participants.answers(irina.id, "ethnic-2027")
    assert answers["project"] == "Летняя школа этнокультурных лидеров"
    await irina.click("📄 Моя заявка")
    await irina.click("Отозвать заявку")
    reply = await irina.click("Да, отозвать")
    assert "отозвана" in reply.text
    stored = await ApplicationRepo(running.db).get("ethnic-2027", irina.id)
    assert stored is not None and stored.status is AppStatus.WITHDRAWN
    reply = await irina.send("/my")
    assert "заявка отозвана" in reply.text
    # Applying again: the answers are there, straight to the summary.
    await irina.send("/start ev_ethnic-2027")
    reply = await irina.click("Отправить заявку")
    assert "принята" in reply.text
    again = await ApplicationRepo(running.db).get("ethnic-2027", irina.id)
    assert again is not None and again.status is AppStatus.APPLIED
    assert again.submitted_at == stored.submitted_at  # the first submission breaks ties


async def test_after_the_deadline_editing_and_withdrawing_are_refused_politely(
    running: RunningBot, irina: Person
) -> None:
    await running.add_events(selection_event())
    await apply(irina)
    await irina.click("📄 Моя заявка")
    withdraw_data = next(
        b["callback_data"]
        for row in irina.messages[-1].inline_keyboard or []
        for b in row
        if b["text"] == "Отозвать заявку"
    )
    closed = replace(selection_event(), registration_deadline=utcnow() - timedelta(minutes=1))
    await running.add_events(closed)
    await irina.send("/my")
    card = await irina.click(lambda text: text.startswith("Заявка:"))
    assert "Приём заявок закрыт" not in card.text and "заявка подана" in card.text
    view = await irina.click("📄 Моя заявка")
    assert "изменить или отозвать заявку уже нельзя" in view.text
    assert "Отозвать заявку" not in view.buttons and "✏️ Изменить заявку" not in view.buttons
    reply = await irina.click_data(withdraw_data)  # the old button
    assert reply.alerts and "Приём заявок закрыт" in reply.alerts[0]
    reply = await irina.click_data(withdraw_data.replace("ap1:w", "ap1:y"))
    assert reply.alerts
    stored = await ApplicationRepo(running.db).get("ethnic-2027", irina.id)
    assert stored is not None and stored.status is AppStatus.APPLIED
    reply = await irina.send("/start ev_ethnic-2027")  # the card, no questionnaire
    assert "Приём заявок закрыт" in reply.text or "заявка подана" in reply.text
    assert "📝 Подать заявку" not in reply.buttons


async def test_an_ordinary_event_still_registers(running: RunningBot, irina: Person) -> None:
    """The branch for selection events leaves the others as they were."""
    from tests.support.running import make_event, sign_up

    await running.add_events(make_event())
    reply = await sign_up(irina)
    assert "Вы зарегистрированы" in reply.text
    reg = await running.registration.registrations.get("ufo-online", irina.id)
    assert reg is not None and reg.status is RegStatus.REGISTERED


async def test_erasure_removes_the_application_its_file_reference_and_its_reviews(
    running: RunningBot, settings: Settings, server: StandInServer
) -> None:
    person = Person(server, 7101, "Земфира")
    await running.add_events(selection_event(deadline_in=timedelta(days=3)))
    await apply(person, project="Проект про лазоревых журавлей")
    application = await ApplicationRepo(running.db).get("ethnic-2027", person.id)
    assert application is not None
    answers = await running.registration.participants.answers(person.id, "ethnic-2027")
    file_id = FileAnswer.parse(answers["letter"]).file_id  # type: ignore[union-attr]
    async with running.db.transaction() as conn:
        await conn.execute(
            "INSERT INTO reviews (application_id, expert_id, scores, comment, created_at, "
            "updated_at) VALUES (?, 555, '{}', 'про журавлей хорошо', ?, ?)",
            (application.id, "2026-01-01", "2026-01-01"),
        )
    db_file = Path(settings.database_path)
    wal_file = db_file.with_name(db_file.name + "-wal")

    def contents() -> bytes:
        return db_file.read_bytes() + (wal_file.read_bytes() if wal_file.exists() else b"")

    strings = ["лазоревых журавлей", file_id, f"letter-{person.id}.pdf", "про журавлей хорошо"]
    assert all(s.encode() in contents() for s in strings), "the check would prove nothing"
    await person.send("/profile")
    await person.click(lambda text: "🗑" in text)
    reply = await person.click("Да, удалить всё")
    assert "заявки на отбор (1)" in reply.text
    after = contents()
    assert [s for s in strings if s.encode() in after] == []
    assert await ApplicationRepo(running.db).get("ethnic-2027", person.id) is None


async def test_a_change_from_the_chat_keeps_the_selection_block(running: RunningBot) -> None:
    """Regression: EventDesk.change rebuilt the event without its selection block, so
    changing a selection event's title in /coord turned it into an ordinary event."""
    from bot.events.input import EventField
    from bot.staff.coordination import EventDesk
    from storage.events import EventRepo

    event = selection_event()
    await running.add_events(event)
    await EventDesk(running.db).change(event, EventField.TITLE, "ЭтНик-2027", utcnow())
    stored = await EventRepo(running.db).get(event.id)
    assert stored is not None and stored.title == "ЭтНик-2027"
    assert stored.selection is not None and event.selection is not None
    assert stored.selection["criteria"] == event.selection["criteria"]
    assert stored.selection["seats"] == event.selection["seats"]
