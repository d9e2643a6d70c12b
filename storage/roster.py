"""Who registered for a set of events, with their district and a few profile answers.

One query for the list of an event (or of all the events in a coordinator's scope), used by
the participants list, the registration sheet and the statistics.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from storage.db import Repo
from storage.events import registration_of
from storage.models import Registration
from storage.participants import PROFILE


@dataclass(frozen=True, slots=True)
class Entry(Registration):
    """A registration with who made it."""

    first_name: str
    username: str | None
    region: str | None  # region code, e.g. RU-SVE
    district: str | None  # the participant's federal district
    answers: dict[str, str]  # the profile answers asked for

    @property
    def reg_id(self) -> int:
        return self.id


class RosterRepo(Repo):
    async def entries(self, event_ids: list[str], answer_ids: tuple[str, ...] = ()) -> list[Entry]:
        """Every registration (any status) of ``event_ids``, oldest first."""
        if not event_ids:
            return []
        ids = json.dumps(event_ids)
        rows = await self.db.fetchall(
            """
            SELECT r.id, r.event_id, r.participant_id, r.status, r.registered_at, r.queued_at,
                   r.cancelled_at, p.first_name, p.username, p.region, p.district
            FROM registrations r JOIN participants p ON p.telegram_id = r.participant_id
            WHERE r.event_id IN (SELECT value FROM json_each(?))
            ORDER BY r.registered_at, r.id
            """,
            (ids,),
        )
        answers: dict[int, dict[str, str]] = {}
        if answer_ids and rows:
            found = await self.db.fetchall(
                """
                SELECT a.participant_id, a.question_id, a.value FROM answers a
                WHERE a.event_id = ? AND a.question_id IN (SELECT value FROM json_each(?))
                  AND a.participant_id IN (
                      SELECT participant_id FROM registrations
                      WHERE event_id IN (SELECT value FROM json_each(?)))
                """,
                (PROFILE, json.dumps(list(answer_ids)), ids),
            )
            for row in found:
                answers.setdefault(row["participant_id"], {})[row["question_id"]] = row["value"]
        return [
            Entry(
                **asdict(registration_of(row)),
                first_name=row["first_name"],
                username=row["username"],
                region=row["region"],
                district=row["district"],
                answers=answers.get(row["participant_id"], {}),
            )
            for row in rows
        ]
