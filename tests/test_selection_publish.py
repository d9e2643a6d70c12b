"""Publishing a selection's decisions through the real bot and its delivery queue: from the
chat (asked once more, with the counts) and from ``python -m bot selection publish``, exactly
one message per applicant and nothing on a second publish; then the accepted confirm or
decline, seats not confirmed in time expire, and each freed seat goes down the reserve list in
order, every promoted person told with their own deadline. Old, doubled and other people's
buttons change nothing."""

from __future__ import annotations

import asyncio
import dataclasses
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest

from bot.config import Settings
from bot.i18n import translator
from bot.selection.confirm import ConfirmExpiry, expire_due
from bot.selection.decisions import decide
from bot.selection.publish import publish
from bot.timefmt import when
from storage.applications import AppStatus
from storage.db import to_db, utcnow
from storage.decisions import DecisionRepo
from storage.events import RegistrationRepo
from storage.models import EventStatus, RegStatus
from tests.support.broadcast import wait_until
from tests.support.coord import coordinator, open_event
from tests.support.people import Person
from tests.support.process import env_for, python_m_bot
from tests.support.running import RunningBot
from tests.support.selection_seed import APPLICANTS, EVENT, competition, selection_event
from tests.support.stand_in import StandInServer

pytestmark = pytest.mark.with_admin

NOTE = "Приходите на весенний вебинар <для всех>"


def sent(server: StandInServer) -> Counter[int]:
    """The news about the selection each applicant got (every such message names the event;
    the bot's answers to their presses and to /start do not)."""
    return Counter(
        c.chat_id
        for c in server.calls
        if c.ok
        and c.method == "sendMessage"
        and c.chat_id in APPLICANTS
        and "«ЭтНик: ресурсное сообщество»" in str(c.params.get("text", ""))
    )


async def wait_sent(server: StandInServer, expected: dict[int, int]) -> None:
    await wait_until(
        lambda: all(sent(server)[who] >= n for who, n in expected.items()),
        30,
        f"messages {expected}",
    )


async def outbox_rows(running: RunningBot) -> int:
    row = await running.db.fetchone("SELECT count(*) FROM outbox WHERE kind = 'selection'")
    assert row is not None
    return int(row[0])


async def statuses(running: RunningBot) -> dict[int, str]:
    return {
        a.participant_id: a.status.value for a in await DecisionRepo(running.db).applications(EVENT)
    }


async def applicants(server: StandInServer) -> dict[int, Person]:
    """The applicants, each having opened the chat with the bot (as they did to apply)."""
    people = {who: Person(server, who, f"Иван{who}") for who in APPLICANTS}
    for person in people.values():
        await person.send("/start")
    return people


