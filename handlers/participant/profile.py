"""/profile: the stored answers, changing one, and erasing everything (152-FZ)."""

from __future__ import annotations

from dataclasses import dataclass

from aiogram import Bot, F
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message, ReplyKeyboardRemove

from bot.i18n import Html, Translator
from bot.registration.flow import PROFILE_SCOPE, key
from bot.registration.form import Form, QuestionType, display_value
from bot.registration.regions import Regions
from bot.registration.service import RegistrationService
from bot.timefmt import when
from handlers.callbacks import Menu, MenuCb, ProfAction, ProfileCb
from handlers.common_ui import show
from handlers.keyboards import participant as keyboards
from handlers.participant.notify import notify_promotions
from handlers.participant.questionnaire import FLOW_PROFILE, begin
from handlers.routing import Routes
from handlers.views import participant as views
from storage.erasure import Inventory
from storage.fsm import SQLiteStorage

routes = Routes("profile")


@dataclass(frozen=True, slots=True)
class ProfilePage:
    text: Html
    can_edit: bool  # consented, with answers to change
    can_delete: bool  # anything at all is stored about the person


async def profile_view(
    user_id: int, t: Translator, form: Form, regions: Regions, registration: RegistrationService
) -> ProfilePage:
    participant = await registration.participants.get(user_id)
    answers = await registration.participants.answers(user_id)
    stored = await registration.stored(user_id)
    consent_at = participant.consent_at if participant else None
    own_zone = participant.timezone if participant else None
    items: list[tuple[str, str | None]] = []
    if answers:
        for q in form.questions:
            if q.type is QuestionType.CONSENT:
                continue
            value = answers.get(q.id)
            items.append((q.title(t.locale), display_value(q, value or None, t.locale, regions)))
    lines = [views.profile(items, t, consent_at=consent_at, own_zone=own_zone)]
    if not items and consent_at is not None:
        # Agreed, but no answers saved yet (left before the confirmation): say so.
        lines.append(t("profile.consent", when=Html(when(consent_at, t, own_zone))))
    if stored.drafts:
        lines.append(t("privacy.draft_kept"))
    return ProfilePage(
        Html("\n\n".join(lines)),
        can_edit=consent_at is not None and bool(answers),
        can_delete=stored.anything,
    )


def profile_keyboard(t: Translator, page: ProfilePage) -> InlineKeyboardMarkup:
    return keyboards.profile(t, can_edit=page.can_edit, can_delete=page.can_delete)


async def send_profile(
    bot: Bot,
    user_id: int,
    t: Translator,
    form: Form,
    regions: Regions,
    registration: RegistrationService,
) -> None:
    page = await profile_view(user_id, t, form, regions, registration)
    await bot.send_message(user_id, page.text, reply_markup=profile_keyboard(t, page))


async def show_profile(
    target: Message | CallbackQuery,
    t: Translator,
    form: Form,
    regions: Regions,
    registration: RegistrationService,
) -> None:
    user_id = target.from_user.id if target.from_user else 0
    page = await profile_view(user_id, t, form, regions, registration)
    await show(target, page.text, profile_keyboard(t, page))


@routes.message(Command("profile"))
async def cmd_profile(
    message: Message,
    t: Translator,
    form: Form,
    regions: Regions,
    registration: RegistrationService,
) -> None:
    await show_profile(message, t, form, regions, registration)


@routes.callback_query(MenuCb.filter(F.action == Menu.PROFILE))
async def menu_profile(
    callback: CallbackQuery,
    t: Translator,
    form: Form,
    regions: Regions,
    registration: RegistrationService,
) -> None:
    await callback.answer()
    await show_profile(callback, t, form, regions, registration)


@routes.callback_query(ProfileCb.filter())
async def on_profile(
    callback: CallbackQuery,
    callback_data: ProfileCb,
    state: FSMContext,
    t: Translator,
    form: Form,
    regions: Regions,
    registration: RegistrationService,
) -> None:
    user_id = callback.from_user.id
    bot = callback.bot
    assert bot is not None
    action = callback_data.action
    participant = await registration.participants.get(user_id)
    consented = participant is not None and participant.consent_at is not None
    if action is ProfAction.SHOW:
        await callback.answer()
        await show_profile(callback, t, form, regions, registration)
    elif action is ProfAction.EDIT:
        if not consented:
            await callback.answer(t.plain("stale.no_profile"), show_alert=True)
            return
        await callback.answer()
        choices = [
            (q.id, q.title(t.locale)) for q in form.questions if q.type is not QuestionType.CONSENT
        ]
        await show(callback, t("profile.pick"), keyboards.profile_pick(choices, t))
    elif action is ProfAction.PICK:
        q = form.get(callback_data.q)
        if not consented or q is None or q.type is QuestionType.CONSENT:
            await callback.answer(t.plain("stale.question"), show_alert=True)
            return
        await callback.answer()
        if isinstance(callback.message, Message):
            await callback.message.edit_reply_markup(reply_markup=None)
        await begin(
            bot,
            user_id,
            state,
            flow=FLOW_PROFILE,
            queue=[key(PROFILE_SCOPE, q.id)],
            answers={},
            event_id=None,
            t=t,
            form=form,
            regions=regions,
            event=None,
            registration=registration,
        )
    elif action is ProfAction.DELETE:
        if not (await registration.stored(user_id)).anything:
            await callback.answer(t.plain("privacy.nothing_stored"), show_alert=True)
            return
        await callback.answer()
        await show(callback, t("delete.confirm"), keyboards.confirm_delete(t))
    elif action is ProfAction.DELETE_YES:
        await erase(callback, bot, state, t, registration)


async def erase(
    callback: CallbackQuery,
    bot: Bot,
    state: FSMContext,
    t: Translator,
    registration: RegistrationService,
) -> None:
    """The "Yes, delete everything" button: erase, clear the dialog state, say what went.

    ``state.clear()`` runs after the commit and also when nothing is left to erase: a retry
    after a failed clear (the button pressed again) still clears what the FSM storage holds.
    """
    user_id = callback.from_user.id
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
    await bot.send_message(user_id, t("delete.after"), reply_markup=ReplyKeyboardRemove())
    await notify_promotions(bot, done.promoted, registration)


def erased_text(erased: Inventory, t: Translator) -> Html:
    """What was deleted ("the profile (7 answers), 2 registrations, ..."), translated."""
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
    if erased.consent:
        items.append(t("privacy.erased_consent"))
    lines = [t("privacy.erased_title"), *(t("privacy.erased_item", item=Html(i)) for i in items)]
    return Html("\n".join(lines))
