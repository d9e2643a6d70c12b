"""Role filters: checked on every update, for commands and for button presses alike."""

from __future__ import annotations

from aiogram.filters import BaseFilter
from aiogram.types import TelegramObject

from bot.staff.roles import Role


class IsStaff(BaseFilter):
    """A coordinator (any scope) or an admin. Others fall through to the refusal handler."""

    async def __call__(self, event: TelegramObject, role: Role) -> bool:
        return role.is_staff


class IsAdmin(BaseFilter):
    async def __call__(self, event: TelegramObject, role: Role) -> bool:
        return role.is_admin
