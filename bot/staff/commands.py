"""Telegram's command menu: the participants' commands for everyone, and for each staff
member (admins from ADMIN_IDS, coordinators in the database) a menu of their own with the
staff commands, set with a per-chat scope in their language.

The menu is cosmetic, so nothing here may stop the bot: a failed ``setMyCommands`` is logged
and tried again in the background with back-off, while the bot answers as usual.

The staff menus follow the staff: :meth:`CommandMenus.sync` compares who is staff now with
the menus set so far and sets or deletes the difference. It runs at start, right after a
change made in the chat (an invitation accepted, a coordinator removed, a language chosen),
and within ``WATCH_SECONDS`` of a change written by another process (``python -m bot
coordinators add|remove`` beside the running bot: SQLite's ``PRAGMA data_version`` moves).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
from aiogram.types import BotCommand, BotCommandScopeChat, BotCommandScopeDefault

from bot.i18n import LOCALES, translator
from bot.jobs import every
from bot.staff.roles import RoleKind
from bot.telegram import create_bot
from storage.coordinators import CoordinatorRepo
from storage.db import Database
from storage.experts import ExpertRepo
from storage.participants import ParticipantRepo

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger(__name__)

#: The participants' commands (everyone's menu), in the menu's order.
COMMANDS = ("start", "events", "my", "profile", "language", "help", "cancel")
#: What every staff member has on top of them (handlers/coord_*.py, handlers/staff/broadcast.py).
STAFF_COMMANDS = ("coord", "newevent", "stats", "broadcast", "report", "experts")
#: What only admins have (handlers/staff/coordinators.py).
ADMIN_COMMANDS = ("coordinators", "reports")
#: What experts of a selection have (handlers/selection/review.py), staff or not.
EXPERT_COMMANDS = ("review",)

#: How often to look whether another process changed the coordinators.
WATCH_SECONDS = 3.0
#: Back-off of the retries after a failed call: first wait, cap.
RETRY_FIRST = 2.0
RETRY_MAX = 300.0
JOB_ID = "commands:watch"
#: The start waits this long at most for the first attempt.
FIRST_ATTEMPT_SECONDS = 10.0


def command_list(names: tuple[str, ...], locale: str) -> list[BotCommand]:
    t = translator(locale)
    return [BotCommand(command=name, description=t.plain(f"command.{name}")) for name in names]


def staff_commands(kind: RoleKind, expert: bool = False) -> tuple[str, ...]:
    """A staff member's (or an expert's) menu: their tools first, then what every
    participant has."""
    extra = ADMIN_COMMANDS if kind is RoleKind.ADMIN else ()
    staff = STAFF_COMMANDS if kind is not RoleKind.PARTICIPANT else ()
    return staff + extra + (EXPERT_COMMANDS if expert else ()) + COMMANDS


@dataclass(frozen=True, slots=True)
class Menu:
    """One staff member's menu as set (or to be set) in Telegram."""

    kind: RoleKind
    locale: str
    expert: bool = False  # an expert of a selection event: /review


@dataclass
class Backoff:
    """When the next attempt may run after failures: doubling waits, capped."""

    clock: Callable[[], float] = time.monotonic
    failures: int = 0
    not_before: float = 0.0

    def ready(self) -> bool:
        return self.clock() >= self.not_before

    def failed(self) -> float:
        self.failures += 1
        wait: float = min(RETRY_FIRST * 2.0 ** (self.failures - 1), RETRY_MAX)
        self.not_before = self.clock() + wait
        return wait

    def succeeded(self) -> None:
        self.failures = 0
        self.not_before = 0.0


