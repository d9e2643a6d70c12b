"""The data of each staff dialog, typed: one small model per dialog with ``load(state)`` and
``save(state)``, instead of string keys read all over the handlers.

The keys they are stored under (``ne``, ``ne_fix``, ``ed``, ``bc``) and the shape of each
value are those of the FSM data written before these models existed, so a draft in an
existing database (the FSM lives in SQLite) still loads after an upgrade.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from aiogram.fsm.context import FSMContext

from bot.events.input import Draft, EventField


@dataclass
class NewEventDraft:
    """/newevent: the fields answered so far, and whether the next answer goes back to the
    summary (a field asked again after "Create" found it in the past)."""

    draft: Draft = field(default_factory=dict)
    fix: bool = False

    @classmethod
    async def load(cls, state: FSMContext) -> NewEventDraft:
        data = await state.get_data()
        return cls(draft=data.get("ne") or {}, fix=bool(data.get("ne_fix")))

    async def save(self, state: FSMContext) -> None:
        await state.update_data(ne=self.draft, ne_fix=self.fix)


@dataclass
class EditDraft:
    """A change of one field of an event: the field once chosen, the value once given."""

    event_id: str = ""
    field: EventField | None = None
    value: Any = None

    @classmethod
    async def load(cls, state: FSMContext) -> EditDraft:
        stored = (await state.get_data()).get("ed") or {}
        try:
            chosen = EventField(stored["field"]) if "field" in stored else None
        except ValueError:
            chosen = None
        return cls(str(stored.get("event_id") or ""), chosen, stored.get("value"))

    async def save(self, state: FSMContext) -> None:
        """Stored as ``{"event_id", "field", "value"}`` (``value`` None until one is given)."""
        await state.update_data(
            ed={"event_id": self.event_id, "field": self.field, "value": self.value}
        )


@dataclass
class BroadcastDraft:
    """/broadcast: the audience once chosen, then the message to copy (chat and message id)."""

    audience: str | None = None
    chat: int | None = None
    message: int | None = None

    @classmethod
    async def load(cls, state: FSMContext) -> BroadcastDraft:
        stored = (await state.get_data()).get("bc") or {}
        return cls(stored.get("audience"), stored.get("chat"), stored.get("message"))

    async def save(self, state: FSMContext) -> None:
        stored = {"audience": self.audience, "chat": self.chat, "message": self.message}
        await state.update_data(bc={k: v for k, v in stored.items() if v is not None})

    @staticmethod
    async def drop(state: FSMContext) -> None:
        await state.update_data(bc=None)
