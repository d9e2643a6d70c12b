"""What every staff handler works with, handed over as one object instead of seven loose
parameters: the bot, the database, the person's role and translator, the regions, the
settings, the profile form, the registration service and (in the running bot) the runtime."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

from aiogram import Bot
from aiogram.types import TelegramObject

from bot.config import Settings
from bot.i18n import Translator
from bot.registration.form import Form
from bot.registration.regions import Regions
from bot.registration.service import RegistrationService
from bot.staff.roles import Role
from handlers.views.staff import Look
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

    @property
    def look(self) -> Look:
        return Look(self.t, self.regions, self.settings.zone)


def staff_context(obj: TelegramObject, **data: Any) -> dict[str, StaffContext]:
    """A router filter that always passes and hands ``ctx`` to every handler below it, from
    the workflow data and what the participant middleware put in (aiogram passes what a
    router's filter returns on to the handlers of that router and of the routers inside)."""
    given: dict[str, Any] = {f.name: data.get(f.name) for f in fields(StaffContext)}
    return {"ctx": StaffContext(**given)}
