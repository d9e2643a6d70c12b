"""The /profile screen: what is stored about the person, and its buttons.

A module of its own because two places show it: the /profile handlers and the end of a
profile edit (handlers/participant/flow.py); neither imports the other.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot.i18n import Html
from bot.registration.form import QuestionType, display_value
from bot.timefmt import when
from handlers.common_ui import show
from handlers.keyboards import participant as keyboards
from handlers.participant.context import FormContext
from handlers.views import participant as views


@dataclass(frozen=True, slots=True)
class ProfilePage:
    text: Html
    can_edit: bool  # consented, with answers to change
    can_delete: bool  # anything at all is stored about the person


async def profile_view(ctx: FormContext) -> ProfilePage:
    t, registration, user_id = ctx.t, ctx.registration, ctx.chat_id
    participant = await registration.participants.get(user_id)
    answers = await registration.participants.answers(user_id)
    stored = await registration.stored(user_id)
    consent_at = participant.consent_at if participant else None
    own_zone = participant.timezone if participant else None
    items: list[tuple[str, str | None]] = []
    if answers:
        for q in ctx.form.questions:
            if q.type is QuestionType.CONSENT:
                continue
            value = answers.get(q.id)
            items.append(
                (q.title(t.locale), display_value(q, value or None, t.locale, ctx.regions))
            )
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


async def send_profile(ctx: FormContext) -> None:
    """The profile as a new message (after a profile edit)."""
    page = await profile_view(ctx)
    await ctx.say(page.text, _keyboard(ctx, page))


async def show_profile(target: Message | CallbackQuery, ctx: FormContext) -> None:
    """The profile in place of a menu (from a button) or as an answer (to /profile)."""
    page = await profile_view(ctx)
    await show(target, page.text, _keyboard(ctx, page))


def _keyboard(ctx: FormContext, page: ProfilePage) -> InlineKeyboardMarkup:
    return keyboards.profile(ctx.t, can_edit=page.can_edit, can_delete=page.can_delete)
