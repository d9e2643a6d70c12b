"""Conversation of the reminders feature (filled in by its issue)."""

from __future__ import annotations

from handlers.routing import Routes

routes = Routes("reminders")
