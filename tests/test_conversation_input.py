"""Bad input of every kind gets a clear answer and loses nothing."""

from __future__ import annotations

from tests.support.people import Person, send_each
from tests.support.running import RunningBot, make_event, start_questions
from tests.support.stand_in import StandInServer


async def test_html_and_script_in_answers_are_shown_as_typed(
    running: RunningBot, irina: Person, server: StandInServer
) -> None:
    await start_questions(
        running,
        irina,
        "<script>alert(1)</script> & <b>Ирина</b>",
        "Robert'); DROP TABLE participants;--",
        "Председатель 🌍🎉",
    )
    await irina.click("Эксперт")
    await irina.send("смоленск")
    await irina.send("+7 912 345 67 89")
    await irina.send("irina@example.ru")
    summary = irina.last_message
    assert summary is not None
    assert "<script>alert(1)</script> & <b>Ирина</b>" in summary.text  # shown literally
    assert "&lt;script&gt;" in summary.html  # escaped in what was sent
    assert "DROP TABLE participants" in summary.text
    assert "🌍🎉" in summary.text
    assert "Смоленская область" in summary.text
    reply = await irina.click("Подтвердить")
    assert "Вы зарегистрированы" in reply.text
    stored = await running.registration.participants.answers(irina.id)
    assert stored["full_name"] == "<script>alert(1)</script> & <b>Ирина</b>"
    assert stored["organization"] == "Robert'); DROP TABLE participants;--"
    assert await running.registration.participants.count() == 1
    assert not [c for c in server.calls if not c.ok]  # Telegram refused nothing


async def test_overlong_empty_and_wrong_types_repeat_the_question(
    running: RunningBot, irina: Person
) -> None:
    await start_questions(running, irina)
    reply = await irina.send("я" * 5000)
    assert "слишком длинный" in reply.text and "200" in reply.text
    assert "Как вас зовут?" in reply.text  # the question again
    for action in (irina.send_sticker(), irina.send_photo(), irina.send_voice()):
        reply = await action
        assert "Я жду ответ текстом" in reply.text
        assert "Как вас зовут?" in reply.text
    await send_each(
        irina,
        [
            ("   ", "Как вас зовут?"),
            ("/unknown", "Такой команды нет"),
            ("Иванова Ирина", "Какую организацию"),
        ],
    )


async def test_choice_typed_region_ambiguous_phone_email(
    running: RunningBot, irina: Person
) -> None:
    await start_questions(running, irina, "Иванова Ирина", "НКО", "Председатель")
    reply = await irina.send("Космонавт")
    assert "Такого варианта нет" in reply.text
    reply = await irina.send("эксперт")  # typed label, any case
    assert "Из какого вы региона?" in reply.text
    reply = await irina.send("моск")
    assert "несколько регионов" in reply.text
    assert set(reply.buttons) >= {"Москва", "Московская область"}
    reply = await irina.click("Московская область")
    assert "телефон" in reply.text
    assert "📱 Отправить мой номер" in reply.reply_buttons
    reply = await irina.send("12345")
    assert "Не похоже на номер телефона" in reply.text
    reply = await irina.send_contact("+79990001122", user_id=9999)  # someone else's card
    assert "чужой контакт" in reply.text
    reply = await irina.reply_button("📱 Отправить мой номер", phone="79161234567")
    assert "+7 916 123-45-67" in reply.text
    reply = await irina.send("not-an-email")
    assert "Не похоже на адрес электронной почты" in reply.text
    reply = await irina.send("Irina@Example.RU")
    assert "Проверьте" in reply.text
    stored_summary = irina.last_text
    assert "Московская область" in stored_summary and "+7 916 123-45-67" in stored_summary


async def test_region_by_district_buttons(running: RunningBot, irina: Person) -> None:
    await start_questions(running, irina, "Иванова Ирина", "НКО", "Председатель")
    offered = [
        (await irina.click(b)).buttons for b in ("Эксперт", "Дальневосточный", "Другой округ")
    ]
    assert "Дальневосточный" in offered[0]
    assert "Камчатский край" in offered[1]
    assert "Северо-Западный" in offered[2]
    await irina.click("Дальневосточный")
    reply = await irina.click("Камчатский край")
    assert "телефон" in reply.text
    await irina.send("+7 914 000 00 00")
    await irina.send("kam@example.ru")
    assert "Камчатский край" in irina.last_text
    await irina.click("Подтвердить")
    person = await running.registration.participants.get(irina.id)
    assert person is not None and person.timezone == "Asia/Kamchatka"
    reply = await irina.send("/my")
    assert "Онлайн стратегическая сессия УФО" in reply.text


async def test_forged_and_old_buttons_are_explained(running: RunningBot, irina: Person) -> None:
    await running.add_events(make_event())
    await irina.send("/start")
    cases = {
        "xx9:whatever": "Эта кнопка устарела",
        "ev1:o:no-such-event": "Этого мероприятия больше нет",
        "ev1:r:no-such-event": "Этого мероприятия больше нет",
        "ev1:z:ufo-online": "Эта кнопка устарела",  # unknown action
        "an1:p.full_name:o:x": "уже отвеченному вопросу",
        "sm1:c:ufo-online:": "Эта кнопка устарела",
        "pf1:y:": "ничего не хранится",
        "lg1:de": "Эта кнопка устарела",
        "ev1:i:ufo-online": "после регистрации",  # the calendar file carries the link
        "pg1:999": "",
    }
    for data, expected in cases.items():
        reply = await irina.click_data(data)
        assert reply.answered, data
        if expected:
            assert any(expected in a for a in reply.alerts), (data, reply.alerts)
    # page 999 is clamped to the last page, not an error
    assert "Ближайшие мероприятия" in irina.last_text


async def test_answers_by_button_while_another_question_is_asked(
    running: RunningBot, irina: Person
) -> None:
    await start_questions(running, irina)
    consent_msg = next(m for m in irina.messages if "152-ФЗ" in m.text)
    # the consent buttons were removed once answered; a replay of the old data is refused
    reply = await irina.click_data("an1:p.consent:y:", message_id=consent_msg.message_id)
    assert any("уже отвеченному" in a for a in reply.alerts)
    # an option id that does not exist on the current question
    for text in ["Иванова Ирина", "НКО", "Председатель"]:
        await irina.send(text)
    reply = await irina.click_data("an1:p.role:o:astronaut")
    assert any("уже отвеченному" in a for a in reply.alerts)
    reply = await irina.click_data("an1:p.role:r:RU-MOW")  # a region on a choice question
    assert any("уже отвеченному" in a for a in reply.alerts)
    reply = await irina.click("Эксперт")
    assert "Из какого вы региона?" in reply.text
    await fill_rest(irina)


async def fill_rest(person: Person) -> None:
    await person.send("Татарстан")
    await person.send("+7 912 000 00 00")
    await person.send("a@example.ru")
    assert "Проверьте" in person.last_text
