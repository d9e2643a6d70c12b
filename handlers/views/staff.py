"""The coordinator's message texts, built from data (every value escaped by ``t``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from bot.events.input import Draft, EventField
from bot.i18n import Html, Translator, esc
from bot.registration.form import Form, QuestionType
from bot.registration.regions import Regions
from bot.staff.coordination import CoordinatorInfo, Invite, RosterRow
from bot.staff.stats import Summary
from bot.timefmt import duration, short_date, when
from handlers.staff.common import invite_scope, scope_name
from handlers.views.participant import cut
from storage.models import Event, EventCounts, EventStatus, RegStatus

NAME_LIMIT = 60  # characters of a name, an organisation in the participants list


class Look(NamedTuple):
    """How a coordinator reads: their language, the names of the districts, the time zone."""

    t: Translator
    regions: Regions
    zone: ZoneInfo


def _when(moment: datetime, t: Translator, zone: ZoneInfo) -> Html:
    return Html(when(moment, t, base=zone))


def counts_line(event: Event, counts: EventCounts | None, t: Translator) -> Html:
    counts = counts or EventCounts()
    if event.capacity is None:
        line = t("coord.counts_open", registered=counts.registered)
    else:
        line = t("coord.counts", registered=counts.registered, capacity=event.capacity)
    if counts.waitlisted:
        line = Html(line + t("coord.counts_waiting", waitlisted=counts.waitlisted))
    return line


def events_list(
    items: list[tuple[Event, EventCounts | None, str]],
    page: int,
    pages: int,
    look: Look,
    scope: str | None,
) -> Html:
    t, regions, zone = look
    head = t("coord.list_title", scope=scope_name(scope, regions, t))
    if pages > 1:
        head = Html(head + " " + t("coord.page", page=page + 1, pages=pages))
    if not items:
        return Html(head + "\n\n" + t("coord.list_empty"))
    lines: list[str] = [head]
    for event, counts, link in items:
        lines.append("")
        title = t("coord.item_title", title=event.title)
        if event.status is EventStatus.CANCELLED:
            title = Html(title + " " + t("coord.cancelled_mark"))
        lines.append(title)
        place = scope_name(event.district, regions, t)
        lines.append(
            t("coord.item_when", when=short_date(event.starts_at, t, zone), district=place)
            + " · "
            + counts_line(event, counts, t)
        )
        lines.append(esc(link))
    return Html("\n".join(lines))


def field_value(
    field: EventField, draft: Draft, t: Translator, regions: Regions, zone: ZoneInfo
) -> Html:
    """One field of a draft as a coordinator reads it."""
    value: Any = draft.get(field)
    if field is EventField.TITLE:
        return esc(value)
    if field is EventField.KIND:
        return t(f"kind.{value}")
    if field is EventField.DISTRICT:
        return esc(scope_name(value, regions, t))
    if field is EventField.STARTS:
        return _when(datetime.fromisoformat(value), t, zone)
    if field is EventField.DURATION:
        return esc(duration(int(value), t))
    if field is EventField.PLACE:
        place = value or {}
        parts = [esc(p) for p in (place.get("location"), place.get("online_url")) if p]
        return Html(", ".join(parts))
    if field is EventField.CAPACITY:
        return t("newevent.no_limit") if value is None else esc(value)
    if field is EventField.DEADLINE:
        if not value:
            return t("newevent.no_deadline")
        return _when(datetime.fromisoformat(value), t, zone)
    return esc(cut(value, 300)) if value else t("newevent.no_description")


def draft_summary(
    draft: Draft, t: Translator, regions: Regions, zone: ZoneInfo, head: Html
) -> Html:
    lines: list[str] = [head, ""]
    for field in EventField:
        if field in draft:
            lines.append(
                t(
                    "newevent.summary_item",
                    label=t.plain(f"newevent.field.{field.value}"),
                    value=field_value(field, draft, t, regions, zone),
                )
            )
    return Html("\n".join(lines))


def event_card(event: Event, counts: EventCounts | None, link: str, look: Look) -> Html:
    t, regions, zone = look
    lines: list[str] = [t("coord.card_title", title=event.title)]
    if event.status is EventStatus.CANCELLED:
        lines.append(t("coord.card_cancelled"))
    lines.append(t(f"kind.{event.kind}") + " · " + esc(scope_name(event.district, regions, t)))
    lines.append("")
    lines.append(t("coord.card_when", when=_when(event.starts_at, t, zone)))
    lines.append(t("coord.card_duration", duration=duration(event.duration_minutes, t)))
    if event.location:
        lines.append(t("coord.card_place", place=event.location))
    if event.online_url:
        lines.append(t("coord.card_online", url=event.online_url))
    if event.registration_deadline:
        lines.append(t("coord.card_deadline", when=_when(event.registration_deadline, t, zone)))
    lines.append(t("coord.card_counts", counts=counts_line(event, counts, t)))
    if counts and counts.cancelled:
        lines.append(t("coord.card_cancelled_regs", cancelled=counts.cancelled))
    lines.append("")
    lines.append(t("coord.card_link", link=link))
    return Html("\n".join(lines))


def people(event: Event, rows: list[RosterRow], page: int, pages: int, t: Translator) -> Html:
    head = t("coord.people_title", title=event.title)
    if pages > 1:
        head = Html(head + " " + t("coord.page", page=page + 1, pages=pages))
    if not rows:
        return Html(head + "\n\n" + t("coord.people_empty"))
    lines: list[str] = [head, ""]
    for row in rows:
        status = t(f"coord.status.{row.status.value}")
        if row.status is RegStatus.WAITLISTED and row.position:
            status = t("coord.status_position", position=row.position)
        details = ", ".join(v for v in (cut(row.organisation, NAME_LIMIT), row.region) if v)
        lines.append(
            t(
                "coord.people_row",
                n=row.number,
                name=cut(row.name, NAME_LIMIT),
                details=details or "—",
                status=status,
            )
        )
    return Html("\n".join(lines))


def stats(summary: Summary, head: Html, t: Translator, regions: Regions, form: Form) -> Html:
    lines: list[str] = [head, ""]
    if summary.total == 0:
        lines.append(t("stats.empty"))
        return Html("\n".join(lines))
    lines.append(t("stats.registered", n=summary.registered))
    lines.append(t("stats.waitlisted", n=summary.waitlisted))
    lines.append(t("stats.cancelled", n=summary.cancelled))
    if summary.events > 1:
        lines.append(t("stats.events", n=summary.events, people=summary.people))
    if summary.by_district:
        lines += ["", t("stats.by_district")]
        for code, n in summary.by_district:
            name = scope_name(code, regions, t) if code else t.plain("stats.unknown")
            lines.append(t("stats.row", label=name, n=n))
    role = form.get("role")
    if summary.by_role and role is not None and role.type is QuestionType.CHOICE:
        lines += ["", t("stats.by_role")]
        for value, n in summary.by_role:
            option = role.option(value) if value else None
            label = option.label.get(t.locale) if option else (value or t.plain("stats.unknown"))
            lines.append(t("stats.row", label=label, n=n))
    return Html("\n".join(lines))


def coordinators(
    items: list[CoordinatorInfo], admins: frozenset[int], t: Translator, regions: Regions
) -> Html:
    lines = [t("coord.admin_title"), ""]
    if not items:
        lines.append(t("coord.admin_empty"))
    for c in items:
        who = esc(c.first_name) if c.first_name else t("coord.admin_unknown_name")
        if c.username:
            who = Html(who + " " + esc("@" + c.username))
        lines.append(
            t(
                "coord.admin_row",
                who=who,
                id=str(c.telegram_id),
                scope=scope_name(c.district, regions, t),
            )
        )
    lines += ["", t("coord.admin_admins", ids=", ".join(str(i) for i in sorted(admins)) or "—")]
    lines += ["", t("coord.admin_hint")]
    return Html("\n".join(lines))


def invites(items: list[Invite], t: Translator, regions: Regions, zone: ZoneInfo) -> Html:
    """The open invitations, numbered as their "revoke" buttons."""
    lines = [t("coord.invites_title"), ""]
    if not items:
        lines.append(t("coord.invites_empty"))
    for invite in items:
        assert invite.created_at is not None and invite.expires_at is not None
        lines.append(
            t(
                "coord.invites_row",
                n=invite.id,
                scope=invite_scope(invite, regions, t),
                created=_when(invite.created_at, t, zone),
                until=_when(invite.expires_at, t, zone),
            )
        )
    return Html("\n".join(lines))
