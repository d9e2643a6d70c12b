"""``python -m bot broadcast ...``: placeholder until the feature lands."""

from __future__ import annotations

import argparse
from typing import Any

from bot.config import Settings

COMMAND = "broadcast"


def add_parser(sub: Any) -> None:
    sub.add_parser(COMMAND, help="(not available yet)")


async def run(settings: Settings, args: argparse.Namespace) -> int:
    print("not available yet")
    return 2
