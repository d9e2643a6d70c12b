"""Capacity, the waiting list, cancellation and promotion, through the real bot."""

from __future__ import annotations

import asyncio

from bot.config import Settings
from tests.support.broadcast import wait_until
from tests.support.people import Person
from tests.support.running import RunningBot, fill_profile, make_event, polling
from tests.support.stand_in import StandInServer


async def register(person: Person, event_id: str) -> None:
    await person.send(f"/start ev_{event_id}")
    await fill_profile(person, {"full_name": f"Участник {person.id}"})


async def test_waitlist_cancel_and_promotion(running: RunningBot, server: StandInServer) -> None:
    await running.add_events(make_event("sem", capacity=1))
    anna, boris, vera = (
        Person(server, 2000 + i, name) for i, name in enumerate(["Анна", "Борис", "Вера"])
    )
    await register(anna, "sem")
    assert "Вы зарегистрированы" in (await anna.click("Подтвердить")).text
    await register(boris, "sem")
    reply = await boris.click("Подтвердить")
    assert "лист ожидания" in reply.text and "очереди: 1" in reply.text
    assert reply.documents == []  # no calendar file (and no link) for the waiting list
    assert "https://meet.example.org" not in reply.text
    await register(vera, "sem")
    assert "очереди: 2" in (await vera.click("Подтвердить")).text

    # Anna cancels from /my: Boris gets her seat and is told so.
    reply = await anna.send("/my")
    assert "зарегистрированы" in reply.text
    await anna.click("Отменить:")
    since = len(server.calls)
    reply = await anna.click("Да, отменить")
    assert "отменена" in reply.text
    told = await server.wait_for(
        lambda c: (
            c.chat_id == boris.id
            and c.method == "sendMessage"
            and "Освободилось место" in str(c.params.get("text"))
        ),
        since=since,
    )
    assert "https://meet.example.org/ufo" in told.params["text"]
    regs = {
        r.participant_id: r.status for r in await running.registration.registrations.of_event("sem")
    }
    assert regs == {anna.id: "cancelled", boris.id: "registered", vera.id: "waitlisted"}
    assert await running.registration.registrations.waitlist_position("sem", vera.id) == 1

    # Anna's old cancel button does nothing twice.
    reply = await anna.click_data("ev1:y:sem")
    assert reply.alerts == ["У вас нет регистрации на это мероприятие."]


def answered(person: Person) -> bool:
    return any(
        "Вы зарегистрированы" in m.text or "лист ожидания" in m.text for m in person.messages
    )


async def test_thirty_confirm_at_once_for_ten_seats(
    running: RunningBot, settings: Settings, server: StandInServer
) -> None:
    await running.add_events(make_event("rt", capacity=10, kind="round_table"))
    people = [Person(server, 3000 + i, f"Участник{i}") for i in range(30)]
    for person in people:
        await register(person, "rt")
        assert "Проверьте" in person.last_text
    # Restart as in production, with updates handled as concurrent tasks; the summaries
    # survive the restart in the FSM storage.
    await running.stop()
    async with polling(settings, server, handle_as_tasks=True) as concurrent:
        # Everybody presses Confirm at the same moment.
        await asyncio.gather(*(p.click("Подтвердить") for p in people))
        # Wait until everyone has been answered (a pause of quiet could come early on a busy
        # machine, before the handler tasks have all run).
        await wait_until(lambda: all(answered(p) for p in people), 30, "every answer")
        regs = await concurrent.registration.registrations.of_event("rt")
        positions = sorted(
            [
                await concurrent.registration.registrations.waitlist_position(
                    "rt", r.participant_id
                )
                or 0
                for r in regs
                if r.status == "waitlisted"
            ]
        )
    statuses: list[str] = [r.status for r in regs]
    assert len(regs) == 30
    assert statuses.count("registered") == 10
    assert statuses.count("waitlisted") == 20
    assert positions == list(range(1, 21))
    told = [p for p in people if any("Вы зарегистрированы" in m.text for m in p.messages)]
    waiting = [p for p in people if any("лист ожидания" in m.text for m in p.messages)]
    assert len(told) == 10 and len(waiting) == 20
    assert {p.id for p in told} == {r.participant_id for r in regs if r.status == "registered"}
