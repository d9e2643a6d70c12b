"""Messages the bot sends on its own in reply to someone else's action (a freed seat)."""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramForbiddenError
from aiogram.types import BufferedInputFile

from bot.i18n import translator
from bot.ics import event_ics
from bot.registration import Promotion, RegistrationService
from handlers import views
from storage.db import utcnow
from storage.models import RegStatus

log = logging.getLogger(__name__)


async def notify_promotions(
    bot: Bot, promotions: list[Promotion], registration: RegistrationService
) -> None:
    for promo in promotions:
        participant = await registration.participants.get(promo.participant_id)
        event = await registration.events.get(promo.event_id)
        if participant is None or event is None:
            continue
        t = translator(participant.language)
        text = views.registered(
            event,
            t,
            status=RegStatus.REGISTERED,
            position=None,
            already=False,
            own_zone=participant.timezone,
        )
        try:
            await bot.send_message(promo.participant_id, t("promoted.head") + "\n\n" + text)
            await bot.send_document(
                promo.participant_id,
                BufferedInputFile(event_ics(event, stamp=utcnow()), filename=f"{event.id}.ics"),
            )
        except TelegramForbiddenError:
            async with registration.db.transaction() as conn:
                await registration.participants.mark_unreachable(
                    conn, promo.participant_id, utcnow()
                )
            log.info("participant %s blocked the bot; marked unreachable", promo.participant_id)
        except TelegramAPIError:
            log.exception("could not tell %s about a freed seat", promo.participant_id)
