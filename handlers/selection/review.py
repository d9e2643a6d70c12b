"""/review: an expert scores the applications of their selection event (issue 9, item 2).

One application at a time: its answers (an attached file sent as a document), then one row
of score buttons per criterion, an optional typed comment, "Save", "Skip", "Conflict of
interest". The scores being chosen live in the FSM data (SQLite), so a restart loses none.
Every button names the application; whoever presses it must be an expert of its event, or
they are told the button is not theirs and nothing else (a forged id learns nothing).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from aiogram import Bot, F
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message, TelegramObject
from pydantic import Field

from bot.i18n import Html, Translator
from bot.registration.form import FileAnswer, QuestionType
from bot.registration.regions import Regions
from bot.registration.service import RegistrationService
from bot.selection.reviewing import COMMENT_MAX, Reviewing, ReviewRefused, Target
from bot.timefmt import when
from handlers.common_ui import show
from handlers.participant.context import drop_buttons
from handlers.participant.dialog import DialogData, keep_draft
from handlers.routing import Routes
from handlers.selection import keyboards as skb
from handlers.selection import views as sviews
from handlers.selection.callbacks import ReviewCb, ReviewEventCb, RvAction
from handlers.selection.states import Reviewing as ReviewState
from storage.db import Database
from storage.models import Event

routes = Routes("selection_review")


@dataclass(frozen=True)
class ReviewContext:
    """What the expert's handlers work with, handed over as one object."""

    bot: Bot
    db: Database
    t: Translator
    regions: Regions
    registration: RegistrationService

    @property
    def service(self) -> Reviewing:
        return Reviewing(self.db, clock=self.registration.clock)


def review_context(obj: TelegramObject, **data: Any) -> dict[str, ReviewContext]:
    """A router filter that always passes and hands ``rctx`` to the handlers."""
    return {"rctx": ReviewContext(**{f.name: data[f.name] for f in fields(ReviewContext)})}


class ReviewDraft(DialogData):
    """The application being scored and the scores chosen so far (FSM data); other keys
    (a participant's drafts) ride along untouched."""

    rv_event: str | None = None
    rv_app: int | None = None
    rv_scores: dict[str, int] = Field(default_factory=dict)
    rv_comment: str | None = None
    rv_skipped: list[int] = Field(default_factory=list)


# --- opening /review and moving along the queue --------------------------------------------


@routes.message(Command("review"))
async def cmd_review(message: Message, state: FSMContext, rctx: ReviewContext) -> None:
    assert message.from_user is not None
    me = message.from_user.id
    events = await rctx.service.events_of(me)
    if not events:
        await message.answer(rctx.t("review.not_expert"))
    elif len(events) == 1:
        await show_next(rctx, state, events[0], me)
    else:
        await message.answer(rctx.t("review.pick_event"), reply_markup=skb.events(events))


@routes.callback_query(ReviewEventCb.filter())
async def on_event(
    callback: CallbackQuery, callback_data: ReviewEventCb, state: FSMContext, rctx: ReviewContext
) -> None:
    me = callback.from_user.id
    event = await rctx.service.event_for(me, callback_data.event_id)
    if event is None:
        await callback.answer(rctx.t.plain("review.not_yours"), show_alert=True)
        return
    await callback.answer()
    await show_next(rctx, state, event, me)


async def show_next(rctx: ReviewContext, state: FSMContext, event: Event, me: int) -> None:
    """The next application of the expert's queue, or why there is none."""
    t, service = rctx.t, rctx.service
    window = await service.window(event)
    if window.published:
        await rctx.bot.send_message(me, t("review.closed.published"))
        return
    if not window.open:
        opens = Html(when(window.opens_at, t))
        await rctx.bot.send_message(me, t("review.not_open", title=event.title, when=opens))
        return
    draft = await ReviewDraft.load(state)
    skipped = tuple(draft.rv_skipped) if draft.rv_event == event.id else ()
    queue = await service.queue(event, me, skipped)
    target = await service.target(me, queue.next_id) if queue.next_id is not None else None
    if target is None:
        await rctx.bot.send_message(me, t("review.done", title=event.title, total=queue.total))
        return
    page = sviews.ReviewPage(
        target.application.id,
        queue,
        rctx.registration.event_questions(event),
        await service.answers(target),
    )
    for chunk in sviews.review_chunks(page, t, rctx.regions):
        await rctx.bot.send_message(me, chunk)
    await send_files(rctx, me, page)
    draft.rv_event, draft.rv_skipped = event.id, list(skipped)
    await start_scoring(rctx, state, target, me, draft)


async def send_files(rctx: ReviewContext, me: int, page: sviews.ReviewPage) -> None:
    """Attached files, sent as documents by the file id Telegram gave the applicant's upload."""
    for q in page.questions:
        attached = FileAnswer.parse(page.answers.get(q.id)) if q.type is QuestionType.FILE else None
        if attached is not None:
            caption = rctx.t("review.file", label=q.title(rctx.t.locale), name=attached.name)
            await rctx.bot.send_document(me, attached.file_id, caption=caption)


