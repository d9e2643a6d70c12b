"""Change and cancellation notices: decided when an event is saved, in the same transaction.

``bot.events.files.import_events`` (the events file and the coordinators' edits in the chat) calls
:func:`queue_changes` with the event as it was and as it is now. When the time, the duration,
the link or the place changed, every registrant (registered and waitlisted) gets ONE notice
with the new details; when the event is cancelled, one cancellation notice and nothing more
about it. The texts are rendered when sent (``handlers/participant/reminders.py``), from the
event as it is then: a notice that a newer change has overtaken is dropped.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

import aiosqlite

from storage.db import Database, to_db
from storage.events import RegistrationRepo
from storage.models import Event, EventStatus, RegStatus
from storage.outbox import NewItem, OutboxRepo, Priority
from storage.reminders import attendees

if TYPE_CHECKING:
    from bot.registration.service import Promotion

#: What a registrant needs to know about: a change of any of these sends a notice.
WATCHED = ("starts_at", "duration_minutes", "online_url", "location")
KIND_NOTICE = "notice"
KIND_CANCELLED = "cancelled"
KIND_PROMOTED = "promoted"
REGISTRANTS = (RegStatus.REGISTERED, RegStatus.WAITLISTED)


def changed_fields(old: Event, new: Event) -> list[str]:
    return [name for name in WATCHED if getattr(old, name) != getattr(new, name)]


def snapshot(event: Event) -> dict[str, Any]:
    """The watched details as stored in a notice (what the person knows after reading it)."""
    return {
        "starts_at": to_db(event.starts_at),
        "duration_minutes": event.duration_minutes,
        "online_url": event.online_url,
        "location": event.location,
    }


def details_hash(event: Event) -> str:
    """A short fingerprint of the watched details (the notice's de-duplication key)."""
    details = json.dumps(snapshot(event), sort_keys=True)
    return hashlib.sha256(details.encode()).hexdigest()[:12]


def notice_key(event_id: str, participant_id: int, fingerprint: str) -> str:
    return f"notice:{event_id}:{participant_id}:{fingerprint}"


def cancelled_key(event_id: str, participant_id: int) -> str:
    return f"cancelled:{event_id}:{participant_id}"


async def queue_changes(
    conn: aiosqlite.Connection, old: Event | None, new: Event, now: datetime
) -> int:
    """Queue what the registrants must be told about this change; returns how many."""
    if old is None or new.ends_at <= now:
        return 0  # a new event, or one that is over: nobody to warn
    if new.status is EventStatus.CANCELLED:
        if old.status is EventStatus.CANCELLED:
            return 0
        return await _queue_cancelled(conn, new, now)
    changed = changed_fields(old, new)
    restored = old.status is EventStatus.CANCELLED
    if not changed and not restored:
        return 0
    if "starts_at" in changed:
        # Reminders of the old time go; the planner queues those of the new time.
        await OutboxRepo.drop(conn, "event_id = ? AND kind = 'reminder'", (new.id,))
    return await _queue_notices(conn, old, new, restored=restored, now=now)


async def _queue_cancelled(conn: aiosqlite.Connection, event: Event, now: datetime) -> int:
    """One cancellation notice per registrant, and nothing else about this event any more."""
    await OutboxRepo.drop(
        conn,
        "event_id = ? AND kind IN ('reminder', 'notice', 'promoted', 'feedback')",
        (event.id,),
    )
    people = await attendees(conn, event.id, REGISTRANTS)
    return await OutboxRepo.enqueue(
        conn,
        [
            NewItem(
                key=cancelled_key(event.id, a.participant_id),
                chat_id=a.participant_id,
                kind=KIND_CANCELLED,
                not_before=now,
                priority=Priority.NOTICE,
                event_id=event.id,
            )
            for a in people
        ],
        now,
    )


async def _queue_notices(
    conn: aiosqlite.Connection, old: Event, new: Event, *, restored: bool, now: datetime
) -> int:
    """One change notice per registrant, telling what differs from what they were last told.

    A notice not sent yet is overtaken: the new one tells what differs from what the person
    was last told (the details before the first of the changes not sent)."""
    unsent = await OutboxRepo.pending_payloads(conn, KIND_NOTICE, new.id)
    await OutboxRepo.drop(conn, "event_id = ? AND kind = 'notice'", (new.id,))
    fingerprint = details_hash(new)
    now_known = snapshot(new)
    items = []
    for person in await attendees(conn, new.id, REGISTRANTS):
        earlier = unsent.get(person.participant_id, {})
        known = earlier.get("known") or snapshot(old)
        fields = [name for name in WATCHED if known.get(name) != now_known[name]]
        restored_too = restored or bool(earlier.get("restored"))
        if not fields and not restored_too:
            continue  # changed and changed back before anyone was told
        payload = {
            "changed": fields,
            "restored": restored_too,
            "hash": fingerprint,
            "known": known,
            "old_starts_at": known["starts_at"] if "starts_at" in fields else None,
        }
        items.append(
            NewItem(
                key=notice_key(new.id, person.participant_id, fingerprint),
                chat_id=person.participant_id,
                kind=KIND_NOTICE,
                not_before=now,
                priority=Priority.NOTICE,
                payload=payload,
                event_id=new.id,
            )
        )
    return await OutboxRepo.enqueue(conn, items, now)


async def queue_promotions(db: Database, promotions: list[Promotion], now: datetime) -> int:
    """ "A seat has opened" for each person the waiting list promoted (sent by the queue)."""
    if not promotions:
        return 0
    registrations = RegistrationRepo(db)
    async with db.transaction() as conn:
        items = []
        for promo in promotions:
            reg = await registrations.get(promo.event_id, promo.participant_id, conn)
            if reg is None:
                continue  # erased meanwhile
            # One notice per stay on the waiting list (a person may be promoted again later).
            stint = int(reg.queued_at.timestamp() * 1_000_000)
            items.append(
                NewItem(
                    key=f"promoted:{promo.event_id}:{promo.participant_id}:{stint}",
                    chat_id=promo.participant_id,
                    kind=KIND_PROMOTED,
                    not_before=now,
                    priority=Priority.NOTICE,
                    event_id=promo.event_id,
                )
            )
        return await OutboxRepo.enqueue(conn, items, now)
