"""The typed dialog data (handlers/participant/dialog.py) reads the FSM data stored before it
existed, and writes back only what was there or was set: a draft in a database survives."""

from __future__ import annotations

from aiogram.fsm.context import FSMContext
from aiogram.fsm.storage.base import StorageKey
from aiogram.fsm.storage.memory import MemoryStorage

from handlers.participant.dialog import FeedbackData, QuestionnaireData, keep_draft

#: A registration in progress as the bot stored it before the typed models (plain dict keys).
STORED = {
    "flow": "register",
    "event_id": "online-cfo-2026",
    "queue": ["e.topic"],
    "current": "p.phone",
    "answers": {"p.consent": "yes", "p.full_name": "Иванова Ирина", "e.topic": None},
    "back_to_summary": False,
    "total": 3,
    "number": 2,
    "draft": {"p.city": "Казань"},
    "draft_event": {"event_id": "online-cfo-2026", "answers": {"e.topic": "ремёсла"}},
    "ne": {"title": "a staff dialog's draft"},  # another dialog's key rides along
}


def context() -> FSMContext:
    return FSMContext(MemoryStorage(), StorageKey(bot_id=1, chat_id=7, user_id=7))


async def test_stored_questionnaire_data_loads_and_saves_unchanged() -> None:
    state = context()
    await state.set_data(STORED)
    data = await QuestionnaireData.load(state)
    assert data.current == "p.phone"
    assert data.draft_event is not None and data.draft_event.answers == {"e.topic": "ремёсла"}
    await data.save(state)
    assert await state.get_data() == STORED


async def test_only_the_keys_set_are_written() -> None:
    state = context()
    await state.set_data({"draft": {"p.city": "Казань"}})
    data = await QuestionnaireData.load(state)
    data.number += 1
    await data.save(state)
    assert await state.get_data() == {"draft": {"p.city": "Казань"}, "number": 1}


async def test_feedback_data_leaves_other_keys() -> None:
    state = context()
    await state.set_data({"flow": "feedback", "event_id": "x", "fb_q": 1, "draft": {"p.a": "b"}})
    data = await FeedbackData.load(state)
    assert data.fb_q == 1
    assert data.without_dialog() == {"draft": {"p.a": "b"}}


async def test_keep_draft_keeps_what_cancel_promises() -> None:
    state = context()
    await state.set_data(STORED)
    await keep_draft(state)
    assert await state.get_data() == {
        "draft": {"p.city": "Казань", "p.consent": "yes", "p.full_name": "Иванова Ирина"},
        "draft_event": {"event_id": "online-cfo-2026", "answers": {"e.topic": None}},
    }
