"""FSM states. The data of a questionnaire in progress lives with the state (in SQLite):

``flow`` ("register" or "profile"), ``event_id``, ``queue`` (question keys still to ask),
``current``, ``answers`` (key -> value, None for skipped), ``back_to_summary``.
"""

from aiogram.fsm.state import State, StatesGroup


class Questionnaire(StatesGroup):
    answering = State()
    summary = State()
