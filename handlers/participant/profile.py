"""/profile: the stored answers, changing one, and erasing everything (152-FZ).

One handler per button (``ProfileCb.action``); the screen itself is in
handlers/participant/profile_page.py.
"""

from __future__ import annotations

from aiogram import F
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, ReplyKeyboardRemove

from bot.i18n import Html, Translator
from bot.registration.flow import PROFILE_SCOPE, key
from bot.registration.form import QuestionType
from handlers.callbacks import Menu, MenuCb, ProfAction, ProfileCb
from handlers.common_ui import acknowledge, show
from handlers.keyboards import participant as keyboards
from handlers.participant.context import FormContext, drop_buttons
from handlers.participant.dialog import FLOW_PROFILE
from handlers.participant.flow import Plan, begin
from handlers.participant.notify import notify_promotions
from handlers.participant.profile_page import ProfilePage, profile_view, show_profile
from handlers.routing import Routes
from storage.erasure import Inventory
from storage.fsm import SQLiteStorage

routes = Routes("profile")


@routes.message(Command("profile"))
@routes.callback_query(MenuCb.filter(F.action == Menu.PROFILE))
@routes.callback_query(ProfileCb.filter(F.action == ProfAction.SHOW))
async def profile(target: Message | CallbackQuery, ctx: FormContext) -> None:
    """/profile, the menu's "Profile", or "Back" to it."""
    await acknowledge(target)
    await show_profile(target, ctx)


async def _consented(ctx: FormContext) -> bool:
    participant = await ctx.registration.participants.get(ctx.chat_id)
    return participant is not None and participant.consent_at is not None


@routes.callback_query(ProfileCb.filter(F.action == ProfAction.EDIT))
async def on_edit(callback: CallbackQuery, ctx: FormContext) -> None:
    """ "Change": the answers to choose from (never the consent)."""
    t = ctx.t
    if not await _consented(ctx):
        await callback.answer(t.plain("stale.no_profile"), show_alert=True)
        return
    await callback.answer()
    choices = [
        (q.id, q.title(t.locale)) for q in ctx.form.questions if q.type is not QuestionType.CONSENT
    ]
    await show(callback, t("profile.pick"), keyboards.profile_pick(choices, t))


@routes.callback_query(ProfileCb.filter(F.action == ProfAction.PICK))
async def on_pick(
    callback: CallbackQuery, callback_data: ProfileCb, state: FSMContext, ctx: FormContext
) -> None:
    """One answer chosen: asked again, saved, and the profile shown."""
    consented = await _consented(ctx)
    q = ctx.form.get(callback_data.q)
    if not consented or q is None or q.type is QuestionType.CONSENT:
        await callback.answer(ctx.t.plain("stale.question"), show_alert=True)
        return
    await callback.answer()
    await drop_buttons(callback)
    await begin(ctx, state, None, Plan(FLOW_PROFILE, [key(PROFILE_SCOPE, q.id)]))


@routes.callback_query(ProfileCb.filter(F.action == ProfAction.DELETE))
async def on_delete(callback: CallbackQuery, ctx: FormContext) -> None:
    if not (await ctx.registration.stored(ctx.chat_id)).anything:
        await callback.answer(ctx.t.plain("privacy.nothing_stored"), show_alert=True)
        return
    await callback.answer()
    await show(callback, ctx.t("delete.confirm"), keyboards.confirm_delete(ctx.t))


@routes.callback_query(ProfileCb.filter(F.action == ProfAction.DELETE_YES))
async def erase(callback: CallbackQuery, state: FSMContext, ctx: FormContext) -> None:
    """The "Yes, delete everything" button: erase, clear the dialog state, say what went.

    ``state.clear()`` runs after the commit and also when nothing is left to erase: a retry
    after a failed clear (the button pressed again) still clears what the FSM storage holds.
    """
    user_id, t, registration = ctx.chat_id, ctx.t, ctx.registration
    if not (await registration.stored(user_id)).anything:
        await state.clear()
        await callback.answer(t.plain("privacy.nothing_stored"), show_alert=True)
        return
    done = await registration.erase_participant(user_id)
    if isinstance(state.storage, SQLiteStorage):
        # their rows are gone; drop what memory holds too (every chat, every destiny)
        state.storage.forget_user(user_id)
    await state.clear()
    await callback.answer()
    await show(callback, erased_text(done.erased, t))
    await ctx.say(t("delete.after"), ReplyKeyboardRemove())
    await notify_promotions(ctx.bot, done.promoted, registration)


def erased_text(erased: Inventory, t: Translator) -> Html:
    """What was deleted ("the profile (7 answers), 2 registrations, ..."), translated.

    One ``t`` call per item, each with its key written out: tests/test_locales.py finds the
    keys in use by reading these calls."""
    items: list[str] = []
    if erased.profile_answers:
        items.append(t.plural("privacy.erased_profile", erased.profile_answers))
    if erased.event_answers:
        items.append(t.plural("privacy.erased_event_answers", erased.event_answers))
    if erased.registrations:
        items.append(t.plural("privacy.erased_registrations", erased.registrations))
    if erased.feedback:
        items.append(t.plural("privacy.erased_feedback", erased.feedback))
    if erased.drafts:
        items.append(t("privacy.erased_draft"))
    if erased.queued:
        items.append(t.plural("privacy.erased_queued", erased.queued))
    if erased.sent:
        items.append(t.plural("privacy.erased_sent", erased.sent))
    if erased.applications:  # selection (issue 9)
        items.append(t("privacy.erased_applications", n=erased.applications))
    if erased.expert_roles or erased.review_comments:
        items.append(t("privacy.erased_expert"))
    if erased.consent:
        items.append(t("privacy.erased_consent"))
    lines = [t("privacy.erased_title"), *(t("privacy.erased_item", item=Html(i)) for i in items)]
    return Html("\n".join(lines))


__all__ = ["ProfilePage", "profile_view", "routes"]
