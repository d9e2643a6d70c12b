"""Issue 10, check-in by personal QR: the registration confirmation and /my give an in-person
participant a QR code (read here with a real QR reader) of a signed deep link; staff with the
event in scope mark the person by opening it, anyone else marks nothing, a forged or altered
link is refused."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from bot.attendance import tokens
from bot.config import Settings
from tests.support.checkin import marked_ids, marks, payload_of, read_qr, seminar
from tests.support.coord import BOT_LINK, coordinator, register, staff
from tests.support.people import Person
from tests.support.running import RunningBot, make_event, sign_up
from tests.support.stand_in import StandInServer

pytestmark = pytest.mark.with_admin

PAYLOAD = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


async def signed_up_with_qr(running: RunningBot, irina: Person) -> str:
    """Irina registers for the seminar in the chat; the payload of the QR she got."""
    await running.add_events(seminar())
    reply = await sign_up(irina, "ufo-seminar")
    assert "Вы зарегистрированы" in reply.text, reply.text
    assert len(reply.photos) == 1, reply.texts
    payload = payload_of(read_qr(reply.photos[0]))
    assert PAYLOAD.match(payload) and payload.startswith("ci_"), payload
    return payload


async def test_the_confirmation_qr_checks_in_when_the_coordinator_scans_it(
    running: RunningBot, server: StandInServer, irina: Person
) -> None:
    ulyana = await coordinator(running, server)
    payload = await signed_up_with_qr(running, irina)
    await register(running, 5001, "ufo-seminar", name="Петров Пётр Ильич")

    first = await ulyana.send(f"/start {payload}")
    assert first.text == "✅ Иванова Ирина Петровна — отмечена, 1 из 2", first.text
    [mark] = await marks(running, "ufo-seminar")
    assert (mark.participant_id, mark.method, mark.checked_in_by) == (irina.id, "qr", ulyana.id)

    again = await ulyana.send(f"/start {payload}")
    local = mark.checked_in_at.astimezone(running.settings.zone).strftime("%H:%M")
    assert again.text == f"☑️ Иванова Ирина Петровна — уже отмечена в {local}", again.text
    assert len(await marks(running, "ufo-seminar")) == 1


async def test_anyone_else_who_opens_it_marks_nothing(
    running: RunningBot, server: StandInServer, irina: Person, john: Person
) -> None:
    await coordinator(running, server)
    payload = await signed_up_with_qr(running, irina)
    pavel = staff(server)["pfo"]  # a coordinator of another district
    for person in (irina, john, pavel):
        reply = await person.send(f"/start {payload}")
        assert "Покажите его на входе" in reply.text or "Show it at the door" in reply.text
        assert "Иванова" not in reply.text  # who it is stays unsaid
    assert await marks(running, "ufo-seminar") == []


async def test_a_forged_or_altered_link_is_refused(
    running: RunningBot, server: StandInServer, irina: Person
) -> None:
    ulyana = await coordinator(running, server)
    payload = await signed_up_with_qr(running, irina)
    await register(running, 5001, "ufo-seminar", name="Петров Пётр Ильич")
    prefix, ref, person, mac = payload.split("_", 3)
    assert running.settings.bot_token is not None
    token = running.settings.bot_token.get_secret_value()
    other_mac = ("A" if mac[0] != "A" else "B") + mac[1:]
    forged = [
        f"{prefix}_{ref}_{person}_{other_mac}",  # the MAC altered
        f"{prefix}_{ref}_{tokens._base36(5001)}_{mac}",  # someone else with Irina's MAC
        f"{prefix}_{'0' * 8}_{person}_{mac}",  # another event
        "ci_garbage",
        # signed with the bot token itself instead of the key derived from it
        tokens.personal_payload(token.encode(), "ufo-seminar", irina.id),
    ]
    for link in forged:
        reply = await ulyana.send(f"/start {link}")
        assert "не подходит" in reply.text, (link, reply.text)
    assert await marks(running, "ufo-seminar") == []


async def test_my_gives_the_same_qr_again(
    running: RunningBot, server: StandInServer, irina: Person
) -> None:
    payload = await signed_up_with_qr(running, irina)
    # The seminar starts in half an hour, so its reminder may arrive at any moment: tap the
    # button on the /my answer itself, not on whatever came last.
    my = (await irina.send("/my")).last.result["message_id"]
    reply = await irina.click(lambda b: b.startswith("🎫 QR для входа"), message_id=my)
    assert payload_of(read_qr(reply.photos[0])) == payload


async def test_someone_given_a_seat_from_the_waiting_list_gets_their_qr_with_the_news(
    running: RunningBot, server: StandInServer, irina: Person
) -> None:
    ulyana = await coordinator(running, server)
    pyotr = Person(server, 1005, "Пётр")
    await running.add_events(seminar(capacity=1, starts_in=timedelta(days=3)))
    assert "Вы зарегистрированы" in (await sign_up(irina, "ufo-seminar")).text
    assert "лист ожидания" in (await sign_up(pyotr, "ufo-seminar")).text
    await irina.send("/my")
    await irina.click("Отменить:")
    await irina.click("Да, отменить")
    photo = await server.wait_for(
        lambda c: c.ok and c.chat_id == pyotr.id and c.method == "sendPhoto", timeout=15
    )
    news = [c for c in server.calls if c.chat_id == pyotr.id and c.method == "sendMessage"]
    assert "Освободилось место" in str(news[-1].params.get("text"))
    [upload] = photo.files.values()
    payload = payload_of(read_qr(upload))
    reply = await ulyana.send(f"/start {payload}")
    assert reply.text.startswith("✅ ") and "отмечен" in reply.text, reply.text
    assert await marked_ids(running, "ufo-seminar") == {pyotr.id}


async def test_online_events_get_no_qr(running: RunningBot, irina: Person) -> None:
    await running.add_events(make_event())
    reply = await sign_up(irina)
    assert "Вы зарегистрированы" in reply.text and reply.photos == []


def test_the_secret_is_never_the_token_and_checkin_secret_wins(settings: Settings) -> None:
    token = settings.bot_token.get_secret_value()  # type: ignore[union-attr]
    derived = tokens.derive_secret(None, token)
    assert derived != token.encode() and token.encode() not in derived
    assert tokens.derive_secret("s3cret", token) != derived
    assert tokens.derive_secret("s3cret", None) == tokens.derive_secret("s3cret", "other")
    payload = tokens.personal_payload(derived, "x" * 48, 2**52)
    assert len(payload) <= 64 and PAYLOAD.match(payload)
    link = tokens.parse_personal(payload)
    assert link is not None and link.verify(derived, "x" * 48)
    assert not link.verify(tokens.derive_secret("s3cret", None), "x" * 48)
    assert BOT_LINK.startswith("https://t.me/")
