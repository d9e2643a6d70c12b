"""The decisions as the applicant reads them (rendered by the delivery queue when sent) and the
buttons of an accepted applicant: "Подтверждаю участие" and "Не смогу" (asked once more: the
seat then goes to the next on the reserve list).

The buttons carry the application's number; the service checks that it is the presser's own
and still waiting for an answer, so another person's, a second or an old press is told why
and changes nothing.
"""

from __future__ import annotations

import contextlib
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

from aiogram import Bot, F
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from pydantic import Field

from bot.delivery.reminders import plan_now
from bot.i18n import Html, Translator, translator
from bot.selection import confirm as service
from bot.selection.publish import News
from bot.timefmt import when
from handlers.routing import Routes
from storage.applications import AppStatus
from storage.db import Database, utcnow
from storage.decisions import Application, DecisionRepo
from storage.events import EventRepo
from storage.models import Event, EventStatus
from storage.outbox import OutItem
from storage.participants import ParticipantRepo

if TYPE_CHECKING:
    from bot.runtime import Runtime

routes = Routes("selection_confirm")

AppId = Annotated[int, Field(ge=0, le=2**53)]  # an SQLite rowid


class ApAction(StrEnum):
    CONFIRM = "c"
    DECLINE = "d"  # ask once more
    DECLINE_YES = "y"
    KEEP = "k"  # changed their mind: the question goes, the seat stays


class ApplicantCb(CallbackData, prefix="sq1"):
    action: ApAction
    app: AppId


def _button(text: str, action: ApAction, app: int) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=ApplicantCb(action=action, app=app).pack())


def answer_buttons(app: int, t: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [_button(t.plain("seldec.btn.confirm"), ApAction.CONFIRM, app)],
            [_button(t.plain("seldec.btn.decline"), ApAction.DECLINE, app)],
        ]
    )


def decline_question(app: int, t: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [_button(t.plain("seldec.btn.decline_yes"), ApAction.DECLINE_YES, app)],
            [_button(t.plain("seldec.btn.keep"), ApAction.KEEP, app)],
        ]
    )


# --- the messages the delivery queue sends ---------------------------------------------------


def news_text(news: News, event: Event, app: Application, t: Translator, zone: str | None) -> Html:
    if news in (News.ACCEPTED, News.PROMOTED):
        if news is News.ACCEPTED:
            head = t("seldec.news.accepted", title=event.title)
        else:
            head = t("seldec.news.promoted", title=event.title)
        assert app.confirm_by is not None
        deadline = Html(when(app.confirm_by, t, zone))
        lines = [head, "", t("seldec.news.next_steps", deadline=deadline)]
    elif news is News.RESERVE:
        lines = [t("seldec.news.reserve", title=event.title, n=app.reserve_position or 0)]
    elif news is News.REJECTED:
        lines = [t("seldec.news.rejected", title=event.title)]
        if app.note:
            lines += ["", t("seldec.news.note", note=app.note)]
    else:
        lines = [t("seldec.news.expired", title=event.title)]
    return Html("\n".join(lines))


async def render_decision(bot: Bot, item: OutItem, db: Database) -> bool:
    """One message about a decision, or False when its news is no longer true (the status
    moved on before it was sent) or the event is gone or cancelled."""
    try:
        news = News(str(item.payload.get("news")))
        app = await DecisionRepo(db).get(int(item.payload.get("app", 0)))
    except (TypeError, ValueError):
        return False
    if app is None or app.status is not news.status or app.participant_id != item.chat_id:
        return False
    event = await EventRepo(db).get(app.event_id)
    if event is None or event.status is EventStatus.CANCELLED:
        return False
    person = await ParticipantRepo(db).get(item.chat_id)
    t = translator(person.language if person else "ru")
    zone = person.timezone if person else None
    markup = answer_buttons(app.id, t) if news.status is AppStatus.ACCEPTED else None
    await bot.send_message(item.chat_id, news_text(news, event, app, t, zone), reply_markup=markup)
    return True


# --- the accepted applicant's buttons --------------------------------------------------------


async def _drop_buttons(callback: CallbackQuery) -> None:
    message = callback.message
    if isinstance(message, Message):
        with contextlib.suppress(TelegramBadRequest):
            await message.edit_reply_markup(reply_markup=None)


async def _tell(callback: CallbackQuery, answer: service.Answer, t: Translator) -> None:
    """Answer the press; a change is said in the chat (and the old buttons go), a refusal in
    an alert (nothing changed)."""
    if answer.reply in (service.Reply.CONFIRMED, service.Reply.DECLINED):
        await callback.answer()
        await _drop_buttons(callback)
        if isinstance(callback.message, Message):
            await callback.message.answer(t(f"seldec.reply.{answer.reply.value}"))
        return
    await callback.answer(t.plain(f"seldec.reply.{answer.reply.value}"), show_alert=True)


@routes.callback_query(ApplicantCb.filter(F.action == ApAction.CONFIRM))
async def confirm_seat(
    callback: CallbackQuery,
    callback_data: ApplicantCb,
    t: Translator,
    db: Database,
    runtime: Runtime | None = None,
) -> None:
    """Confirmed: registered, so the reminders are planned now as for any registration."""
    answer = await service.confirm(db, callback_data.app, callback.from_user.id, utcnow())
    await _tell(callback, answer, t)
    if answer.reply is service.Reply.CONFIRMED:
        await plan_now(runtime)


@routes.callback_query(ApplicantCb.filter(F.action == ApAction.DECLINE))
async def ask_decline(
    callback: CallbackQuery, callback_data: ApplicantCb, t: Translator, db: Database
) -> None:
    """Ask once more (nothing changes yet); a press that may not decline is told why now."""
    app = await DecisionRepo(db).get(callback_data.app)
    refused = service.refusal(app, callback.from_user.id, utcnow())
    if refused is not None:
        await callback.answer(t.plain(f"seldec.reply.{refused.value}"), show_alert=True)
        return
    await callback.answer()
    if isinstance(callback.message, Message):
        await callback.message.answer(
            t("seldec.decline_ask"), reply_markup=decline_question(callback_data.app, t)
        )


@routes.callback_query(ApplicantCb.filter(F.action == ApAction.DECLINE_YES))
async def decline_seat(
    callback: CallbackQuery,
    callback_data: ApplicantCb,
    t: Translator,
    db: Database,
    runtime: Runtime | None = None,
) -> None:
    answer = await service.decline(db, callback_data.app, callback.from_user.id, utcnow())
    await _tell(callback, answer, t)
    if answer.promoted and runtime is not None:
        runtime.sender.wake()


@routes.callback_query(ApplicantCb.filter(F.action == ApAction.KEEP))
async def keep_seat(callback: CallbackQuery, t: Translator) -> None:
    await callback.answer(t.plain("seldec.kept"))
    await _drop_buttons(callback)


@routes.callback_query(ApplicantCb.filter())
async def stale(callback: CallbackQuery, t: Translator) -> None:
    await callback.answer(t.plain("stale.button"), show_alert=True)
