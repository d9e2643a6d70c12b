"""What every staff handler works with, handed over as one object instead of seven loose
parameters: the bot, the database, the person's role and translator, the regions, the
settings, the profile form, the registration service and (in the running bot) the runtime."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiogram import BaseMiddleware, Bot
from aiogram.types import TelegramObject

from bot.config import Settings
from bot.i18n import Translator
from bot.registration.form import Form
from bot.registration.regions import Regions
from bot.registration.service import RegistrationService
from bot.staff.roles import Role
from storage.db import Database

if TYPE_CHECKING:
    from bot.runtime import Runtime


@dataclass(frozen=True)
class StaffContext:
    bot: Bot
    db: Database
    role: Role
    t: Translator
    regions: Regions
    settings: Settings
    form: Form
    registration: RegistrationService
    runtime: Runtime | None = None


class StaffContextMiddleware(BaseMiddleware):
    """Puts ``ctx`` (a StaffContext) into the data of every staff handler. An inner
    middleware of the staff router: it runs once a handler is chosen, after the role filter,
    from the workflow data and what the participant middleware put in."""

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        data["ctx"] = StaffContext(
            bot=data["bot"],
            db=data["db"],
            role=data["role"],
            t=data["t"],
            regions=data["regions"],
            settings=data["settings"],
            form=data["form"],
            registration=data["registration"],
            runtime=data.get("runtime"),
        )
        return await handler(event, data)
