"""What a command group of ``python -m bot`` is: a name, its parser and its coroutine."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeAlias

from bot.config import Settings

if TYPE_CHECKING:
    Subparsers: TypeAlias = argparse._SubParsersAction[argparse.ArgumentParser]


@dataclass(frozen=True, slots=True)
class Command:
    """One top-level command: ``add_parser`` registers it (under ``name``) with the
    subparsers, ``run`` does it and returns the exit code."""

    name: str
    add_parser: Callable[[Subparsers], None]
    run: Callable[[Settings, argparse.Namespace], Coroutine[Any, Any, int]]
