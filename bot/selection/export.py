"""The selection as a table (CSV or XLSX, the writers of bot/staff/export.py): one row per
application in ranked order with its status, reserve place, score and rank, every answer (an
attached file by its name), then each expert's scores per criterion and comment.

The columns of the experts are named by their Telegram id (``score:<id>:<criterion>``,
``comment:<id>``): the file goes to staff only, who know the commission.
"""

from __future__ import annotations

import json
from typing import Any

from bot.registration.form import FormError, Question, display_value, parse_questions
from bot.registration.regions import Regions
from bot.selection.decisions import Board, board
from bot.staff.export import Table
from storage.db import Database, utcnow
from storage.decisions import DecisionRepo, ReviewRow

FIXED = ["event_id", "telegram_id", "status", "reserve_position", "score_percent", "rank"]

Cell = str | int | float | None


def question_ids(raw: list[dict[str, Any]]) -> list[str]:
    return [str(q.get("id")) for q in raw if isinstance(q, dict) and q.get("id")]


def shown_answer(
    value: str | None, question: Question | None, locale: str, regions: Regions
) -> Cell:
    """An answer as staff read it: a file by its name, an option by its label."""
    if value in (None, ""):
        return None
    assert value is not None
    if value.startswith("{"):
        try:
            stored = json.loads(value)
        except ValueError:
            stored = None
        if isinstance(stored, dict) and "name" in stored:
            return str(stored["name"])
    if question is None:
        return value
    return display_value(question, value, locale, regions)


def _questions(raw: list[dict[str, Any]]) -> dict[str, Question]:
    """The questions the registration form knows (a ``file`` question it may not: its
    answers are then shown as stored, a file by its name)."""
    try:
        return {q.id: q for q in parse_questions(raw, "event")}
    except FormError:
        return {}


def expert_columns(current: Board) -> tuple[list[int], list[str]]:
    """The experts (those of the event, then any other who left a review) and their columns."""
    experts = [e.expert_id for e in current.experts]
    for review in current.reviews:
        if review.expert_id not in experts:
            experts.append(review.expert_id)
    header: list[str] = []
    for expert in experts:
        header += [f"score:{expert}:{c.id}" for c in current.spec.criteria]
        header.append(f"comment:{expert}")
    return experts, header


def _review_cells(current: Board, experts: list[int], reviews: dict[int, ReviewRow]) -> list[Cell]:
    cells: list[Cell] = []
    for expert in experts:
        review = reviews.get(expert)
        for criterion in current.spec.criteria:
            value = None if review is None or review.recused else review.scores.get(criterion.id)
            cells.append(value if isinstance(value, int) else None)
        cells.append(review.comment if review is not None else None)
    return cells


async def selection_table(
    db: Database, event_id: str, regions: Regions, locale: str = "ru"
) -> Table:
    """Raises SelectionRefused for an unknown or ordinary event."""
    current = await board(db, event_id, utcnow())
    ids = question_ids(current.event.questions)
    known = _questions(current.event.questions)
    answers = await DecisionRepo(db).answers(event_id)
    experts, expert_header = expert_columns(current)
    by_app: dict[int, dict[int, ReviewRow]] = {}
    for review in current.reviews:
        by_app.setdefault(review.application_id, {})[review.expert_id] = review
    rows: list[list[Cell]] = []
    for standing in current.standings:
        app, ranked = standing.application, standing.ranked
        own = answers.get(app.participant_id, {})
        row: list[Cell] = [
            event_id,
            app.participant_id,
            app.status.value,
            app.reserve_position,
            ranked.percent if ranked else None,
            ranked.rank if ranked else None,
        ]
        row += [shown_answer(own.get(q), known.get(q), locale, regions) for q in ids]
        row += _review_cells(current, experts, by_app.get(app.id, {}))
        rows.append(row)
    return Table(FIXED + ids + expert_header, rows)  # type: ignore[arg-type]
