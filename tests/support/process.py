"""``python -m bot`` in a child process, as a user runs it: the environment it runs with (the
test's own, so the fast flood limits reach it, with the repository on the path and no token or
database inherited) and the process polling the stand-in server."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

from tests.support.stand_in import TEST_TOKEN, StandInServer

ROOT = Path(__file__).resolve().parents[2]


def env_for(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"BOT_TOKEN", "DATABASE_PATH"}}
    env.update(PYTHONPATH=str(ROOT), **extra)
    return env


async def python_m_bot(
    tmp_path: Path, *args: str, env: dict[str, str], stdout: int = asyncio.subprocess.PIPE
) -> asyncio.subprocess.Process:
    """``python -m bot ARGS`` started in ``tmp_path`` with ``env``; its stderr is piped (the
    tests read the errors and look for tracebacks there)."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        cwd=tmp_path,
        env=env,
        stdout=stdout,
        stderr=asyncio.subprocess.PIPE,
    )


async def polling_bot(
    tmp_path: Path, server: StandInServer, *, stdout: int = asyncio.subprocess.DEVNULL, **env: str
) -> asyncio.subprocess.Process:
    """``python -m bot`` polling the stand-in server with the test token and its database in
    ``tmp_path`` (``DATABASE_PATH`` in ``env`` names another); ``env`` adds settings."""
    settings = {
        "BOT_TOKEN": TEST_TOKEN,
        "TELEGRAM_API_URL": server.base_url,
        "DATABASE_PATH": str(tmp_path / "bot.sqlite3"),
    }
    return await python_m_bot(tmp_path, env=env_for(tmp_path, **(settings | env)), stdout=stdout)


def run_cli(cwd: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``python -m bot ARGS`` run to its end (a minute at most) in ``cwd`` with ``env``, its
    output captured as text: the command-line tests read the exit code, stdout and stderr."""
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