async def test_publishing_from_the_chat_tells_each_applicant_once(
    running: RunningBot, server: StandInServer
) -> None:
    await running.add_events(selection_event())
    await competition(running.db)
    await running.db.conn.execute(
        "UPDATE participants SET timezone = 'Asia/Yekaterinburg' WHERE telegram_id = 5001"
    )
    await running.db.conn.commit()
    people = await applicants(server)
    ulyana = await coordinator(running, server)
    await open_event(ulyana, "ЭтНик")
    await ulyana.click("🏆 Отбор")
    reply = await ulyana.click("Опубликовать решения")
    assert "Принять лучших" in " ".join(reply.alerts)  # nothing decided yet: refused
    await ulyana.click("Принять лучших")
    await ulyana.click("5. Заявитель5 Иван")
    to_reserve = button_data(ulyana, "В резерв")  # kept for after publishing
    await ulyana.click("К отбору")
    await ulyana.click("Слова для не прошедших")
    reply = await ulyana.send(NOTE)
    assert "Текст сохранён" in reply.text

    reply = await ulyana.click("Опубликовать решения")
    assert "Сообщения получат 5 человек: принятые — 2, резерв — 2, не прошедшие — 1" in reply.text
    assert not sent(server)
    publish_yes = next(
        str(b["callback_data"])
        for row in (ulyana.last_message.inline_keyboard or [])  # type: ignore[union-attr]
        for b in row
        if "Да, опубликовать" in str(b.get("text"))
    )
    reply = await ulyana.click("Да, опубликовать")
    assert "Решения опубликованы: принято 2, резерв 2, не прошли 1" in reply.text
    assert "Сообщений в очереди на отправку: 5" in reply.text
    assert "Опубликовать решения" not in reply.buttons
    await wait_sent(server, dict.fromkeys(APPLICANTS, 1))

    first = people[5001].last_text
    assert "Вы прошли отбор на «ЭтНик: ресурсное сообщество»" in first
    app = next(
        a for a in await DecisionRepo(running.db).applications(EVENT) if a.participant_id == 5001
    )
    assert app.confirm_by is not None
    assert abs(app.confirm_by - (utcnow() + timedelta(days=5))) < timedelta(minutes=5)
    assert when(app.confirm_by, translator("ru"), "Asia/Yekaterinburg") in first
    assert "по вашему времени" in first
    message = people[5001].last_message
    assert message is not None
    labels = [b["text"] for row in (message.inline_keyboard or []) for b in row]
    assert labels == ["✅ Подтверждаю участие", "Не смогу"]
    assert "Вы в резерве, ваше место в списке: №1" in people[5003].last_text
    assert "№2" in people[5004].last_text
    rejected = people[5005].last_text
    assert "не прошла отбор" in rejected
    assert "Приходите на весенний вебинар <для всех>" in rejected  # escaped, shown as typed
    assert await statuses(running) == {
        5001: "accepted", 5002: "accepted", 5003: "reserve", 5004: "reserve", 5005: "rejected"
    }  # fmt: skip

    reply = await ulyana.click_data(publish_yes)  # the old button, pressed again
    assert "уже были опубликованы раньше" in reply.text
    reply = await ulyana.click_data(to_reserve)  # a decision changed after publishing
    assert "Решения уже опубликованы" in " ".join(reply.alerts)
    assert (await statuses(running))[5005] == "rejected"
    assert await outbox_rows(running) == 5
    await server.wait_idle()
    assert sent(server) == Counter(dict.fromkeys(APPLICANTS, 1))


async def run_cli(tmp_path: Path, settings: Settings, *args: str) -> tuple[int, str, str]:
    env = env_for(tmp_path, DATABASE_PATH=str(settings.database_path))
    process = await python_m_bot(tmp_path, "selection", *args, env=env)
    out, err = await asyncio.wait_for(process.communicate(), 60)
    return process.returncode or 0, out.decode(), err.decode()


async def test_publishing_from_the_command_line(
    running: RunningBot, server: StandInServer, tmp_path: Path
) -> None:
    await running.add_events(selection_event())
    await competition(running.db)
    await applicants(server)
    code, _, err = await run_cli(tmp_path, running.settings, "publish", "--event", EVENT)
    assert code == 1 and "run `selection decide` first" in err
    await decide(running.db, EVENT)
    code, out, err = await run_cli(tmp_path, running.settings, "publish", "--event", EVENT)
    assert code == 0, err
    assert "published: 2 accepted, 2 reserve, 1 rejected; 5 message(s) queued" in out
    await wait_sent(server, dict.fromkeys(APPLICANTS, 1))  # the running bot delivers them

    code, out, err = await run_cli(tmp_path, running.settings, "publish", "--event", EVENT)
    assert code == 0, err
    assert "published before; nothing sent again" in out
    assert await outbox_rows(running) == 5
    await server.wait_idle()
    assert sent(server) == Counter(dict.fromkeys(APPLICANTS, 1))