async def start_scoring(
    rctx: ReviewContext, state: FSMContext, target: Target, me: int, draft: ReviewDraft
) -> None:
    """The scoring message; the draft (scores given before, for a change) in the FSM."""
    own = await rctx.service.own(target, me)
    if await state.get_state() not in (None, ReviewState.scoring.state):
        # A questionnaire was open: what it collected is kept as a draft, as on any detour.
        await keep_draft(state)
        own_keys = {k: v for k, v in draft.dump().items() if k.startswith("rv_")}
        draft = ReviewDraft.model_validate({**(await state.get_data()), **own_keys})
    draft.rv_app = target.application.id
    draft.rv_scores = dict(own.scores) if own and not own.recused else {}
    draft.rv_comment = own.comment if own else None
    await state.set_state(ReviewState.scoring)
    await draft.save(state)
    text, markup = scoring_card(rctx, target, draft)
    await rctx.bot.send_message(me, text, reply_markup=markup)


def scoring_card(
    rctx: ReviewContext, target: Target, draft: ReviewDraft
) -> tuple[Html, InlineKeyboardMarkup]:
    """The scoring message of an application: the scores and comment so far, the buttons."""
    text = sviews.scoring_text(target.spec, draft.rv_scores, draft.rv_comment, rctx.t)
    return text, skb.scoring(target.spec, target.application.id, draft.rv_scores, rctx.t)


# --- the buttons: checked against the presser first -----------------------------------------


async def guard(callback: CallbackQuery, rctx: ReviewContext, app: int) -> Target | None:
    """The application a button names, if the presser is an expert of its event; otherwise
    an alert that says only that the button is not theirs."""
    target = await rctx.service.target(callback.from_user.id, app)
    if target is None:
        await callback.answer(rctx.t.plain("review.not_yours"), show_alert=True)
    return target


async def scoring_draft(
    callback: CallbackQuery, state: FSMContext, rctx: ReviewContext, target: Target
) -> ReviewDraft | None:
    """The draft of this application, or None (an alert) when another one is being scored
    now: an old card's button."""
    draft = await ReviewDraft.load(state)
    if (
        await state.get_state() != ReviewState.scoring.state
        or draft.rv_app != target.application.id
    ):
        await callback.answer(rctx.t.plain("review.stale_card"), show_alert=True)
        return None
    return draft


async def being_scored(
    callback: CallbackQuery, callback_data: ReviewCb, state: FSMContext, rctx: ReviewContext
) -> tuple[Target, ReviewDraft] | None:
    """The application a scoring button is for and the draft of its scores, or None when the
    button may not act (the person was told why: not their review, or an old card)."""
    target = await guard(callback, rctx, callback_data.app)
    draft = await scoring_draft(callback, state, rctx, target) if target else None
    if target is None or draft is None:
        return None
    return target, draft


async def refresh(
    callback: CallbackQuery, rctx: ReviewContext, target: Target, draft: ReviewDraft
) -> None:
    await show(callback, *scoring_card(rctx, target, draft))


@routes.callback_query(ReviewCb.filter(F.action == RvAction.SCORE))
async def on_score(
    callback: CallbackQuery, callback_data: ReviewCb, state: FSMContext, rctx: ReviewContext
) -> None:
    scoring = await being_scored(callback, callback_data, state, rctx)
    if scoring is None:
        return
    target, draft = scoring
    criteria = target.spec.criteria
    if callback_data.c >= len(criteria) or callback_data.v > criteria[callback_data.c].max:
        await callback.answer(rctx.t.plain("review.stale_card"), show_alert=True)
        return
    criterion = criteria[callback_data.c]
    draft.rv_scores = {**draft.rv_scores, criterion.id: callback_data.v}
    await draft.save(state)
    await callback.answer(f"{criterion.title.get(rctx.t.locale)}: {callback_data.v}")
    await refresh(callback, rctx, target, draft)


@routes.callback_query(ReviewCb.filter(F.action == RvAction.LABEL))
async def on_label(callback: CallbackQuery, callback_data: ReviewCb, rctx: ReviewContext) -> None:
    target = await guard(callback, rctx, callback_data.app)
    if target is None:
        return
    criteria = target.spec.criteria
    index = min(callback_data.c, len(criteria) - 1)
    await callback.answer(
        rctx.t.plain("review.label_hint", title=criteria[index].title.get(rctx.t.locale))
    )


@routes.callback_query(ReviewCb.filter(F.action == RvAction.SAVE))
async def on_save(
    callback: CallbackQuery, callback_data: ReviewCb, state: FSMContext, rctx: ReviewContext
) -> None:
    scoring = await being_scored(callback, callback_data, state, rctx)
    if scoring is None:
        return
    target, draft = scoring
    try:
        await rctx.service.save(target, callback.from_user.id, draft.rv_scores, draft.rv_comment)
    except ReviewRefused as exc:
        await callback.answer(rctx.t.plain(f"review.closed.{exc.reason.value}"), show_alert=True)
        return
    # The card shows the scores just saved: taken before leaving scoring empties the draft.
    text = sviews.scoring_text(
        target.spec, draft.rv_scores, draft.rv_comment, rctx.t, still_scoring=False
    )
    await leave_scoring(state, draft)
    await callback.answer(rctx.t.plain("review.saved_short"))
    done = rctx.t("review.saved")
    await show(callback, text + "\n\n" + done, skb.saved(target.application.id, rctx.t))


