"""The feedback form after an event: the event's own ``feedback:`` questions (the
questionnaire format, text and choice) or the standard one, a 1-5 rating and a comment."""

from __future__ import annotations

import functools
from collections.abc import Callable

from bot.i18n import LOCALES, Translator, translator
from bot.registration.form import LocalizedText, Option, Question, QuestionType, parse_questions
from storage.db import Database
from storage.models import Event
from storage.reports import AttendanceReader

RATING = "rating"
COMMENT = "comment"
COMMENT_LIMIT = 1000


def _texts(text: Callable[[Translator], str]) -> LocalizedText:
    """A text of locales/ in every language (as the questionnaire's texts are)."""
    return LocalizedText(texts={locale: text(translator(locale)) for locale in LOCALES})


@functools.cache
def standard_questions() -> tuple[Question, ...]:
    rating = Question(
        id=RATING,
        type=QuestionType.CHOICE,
        prompt=_texts(lambda t: t.plain("feedback.rating_prompt")),
        label=_texts(lambda t: t.plain("feedback.rating_label")),
        options=[Option(id=str(n), label=LocalizedText(texts={"ru": str(n)})) for n in range(1, 6)],
    )
    comment = Question(
        id=COMMENT,
        type=QuestionType.TEXT,
        prompt=_texts(lambda t: t.plain("feedback.comment_prompt")),
        label=_texts(lambda t: t.plain("feedback.comment_label")),
        required=False,
        max_length=COMMENT_LIMIT,
    )
    return (rating, comment)


def feedback_questions(event: Event) -> list[Question]:
    if event.feedback:
        return parse_questions(event.feedback, f"event {event.id} feedback")
    return list(standard_questions())


def next_question(questions: list[Question], answered: dict[str, str] | None) -> int | None:
    """The position of the first question not answered yet (None: the form is complete)."""
    done = answered or {}
    return next((i for i, q in enumerate(questions) if q.id not in done), None)


async def may_be_asked(db: Database, event_id: str, participant_id: int) -> bool:
    """Once attendance was taken for the event (anyone marked), feedback is asked only of
    those who came; before that (or for an event without check-in), of every registrant."""
    reader = AttendanceReader(db)
    return not await reader.taken(event_id) or await reader.came(event_id, participant_id)
