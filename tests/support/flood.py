"""What the flood tests look for, shared by the in-process and the ``python -m bot`` ones: the
notice a too fast person gets, and the calls the bot made to one chat."""

from __future__ import annotations

from tests.support.stand_in import ApiCall, StandInServer

NOTICE = "Пожалуйста, помедленнее: я не успеваю отвечать. Подождите немного и повторите."


def sent_to(server: StandInServer, chat_id: int, method: str = "sendMessage") -> list[ApiCall]:
    return [c for c in server.calls if c.ok and c.method == method and c.chat_id == chat_id]