class CommandMenus:
    """Sets the default menu once and keeps the staff menus in step with the staff."""

    def __init__(
        self, bot: Bot, db: Database, admin_ids: frozenset[int], default_locale: str
    ) -> None:
        self.bot = bot
        self.db = db
        self.admin_ids = admin_ids
        self.default_locale = default_locale
        self.defaults_set = False
        self.published: dict[int, Menu] = {}
        #: Staff whose chat Telegram does not know (they never opened it): not asked again
        #: until they write (ensure()).
        self.no_chat: set[int] = set()
        self.dirty = True  # the staff may differ from self.published
        self.backoff = Backoff()
        self._data_version: int | None = None
        self._db_failing = False

    # --- what the menus should be -------------------------------------------------------

    async def wanted(self) -> dict[int, Menu]:
        """Every staff member now, with their role and language."""
        people = ParticipantRepo(self.db)
        kinds = {c.telegram_id: RoleKind.COORDINATOR for c in await CoordinatorRepo(self.db).all()}
        kinds.update(dict.fromkeys(self.admin_ids, RoleKind.ADMIN))
        experts = await ExpertRepo(self.db).people()
        for user_id in experts - kinds.keys():
            kinds[user_id] = RoleKind.PARTICIPANT
        result = {}
        for user_id, kind in kinds.items():
            person = await people.get(user_id)
            locale = person.language if person is not None else self.default_locale
            locale = locale if locale in LOCALES else self.default_locale
            result[user_id] = Menu(kind, locale, expert=user_id in experts)
        return result

    # --- setting them in Telegram -------------------------------------------------------

    async def set_defaults(self) -> None:
        """The participants' menu in each language, and without a language (raises)."""
        for locale in LOCALES:
            await self.bot.set_my_commands(
                command_list(COMMANDS, locale), scope=BotCommandScopeDefault(), language_code=locale
            )
        await self.bot.set_my_commands(
            command_list(COMMANDS, LOCALES[0]), scope=BotCommandScopeDefault()
        )
        self.defaults_set = True

    async def sync(self) -> bool:
        """Set or delete the staff menus that differ from the staff now. Never raises;
        False when something could not be done (it is tried again later)."""
        self.dirty = True
        try:
            # The baseline first: a change committed while we read is seen at the next tick.
            await self._data_version_moved()
            wanted = await self.wanted()
        except Exception:
            log.exception("command menus: reading the staff failed; trying again later")
            return False
        complete = True
        for user_id in self.published.keys() - wanted.keys():
            complete &= await self._apply(user_id, None)
        for user_id, menu in wanted.items():
            if self.published.get(user_id) != menu and user_id not in self.no_chat:
                complete &= await self._apply(user_id, menu)
        self.dirty = not complete
        return complete

    async def ensure(self, user_id: int) -> None:
        """Called when a staff member writes: if their menu could not be set before (they had
        never opened the chat), the chat exists now."""
        if user_id not in self.published:
            self.no_chat.discard(user_id)
            await self.sync()

    async def _apply(self, user_id: int, menu: Menu | None) -> bool:
        scope = BotCommandScopeChat(chat_id=user_id)
        try:
            if menu is None:
                await self.bot.delete_my_commands(scope=scope)
                self.published.pop(user_id, None)
            else:
                commands = command_list(staff_commands(menu.kind, menu.expert), menu.locale)
                await self.bot.set_my_commands(commands, scope=scope)
                self.published[user_id] = menu
        except TelegramBadRequest as exc:
            # "chat not found": the person has never opened the chat with the bot. Nothing
            # to retry until they do (then ensure() runs); not an error worth a traceback.
            log.info("command menu of %s not set: %s", user_id, exc.message)
            if menu is not None:
                self.no_chat.add(user_id)
            else:
                self.published.pop(user_id, None)
            return True
        except (TelegramAPIError, OSError) as exc:
            log.warning("command menu of %s not set (%s); trying again later", user_id, exc)
            return False
        return True

    # --- at start and in the background -------------------------------------------------

    async def tick(self) -> None:
        """The scheduler's job: retry what failed (with back-off) and follow changes written
        by another process. Never raises."""
        try:
            if await self._data_version_moved():
                self.dirty = True
            self._db_failing = False
        except Exception as exc:
            if not self._db_failing:  # once per outage, not every few seconds
                log.warning("command menus: the database does not answer (%r)", exc)
            self._db_failing = True
            return
        if (self.dirty or not self.defaults_set) and self.backoff.ready():
            await self.attempt()

    async def attempt(self) -> bool:
        """Set the default menu if not yet done, then sync the staff menus; on failure, log
        a warning and back off. Never raises."""
        try:
            if not self.defaults_set:
                await self.set_defaults()
            done = await self.sync()
        except Exception as exc:
            wait = self.backoff.failed()
            log.warning(
                "setting the command menu failed (%r, attempt %d); trying again in %.0f s",
                exc,
                self.backoff.failures,
                wait,
            )
            return False
        if done:
            self.backoff.succeeded()
        else:
            self.backoff.failed()
        return done

    async def _data_version_moved(self) -> bool:
        """SQLite changes ``data_version`` only for commits of other connections."""
        row = await self.db.fetchone("PRAGMA data_version")
        version = int(row[0]) if row else 0
        moved = self._data_version is not None and version != self._data_version
        self._data_version = version
        return moved


def setup(runtime: Runtime) -> None:
    """Try once at start (bounded: polling waits for it), then watch and retry.

    The menus have their own session without the polling bot's retries: a failing call
    costs the start one round trip, and the back-off here decides when to try again. (Not
    the sender's session either: its pacing is for the delivery queue's messages.)"""
    settings = runtime.settings
    menu_bot = create_bot(settings, retry=False)
    menus = CommandMenus(menu_bot, runtime.db, settings.admin_ids, settings.default_locale)
    runtime.menus = menus
    runtime.dp["menus"] = menus  # handler data

    async def close() -> None:
        await menu_bot.session.close()

    runtime.dp.shutdown.register(close)

    async def first_attempt() -> None:
        try:
            await asyncio.wait_for(menus.attempt(), FIRST_ATTEMPT_SECONDS)
        except TimeoutError:
            wait = menus.backoff.failed()
            log.warning("setting the command menu timed out; trying again in %.0f s", wait)

    runtime.on_started.append(first_attempt)
    every(runtime.scheduler, menus.tick, WATCH_SECONDS, JOB_ID)
