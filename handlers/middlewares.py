"""Per-update context: who is writing, in which language (one outer middleware), and the
questionnaire context built from it."""

from __future__ import annotations

import logging
from typing import Any

from aiogram.types import TelegramObject, User

from bot.i18n import pick_locale, translator
from bot.staff.roles import PARTICIPANT, role_for
from handlers.participant.context import FormContext
from handlers.person import Handler, PersonMiddleware
from storage.db import Database, utcnow
from storage.models import Participant
from storage.participants import ParticipantRepo

log = logging.getLogger(__name__)


class ParticipantMiddleware(PersonMiddleware):
    """Puts ``participant`` (or None), ``role``, ``locale``, ``t`` and ``ctx`` (the
    questionnaire context: handlers/participant/context.py) into the handler data.

    It writes only when something changed (a first contact, a new name or username, or a
    person marked unreachable who writes again), never to "touch" a row on every update.
    """

    def __init__(
        self, db: Database, default_locale: str, admin_ids: frozenset[int] = frozenset()
    ) -> None:
        self.db = db
        self.repo = ParticipantRepo(db)
        self.default_locale = default_locale
        self.admin_ids = admin_ids

    async def for_person(
        self, user: User | None, handler: Handler, event: TelegramObject, data: dict[str, Any]
    ) -> Any:
        participant = None
        locale = self.default_locale
        role = PARTICIPANT
        named = False
        if user is not None:
            # One read for both, fresh on every update (no cache to go stale when the CLI,
            # another process, adds or removes a coordinator or erases a person).
            participant, coordinator = await self.repo.person(user.id)
            role = role_for(user.id, self.admin_ids, coordinator)
        if user is not None and not user.is_bot:
            named = role.is_staff or (
                participant is not None and participant.consent_at is not None
            )
            participant = await self._seen(user, participant, named=named)
            if participant is not None and participant.language_chosen:
                locale = participant.language
            else:
                locale = pick_locale(user.language_code, self.default_locale)
        data["role"] = role
        data["participant"] = participant
        data["locale"] = locale
        data["t"] = translator(locale)
        data["ctx"] = form_context(data, user)
        result = await handler(event, data)
        if user is not None and not user.is_bot and not named:
            try:
                await self._named_after_consent(user)
            except Exception:
                # The update itself succeeded; the name is written at the person's next update.
                log.warning("storing the name of %s after consent failed", user.id, exc_info=True)
        return result

    async def _seen(
        self, user: User, participant: Participant | None, *, named: bool
    ) -> Participant | None:
        """Write the first contact, a changed name, or a return after "unreachable".

        Before consent only the Telegram id and language are kept (152-FZ): the Telegram name
        and username are stored for people who consented and for staff (coordinator lists,
        exports, greetings of staff dialogs), and blanked for anyone else.
        """
        first_name, username = (user.first_name, user.username) if named else ("", None)
        if participant is not None and (
            participant.first_name == first_name
            and participant.username == username
            and participant.unreachable_since is None
        ):
            return participant
        async with self.db.one_statement() as conn:
            await self.repo.upsert_seen(
                conn,
                user.id,
                first_name,
                username,
                pick_locale(user.language_code, self.default_locale),
                utcnow(),
            )
        return await self.repo.get(user.id)

    async def _named_after_consent(self, user: User) -> None:
        """The person consented (the agreement button) or became staff (an invitation)
        during this update: keep their name from now on. Costs one read per update of
        people who have not consented, none after."""
        participant, coordinator = await self.repo.person(user.id)
        if participant is None:
            return  # erased during this update: nothing to name
        if (
            participant.consent_at is not None
            or role_for(user.id, self.admin_ids, coordinator).is_staff
        ):
            await self._seen(user, participant, named=True)


def form_context(data: dict[str, Any], user: User | None) -> FormContext:
    """The questionnaire context of this update, from the workflow data and the translator."""
    bot, t, form = data["bot"], data["t"], data["form"]
    regions, registration = data["regions"], data["registration"]
    chat_id = user.id if user is not None else 0
    return FormContext(bot, t, form, regions, registration, chat_id, data.get("runtime"))