async def published(running: RunningBot, server: StandInServer) -> dict[int, Person]:
    """The competition decided with the defaults, published, and every message delivered."""
    await running.add_events(selection_event())
    await competition(running.db)
    people = await applicants(server)
    await decide(running.db, EVENT)
    await publish(running.db, EVENT, utcnow())
    running.dp["runtime"].sender.wake()
    await wait_sent(server, dict.fromkeys(APPLICANTS, 1))
    return people


def button_data(person: Person, label: str) -> str:
    for message in reversed(person.visible_messages):
        for row in message.inline_keyboard or []:
            for b in row:
                if label in str(b.get("text")):
                    return str(b["callback_data"])
    raise AssertionError(f"{person}: no button {label!r}")


async def test_decline_and_expiry_pass_the_seat_down_the_reserve_list(
    running: RunningBot, server: StandInServer
) -> None:
    people = await published(running, server)
    repo = DecisionRepo(running.db)

    # 5002 confirms: registered like anybody else; a second tap changes nothing
    confirm_2 = button_data(people[5002], "Подтверждаю участие")
    reply = await people[5002].click("Подтверждаю участие")
    assert "Участие подтверждено" in reply.text
    reply = await people[5002].click_data(confirm_2)
    assert "уже подтверждено" in " ".join(reply.alerts)
    registration = await RegistrationRepo(running.db).get(EVENT, 5002)
    assert registration is not None and registration.status is RegStatus.REGISTERED

    # 5001 declines (asked once more): the first on the reserve list, 5003, gets the seat
    decline_yes = await _decline(people[5001])
    assert "Жаль!" in people[5001].last_text
    await wait_sent(server, {5003: 2})
    promoted = people[5003].last_text
    assert "Освободилось место, и оно ваше" in promoted
    app_3 = next(a for a in await repo.applications(EVENT) if a.participant_id == 5003)
    assert app_3.status is AppStatus.ACCEPTED and app_3.confirm_by is not None
    assert when(app_3.confirm_by, translator("ru")) in promoted
    reply = await people[5001].click_data(decline_yes)  # a double tap
    assert "уже отказались" in " ".join(reply.alerts)
    assert (await statuses(running))[5004] == "reserve"

    # 5004 presses 5003's button (forwarded, or forged): not theirs, nothing changes
    confirm_3 = button_data(people[5003], "Подтверждаю участие")
    reply = await people[5004].click_data(confirm_3)
    assert "не для вас" in " ".join(reply.alerts)
    assert (await statuses(running))[5003] == "accepted"

    # 5003 lets the deadline pass: the scheduled job expires the seat and tells them; the next
    # on the reserve list, 5004, is in, with a deadline of their own
    async with running.db.transaction() as conn:
        await conn.execute(
            "UPDATE applications SET confirm_by = ? WHERE participant_id = 5003",
            (to_db(utcnow() - timedelta(minutes=1)),),
        )
    await ConfirmExpiry(running.dp["runtime"]).run()
    await wait_sent(server, {5003: 3, 5004: 2})
    assert "Срок подтверждения участия" in people[5003].last_text
    app_4 = next(a for a in await repo.applications(EVENT) if a.participant_id == 5004)
    assert app_4.confirm_by is not None and app_4.confirm_by > app_3.confirm_by
    assert abs(app_4.confirm_by - (utcnow() + timedelta(days=5))) < timedelta(minutes=5)
    assert when(app_4.confirm_by, translator("ru")) in people[5004].last_text
    reply = await people[5003].click_data(confirm_3)  # too late now
    assert "Срок подтверждения истёк" in " ".join(reply.alerts)
    assert await statuses(running) == {
        5001: "declined", 5002: "confirmed", 5003: "expired", 5004: "accepted", 5005: "rejected"
    }  # fmt: skip
    assert await expire_due(running.db, utcnow()) == 0  # nothing twice


async def _decline(person: Person) -> str:
    reply = await person.click("Не смогу")
    assert "Точно не сможете?" in reply.text
    data = button_data(person, "Да, отказываюсь")
    await person.click("Да, отказываюсь")
    return data


