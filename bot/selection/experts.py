"""Adding, removing and listing the experts of a selection event (issue 9, item 2)."""

from __future__ import annotations

from datetime import datetime

from storage.db import Database
from storage.events import EventRepo
from storage.experts import Expert, ExpertRepo


class NotASelection(ValueError):
    """The event does not exist or takes no applications."""


class Experts:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.repo = ExpertRepo(db)
        self.events = EventRepo(db)

    async def _check(self, event_id: str) -> None:
        event = await self.events.get(event_id)
        if event is None or event.selection is None:
            raise NotASelection(event_id)

    async def add(
        self, event_id: str, telegram_id: int, added_by: int | None, now: datetime
    ) -> bool:
        """Make ``telegram_id`` an expert of the event; True when new."""
        await self._check(event_id)
        async with self.db.transaction() as conn:
            return await self.repo.add(conn, event_id, telegram_id, added_by, now)

    async def remove(self, event_id: str, telegram_id: int) -> bool:
        """Their saved reviews stay (the ranking stays explainable)."""
        async with self.db.transaction() as conn:
            return await self.repo.remove(conn, event_id, telegram_id)

    async def of_event(self, event_id: str) -> list[Expert]:
        await self._check(event_id)
        return await self.repo.of_event(event_id)

    async def all(self) -> list[Expert]:
        return await self.repo.all()
