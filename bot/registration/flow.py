"""Question keys of a questionnaire in progress: ``p.<id>`` (profile) and ``e.<id>`` (event)."""

from __future__ import annotations

from bot.registration.form import Form, Question

PROFILE_SCOPE = "p"
EVENT_SCOPE = "e"


def key(scope: str, question_id: str) -> str:
    return f"{scope}.{question_id}"


def split(question_key: str) -> tuple[str, str]:
    scope, _, question_id = question_key.partition(".")
    return scope, question_id


def resolve(question_key: str, form: Form, event_questions: list[Question]) -> Question | None:
    scope, question_id = split(question_key)
    if scope == PROFILE_SCOPE:
        return form.get(question_id)
    if scope == EVENT_SCOPE:
        return next((q for q in event_questions if q.id == question_id), None)
    return None


def by_scope(answers: dict[str, str | None], scope: str) -> dict[str, str | None]:
    return {split(k)[1]: v for k, v in answers.items() if split(k)[0] == scope}
