"""Per-update context: who is writing, in which language (one outer middleware)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, User

from bot.i18n import pick_locale, translator
from bot.roles import PARTICIPANT, role_of
from storage.db import Database, utcnow
from storage.participants import ParticipantRepo


class ParticipantMiddleware(BaseMiddleware):
    """Puts ``participant`` (or None), ``role``, ``locale`` and ``t`` into the handler data.

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

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        user: User | None = data.get("event_from_user")
        participant = None
        locale = self.default_locale
        if user is not None and not user.is_bot:
            participant = await self.repo.get(user.id)
            if participant is None or (
                participant.first_name != user.first_name
                or participant.username != user.username
                or participant.unreachable_since is not None
            ):
                async with self.db.transaction() as conn:
                    await self.repo.upsert_seen(
                        conn,
                        user.id,
                        user.first_name,
                        user.username,
                        pick_locale(user.language_code, self.default_locale),
                        utcnow(),
                    )
                participant = await self.repo.get(user.id)
            if participant is not None and participant.language_chosen:
                locale = participant.language
            else:
                locale = pick_locale(user.language_code, self.default_locale)
        data["role"] = (
            await role_of(user.id, self.admin_ids, self.db) if user is not None else PARTICIPANT
        )
        data["participant"] = participant
        data["locale"] = locale
        data["t"] = translator(locale)
        return await handler(event, data)
