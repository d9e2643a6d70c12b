"""The `selection` block of an event: seats, the reserve, the criteria experts score against.

Stored as JSON in ``events.selection``; read back with :meth:`SelectionSpec.of`.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from storage.models import Event

CRITERION_ID_PATTERN = r"^[a-z][a-z0-9_]{0,31}$"
CRITERIA_MAX = 10
SCORE_MAX = 10


class LocalText(BaseModel):
    """A title in Russian, and in English where given (Russian otherwise)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    ru: Annotated[str, Field(min_length=1, max_length=100)]
    en: Annotated[str, Field(max_length=100)] | None = None

    def get(self, language: str) -> str:
        return self.en if language == "en" and self.en else self.ru


class Criterion(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: Annotated[str, Field(pattern=CRITERION_ID_PATTERN)]
    title: LocalText
    weight: Annotated[int, Field(ge=1, le=100)] = 1
    max: Annotated[int, Field(ge=1, le=SCORE_MAX)] = 5


class SelectionSpec(BaseModel):
    """How many are accepted and kept in reserve, and how applications are scored."""

    model_config = ConfigDict(extra="forbid")

    seats: Annotated[int, Field(gt=0, le=10_000)]
    reserve: Annotated[int, Field(ge=0, le=10_000)] = 0
    criteria: Annotated[list[Criterion], Field(min_length=1, max_length=CRITERIA_MAX)]
    reviews_per_application: Annotated[int, Field(ge=1, le=50)] | None = None  # None: every expert
    confirm_days: Annotated[int, Field(ge=1, le=60)] = 5

    @model_validator(mode="after")
    def _unique_criteria(self) -> SelectionSpec:
        ids = [c.id for c in self.criteria]
        if len(ids) != len(set(ids)):
            raise ValueError("criteria ids must be unique")
        return self

    @property
    def max_weighted(self) -> int:
        """``sum(weight × max)``: the denominator of an expert's share."""
        return sum(c.weight * c.max for c in self.criteria)

    def dump(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)

    @classmethod
    def of(cls, event: Event) -> SelectionSpec | None:
        """The event's selection block, or None for an ordinary event."""
        return None if event.selection is None else cls.model_validate(event.selection)
