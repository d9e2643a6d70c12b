"""How the bot logs: one line per event, on stderr, as text or as JSON for a collector.

The lines carry ids (the update's, the person's Telegram id, an event's slug), never a
person's name, username, phone or e-mail: the code logs ids only, and
``tests/test_logs.py`` runs a whole registration and looks for the answers in the log.
``LOG_FORMAT=json`` writes one JSON object per line (python-json-logger); the values a line
was made from (``update_id``, ``user_id``, ...) are fields of their own.
"""

from __future__ import annotations

import logging
import sys

from pythonjsonlogger.json import JsonFormatter

from bot.config import Settings

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s"


def formatter(log_format: str) -> logging.Formatter:
    if log_format == "json":
        return JsonFormatter(
            JSON_FIELDS,
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        )
    return logging.Formatter(TEXT_FORMAT)


def configure_logging(settings: Settings) -> None:
    """The root logger for ``python -m bot``: the level and format of the settings."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter(settings.log_format))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(settings.log_level)
    # aiogram's own line per update ("Update id=... is handled") would double ours
    # (bot/ops/observe.py), which also names the person by their id.
    logging.getLogger("aiogram.event").setLevel(max(logging.WARNING, root.level))
