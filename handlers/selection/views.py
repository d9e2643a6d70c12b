"""Texts of selection events built from data (every value a person typed is escaped by ``t``)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.i18n import Html, Translator, esc
from bot.registration.form import Question, display_value
from bot.registration.regions import Regions
from bot.registration.service import Closed
from bot.selection.applying import application_deadline
from bot.selection.config import SelectionSpec
from bot.selection.reviewing import Queue
from bot.timefmt import short_date, when
from handlers.views.participant import cut
from storage.applications import Application, AppStatus
from storage.models import Event, EventStatus
from storage.reviews import Review

#: Characters of one message the bot builds from answers (Telegram allows 4096).
MESSAGE_BUDGET = 3800


def status_text(application: Application, t: Translator) -> Html:
    """The status in words; the reserve with its position."""
    if application.status is AppStatus.RESERVE:
        return t("selection.status.reserve_at", position=application.reserve_position or 0)
    return t(f"selection.status.{application.status.value}")


def selection_line(event: Event, spec: SelectionSpec, t: Translator) -> Html:
    """ "отбор: заявки до …, мест …" (in place of the seats left)."""
    return t(
        "selection.card_line",
        until=Html(when(application_deadline(event), t)),
        seats=spec.seats,
    )


def card_tail(
    event: Event, application: Application | None, closed: Closed | None, t: Translator
) -> list[str]:
    """What follows the event card: the person's application, or why none can be made."""
    if event.status is EventStatus.CANCELLED:
        return []
    if application is not None and application.status is not AppStatus.WITHDRAWN:
        return [t("selection.card_status", status=status_text(application, t))]
    if closed is not None:
        return [t("selection.closed")]
    return [t("selection.card_invite")]


def answers_text(
    event: Event,
    questions: list[Question],
    answers: dict[str, str],
    t: Translator,
    regions: Regions,
) -> Html:
    """An application's answers as the applicant reads them back (each cut to a summary)."""
    lines = [t("selection.view_title", title=event.title), ""]
    for q in questions:
        shown = display_value(q, answers.get(q.id) or None, t.locale, regions)
        value = esc(cut(shown)) if shown else t("summary.skipped")
        lines.append(t("selection.answer", label=q.title(t.locale), value=Html(value)))
    return Html("\n".join(lines))


def my_applications(items: list[tuple[Application, Event]], t: Translator) -> list[str]:
    """The applications' part of /my ([] when the person has none)."""
    if not items:
        return []
    lines = ["", t("selection.my_title")]
    for application, event in items:
        lines.append(
            t(
                "my.item",
                when=short_date(event.starts_at, t),
                title=event.title,
                status=status_text(application, t),
            )
        )
    return lines


@dataclass(frozen=True, slots=True)
class ReviewPage:
    """One application as an expert sees it: its number, the expert's queue, the form."""

    number: int
    queue: Queue
    questions: list[Question]
    answers: dict[str, str]


def review_chunks(page: ReviewPage, t: Translator, regions: Regions) -> list[Html]:
    """An application shown to an expert: a head and every answer in full, split into
    messages under Telegram's limit (long answers may be up to 3,000 characters each)."""
    queue, answers = page.queue, page.answers
    head = [t("review.head", number=page.number, left=queue.remaining, total=queue.total)]
    name = answers.get("p.full_name")
    if name:
        organisation = answers.get("p.organization") or ""
        head.append(t("review.applicant", name=name, organisation=organisation))
    blocks = ["\n".join(head)]
    for q in page.questions:
        shown = display_value(q, answers.get(q.id) or None, t.locale, regions)
        text = esc(shown) if shown else t("summary.skipped")
        blocks.append(t("review.answer", label=q.title(t.locale), value=Html(text)))
    chunks: list[str] = []
    for block in blocks:
        if chunks and len(chunks[-1]) + len(block) + 2 <= MESSAGE_BUDGET:
            chunks[-1] += "\n\n" + block
        else:
            chunks.append(block)
    return [Html(c) for c in chunks]


def scoring_text(
    spec: SelectionSpec,
    scores: dict[str, int],
    comment: str | None,
    t: Translator,
    *,
    still_scoring: bool = True,
) -> Html:
    """The scores and the comment so far; while scoring, how to add a comment (not once the
    score is saved: a message then is no comment any more)."""
    lines: list[str] = [t("review.scoring_title")]
    for n, c in enumerate(spec.criteria, start=1):
        score = scores.get(c.id)
        lines.append(
            t(
                "review.criterion",
                n=n,
                title=c.title.get(t.locale),
                weight=c.weight,
                max=c.max,
                score=str(score) if score is not None else "—",
            )
        )
    lines.append("")
    if comment:
        lines.append(t("review.comment_is", comment=cut(comment)))
    if still_scoring:
        lines.append(t("review.comment_hint"))
    return Html("\n".join(lines))


def others_text(spec: SelectionSpec, reviews: list[Review], t: Translator) -> Html:
    if not reviews:
        return t("review.others_none")
    lines = [t("review.others_title")]
    for n, review in enumerate(reviews, start=1):
        parts = ", ".join(
            f"{esc(c.title.get(t.locale))}: {review.scores.get(c.id, '—')}" for c in spec.criteria
        )
        lines.append(t("review.other", n=n, scores=Html(parts)))
        if review.comment:
            lines.append(t("review.other_comment", comment=cut(review.comment)))
    return Html("\n".join(lines))
