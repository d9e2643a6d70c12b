"""Once a registration is committed, what follows (the calendar file, the reminders, the
promotions) may fail without the person being told the registration failed."""

from __future__ import annotations

from datetime import timedelta

from tests.support.people import Person, Reply
from tests.support.running import RunningBot, fill_profile, make_event
from tests.support.stand_in import StandInServer


async def reminder_rows(running: RunningBot, chat_id: int) -> list[str]:
    rows = await running.db.fetchall(
        "SELECT dedup_key FROM outbox WHERE kind = 'reminder' AND chat_id = ?", (chat_id,)
    )
    return [str(row[0]) for row in rows]


async def confirm_while_failing(
    running: RunningBot, server: StandInServer, person: Person, method: str
) -> Reply:
    """The person confirms a session starting in 30 minutes (the 1-hour reminder is due at once,
    bot/delivery/reminders.py) while every attempt of the polling bot's retries (4 attempts,
    bot/telegram.py) to call ``method`` fails; the reply to the confirmation is returned."""
    await running.add_events(make_event(starts_in=timedelta(minutes=30)))
    await person.send("/start ev_ufo-online")
    await fill_profile(person)
    server.server_error(method, times=4)
    return await person.click("Подтвердить")


async def test_a_failed_calendar_file_after_a_saved_registration_is_not_a_failed_registration(
    running: RunningBot, server: StandInServer, irina: Person
) -> None:
    reply = await confirm_while_failing(running, server, irina, "sendDocument")
    assert "Вы зарегистрированы" in reply.text
    assert "что-то пошло не так" not in reply.text
    assert "Календарь-файл не удалось отправить. Он доступен в /my" in reply.text
    assert reply.documents == []
    reg = await running.registration.registrations.get("ufo-online", irina.id)
    assert reg is not None and reg.status == "registered"
    assert len(await reminder_rows(running, irina.id)) == 1  # the planner ran
    await server.wait_for(
        lambda c: c.ok and c.chat_id == irina.id and "Напоминание" in str(c.params.get("text"))
    )
    # /my offers the file, as the message says.
    my = (await irina.send("/my")).last.result["message_id"]
    card = await irina.click(
        lambda b: b.endswith("· Онлайн стратегическая сессия УФО"), message_id=my
    )
    reply = await irina.click("📆 Добавить в календарь", message_id=card.last.result["message_id"])
    [ics] = reply.documents
    assert ics.filename == "ufo-online.ics"


async def test_a_failed_confirmation_message_still_plans_the_reminders(
    running: RunningBot, server: StandInServer, irina: Person
) -> None:
    reply = await confirm_while_failing(running, server, irina, "sendMessage")
    assert "что-то пошло не так" not in reply.text
    [ics] = reply.documents  # the steps after the failed one still run
    assert ics.filename == "ufo-online.ics"
    assert len(await reminder_rows(running, irina.id)) == 1
