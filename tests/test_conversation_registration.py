"""Whole registrations played through the stand-in Bot API server."""

from __future__ import annotations

from datetime import timedelta

from tests.support.people import Person, send_each
from tests.support.running import (
    PROFILE_ANSWERS,
    RunningBot,
    fill_profile,
    make_event,
    sign_up,
    to_summary,
)
from tests.support.stand_in import StandInServer


async def test_start_shows_welcome_and_menu(running: RunningBot, irina: Person) -> None:
    reply = await irina.send("/start")
    assert "Здравствуйте, Ирина" in reply.text
    assert reply.buttons == [
        "📅 Ближайшие мероприятия",
        "📝 Мои регистрации",
        "👤 Профиль",
        "❓ Помощь",
    ]


async def test_commands_registered_per_language(running: RunningBot, server: StandInServer) -> None:
    ru = server.commands(language_code="ru")
    en = server.commands(language_code="en")
    assert [c["command"] for c in ru] == [c["command"] for c in en]
    assert {"start", "events", "my", "profile", "language", "help", "cancel"} <= {
        c["command"] for c in ru
    }
    assert ru[0]["description"] != en[0]["description"]


async def test_full_registration_by_deep_link(
    running: RunningBot, server: StandInServer, irina: Person
) -> None:
    await running.add_events(make_event())
    reply = await irina.send("/start ev_ufo-online")
    assert "Онлайн стратегическая сессия УФО" in reply.text
    assert "152-ФЗ" in reply.text
    assert reply.buttons[:2] == ["✅ Согласен(на)", "Не согласен(на)"]
    await fill_profile(irina)
    summary = irina.last_text
    for part in ("Проверьте", "Иванова Ирина Петровна", "Свердловская область", "+7 912 345-67-89"):
        assert part in summary, part
    reply = await irina.click("Подтвердить")
    assert "Вы зарегистрированы" in reply.text
    assert "https://meet.example.org/ufo" in reply.text
    assert "МСК" in reply.text and "по вашему времени" in reply.text  # Yekaterinburg is +2
    [ics] = reply.documents
    assert ics.filename == "ufo-online.ics"
    assert b"BEGIN:VEVENT" in ics.content and b"SUMMARY:" in ics.content
    reg = await running.registration.registrations.get("ufo-online", irina.id)
    assert reg is not None and reg.status == "registered"
    stored = await running.registration.participants.answers(irina.id)
    assert stored["phone"] == "+79123456789"
    assert stored["region"] == "RU-SVE"
    person = await running.registration.participants.get(irina.id)
    assert person is not None and person.consent_version == "2026-11-01"
    assert person.district == "ufo" and person.timezone == "Asia/Yekaterinburg"


async def test_second_event_asks_only_its_own_questions(running: RunningBot, irina: Person) -> None:
    seminar = make_event(
        "sem-1",
        title="Семинар в Тюмени",
        kind="seminar",
        location="Тюмень, ул. Республики, 1",
        online_url=None,
        questions=[
            {
                "id": "topic",
                "type": "text",
                "prompt": {"ru": "Какая тема вам интересна?", "en": "Which topic?"},
            },
            {
                "id": "lunch",
                "type": "choice",
                "required": False,
                "prompt": "Нужен ли обед?",
                "options": [
                    {"id": "yes", "label": {"ru": "Да", "en": "Yes"}},
                    {"id": "no", "label": {"ru": "Нет", "en": "No"}},
                ],
            },
        ],
    )
    await running.add_events(make_event(), seminar)
    await sign_up(irina)
    reply = await irina.send("/start ev_sem-1")
    assert "анкета уже заполнена" in reply.text
    assert "Какая тема вам интересна?" in reply.text
    assert "Согласен" not in " ".join(reply.buttons)
    await irina.send("Поддержка родных языков")
    reply = await irina.click("Пропустить")
    assert "Проверьте" in irina.last_text
    assert "Поддержка родных языков" in irina.last_text
    reply = await irina.click("Подтвердить")
    assert "Вы зарегистрированы" in reply.text
    assert "Тюмень, ул. Республики, 1" in reply.text
    own = await running.registration.participants.answers(irina.id, "sem-1")
    assert own == {"topic": "Поддержка родных языков", "lunch": ""}


