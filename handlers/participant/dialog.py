"""What a participant's dialog keeps in the FSM data, typed: one model per dialog.

The data lives with the FSM state (in SQLite, as JSON). The models read it with ``load`` and
write it back with ``save``: keys a model does not name (another dialog's, or a staff dialog's)
pass through untouched, and only the keys that were there or that were set are written, so
drafts stored before these models (the same key names) still load and look the same.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Self

from aiogram.fsm.context import FSMContext
from pydantic import BaseModel, ConfigDict, Field

from bot.registration.flow import EVENT_SCOPE, PROFILE_SCOPE, key, split
from bot.registration.form import CONSENT_YES

FLOW_REGISTER = "register"
FLOW_PROFILE = "profile"
FLOW_FEEDBACK = "feedback"

#: The keys that survive /cancel and a finished dialog: what pre-fills the next registration.
KEPT_KEYS = ("draft", "draft_event")

Answers = dict[str, str | None]


class DialogData(BaseModel):
    """A dialog's view of the FSM data; other keys ride along (``extra="allow"``)."""

    model_config = ConfigDict(extra="allow")

    @classmethod
    async def load(cls, state: FSMContext) -> Self:
        return cls.model_validate(await state.get_data())

    def dump(self) -> dict[str, Any]:
        """The JSON data to store: the keys that were read or set, nothing invented."""
        return self.model_dump(mode="json", exclude_unset=True)

    async def save(self, state: FSMContext) -> None:
        await state.set_data(self.dump())


class DraftEvent(BaseModel):
    """The answers to one event's own questions, kept after leaving its registration."""

    model_config = ConfigDict(extra="allow")

    event_id: str | None = None
    answers: Answers = Field(default_factory=dict)


class QuestionnaireData(DialogData):
    """A registration or a profile edit in progress, and the drafts kept between them.

    ``queue``: question keys still to ask; ``current``: the one asked; ``answers``: key ->
    value (None for skipped); ``number`` / ``total``: the progress shown; ``district``: the
    district chosen on the way to a region.
    """

    flow: str | None = None
    event_id: str | None = None
    queue: list[str] = Field(default_factory=list)
    current: str | None = None
    answers: Answers = Field(default_factory=dict)
    back_to_summary: bool = False
    total: int | None = None
    number: int = 0
    district: str | None = None
    draft: Answers = Field(default_factory=dict)
    draft_event: DraftEvent | None = None

    def kept(self) -> dict[str, Any]:
        """Only the keys that survive the end of a dialog."""
        return {k: v for k, v in self.dump().items() if k in KEPT_KEYS}

    def prefill(self, event_id: str) -> Answers:
        """The draft answers that pre-fill a registration for ``event_id``."""
        answers = dict(self.draft)
        if self.draft_event is not None and self.draft_event.event_id == event_id:
            answers.update(self.draft_event.answers)
        return answers


class FeedbackData(DialogData):
    """The feedback dialog's place: the event and the question asked (``fb_q``)."""

    flow: str | None = None
    event_id: str | None = None
    fb_q: int | None = None

    def without_dialog(self) -> dict[str, Any]:
        """The data once the dialog is left: everything but its own keys."""
        own = ("flow", "event_id", "fb_q")
        return {k: v for k, v in self.dump().items() if k not in own}


class Kept(StrEnum):
    """What leaving a questionnaire kept (the /cancel answer says exactly that)."""

    ANSWERS = "answers"  # a draft with what was typed (after consent)
    NOT_KEPT = "not_kept"  # something was typed, but without consent nothing is kept
    NOTHING = "nothing"  # nothing was typed


async def keep_draft(state: FSMContext, *, consented: bool = False) -> Kept:
    """Leave the dialog but keep what was typed (used to pre-fill the next registration).

    Profile answers are kept only after the consent: given in this dialog, or before
    (``consented``: recorded in the database, or a draft kept since).
    """
    data = await QuestionnaireData.load(state)
    answers = data.answers
    draft = dict(data.draft)
    if consented or answers.get(key(PROFILE_SCOPE, "consent")) == CONSENT_YES or draft:
        draft.update({k: v for k, v in answers.items() if split(k)[0] == PROFILE_SCOPE})
    keep: dict[str, Any] = {}
    if draft:
        keep["draft"] = draft
    event_answers = {k: v for k, v in answers.items() if split(k)[0] == EVENT_SCOPE}
    if data.event_id and event_answers:
        keep["draft_event"] = {"event_id": data.event_id, "answers": event_answers}
    await state.set_state(None)
    await state.set_data(keep)
    if not answers:
        return Kept.NOTHING
    kept_now = {**keep.get("draft", {}), **keep.get("draft_event", {}).get("answers", {})}
    return Kept.ANSWERS if any(k in kept_now for k in answers) else Kept.NOT_KEPT
