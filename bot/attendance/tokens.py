"""The signed payloads of the check-in links.

Telegram's ``start`` payload is at most 64 characters of ``[A-Za-z0-9_-]``. A personal link is
``ci_<event ref>_<person>_<mac>``: the event ref is 8 hex digits of SHA-256 of the event's id
(stable whatever happens to row numbers; a rare clash is settled by the MAC), the person is
the Telegram id in base 36, the MAC 16 characters of base64url HMAC-SHA256 over the event's
id and the person (96 bits). Altering any part breaks the MAC. 3+8+1+13+1+16 = 42 at most.

The room link is ``here_<event ref>_<code>`` with the event's random ``room_code``.

The secret is ``CHECKIN_SECRET`` when set, else derived from the bot token with HMAC (an
HKDF-style expand with a label), so the token itself is never the key and a leaked QR reveals
nothing about it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass

PERSONAL_PREFIX = "ci_"
ROOM_PREFIX = "here_"
MAC_CHARS = 16
PAYLOAD_MAX = 64
_LABEL = b"ethnic-bot/check-in/v1"
PERSONAL_RE = re.compile(r"^ci_([0-9a-f]{8})_([0-9a-z]{1,13})_([A-Za-z0-9_-]{16})$")
ROOM_RE = re.compile(r"^here_([0-9a-f]{8})_([0-9a-f]{8,32})$")


def derive_secret(checkin_secret: str | None, bot_token: str | None) -> bytes:
    """The key of the MACs: ``CHECKIN_SECRET``, else a key derived from the bot token."""
    if checkin_secret:
        return hmac.new(checkin_secret.encode(), _LABEL, hashlib.sha256).digest()
    if not bot_token:
        raise ValueError("CHECKIN_SECRET or BOT_TOKEN is needed to sign check-in links")
    prk = hmac.new(_LABEL, bot_token.encode(), hashlib.sha256).digest()  # HKDF extract
    return hmac.new(prk, _LABEL + b"\x01", hashlib.sha256).digest()  # HKDF expand, one block


def event_ref(event_id: str) -> str:
    return hashlib.sha256(event_id.encode()).hexdigest()[:8]


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
        if number == 0:
            return out


def _mac(secret: bytes, event_id: str, participant_id: int) -> str:
    digest = hmac.new(secret, f"{event_id}\n{participant_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode()[:MAC_CHARS]


def personal_payload(secret: bytes, event_id: str, participant_id: int) -> str:
    payload = (
        f"{PERSONAL_PREFIX}{event_ref(event_id)}_{_base36(participant_id)}_"
        f"{_mac(secret, event_id, participant_id)}"
    )
    assert len(payload) <= PAYLOAD_MAX
    return payload


@dataclass(frozen=True, slots=True)
class PersonalLink:
    """A parsed personal payload, not yet verified."""

    ref: str
    participant_id: int
    mac: str

    def verify(self, secret: bytes, event_id: str) -> bool:
        """Whether the MAC is right for ``event_id`` (compared in constant time)."""
        expected = _mac(secret, event_id, self.participant_id)
        return event_ref(event_id) == self.ref and hmac.compare_digest(expected, self.mac)


def parse_personal(payload: str) -> PersonalLink | None:
    match = PERSONAL_RE.match(payload)
    if match is None:
        return None
    participant_id = int(match.group(2), 36)
    if participant_id <= 0 or _base36(participant_id) != match.group(2):
        return None  # leading zeros: not a payload we made
    return PersonalLink(match.group(1), participant_id, match.group(3))


def room_payload(event_id: str, code: str) -> str:
    return f"{ROOM_PREFIX}{event_ref(event_id)}_{code}"


def parse_room(payload: str) -> tuple[str, str] | None:
    """(event ref, code) of a room payload, or None."""
    match = ROOM_RE.match(payload)
    return (match.group(1), match.group(2)) if match else None
