""" "Продолжить регистрацию" goes back to a questionnaire, never into a staff dialog.

A coordinator in the middle of /broadcast who sent /start was offered "Продолжить
регистрацию"; pressing it ran the questionnaire's resume on the broadcast's data and failed
with ``KeyError('queue')`` ("что-то пошло не так")."""

from __future__ import annotations

import logging

import pytest

from tests.support.coord import staff
from tests.support.people import Person
from tests.support.running import RunningBot, make_event, start_questions
from tests.support.stand_in import StandInServer

RESUME = "▶️ Продолжить регистрацию"


pytestmark = pytest.mark.with_admin


async def test_start_during_broadcast_offers_no_resume_and_resume_does_not_fail(
    running: RunningBot, server: StandInServer, caplog: pytest.LogCaptureFixture
) -> None:
    anna = staff(server)["admin"]
    reply = await anna.send("/broadcast")
    assert "Кому отправить сообщение?" in reply.text
    reply = await anna.send("/start")
    assert RESUME not in reply.buttons
    with caplog.at_level(logging.ERROR):
        reply = await anna.click_data("mn1:r")  # the button of an older /start, or forged
    assert reply.alerts == ["Незавершённой регистрации нет."]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_questionnaire_draft_is_still_offered_and_resumed(
    running: RunningBot, server: StandInServer, irina: Person
) -> None:
    await start_questions(running, irina)  # consented, no answer typed yet
    reply = await irina.send("/start")
    assert RESUME in reply.buttons
    reply = await irina.click(RESUME)
    assert "Как вас зовут?" in reply.text


async def test_a_coordinator_who_left_a_questionnaire_for_broadcast_is_not_offered_it(
    running: RunningBot, server: StandInServer
) -> None:
    """The questionnaire's answers stay as data, but the dialog open now is /broadcast."""
    await running.add_events(make_event())
    anna = staff(server)["admin"]
    await anna.send("/start ev_ufo-online")
    await anna.click("Согласен")
    await anna.send("/broadcast")
    reply = await anna.send("/start")
    assert RESUME not in reply.buttons
