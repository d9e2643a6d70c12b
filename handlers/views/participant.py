"""Message texts built from data: every value from a person or a file is escaped by ``t``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.i18n import Html, Translator, esc
from bot.registration.form import FILE_MAX_MB, Question, QuestionType
from bot.registration.regions import Regions
from bot.registration.service import Closed
from bot.timefmt import duration, short_date, when
from storage.models import Event, EventStatus, Registration, RegStatus

VALUE_LIMIT = 300  # characters of one answer shown in a summary


def cut(value: str, limit: int = VALUE_LIMIT) -> str:
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


@dataclass(frozen=True, slots=True)
class CardState:
    """What an event card says about the person and the seats, as read just now.

    ``own_zone``: the person's time zone; ``status``: their registration (None when none or
    cancelled); ``position``: on the waiting list; ``closed``: why registration is closed."""

    own_zone: str | None
    seats_left: int | None
    status: RegStatus | None
    position: int | None
    closed: Closed | None


def event_card(event: Event, t: Translator, regions: Regions, card: CardState) -> Html:
    lines: list[str] = [t("card.title", title=event.title), t(f"kind.{event.kind}")]
    lines.append("")
    lines.append(t("card.when", when=Html(when(event.starts_at, t, card.own_zone))))
    lines.append(t("card.duration", duration=duration(event.duration_minutes, t)))
    if event.online_url and event.location:
        lines.append(t("card.hybrid", place=event.location))
    elif event.online_url:
        lines.append(t("card.online"))
    else:
        lines.append(t("card.place", place=event.location or ""))
    if event.district:
        district = regions.district(event.district)
        if district:
            lines.append(t("card.district", district=district.name(t.locale)))
    if event.capacity is not None and card.seats_left is not None:
        if card.seats_left > 0:
            lines.append(t("card.seats", left=card.seats_left, capacity=event.capacity))
        else:
            lines.append(t("card.full"))
    if event.registration_deadline:
        lines.append(t("card.deadline", when=Html(when(event.registration_deadline, t))))
    if event.description:
        lines.append("")
        lines.append(esc(cut(event.description, 2000)))
    lines.append("")
    if event.status is EventStatus.CANCELLED:
        lines.append(t("closed.cancelled"))  # whatever the person's status was
    elif card.status is RegStatus.REGISTERED:
        lines.append(t("card.you_registered"))
        if event.online_url:
            lines.append(t("card.link", url=event.online_url))
    elif card.status is RegStatus.WAITLISTED:
        lines.append(t("card.you_waitlisted", position=card.position or 0))
    elif card.closed is not None:
        lines.append(t(f"closed.{card.closed.value}"))
    return Html("\n".join(lines))


def question_text(q: Question, t: Translator, *, number: int | None, total: int | None) -> Html:
    """A question as asked: the progress, the prompt, and a hint of what is expected."""
    parts: list[str] = []
    if number and total and total > 1:
        parts.append(t("question.progress", n=number, total=total))
    parts.append(esc(q.prompt.get(t.locale)))
    if q.type is QuestionType.CONSENT:
        if q.text is not None:
            parts.append("")
            parts.append(t("consent.text", text=q.text.get(t.locale)))
        if q.url:
            parts.append(t("consent.link", url=q.url))
    elif q.type is QuestionType.TEXT:
        parts.append(t("question.hint_text", limit=q.limit))
    elif q.type is QuestionType.EMAIL:
        parts.append(t("question.hint_email"))
    elif q.type is QuestionType.PHONE:
        parts.append(t("question.hint_phone"))
    elif q.type is QuestionType.FILE:
        parts.append(t("question.hint_file", mb=FILE_MAX_MB))
    if not q.required:
        parts.append(t("question.optional"))
    return Html("\n".join(parts))


def events_list(events: list[Event], page: int, pages: int, t: Translator) -> Html:
    if not events:
        return t("list.empty")
    head = t("list.title") if pages == 1 else t("list.title_paged", page=page + 1, pages=pages)
    return Html(head + "\n\n" + t("list.hint"))


def answer_lines(items: list[tuple[str, str | None]], t: Translator) -> list[str]:
    """ "Label: value" per answer (a summary, the profile); a skipped one says so."""
    return [
        t(
            "summary.item",
            label=label,
            value=t("summary.skipped") if value in (None, "") else esc(cut(value)),
        )
        for label, value in items
    ]


def summary(event: Event, items: list[tuple[str, str | None]], t: Translator) -> Html:
    if event.selection is not None:  # an application to a selection (issue 9)
        title = t("selection.summary_title", title=event.title)
    else:
        title = t("summary.title", title=event.title)
    lines: list[str] = [title, "", *answer_lines(items, t)]
    lines.append("")
    lines.append(t("summary.question"))
    return Html("\n".join(lines))


def profile(
    items: list[tuple[str, str | None]],
    t: Translator,
    *,
    consent_at: datetime | None,
    own_zone: str | None,
) -> Html:
    if not items:
        return t("profile.empty")
    lines: list[str] = [t("profile.title"), "", *answer_lines(items, t)]
    if consent_at:
        lines.append("")
        lines.append(t("profile.consent", when=Html(when(consent_at, t, own_zone))))
    return Html("\n".join(lines))


def registered(
    event: Event,
    t: Translator,
    *,
    status: RegStatus,
    position: int | None,
    already: bool,
    own_zone: str | None,
) -> Html:
    if status is RegStatus.WAITLISTED:
        key = "done.already_waitlisted" if already else "done.waitlisted"
        head = t(key, title=event.title, position=position or 0)
    else:
        key = "done.already_registered" if already else "done.registered"
        head = t(key, title=event.title)
    lines = [head, "", t("card.when", when=Html(when(event.starts_at, t, own_zone)))]
    lines.append(t("card.duration", duration=duration(event.duration_minutes, t)))
    if event.location:
        lines.append(t("card.place", place=event.location))
    if status is RegStatus.REGISTERED and event.online_url:
        lines.append(t("card.link", url=event.online_url))
    if status is RegStatus.REGISTERED:
        lines.append("")
        lines.append(t("done.calendar_hint"))
    return Html("\n".join(lines))


def my_registrations(items: list[tuple[Registration, Event]], t: Translator, now: datetime) -> Html:
    if not items:
        return t("my.empty")
    upcoming = [(r, e) for r, e in items if e.ends_at > now and r.status != RegStatus.CANCELLED]
    past = [(r, e) for r, e in items if e.ends_at <= now and r.status != RegStatus.CANCELLED]
    cancelled = [(r, e) for r, e in items if r.status == RegStatus.CANCELLED and e.ends_at > now]
    lines: list[str] = [t("my.title")]

    def line(reg: Registration, event: Event, position: int | None = None) -> Html:
        status = t(f"status.{reg.status.value}")
        if event.status is EventStatus.CANCELLED:
            status = t("status.event_cancelled")
        return t("my.item", when=short_date(event.starts_at, t), title=event.title, status=status)

    if upcoming:
        lines += ["", t("my.upcoming")] + [line(r, e) for r, e in upcoming]
    if cancelled:
        lines += ["", t("my.cancelled")] + [line(r, e) for r, e in cancelled]
    if past:
        lines += ["", t("my.past")] + [line(r, e) for r, e in past]
    return Html("\n".join(lines))
