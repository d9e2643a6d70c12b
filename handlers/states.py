"""FSM states. The data of a questionnaire in progress lives with the state (in SQLite),
typed by handlers/participant/dialog.py (QuestionnaireData, FeedbackData).
"""

from aiogram.fsm.state import State, StatesGroup


class Questionnaire(StatesGroup):
    answering = State()
    summary = State()


class BroadcastFlow(StatesGroup):
    """/broadcast: the audience, then the message, then Send. Data: ``bc`` = {"audience",
    "chat", "message"}."""

    audience = State()
    message = State()
    confirm = State()


class NewEvent(StatesGroup):
    """/newevent, one state per field (bot.events.input.STEPS). Data: ``ne`` = the draft."""

    title = State()
    kind = State()
    district = State()
    starts = State()
    duration = State()
    place = State()
    capacity = State()
    deadline = State()
    description = State()
    confirm = State()


class EditEvent(StatesGroup):
    """Changing one field of an event. Data: ``ed`` = {"event_id", "field", "value"}."""

    value = State()
    confirm = State()
