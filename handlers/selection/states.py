"""FSM states of the selection features."""

from aiogram.fsm.state import State, StatesGroup


class Reviewing(StatesGroup):
    """An expert scoring one application: the draft scores and comment in the FSM data
    (handlers/selection/review.py: ReviewDraft), so a restart loses nothing."""

    scoring = State()


class MakeSelection(StatesGroup):
    """A coordinator turning a new event into a selection: seats and reserve typed."""

    seats = State()
