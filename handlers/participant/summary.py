"""The summary shown before a registration is confirmed."""

from __future__ import annotations

from aiogram import Bot
from aiogram.fsm.context import FSMContext

from bot.i18n import Translator
from bot.registration.flow import resolve
from bot.registration.form import Form, QuestionType, display_value
from bot.registration.regions import Regions
from bot.registration.service import RegistrationService
from handlers.keyboards import participant as keyboards
from handlers.states import Questionnaire
from handlers.views import participant as views
from storage.models import Event


async def summary_items(
    state: FSMContext,
    t: Translator,
    form: Form,
    regions: Regions,
    event: Event,
    registration: RegistrationService,
    participant_id: int,
) -> list[tuple[str, str, str | None]]:
    """(key, label, shown value) of every answer of this registration, profile first."""
    data = await state.get_data()
    answers: dict[str, str | None] = data.get("answers", {})
    stored = await registration.participants.answers(participant_id)
    event_questions = registration.event_questions(event)
    items = []
    for q in form.questions:
        if q.type is QuestionType.CONSENT:
            continue
        qkey = f"p.{q.id}"
        value = answers[qkey] if qkey in answers else stored.get(q.id)
        items.append((qkey, q.title(t.locale), display_value(q, value or None, t.locale, regions)))
    for q in event_questions:
        qkey = f"e.{q.id}"
        value = answers.get(qkey)
        items.append((qkey, q.title(t.locale), display_value(q, value or None, t.locale, regions)))
    return [(k, label, v) for k, label, v in items if resolve(k, form, event_questions)]


async def show_summary(
    bot: Bot,
    chat_id: int,
    state: FSMContext,
    t: Translator,
    form: Form,
    regions: Regions,
    event: Event,
    registration: RegistrationService,
) -> None:
    await state.set_state(Questionnaire.summary)
    items = await summary_items(state, t, form, regions, event, registration, chat_id)
    text = views.summary(event, [(label, value) for _, label, value in items], t)
    await bot.send_message(chat_id, text, reply_markup=keyboards.summary(event.id, t))
