"""Certificates in the chat: sent by the delivery queue with the feedback request, and from
/my (a button per event the person came to). Made on the fly, never stored."""

from __future__ import annotations

import asyncio

from aiogram import Bot
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup

from bot.config import Settings
from bot.i18n import Translator, translator
from bot.reports.certificates import Certificate, Issuer, certificate_for, render_pdf
from handlers.callbacks import CertCb
from handlers.reports.views import button
from handlers.routing import Routes
from storage.db import Database
from storage.events import EventRepo
from storage.models import EventStatus
from storage.outbox import OutItem
from storage.participants import ParticipantRepo
from storage.reports import AttendanceReader

routes = Routes("certificates")

#: How many certificates /my offers at most (the newest events first).
MY_LIMIT = 5


def issuer_of(settings: Settings) -> Issuer:
    return Issuer(zone=settings.zone, programme=settings.programme_name)


async def pdf_file(cert: Certificate, event_id: str) -> BufferedInputFile:
    data = await asyncio.to_thread(render_pdf, cert)  # CPU work off the event loop
    return BufferedInputFile(data, filename=f"certificate-{event_id}.pdf")


async def render_certificate(bot: Bot, item: OutItem, db: Database, settings: Settings) -> bool:
    """The delivery queue's certificate (queued with the feedback request)."""
    event = await EventRepo(db).get(item.event_id) if item.event_id else None
    if event is None or event.status is not EventStatus.SCHEDULED:
        return False
    person = await ParticipantRepo(db).get(item.chat_id)
    t = translator(person.language if person else settings.default_locale)
    cert = await certificate_for(db, event, item.chat_id, t, issuer_of(settings))
    if cert is None:
        return False
    caption = t("reports.cert.caption", title=event.title)
    await bot.send_document(item.chat_id, await pdf_file(cert, event.id), caption=caption)
    return True


async def with_certificates(
    markup: InlineKeyboardMarkup, db: Database, participant_id: int, t: Translator
) -> InlineKeyboardMarkup:
    """/my's keyboard with a certificate button per event the person came to, above its
    last row ("back")."""
    events = (await AttendanceReader(db).certificate_events(participant_id))[:MY_LIMIT]
    if not events:
        return markup
    rows = [
        [button(t.plain("reports.cert.button", title=e.title), CertCb(event_id=e.id))]
        for e in events
    ]
    keyboard = list(markup.inline_keyboard)
    return InlineKeyboardMarkup(inline_keyboard=keyboard[:-1] + rows + keyboard[-1:])


@routes.callback_query(CertCb.filter())
async def send_certificate(
    callback: CallbackQuery,
    callback_data: CertCb,
    db: Database,
    settings: Settings,
    t: Translator,
) -> None:
    """The button in /my: the PDF, or a polite word when there is none to give (a forged
    or old button, an event that turned certificates off)."""
    event = await EventRepo(db).get(callback_data.event_id)
    cert = (
        await certificate_for(db, event, callback.from_user.id, t, issuer_of(settings))
        if event is not None and event.status is EventStatus.SCHEDULED
        else None
    )
    if event is None or cert is None:
        await callback.answer(t.plain("reports.cert.none"), show_alert=True)
        return
    await callback.answer()
    document = await pdf_file(cert, event.id)
    await callback.bot.send_document(  # type: ignore[union-attr]
        callback.from_user.id, document, caption=t("reports.cert.caption", title=event.title)
    )
