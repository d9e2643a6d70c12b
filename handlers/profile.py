"""/profile: the stored answers, changing one, and erasing everything (152-FZ)."""

from __future__ import annotations

from aiogram import Bot, F
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, ReplyKeyboardRemove

from bot.flow import PROFILE_SCOPE, key
from bot.form import Form, QuestionType, display_value
from bot.i18n import Translator
from bot.regions import Regions
from bot.registration import RegistrationService
from handlers import keyboards, views
from handlers.callbacks import Menu, MenuCb, ProfAction, ProfileCb
from handlers.common_ui import show
from handlers.notify import notify_promotions
from handlers.questionnaire import FLOW_PROFILE, begin
from handlers.routing import Routes

routes = Routes("profile")


async def profile_view(
    user_id: int, t: Translator, form: Form, regions: Regions, registration: RegistrationService
) -> tuple[str, bool]:
    participant = await registration.participants.get(user_id)
    answers = await registration.participants.answers(user_id)
    has_profile = participant is not None and (participant.consent_at is not None or bool(answers))
    items: list[tuple[str, str | None]] = []
    if has_profile:
        for q in form.questions:
            if q.type is QuestionType.CONSENT:
                continue
            value = answers.get(q.id)
            items.append((q.title(t.locale), display_value(q, value or None, t.locale, regions)))
    text = views.profile(
        items,
        t,
        consent_at=participant.consent_at if participant else None,
        own_zone=participant.timezone if participant else None,
    )
    return text, has_profile


async def send_profile(
    bot: Bot,
    user_id: int,
    t: Translator,
    form: Form,
    regions: Regions,
    registration: RegistrationService,
) -> None:
    text, has_profile = await profile_view(user_id, t, form, regions, registration)
    await bot.send_message(
        user_id, text, reply_markup=keyboards.profile(t, has_profile=has_profile)
    )


async def show_profile(
    target: Message | CallbackQuery,
    t: Translator,
    form: Form,
    regions: Regions,
    registration: RegistrationService,
) -> None:
    user_id = target.from_user.id if target.from_user else 0
    text, has_profile = await profile_view(user_id, t, form, regions, registration)
    await show(target, text, keyboards.profile(t, has_profile=has_profile))


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
    has_data = consented or bool(await registration.participants.answers(user_id))
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
        if not has_data:
            await callback.answer(t.plain("stale.no_profile"), show_alert=True)
            return
        await callback.answer()
        await show(callback, t("delete.confirm"), keyboards.confirm_delete(t))
    elif action is ProfAction.DELETE_YES:
        if not has_data:
            await callback.answer(t.plain("stale.no_profile"), show_alert=True)
            return
        promoted = await registration.erase_participant(user_id)
        await state.clear()
        await callback.answer()
        await show(callback, t("delete.done"))
        await bot.send_message(user_id, t("delete.after"), reply_markup=ReplyKeyboardRemove())
        await notify_promotions(bot, promoted, registration)
