"""Experts scoring applications through /review (issue 9, item 2) on the stand-in server:
the queue, blind until one's own score is saved, recusal, changes until publishing, forged
buttons, and a restart in the middle of scoring."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.config import Settings
from bot.selection.reviewing import open_review
from handlers.selection.callbacks import ReviewCb, RvAction
from storage.applications import ApplicationRepo
from storage.db import utcnow
from storage.experts import ExpertRepo
from storage.reviews import ReviewRepo
from tests.support.people import Person, Reply
from tests.support.running import RunningBot, polling
from tests.support.selection import apply, selection_event
from tests.support.stand_in import StandInServer

EVENT = "ethnic-2027"


def press(action: RvAction, app: int, c: int = 0, v: int = 0) -> str:
    return ReviewCb(action=action, app=app, c=c, v=v).pack()


async def add_expert(running: RunningBot, person: Person, event_id: str = EVENT) -> None:
    await person.send("/start")  # the person has a chat with the bot
    async with running.db.transaction() as conn:
        await ExpertRepo(running.db).add(conn, event_id, person.id, None, utcnow())


async def app_id(running: RunningBot, person: Person) -> int:
    found = await ApplicationRepo(running.db).get(EVENT, person.id)
    assert found is not None
    return found.id


async def score_all(expert: Person, app: int, relevance: int, experience: int) -> Reply:
    await expert.click_data(press(RvAction.SCORE, app, 0, relevance))
    return await expert.click_data(press(RvAction.SCORE, app, 1, experience))


@pytest.fixture
def people(server: StandInServer) -> dict[str, Person]:
    return {
        "anna": Person(server, 2001, "Анна"),
        "boris": Person(server, 2002, "Борис"),
        "vera": Person(server, 2003, "Вера"),
        "gleb": Person(server, 2004, "Глеб"),
    }


async def two_applications(running: RunningBot, people: dict[str, Person]) -> tuple[int, int]:
    await apply(people["anna"], project="Проект Анны")
    await apply(people["boris"], project="Проект Бориса")
    return await app_id(running, people["anna"]), await app_id(running, people["boris"])


async def test_review_opens_at_the_deadline_or_when_opened(
    running: RunningBot, people: dict[str, Person]
) -> None:
    await running.add_events(selection_event())
    vera = people["vera"]
    assert "/review" not in (await vera.send("/start")).text
    reply = await vera.send("/review")
    assert "не входите в экспертную комиссию" in reply.text
    await add_expert(running, vera)
    assert "/review" in (await vera.send("/start")).text
    await two_applications(running, people)
    reply = await vera.send("/review")
    assert "начнётся" in reply.text
    assert await open_review(running.db, EVENT, utcnow())
    assert not await open_review(running.db, EVENT, utcnow())  # once
    reply = await vera.send("/review")
    assert "осталось 2 из 2" in reply.text and "Проект Анны" in reply.text
    [document] = [c for c in reply.calls if c.method == "sendDocument"]
    assert "letter-2001.pdf" in reply.text  # the caption names the file
    assert document.ok
    assert "Сохранить оценку" not in " ".join(reply.buttons)
    assert "Оценки других" not in " ".join(reply.buttons)


async def test_two_experts_score_blind_until_their_own_score_is_saved(
    running: RunningBot, people: dict[str, Person]
) -> None:
    await running.add_events(selection_event())
    vera, gleb = people["vera"], people["gleb"]
    await add_expert(running, vera)
    await add_expert(running, gleb)
    anna_app, boris_app = await two_applications(running, people)
    await open_review(running.db, EVENT, utcnow())

    await vera.send("/review")
    reply = await score_all(vera, anna_app, 4, 2)
    assert "✅4" in reply.buttons and "✅2" in reply.buttons
    reply = await vera.send("Сильная команда, понятный план")
    assert "Комментарий записан" in reply.text
    reply = await vera.click("Сохранить оценку")
    assert "Оценка сохранена" in reply.text
    # the card shows what was saved (regression: it was drawn from the emptied draft, all "—")
    assert "(вес 2, 0–5): 4" in reply.text and "(вес 1, 0–3): 2" in reply.text, reply.text
    assert "Комментарий: Сильная команда" in reply.text
    assert "напишите его сообщением" not in reply.text  # no longer taken once saved
    saved = await ReviewRepo(running.db).get(anna_app, vera.id)
    assert saved is not None and saved.scores == {"relevance": 4, "experience": 2}
    assert saved.comment == "Сильная команда, понятный план"

    # Fewest reviews first: Boris's application (none yet) before Anna's (Vera's).
    reply = await gleb.send("/review")
    assert "Проект Бориса" in reply.text and "осталось 2 из 2" in reply.text
    reply = await gleb.click_data(press(RvAction.OTHERS, anna_app))  # forged before saving
    assert reply.alerts and "после того, как вы сохраните свою" in reply.alerts[0]
    assert "Сильная команда" not in reply.text
    reply = await gleb.click("Пропустить")
    assert "Проект Анны" in reply.text and "Сильная команда" not in reply.text
    await score_all(gleb, anna_app, 3, 3)
    await gleb.click("Сохранить оценку")
    reply = await gleb.click("Оценки других")
    assert "Сильная команда" in reply.text and "Актуальность проекта: 4" in reply.text
    reply = await gleb.click_data(press(RvAction.NEXT, anna_app))
    assert "Проект Бориса" in reply.text and "осталось 1 из 2" in reply.text
    reply = await vera.click_data(press(RvAction.OTHERS, boris_app))  # not scored by her
    assert reply.alerts and "после того, как вы сохраните свою" in reply.alerts[0]


async def test_recusal_sends_the_application_to_another_expert(
    running: RunningBot, people: dict[str, Person]
) -> None:
    await running.add_events(selection_event(per_application=1))
    vera, gleb = people["vera"], people["gleb"]
    await add_expert(running, vera)
    await add_expert(running, gleb)
    anna_app, boris_app = await two_applications(running, people)
    await open_review(running.db, EVENT, utcnow())
    reply = await vera.send("/review")
    assert "Проект Анны" in reply.text
    reply = await vera.click("Конфликт интересов")
    assert reply.alerts and "конфликт интересов" in reply.alerts[0].lower()
    assert "Проект Бориса" in reply.text  # the next one comes
    review = await ReviewRepo(running.db).get(anna_app, vera.id)
    assert review is not None and review.recused
    await score_all(vera, boris_app, 5, 3)
    await vera.click("Сохранить оценку")
    # Gleb: Boris has his one review, Anna none (Vera recused): Anna's is Gleb's.
    reply = await gleb.send("/review")
    assert "Проект Анны" in reply.text and "осталось 1 из 1" in reply.text
    reply = await vera.send("/review")
    assert "оценены" in reply.text


async def test_skip_puts_the_application_last(
    running: RunningBot, people: dict[str, Person]
) -> None:
    await running.add_events(selection_event())
    vera = people["vera"]
    await add_expert(running, vera)
    await two_applications(running, people)
    await open_review(running.db, EVENT, utcnow())
    await vera.send("/review")
    reply = await vera.click("Пропустить")
    assert "Проект Бориса" in reply.text


async def test_scores_change_until_the_decisions_are_published(
    running: RunningBot, people: dict[str, Person]
) -> None:
    await running.add_events(selection_event())
    vera = people["vera"]
    await add_expert(running, vera)
    anna_app, _ = await two_applications(running, people)
    await open_review(running.db, EVENT, utcnow())
    await vera.send("/review")
    await score_all(vera, anna_app, 1, 1)
    await vera.click("Сохранить оценку")
    await vera.click("Изменить оценку")
    await vera.click_data(press(RvAction.SCORE, anna_app, 0, 5))
    await vera.click("Сохранить оценку")
    saved = await ReviewRepo(running.db).get(anna_app, vera.id)
    assert saved is not None and saved.scores == {"relevance": 5, "experience": 1}
    async with running.db.transaction() as conn:
        await conn.execute(
            "UPDATE events SET decisions_published_at = ? WHERE id = ?",
            (utcnow().isoformat(), EVENT),
        )
    reply = await vera.click("Изменить оценку")
    assert reply.alerts and "Решения опубликованы" in reply.alerts[0]
    reply = await vera.click_data(press(RvAction.SAVE, anna_app))
    assert reply.alerts
    saved = await ReviewRepo(running.db).get(anna_app, vera.id)
    assert saved is not None and saved.scores == {"relevance": 5, "experience": 1}


async def test_forged_or_foreign_review_buttons_learn_nothing_and_change_nothing(
    running: RunningBot, people: dict[str, Person], server: StandInServer
) -> None:
    other = selection_event("other-2027", district="pfo")
    await running.add_events(selection_event(), other)
    vera, anna = people["vera"], people["anna"]
    outsider = Person(server, 2099, "Эксперт другого отбора")
    await add_expert(running, vera)
    await add_expert(running, outsider, "other-2027")
    anna_app, _ = await two_applications(running, people)
    await open_review(running.db, EVENT, utcnow())
    await vera.send("/review")
    for presser in (anna, outsider):
        for data in (
            press(RvAction.SCORE, anna_app, 0, 5),
            press(RvAction.SAVE, anna_app),
            press(RvAction.RECUSE, anna_app),
            press(RvAction.OTHERS, anna_app),
            press(RvAction.NEXT, anna_app),
            press(RvAction.SCORE, 999_999, 0, 1),
        ):
            reply = await presser.click_data(data)
            assert reply.alerts == ["Эта кнопка не для вас."], (presser, data)
            assert "Проект Анны" not in reply.text
        reply = await presser.click_data("rv1:zz:1:0:0")  # does not decode: an old button
        assert reply.alerts and "Проект Анны" not in reply.text
    assert await ReviewRepo(running.db).of_application(anna_app) == []


async def test_an_over_long_comment_is_refused_and_the_draft_kept(
    running: RunningBot, people: dict[str, Person]
) -> None:
    await running.add_events(selection_event())
    vera = people["vera"]
    await add_expert(running, vera)
    anna_app, _ = await two_applications(running, people)
    await open_review(running.db, EVENT, utcnow())
    await vera.send("/review")
    await score_all(vera, anna_app, 2, 2)
    reply = await vera.send("слово " * 300)
    assert "не более 1000 символов" in reply.text
    reply = await vera.send_sticker()
    assert "Комментарий — это текст" in reply.text
    reply = await vera.click("Сохранить оценку")
    saved = await ReviewRepo(running.db).get(anna_app, vera.id)
    assert saved is not None and saved.comment is None and saved.scores["relevance"] == 2


async def test_a_restart_in_the_middle_of_scoring_keeps_the_scores_given(
    settings: Settings, server: StandInServer, people: dict[str, Person]
) -> None:
    vera = people["vera"]
    async with polling(settings, server) as running:
        await running.add_events(selection_event(deadline_in=timedelta(days=3)))
        await add_expert(running, vera)
        anna_app, _ = await two_applications(running, people)
        await open_review(running.db, EVENT, utcnow())
        await vera.send("/review")
        await vera.click_data(press(RvAction.SCORE, anna_app, 0, 3))
        await vera.send("Хороший проект")
    async with polling(settings, server) as running:
        reply = await vera.click_data(press(RvAction.SCORE, anna_app, 1, 1))
        assert "✅3" in reply.buttons and "✅1" in reply.buttons
        assert "Хороший проект" in reply.text
        await vera.click("Сохранить оценку")
        saved = await ReviewRepo(running.db).get(anna_app, vera.id)
        assert saved is not None and saved.scores == {"relevance": 3, "experience": 1}
        assert saved.comment == "Хороший проект"


async def test_review_in_the_middle_of_a_questionnaire_keeps_its_answers_and_not_own_app(
    running: RunningBot, people: dict[str, Person]
) -> None:
    """An expert who applied is not given their own application; opening /review in the
    middle of another registration keeps what they typed as a draft."""
    from tests.support.running import make_event

    await running.add_events(selection_event(), make_event())
    vera = people["vera"]
    await add_expert(running, vera)
    await apply(vera, project="Проект самой Веры")
    await apply(people["anna"], project="Проект Анны")
    await open_review(running.db, EVENT, utcnow())
    await vera.send("/start ev_ufo-online")  # known profile: straight to the summary
    reply = await vera.send("/review")
    assert "Проект Анны" in reply.text and "осталось 1 из 1" in reply.text
    assert "Проект самой Веры" not in reply.text
    anna_app = await app_id(running, people["anna"])
    await score_all(vera, anna_app, 1, 1)
    reply = await vera.click("Сохранить оценку")
    assert "Оценка сохранена" in reply.text


async def test_what_applicants_typed_reaches_the_expert_escaped_and_in_full(
    running: RunningBot, people: dict[str, Person]
) -> None:
    await running.add_events(selection_event())
    vera = people["vera"]
    await add_expert(running, vera)
    tricky = "<b>Дом & сад</b> " + "очень длинный ответ " * 140  # ~2,800 characters
    await apply(people["anna"], project=tricky)
    await open_review(running.db, EVENT, utcnow())
    reply = await vera.send("/review")
    assert not reply.errors
    assert "<b>Дом & сад</b>" in reply.text  # shown as typed, not as markup
    assert reply.text.count("очень длинный ответ") == 140  # not cut for the expert


def test_long_applications_are_split_under_telegrams_limit() -> None:
    from bot.i18n import translator
    from bot.registration.form import parse_questions
    from bot.registration.regions import default_regions
    from bot.selection.reviewing import Queue
    from handlers.selection.views import ReviewPage, review_chunks

    questions = parse_questions(
        [
            {"id": f"q{n}", "type": "text", "prompt": f"Вопрос {n}", "max_length": 3000}
            for n in range(5)
        ]
    )
    answers = {f"q{n}": "ж" * 3000 for n in range(5)}
    page = ReviewPage(7, Queue(7, 3, 10), questions, answers)
    chunks = review_chunks(page, translator("ru"), default_regions())
    assert len(chunks) == 5
    assert all(len(chunk) < 4096 for chunk in chunks)
    assert sum(chunk.count("ж") for chunk in chunks) == 15000
