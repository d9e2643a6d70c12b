"""Ids at their limits through the real bot: a 48-character event id (the most the events file
allows) with its own questions whose ids and option ids are as long as the form allows.

Before the limits were derived from the buttons, "Исправить ответ" of such an event failed in
silence (its buttons carried the event id and the question's key: past 64 bytes), and an option
of a long question could not be drawn at all.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.events.files import EVENT_ID_MAX, EventsFileError, read_events_file
from bot.registration.form import OPTION_ID_MAX, QUESTION_ID_MAX
from tests.support.people import Person
from tests.support.running import MSK, RunningBot, fill_profile, make_event
from tests.support.stand_in import StandInServer

LONG_ID = "e" * EVENT_ID_MAX
QUESTION = "q" * QUESTION_ID_MAX
OPTION_A = "a" * OPTION_ID_MAX
OPTION_B = "b" * OPTION_ID_MAX


def long_event() -> object:
    return make_event(
        LONG_ID,
        questions=[
            {
                "id": QUESTION,
                "type": "choice",
                "prompt": {"ru": "Какой формат вам удобен?", "en": "Which format suits you?"},
                "label": {"ru": "Формат", "en": "Format"},
                "options": [
                    {"id": OPTION_A, "label": {"ru": "Очно", "en": "In person"}},
                    {"id": OPTION_B, "label": {"ru": "Онлайн", "en": "Online"}},
                ],
            }
        ],
    )


async def test_edit_answer_and_answer_buttons_work_with_ids_at_their_limits(
    running: RunningBot, irina: Person, server: StandInServer
) -> None:
    await running.add_events(long_event())  # type: ignore[arg-type]
    await irina.send(f"/start ev_{LONG_ID}")
    await fill_profile(irina)
    reply = await irina.click("Очно")  # an answer button of the long question
    assert "Проверьте" in reply.text and "Очно" in reply.text
    reply = await irina.click("Исправить ответ")
    assert "Формат" in reply.buttons and "Организация" in reply.buttons
    reply = await irina.click("Формат")
    assert "Какой формат вам удобен?" in reply.text
    reply = await irina.click("Онлайн")
    assert "Проверьте" in reply.text and "Онлайн" in reply.text
    reply = await irina.click("Исправить ответ")
    reply = await irina.click("Организация")
    assert "Какую организацию" in reply.text
    await irina.send("НКО «Длинные имена»")
    reply = await irina.click("Подтвердить")
    assert "Вы зарегистрированы" in reply.text
    assert await running.registration.participants.answers(irina.id, LONG_ID) == {
        QUESTION: OPTION_B
    }
    assert (await running.registration.participants.answers(irina.id))["organization"] == (
        "НКО «Длинные имена»"
    )
    # Telegram refused nothing (a staff menu for a chat not opened yet is set when they write)
    assert not [c for c in server.calls if not c.ok and c.method != "setMyCommands"]


def write_events(tmp_path: Path, event: dict[str, object]) -> Path:
    base: dict[str, object] = {
        "id": "ok",
        "title": "Семинар",
        "kind": "seminar",
        "starts_at": "2026-12-03T14:00:00",
        "duration_minutes": 90,
        "location": "Тюмень",
    }
    path = tmp_path / "events.yaml"
    path.write_text(yaml.safe_dump({"events": [dict(base, **event)]}, allow_unicode=True), "utf-8")
    return path


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        (
            {"questions": [{"id": "q" * 31, "type": "text", "prompt": "?"}]},
            "field questions: question #1: field id: 'qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq' is 31 "
            "characters long; at most 30",
        ),
        (
            {
                "questions": [
                    {
                        "id": "q",
                        "type": "choice",
                        "prompt": "?",
                        "options": [{"id": "o" * 25, "label": "x"}],
                    }
                ]
            },
            "option #1: field id: '" + "o" * 25 + "' is 25 characters long; at most 24",
        ),
        ({"id": "x" * 49}, "field id: "),
    ],
)
def test_ids_too_long_for_a_button_are_refused_at_import_naming_field_and_limit(
    tmp_path: Path, event: dict[str, object], expected: str
) -> None:
    with pytest.raises(EventsFileError) as caught:
        read_events_file(write_events(tmp_path, event), MSK)
    assert expected in str(caught.value)
    if "id" in event:
        assert "{1,48}" in str(caught.value)