async def test_the_reserve_moves_in_order_when_seats_are_declined(
    running: RunningBot, server: StandInServer
) -> None:
    people = await published(running, server)
    await _decline(people[5001])
    await wait_sent(server, {5003: 2})
    await _decline(people[5002])
    await wait_sent(server, {5004: 2})
    assert "Освободилось место" in people[5004].last_text
    await _decline(people[5003])  # the reserve list is empty now: nobody else moves
    assert (await statuses(running))[5005] == "rejected"
    assert sent(server)[5005] == 1


async def test_others_replaying_an_applicants_buttons_learn_nothing(
    running: RunningBot, server: StandInServer, irina: Person
) -> None:
    people = await published(running, server)
    confirm_1 = button_data(people[5001], "Подтверждаю участие")
    decline_yes_2 = await _decline(people[5002])
    pavel = await coordinator(running, server, "pfo")
    for who in (irina, pavel, people[5005]):
        await who.send("/start")
        for data in (confirm_1, decline_yes_2):
            reply = await who.click_data(data)
            assert reply.answered
            assert not reply.messages, who
            alerts = " ".join(reply.alerts)
            assert "не для вас" in alerts
    assert (await statuses(running))[5001] == "accepted"
    assert await RegistrationRepo(running.db).get(EVENT, 5001) is None


async def test_delete_my_data_takes_the_application_its_reviews_and_queued_news(
    running: RunningBot, server: StandInServer
) -> None:
    """The rows of the decisions hang on the application, which hangs on the person: "Delete
    my data" removes them all; the news already sent keeps no trace of who it went to."""
    people = await published(running, server)
    await people[5002].click("Подтверждаю участие")
    await running.registration.erase_participant(5002)
    apps = {a.participant_id for a in await DecisionRepo(running.db).applications(EVENT)}
    assert 5002 not in apps and len(apps) == 4
    for sql in (
        "SELECT count(*) FROM reviews r LEFT JOIN applications a ON a.id = r.application_id "
        "WHERE a.id IS NULL",
        "SELECT count(*) FROM outbox WHERE chat_id = 5002",
        "SELECT count(*) FROM registrations WHERE participant_id = 5002",
        "SELECT count(*) FROM answers WHERE participant_id = 5002",
    ):
        row = await running.db.fetchone(sql)
        assert row is not None and row[0] == 0, sql


async def test_an_accepted_applicant_who_deletes_their_data_passes_the_seat_on(
    running: RunningBot, server: StandInServer
) -> None:
    """Withdrawing consent after confirming is a decline too: the seat is not left empty, the
    first on the reserve list gets it and is told (while the one who left is told nothing)."""
    people = await published(running, server)
    leaving = people[5002]
    await leaving.click("Подтверждаю участие")
    await leaving.send("/profile")
    await leaving.click("Удалить мои данные")
    reply = await leaving.click("Да, удалить всё")
    assert "Ваши данные удалены" in reply.text
    await wait_sent(server, {5003: 2})
    assert "Освободилось место" in people[5003].last_text
    now = await statuses(running)
    assert 5002 not in now and now[5003] == "accepted" and now[5004] == "reserve"
    assert sent(server)[5002] == 1  # only the decision, before
    assert await RegistrationRepo(running.db).get(EVENT, 5002) is None


async def test_no_answers_once_the_event_is_cancelled(
    running: RunningBot, server: StandInServer
) -> None:
    people = await published(running, server)
    event = selection_event()
    await running.add_events(dataclasses.replace(event, status=EventStatus.CANCELLED))
    reply = await people[5001].click("Подтверждаю участие")
    assert "больше не действует" in " ".join(reply.alerts)
    assert (await statuses(running))[5001] == "accepted"
    assert await RegistrationRepo(running.db).get(EVENT, 5001) is None
