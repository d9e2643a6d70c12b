"""The door dialogs: typing part of a name to find someone; a walk-in typed in."""

from __future__ import annotations

from aiogram.fsm.state import State, StatesGroup


class Door(StatesGroup):
    search = State()  # the door list is shown: text typed filters it
    walk_in = State()  # name, organisation, region: three lines at once, or one by one
