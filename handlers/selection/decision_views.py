"""The texts and keyboards of the coordinator's "Отбор" screen: pure functions of the board
(bot/selection/decisions.py), the names and the translator."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import Html, Translator
from bot.selection.decisions import Board, Standing, review_opened
from bot.selection.publish import Published
from handlers.callbacks import CoAction, CoEventCb
from handlers.keyboards.build import Keyboard
from handlers.selection.decision_buttons import (
    CODE_OF,
    SaAction,
    SdAction,
    SelAppCb,
    SelEventCb,
)
from handlers.views.staff import Look, _when
from storage.applications import AppStatus
from storage.db import utcnow
from storage.decisions import Decision

PAGE = 10  # applications per page of the ranked list


def _button(text: str, data: CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data.pack())


def score_text(standing: Standing, t: Translator) -> str:
    ranked = standing.ranked
    if ranked is None or ranked.percent is None:
        return t.plain("seldec.no_scores")
    return t.plain("seldec.percent", p=f"{ranked.percent:.1f}")


def decision_text(standing: Standing, t: Translator) -> Html:
    """The draft before publishing; the status after."""
    app = standing.application
    if app.status is not AppStatus.APPLIED:
        return t(f"seldec.status.{app.status.value}", n=app.reserve_position or 0)
    if app.draft_decision is None:
        return t("seldec.draft.none")
    return t(f"seldec.draft.{app.draft_decision.value}", n=app.reserve_position or 0)


def page_count(board: Board) -> int:
    return max(1, -(-len(board.standings) // PAGE))


def screen_text(board: Board, names: dict[int, str], page: int, look: Look) -> Html:
    t = look.t
    spec, event = board.spec, board.event
    lines: list[str] = [t("seldec.head", title=event.title)]
    lines.append(
        t("seldec.summary", n=len(board.standings), seats=spec.seats, reserve=spec.reserve)
    )
    lines.append(_review_line(board, look))
    if board.experts:
        lines += ["", t("seldec.experts_head")]
        for e in board.experts:
            name = names.get(e.expert_id) or str(e.expert_id)
            if e.late:
                lines.append(t("seldec.expert_late", name=name, done=e.done, total=e.total))
            else:
                lines.append(t("seldec.expert", name=name, done=e.done, total=e.total))
    else:
        lines += ["", t("seldec.no_experts")]
    lines += ["", t("seldec.list_head", page=page + 1, pages=page_count(board))]
    chunk = board.standings[page * PAGE : (page + 1) * PAGE]
    for s in chunk:
        place = str(s.ranked.rank) if s.ranked else "—"
        name = names.get(s.application.participant_id) or str(s.application.participant_id)
        lines.append(
            t(
                "seldec.row",
                place=place,
                score=score_text(s, t),
                name=name,
                what=decision_text(s, t),
            )
        )
    if not chunk:
        lines.append(t("seldec.no_applications"))
    lines += ["", _footer(board, look)]
    return Html("\n".join(lines))


def _review_line(board: Board, look: Look) -> Html:
    t = look.t
    opened = review_opened(board.event, board.times)
    if opened is None:
        return t("seldec.review_unset")
    if opened <= utcnow():
        return t("seldec.review_open", when=_when(opened, t, look.zone))
    return t("seldec.review_at", when=_when(opened, t, look.zone))


def _footer(board: Board, look: Look) -> Html:
    t = look.t
    if board.times.decisions_published_at is not None:
        return t(
            "seldec.published_at", when=_when(board.times.decisions_published_at, t, look.zone)
        )
    return t(
        "seldec.drafts",
        a=board.count(Decision.ACCEPTED),
        r=board.count(Decision.RESERVE),
        j=board.count(Decision.REJECTED),
    )


def screen_keyboard(
    board: Board, names: dict[int, str], page: int, t: Translator
) -> InlineKeyboardMarkup:
    event_id = board.event.id

    def press(action: SdAction, to_page: int = page) -> SelEventCb:
        return SelEventCb(action=action, event_id=event_id, page=to_page)

    kb = Keyboard()
    for s in board.standings[page * PAGE : (page + 1) * PAGE]:
        if s.ranked is None:
            continue  # withdrawn: nothing to decide
        name = names.get(s.application.participant_id) or str(s.application.participant_id)
        data = SelAppCb(action=SaAction.OPEN, app=s.application.id, page=page)
        kb.row(_button(f"{s.ranked.rank}. {name}"[:60], data))
    nav = []
    if page > 0:
        nav.append(_button(t.plain("list.prev"), press(SdAction.SCREEN, page - 1)))
    if page < page_count(board) - 1:
        nav.append(_button(t.plain("list.next"), press(SdAction.SCREEN, page + 1)))
    if nav:
        kb.row(*nav)
    if not board.published:
        opened = review_opened(board.event, board.times)
        if opened is None or opened > utcnow():
            kb.row(_button(t.plain("seldec.btn.open_review"), press(SdAction.OPEN_REVIEW)))
        kb.row(_button(t.plain("seldec.btn.decide"), press(SdAction.DECIDE)))
        kb.row(_button(t.plain("seldec.btn.note"), press(SdAction.NOTE)))
        kb.row(_button(t.plain("seldec.btn.publish"), press(SdAction.PUBLISH)))
    kb.row(_button(t.plain("seldec.btn.export"), press(SdAction.EXPORT)))
    kb.row(_button(t.plain("coord.to_event"), CoEventCb(action=CoAction.OPEN, event_id=event_id)))
    return kb.as_markup()


def application_text(standing: Standing, name: str, t: Translator) -> Html:
    ranked = standing.ranked
    place = str(ranked.rank) if ranked else "—"
    counted = ranked.experts if ranked else 0
    return Html(
        "\n".join(
            [
                t("seldec.app_head", place=place, name=name),
                t("seldec.app_score", score=score_text(standing, t), k=counted),
                t("seldec.app_decision", what=decision_text(standing, t)),
            ]
        )
    )


def application_keyboard(
    standing: Standing, event_id: str, page: int, t: Translator, *, can_change: bool
) -> InlineKeyboardMarkup:
    kb = Keyboard()
    app = standing.application
    if can_change:
        for decision in Decision:
            if decision is app.draft_decision:
                continue
            data = SelAppCb(action=SaAction.SET, app=app.id, to=CODE_OF[decision], page=page)
            kb.row(_button(t.plain(f"seldec.btn.set_{decision.value}"), data))
    back = SelEventCb(action=SdAction.SCREEN, event_id=event_id, page=page)
    kb.row(_button(t.plain("seldec.btn.back"), back))
    return kb.as_markup()


def publish_question(board: Board, t: Translator) -> tuple[Html, InlineKeyboardMarkup]:
    a, r, j = (board.count(d) for d in (Decision.ACCEPTED, Decision.RESERVE, Decision.REJECTED))
    text = t("seldec.publish_ask", title=board.event.title, a=a, r=r, j=j, n=a + r + j)
    yes = SelEventCb(action=SdAction.PUBLISH_YES, event_id=board.event.id)
    no = SelEventCb(action=SdAction.SCREEN, event_id=board.event.id)
    markup = InlineKeyboardMarkup(
        inline_keyboard=[
            [_button(t.plain("seldec.btn.publish_yes"), yes)],
            [_button(t.plain("seldec.btn.back"), no)],
        ]
    )
    return text, markup


def published_text(done: Published, t: Translator) -> Html:
    if done.already:
        return t("seldec.published_before")
    return t("seldec.published", a=done.accepted, r=done.reserve, j=done.rejected, n=done.queued)