async def leave_scoring(state: FSMContext, draft: ReviewDraft) -> None:
    """The application is done with (saved, recused): the draft goes, the skips stay."""
    draft.rv_app, draft.rv_scores, draft.rv_comment = None, {}, None
    await state.set_state(None)
    await draft.save(state)


@routes.callback_query(ReviewCb.filter(F.action == RvAction.SKIP))
async def on_skip(
    callback: CallbackQuery, callback_data: ReviewCb, state: FSMContext, rctx: ReviewContext
) -> None:
    scoring = await being_scored(callback, callback_data, state, rctx)
    if scoring is None:
        return
    target, draft = scoring
    draft.rv_skipped = [*draft.rv_skipped, target.application.id]
    await leave_scoring(state, draft)
    await callback.answer(rctx.t.plain("review.skipped"))
    await drop_buttons(callback)
    await show_next(rctx, state, target.event, callback.from_user.id)


@routes.callback_query(ReviewCb.filter(F.action == RvAction.RECUSE))
async def on_recuse(
    callback: CallbackQuery, callback_data: ReviewCb, state: FSMContext, rctx: ReviewContext
) -> None:
    scoring = await being_scored(callback, callback_data, state, rctx)
    if scoring is None:
        return
    target, draft = scoring
    try:
        await rctx.service.recuse(target, callback.from_user.id)
    except ReviewRefused as exc:
        await callback.answer(rctx.t.plain(f"review.closed.{exc.reason.value}"), show_alert=True)
        return
    await leave_scoring(state, draft)
    await callback.answer(rctx.t.plain("review.recused"), show_alert=True)
    await show(callback, rctx.t("review.recused_card", number=target.application.id))
    await show_next(rctx, state, target.event, callback.from_user.id)


@routes.callback_query(ReviewCb.filter(F.action == RvAction.OTHERS))
async def on_others(callback: CallbackQuery, callback_data: ReviewCb, rctx: ReviewContext) -> None:
    target = await guard(callback, rctx, callback_data.app)
    if target is None:
        return
    others = await rctx.service.others(target, callback.from_user.id)
    if others is None:
        await callback.answer(rctx.t.plain("review.blind"), show_alert=True)
        return
    await callback.answer()
    await rctx.bot.send_message(
        callback.from_user.id, sviews.others_text(target.spec, others, rctx.t)
    )


@routes.callback_query(ReviewCb.filter(F.action == RvAction.CHANGE))
async def on_change(
    callback: CallbackQuery, callback_data: ReviewCb, state: FSMContext, rctx: ReviewContext
) -> None:
    target = await guard(callback, rctx, callback_data.app)
    if target is None:
        return
    window = await rctx.service.window(target.event)
    if window.published:
        await callback.answer(rctx.t.plain("review.closed.published"), show_alert=True)
        return
    await callback.answer()
    draft = await ReviewDraft.load(state)
    draft.rv_event = target.event.id
    await start_scoring(rctx, state, target, callback.from_user.id, draft)


@routes.callback_query(ReviewCb.filter(F.action == RvAction.NEXT))
async def on_next(
    callback: CallbackQuery, callback_data: ReviewCb, state: FSMContext, rctx: ReviewContext
) -> None:
    target = await guard(callback, rctx, callback_data.app)
    if target is None:
        return
    await callback.answer()
    await drop_buttons(callback)
    await show_next(rctx, state, target.event, callback.from_user.id)


@routes.callback_query(ReviewCb.filter())
@routes.callback_query(ReviewEventCb.filter())
async def on_stale(callback: CallbackQuery, rctx: ReviewContext) -> None:
    """A button of this feature that does not decode into anything it knows."""
    await callback.answer(rctx.t.plain("review.not_yours"), show_alert=True)


# --- the comment, typed while scoring --------------------------------------------------------


@routes.message(ReviewState.scoring, F.text & ~F.text.startswith("/"))
async def on_comment(message: Message, state: FSMContext, rctx: ReviewContext) -> None:
    assert message.text is not None and message.from_user is not None
    draft = await ReviewDraft.load(state)
    target = await rctx.service.target(message.from_user.id, draft.rv_app or 0)
    if target is None:  # no longer an expert of it
        await state.set_state(None)
        await message.answer(rctx.t("review.not_expert"))
        return
    text = message.text.strip()
    if len(text) > COMMENT_MAX:
        await message.answer(rctx.t("review.comment_too_long", limit=COMMENT_MAX))
        return
    draft.rv_comment = text or None
    await draft.save(state)
    spec_text, markup = scoring_card(rctx, target, draft)
    await message.answer(rctx.t("review.comment_saved") + "\n\n" + spec_text, reply_markup=markup)


@routes.message(ReviewState.scoring, ~F.text.startswith("/"))
async def on_not_text(message: Message, rctx: ReviewContext) -> None:
    await message.answer(rctx.t("review.comment_only_text"))
