"""The staff dialogs' FSM states. Their data is typed in handlers/staff/dialogs.py."""

from aiogram.fsm.state import State, StatesGroup


class BroadcastFlow(StatesGroup):
    """/broadcast: the audience, then the message, then Send (data: dialogs.BroadcastDraft)."""

    audience = State()
    message = State()
    confirm = State()


class NewEvent(StatesGroup):
    """/newevent, one state per field (bot.events.input.STEPS); data: dialogs.NewEventDraft."""

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
    """Changing one field of an event (data: dialogs.EditDraft)."""

    value = State()
    confirm = State()
