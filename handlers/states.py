"""The participant's FSM states (the staff states live in handlers/staff/states.py).

The data of a questionnaire in progress lives with the state (in SQLite),
typed by handlers/participant/dialog.py (QuestionnaireData, FeedbackData).
"""

from aiogram.fsm.state import State, StatesGroup


class Questionnaire(StatesGroup):
    answering = State()
    summary = State()
