"""Experts of a selection event (issue 9, item 2): the command line beside the running bot,
one-time invitation links from staff's chat, the scope of those links, the command menu."""

from __future__ import annotations

import asyncio

import pytest

from bot.cli.main import main
from bot.config import Settings
from bot.selection.reviewing import open_review
from bot.staff.coordination import Coordinators
from handlers.selection.callbacks import ReviewCb, RvAction
from storage.applications import ApplicationRepo
from storage.coordinators import CoordinatorRepo
from storage.db import utcnow
from storage.experts import ExpertRepo
from storage.reviews import ReviewRepo
from tests.support.coord import appoint, invite_token, staff
from tests.support.people import Person
from tests.support.running import MSK, RunningBot, make_event
from tests.support.selection import apply, selection_event
from tests.support.stand_in import StandInServer

pytestmark = pytest.mark.with_admin


async def test_experts_added_listed_and_removed_from_the_command_line(
    running: RunningBot,
    server: StandInServer,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await running.add_events(selection_event(), make_event("ufo-online"))
    vera = Person(server, 8401, "Вера")
    assert "не входите" in (await vera.send("/review")).text
    monkeypatch.setenv("DATABASE_PATH", str(settings.database_path))
    monkeypatch.delenv("BOT_TOKEN", raising=False)
    assert await asyncio.to_thread(main, ["experts", "add", "8401", "--event", "ethnic-2027"]) == 0
    assert "is now an expert of ethnic-2027" in capsys.readouterr().out
    reply = await vera.send("/review")  # looked up on every update
    assert "начнётся" in reply.text
    # Only a selection event takes experts; an unknown one is an error.
    assert await asyncio.to_thread(main, ["experts", "add", "8401", "--event", "ufo-online"]) == 1
    assert "no selection event" in capsys.readouterr().err
    assert await asyncio.to_thread(main, ["experts", "list", "--event", "ethnic-2027"]) == 0
    assert "8401\tethnic-2027" in capsys.readouterr().out
    assert (
        await asyncio.to_thread(main, ["experts", "remove", "8401", "--event", "ethnic-2027"]) == 0
    )
    assert (
        await asyncio.to_thread(main, ["experts", "remove", "8401", "--event", "ethnic-2027"]) == 1
    )
    assert "not an expert" in capsys.readouterr().err
    assert "не входите" in (await vera.send("/review")).text


async def test_a_district_coordinator_invites_an_expert_with_a_one_time_link(
    running: RunningBot, server: StandInServer
) -> None:
    await running.add_events(selection_event())
    await appoint(running.db)
    ulyana = staff(server)["ufo"]
    reply = await ulyana.send("/start")
    assert "/experts" in reply.text
    reply = await ulyana.send("/experts")
    reply = await ulyana.click(lambda text: "ЭтНик" in text)
    assert "Экспертов пока нет" in reply.text
    reply = await ulyana.click("Пригласить эксперта")
    token = invite_token(reply.text)
    vera = Person(server, 8402, "Вера")
    reply = await vera.send(f"/start co_{token}")
    assert "эксперт отбора «ЭтНик" in reply.text
    assert await ExpertRepo(running.db).is_expert("ethnic-2027", vera.id)
    assert await CoordinatorRepo(running.db).get(vera.id) is None  # an expert, not staff
    reply = await vera.send("/start")
    assert "/review" in reply.text and "/experts" not in reply.text
    await server.wait_for(
        lambda call: call.method == "setMyCommands" and str(vera.id) in str(call.params),
        timeout=20,
    )
    menu = [c["command"] for c in server.commands(scope_type="chat", chat_id=vera.id)]
    assert menu[0] == "review" and "coord" not in menu
    # Used once.
    gleb = Person(server, 8403, "Глеб")
    reply = await gleb.send(f"/start co_{token}")
    assert not await ExpertRepo(running.db).is_expert("ethnic-2027", gleb.id)
    reply = await ulyana.send("/experts")
    reply = await ulyana.click(lambda text: "ЭтНик" in text)
    assert "8402: 0 / 0" in reply.text


async def test_another_districts_coordinator_or_a_participant_gets_nothing(
    running: RunningBot, server: StandInServer
) -> None:
    await running.add_events(selection_event())  # a Ural event
    await appoint(running.db)
    pavel = staff(server)["pfo"]
    reply = await pavel.send("/experts")
    assert "нет мероприятий с отбором" in reply.text
    for data in ("xp1:ethnic-2027:0", "xp1:ethnic-2027:1"):
        reply = await pavel.click_data(data)
        assert reply.alerts == ["Эта кнопка не для вас."]
        assert "co_" not in reply.text
    zara = Person(server, 8404, "Зарема")
    assert "для координаторов" in (await zara.send("/experts")).text
    reply = await zara.click_data("xp1:ethnic-2027:1")
    assert reply.alerts == ["Эта кнопка не для вас."] and "co_" not in reply.text


async def test_an_expert_link_stops_working_when_its_author_leaves(
    running: RunningBot, server: StandInServer
) -> None:
    await running.add_events(selection_event())
    await appoint(running.db)
    ulyana = staff(server)["ufo"]
    await ulyana.send("/experts")
    await ulyana.click(lambda text: "ЭтНик" in text)
    token = invite_token((await ulyana.click("Пригласить эксперта")).text)
    await Coordinators(running.db).remove(ulyana.id)
    vera = Person(server, 8405, "Вера")
    reply = await vera.send(f"/start co_{token}")
    assert "эксперт отбора" not in reply.text
    assert not await ExpertRepo(running.db).is_expert("ethnic-2027", vera.id)


async def test_a_coordinator_of_another_district_replaying_an_experts_buttons_gets_nothing(
    running: RunningBot, server: StandInServer
) -> None:
    await running.add_events(selection_event())  # a Ural event
    await appoint(running.db)
    pavel = staff(server)["pfo"]
    await pavel.send("/start")
    vera = Person(server, 8406, "Вера")
    await vera.send("/start")
    async with running.db.transaction() as conn:
        await ExpertRepo(running.db).add(conn, "ethnic-2027", vera.id, None, utcnow())
    anna = Person(server, 8407, "Анна")
    await apply(anna, project="Проект Анны")
    found = await ApplicationRepo(running.db).get("ethnic-2027", anna.id)
    assert found is not None
    await open_review(running.db, "ethnic-2027", utcnow())
    reply = await vera.send("/review")
    assert "Проект Анны" in reply.text
    for action in (RvAction.SCORE, RvAction.SAVE, RvAction.OTHERS, RvAction.CHANGE):
        data = ReviewCb(action=action, app=found.id, c=0, v=3).pack()
        reply = await pavel.click_data(data)
        assert reply.alerts == ["Эта кнопка не для вас."]
        assert "Проект Анны" not in reply.text
    assert await ReviewRepo(running.db).of_application(found.id) == []


async def test_an_expert_who_erases_loses_the_role_and_their_comments_not_their_scores(
    running: RunningBot, server: StandInServer
) -> None:
    await running.add_events(selection_event())
    vera = Person(server, 8408, "Вера")
    await vera.send("/start")
    async with running.db.transaction() as conn:
        await ExpertRepo(running.db).add(conn, "ethnic-2027", vera.id, None, utcnow())
    anna = Person(server, 8409, "Анна")
    await apply(anna)
    found = await ApplicationRepo(running.db).get("ethnic-2027", anna.id)
    assert found is not None
    await open_review(running.db, "ethnic-2027", utcnow())
    await vera.send("/review")
    await vera.click_data(ReviewCb(action=RvAction.SCORE, app=found.id, c=0, v=4).pack())
    await vera.click_data(ReviewCb(action=RvAction.SCORE, app=found.id, c=1, v=2).pack())
    await vera.send("Комментарий про бирюзовый чайник")
    await vera.click("Сохранить оценку")
    await vera.send("/profile")
    await vera.click(lambda text: "🗑" in text)
    reply = await vera.click("Да, удалить всё")
    assert "роль эксперта" in reply.text
    assert not await ExpertRepo(running.db).is_expert("ethnic-2027", vera.id)
    assert await ReviewRepo(running.db).get(found.id, vera.id) is None  # not under her id
    [review] = await ReviewRepo(running.db).of_application(found.id)
    assert review.expert_id < 0 and review.comment is None  # a stand-in for the erased expert
    assert review.scores == {"relevance": 4, "experience": 2}


async def test_the_admin_sees_and_revokes_an_expert_invitation(
    running: RunningBot, server: StandInServer
) -> None:
    await running.add_events(selection_event())
    anna = staff(server)["admin"]
    await anna.send("/experts")
    await anna.click(lambda text: "ЭтНик" in text)
    token = invite_token((await anna.click("Пригласить эксперта")).text)
    await anna.send("/coordinators")
    reply = await anna.click("Открытые приглашения")
    assert "эксперт отбора ethnic-2027" in reply.text
    await anna.click(lambda text: "эксперт отбора ethnic-2027" in text)
    vera = Person(server, 8410, "Вера")
    reply = await vera.send(f"/start co_{token}")
    assert not await ExpertRepo(running.db).is_expert("ethnic-2027", vera.id)


async def test_a_new_event_is_made_a_selection_in_its_last_optional_step(
    running: RunningBot, server: StandInServer
) -> None:
    from datetime import timedelta

    from storage.events import EventRepo

    await appoint(running.db)
    ulyana = staff(server)["ufo"]
    await ulyana.send("/newevent")
    await ulyana.send("Конкурс лидеров НКО")
    await ulyana.click("Вебинар")
    starts = (utcnow() + timedelta(days=20)).astimezone(MSK)
    await ulyana.send(starts.strftime("%d.%m.%Y 11:00"))
    await ulyana.send("90")
    await ulyana.send("https://meet.example.org/w")
    for _ in range(3):
        await ulyana.click("Пропустить")
    reply = await ulyana.click("Создать")
    assert "🏅 Сделать отбором (заявки и эксперты)" in reply.buttons
    [event] = await EventRepo(running.db).all()
    pavel = staff(server)["pfo"]  # another district: refused, nothing changes
    await pavel.send("/start")
    reply = await pavel.click_data(f"sx1:{event.id}")
    assert reply.alerts and "нельзя сделать отбором" in reply.alerts[0]
    reply = await ulyana.click("Сделать отбором")
    assert "Сколько мест" in reply.text
    reply = await ulyana.send("сорок")
    assert "Не понял" in reply.text
    reply = await ulyana.send("40 10")
    assert "теперь отбор: мест 40, резерв 10" in reply.text
    stored = await EventRepo(running.db).get(event.id)
    assert stored is not None and stored.selection is not None
    assert stored.selection["seats"] == 40 and stored.selection["reserve"] == 10
    assert [c["id"] for c in stored.selection["criteria"]] == ["overall"]
    reply = await ulyana.click_data(f"sx1:{event.id}")  # once only
    assert reply.alerts
