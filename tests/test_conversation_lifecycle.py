"""Restarts mid-dialog, /cancel, profile editing and erasure, lists, language."""

from __future__ import annotations

from datetime import timedelta

from bot.config import Settings
from tests.support.people import Person, send_each
from tests.support.running import (
    RunningBot,
    answer_profile,
    fill_profile,
    make_event,
    polling,
    sign_up,
    start_questions,
)
from tests.support.stand_in import StandInServer

# the answers typed after the role, in the forms a person types them
TYPED = {"region": "Свердловская", "phone": "+7 912 345 67 89", "email": "irina@example.ru"}


async def test_restart_in_the_middle_of_the_questionnaire(
    running: RunningBot, settings: Settings, server: StandInServer, irina: Person
) -> None:
    await start_questions(running, irina, "Иванова Ирина Петровна", "АНО «Дом дружбы»")
    await running.stop()

    async with polling(settings, server):
        reply = await irina.send("Председатель")  # the answer to the question asked before
        assert "Кем вы участвуете" in reply.text
        reply = await answer_profile(irina, {"role": "Активист", **TYPED}, first="role")
        assert "Иванова Ирина Петровна" in reply.text and "АНО «Дом дружбы»" in reply.text
        reply = await irina.click("Подтвердить")
        assert "Вы зарегистрированы" in reply.text


async def test_start_offers_to_resume_and_old_question_buttons_work_after_restart(
    running: RunningBot, settings: Settings, server: StandInServer, irina: Person
) -> None:
    await start_questions(running, irina, "Иванова Ирина", "НКО", "Председатель")
    await running.stop()
    async with polling(settings, server):
        reply = await irina.send("/start")
        assert "▶️ Продолжить регистрацию" in reply.buttons
        reply = await irina.click("Продолжить регистрацию")
        assert "Кем вы участвуете" in reply.text
        # the role buttons from before the restart still answer the same question
        role_messages = [m for m in irina.messages if "Кем вы участвуете" in m.text]
        reply = await irina.click("Эксперт", message_id=role_messages[0].message_id)
        assert "Из какого вы региона?" in reply.text


async def test_cancel_keeps_typed_answers_for_next_time(running: RunningBot, irina: Person) -> None:
    await start_questions(running, irina, "Иванова Ирина", "НКО «Родник»")
    reply = await irina.send("/cancel")
    assert "прервано" in reply.text and "сохранены" in reply.text
    reply = await irina.send("Председатель")  # no dialog now: the menu, not an answer
    assert "Я понимаю кнопки меню" in reply.text
    reply = await irina.send("/start ev_ufo-online")
    assert "Какая ваша должность" in reply.text or "Ваша должность" in reply.text
    answers = {"role": "Активист", **TYPED, "region": "Татарстан", "email": "i@example.ru"}
    reply = await answer_profile(irina, answers, first="position")
    assert "Иванова Ирина" in reply.text and "НКО «Родник»" in reply.text
    reply = await irina.send("/cancel")
    reply = await irina.send("/cancel")
    assert "нечего отменять" in reply.text


async def test_profile_view_edit_and_delete(
    running: RunningBot, server: StandInServer, irina: Person
) -> None:
    await running.add_events(make_event("full", capacity=1))
    reply = await irina.send("/profile")
    assert "Профиль пока не заполнен" in reply.text
    await sign_up(irina, "full")
    boris = Person(server, 1500, "Борис")
    await boris.send("/start ev_full")
    await fill_profile(boris, {"full_name": "Борисов Борис"})
    assert "лист ожидания" in (await boris.click("Подтвердить")).text

    reply = await irina.send("/profile")
    assert "Иванова Ирина Петровна" in reply.text and "Согласие" in reply.text
    await irina.click("Изменить ответ")
    reply = await irina.click("E-mail")
    assert "электронной почты" in reply.text
    reply = await irina.send("new@example.ru")
    assert "new@example.ru" in reply.text and "сохранено" in reply.text
    assert (await running.registration.participants.answers(irina.id))["email"] == "new@example.ru"

    await irina.send("/profile")
    reply = await irina.click("Удалить мои данные")
    assert "152-ФЗ" in reply.text
    since = len(server.calls)
    reply = await irina.click("Да, удалить всё")
    assert "удалены" in reply.text
    assert await running.registration.participants.answers(irina.id) == {}
    assert await running.registration.registrations.get("full", irina.id) is None
    # the freed seat went to Boris, who is told
    await server.wait_for(
        lambda c: c.chat_id == boris.id and "Освободилось место" in str(c.params.get("text")),
        since=since,
    )
    reg = await running.registration.registrations.get("full", boris.id)
    assert reg is not None and reg.status == "registered"


async def test_events_list_pages_and_own_district_first(running: RunningBot, irina: Person) -> None:
    districts = ["cfo", "szfo", "yufo", "skfo", "pfo", "ufo", "sfo", "dfo"]
    await running.add_events(
        *[
            make_event(
                f"online-{d}",
                title=f"Онлайн-сессия {d.upper()}",
                district=d,
                starts_in=timedelta(days=3 + i),
            )
            for i, d in enumerate(districts)
        ],
        make_event(
            "seminar",
            title="Семинар",
            kind="seminar",
            district=None,
            online_url=None,
            location="Москва",
            starts_in=timedelta(days=20),
        ),
    )
    await irina.send("/start ev_online-cfo")
    await fill_profile(irina, {"region": "Хабаровский"})  # ДФО
    await irina.click("Подтвердить")
    reply = await irina.send("/events")
    assert "стр. 1 из 2" in reply.text
    assert "Онлайн-сессия DFO" in reply.buttons[0]  # own district first
    assert "Семинар" in reply.buttons[1]  # then programme-wide events
    reply = await irina.click("Дальше")
    assert "стр. 2 из 2" in reply.text
    reply = await irina.click("Онлайн-сессия SFO")
    assert "Онлайн-сессия SFO" in reply.text
    assert "МСК" in reply.text and "по вашему времени" in reply.text
    assert "✍️ Зарегистрироваться" in reply.buttons
    reply = await irina.click("К списку мероприятий")
    assert "стр. 1 из 2" in reply.text


async def test_language_switch_and_english_texts(running: RunningBot, irina: Person) -> None:
    reply = await irina.send("/language")
    assert reply.buttons == ["Русский", "English"]
    reply = await irina.click("English")
    assert "English" in reply.text
    await send_each(irina, [("/help", "How to use the bot"), ("/start", "Hello, Ирина")])


async def test_my_lists_upcoming_with_status(running: RunningBot, irina: Person) -> None:
    await running.add_events(
        make_event("a", title="Сессия А"), make_event("b", title="Сессия Б", capacity=1)
    )
    reply = await irina.send("/my")
    assert "нет регистраций" in reply.text
    await sign_up(irina, "a")
    reply = await irina.send("/my")
    assert "Сессия А" in reply.text and "(зарегистрированы)" in reply.text
    assert any("Отменить: Сессия А" in b for b in reply.buttons)
