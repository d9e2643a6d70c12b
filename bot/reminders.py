"""The reminders feature (filled in by its issue)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.runtime import Runtime


def setup(runtime: Runtime) -> None:
    """Register outbox renderers, scheduler jobs and startup work."""
