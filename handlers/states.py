"""FSM states. The data of a questionnaire in progress lives with the state (in SQLite):

``flow`` ("register" or "profile"), ``event_id``, ``queue`` (question keys still to ask),
``current``, ``answers`` (key -> value, None for skipped), ``back_to_summary``.
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
