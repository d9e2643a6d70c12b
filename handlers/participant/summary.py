"""The summary shown before a registration is confirmed."""

from __future__ import annotations

from aiogram.fsm.context import FSMContext

from bot.registration.flow import resolve
from bot.registration.form import QuestionType, display_value
from handlers.keyboards import participant as keyboards
from handlers.participant.context import FormContext
from handlers.participant.dialog import Answers
from handlers.states import Questionnaire
from handlers.views import participant as views
from storage.models import Event

SummaryItem = tuple[str, str, str | None]  # (question key, label, shown value)


async def summary_items(ctx: FormContext, event: Event, answers: Answers) -> list[SummaryItem]:
    """(key, label, shown value) of every answer of this registration, profile first:
    ``answers`` (this dialog's), else what the profile holds."""
    t, regions = ctx.t, ctx.regions
    stored = await ctx.registration.participants.answers(ctx.chat_id)
    event_questions = ctx.registration.event_questions(event)
    items = []
    for q in ctx.form.questions:
        if q.type is QuestionType.CONSENT:
            continue
        qkey = f"p.{q.id}"
        value = answers[qkey] if qkey in answers else stored.get(q.id)
        items.append((qkey, q.title(t.locale), display_value(q, value or None, t.locale, regions)))
    for q in event_questions:
        qkey = f"e.{q.id}"
        value = answers.get(qkey)
        items.append((qkey, q.title(t.locale), display_value(q, value or None, t.locale, regions)))
    return [(k, label, v) for k, label, v in items if resolve(k, ctx.form, event_questions)]


async def show_summary(ctx: FormContext, state: FSMContext, event: Event, answers: Answers) -> None:
    await state.set_state(Questionnaire.summary)
    items = await summary_items(ctx, event, answers)
    text = views.summary(event, [(label, value) for _, label, value in items], ctx.t)
    await ctx.say(text, keyboards.summary(event.id, ctx.t, application=event.selection is not None))
