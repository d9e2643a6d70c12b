"""FSM states. The data of a questionnaire in progress lives with the state (in SQLite),
typed by handlers/participant/dialog.py (QuestionnaireData, FeedbackData).
"""

from aiogram.fsm.state import State, StatesGroup

# The staff states live with the staff handlers; named here for the modules that still
# import them from this one.
from handlers.staff.states import BroadcastFlow as BroadcastFlow
from handlers.staff.states import EditEvent as EditEvent
from handlers.staff.states import NewEvent as NewEvent


class Questionnaire(StatesGroup):
    answering = State()
    summary = State()
