"""Telegram answering 429, 5xx and 403 while the bot replies."""

from __future__ import annotations

from tests.support.people import Person
from tests.support.running import RunningBot, start_questions
from tests.support.stand_in import StandInServer


async def test_429_on_a_reply_is_waited_out_and_the_reply_arrives(
    running: RunningBot, server: StandInServer, irina: Person
) -> None:
    server.too_many_requests("sendMessage", chat_id=irina.id)
    reply = await irina.send("/start")
    assert "Здравствуйте" in reply.text
    refused = [c for c in reply.calls if not c.ok]
    assert [c.error_code for c in refused] == [429]
    ok = [c for c in reply.calls if c.ok and c.method == "sendMessage"]
    assert ok[0].at - refused[0].at >= 0.9  # it waited retry_after before sending again


async def test_5xx_is_retried(running: RunningBot, server: StandInServer, irina: Person) -> None:
    server.fail("sendMessage", error_code=502, description="Bad Gateway", times=2, chat_id=irina.id)
    reply = await irina.send("/help")
    assert "Как пользоваться ботом" in reply.text
    assert [c.error_code for c in reply.calls if not c.ok] == [502, 502]


async def test_blocked_user_is_marked_unreachable_then_back(
    running: RunningBot, server: StandInServer, irina: Person
) -> None:
    await irina.send("/start")
    server.block(irina.id)
    reply = await irina.send("/help")
    assert [c.error_code for c in reply.calls] == [403]
    person = await running.registration.participants.get(irina.id)
    assert person is not None and person.unreachable_since is not None
    server.unblock(irina.id)
    reply = await irina.send("/help")
    assert "Как пользоваться ботом" in reply.text
    person = await running.registration.participants.get(irina.id)
    assert person is not None and person.unreachable_since is None


async def test_persistent_server_error_tells_the_person_kindly(
    running: RunningBot, server: StandInServer, irina: Person
) -> None:
    server.server_error("sendMessage", times=4, chat_id=irina.id)
    reply = await irina.send("/help")
    # four failures exhaust the retries; the error handler apologises (fifth call succeeds)
    assert "что-то пошло не так" in reply.text


async def test_the_apology_claims_answers_kept_only_to_someone_in_a_dialog(
    running: RunningBot, server: StandInServer, irina: Person
) -> None:
    """Regression: the apology said "Ваши ответы сохранены" to people who had typed nothing
    (before consent the bot keeps nothing)."""
    server.server_error("sendMessage", times=4)
    reply = await irina.send("/help")
    assert "что-то пошло не так" in reply.text
    assert "сохранено" not in reply.text and "сохранены" not in reply.text

    await start_questions(running, irina)
    server.server_error("sendMessage", times=4)
    reply = await irina.send("Иванова Ирина Петровна")
    assert "Введённое ранее сохранено" in reply.text