async def test_registering_twice_is_harmless(running: RunningBot, irina: Person) -> None:
    await to_summary(running, irina)
    first = await irina.click("Подтвердить")
    assert "Вы зарегистрированы" in first.text
    # the old Confirm button pressed again (a double tap)
    summary_id = [m for m in irina.messages if "Проверьте" in m.text][-1].message_id
    data = "sm1:c:ufo-online:"
    again = await irina.click_data(data, message_id=summary_id)
    assert again.alerts == ["Вы уже зарегистрированы — всё в порядке."]
    reply = await irina.send("/start ev_ufo-online")
    assert "Вы зарегистрированы" in reply.text
    regs = await running.registration.registrations.of_event("ufo-online")
    assert len(regs) == 1


async def test_edit_an_answer_from_the_summary(running: RunningBot, irina: Person) -> None:
    await to_summary(running, irina)
    reply = await irina.click("Исправить ответ")
    assert "Организация" in reply.buttons
    reply = await irina.click("Организация")
    assert "Какую организацию" in reply.text
    reply = await irina.send("НКО «Новая»")
    assert "Проверьте" in reply.text and "НКО «Новая»" in reply.text
    await irina.click("Подтвердить")
    stored = await running.registration.participants.answers(irina.id)
    assert stored["organization"] == "НКО «Новая»"


async def test_declining_consent_stops_politely_and_keeps_nothing(
    running: RunningBot, irina: Person
) -> None:
    await running.add_events(make_event())
    await irina.send("/start ev_ufo-online")
    reply = await irina.click("Не согласен")
    assert "Без согласия" in reply.text
    reply = await irina.send("Иванова Ирина")
    assert "Проверьте" not in reply.text
    assert await running.registration.participants.answers(irina.id) == {}
    assert await running.registration.registrations.get("ufo-online", irina.id) is None


async def test_closed_registration_is_refused_with_reason(
    running: RunningBot, irina: Person
) -> None:
    await running.add_events(
        make_event("late", deadline_in=timedelta(seconds=-1)),
        make_event("gone", starts_in=timedelta(hours=-1)),
        make_event("off", status="cancelled"),  # type: ignore[arg-type]
    )
    reply = await irina.send("/start ev_late")
    assert "Регистрация на это мероприятие уже закончилась" in reply.text
    assert "✍️ Зарегистрироваться" not in reply.buttons
    await send_each(
        irina,
        [
            ("/start ev_gone", "уже началось"),
            ("/start ev_off", "отменено"),
            ("/start ev_nonexistent", "такого мероприятия нет"),
        ],
    )


async def test_english_participant(running: RunningBot, john: Person) -> None:
    await running.add_events(make_event())
    reply = await john.send("/start")
    assert "Hello, John" in reply.text
    reply = await john.send("/start ev_ufo-online")
    assert "consent" in reply.text
    await fill_profile(
        john, {"role": "NGO leader", "region": "Tatarstan", "phone": "+44 20 7946 0958"}
    )
    assert "Republic of Tatarstan" in john.last_text or "Tatarstan" in john.last_text
    reply = await john.click("Confirm")
    assert "You are registered" in reply.text
    assert (
        PROFILE_ANSWERS["full_name"]
        in (await running.registration.participants.answers(john.id))["full_name"]
    )


async def test_cancelled_event_card_hides_the_link_from_registered_people(
    running: RunningBot, irina: Person
) -> None:
    await running.add_events(make_event())
    await sign_up(irina)
    await running.add_events(make_event(status="cancelled"))  # type: ignore[arg-type]
    reply = await irina.send("/start ev_ufo-online")
    assert "Мероприятие отменено" in reply.text
    assert "https://meet.example.org/ufo" not in reply.text
    assert "📆 Добавить в календарь" not in reply.buttons
