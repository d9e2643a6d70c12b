"""What the benchmarks measure and report the same way: the versions and the machine they ran
on, and the warnings logged during a run (kept, so the console stays quiet)."""

from __future__ import annotations

import asyncio
import logging
import os
import platform
import sqlite3
import sys
from importlib import metadata
from typing import Any

from aiohttp import ClientSession

from tests.support.process import ROOT


def version(name: str) -> str:
    """The installed version of the distribution ``name``, "?" if it is not installed."""
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "?"


def usable_cpus() -> int:
    """The CPUs this process may run on (all of them where the system cannot say)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 0


class LogCollector(logging.Handler):
    """Keeps warnings and errors logged during a run (the console stays quiet)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


async def served_url(proc: asyncio.subprocess.Process, wait: float) -> str:
    """The base URL a ``serving_process`` prints on its first line once its server listens;
    empty if the process ended first."""
    assert proc.stdout is not None
    return (await asyncio.wait_for(proc.stdout.readline(), wait)).decode().strip()


async def stop_process(proc: asyncio.subprocess.Process) -> None:
    """Close the stdin of a ``serving_process`` (its signal to stop) and give it ten seconds to
    end; one that does not is killed, so a benchmark never leaves a server behind."""
    assert proc.stdin is not None
    proc.stdin.close()
    try:
        await asyncio.wait_for(proc.wait(), 10)
    except TimeoutError:
        proc.kill()
        await proc.wait()


async def serving_process(module: str, **options: Any) -> asyncio.subprocess.Process:
    """``python -m MODULE --serve`` from the repository root, spoken to over its stdin and
    stdout: the stand-in server runs in a process of its own, as Telegram runs on other
    machines. ``options`` go to ``create_subprocess_exec`` (stderr, limit)."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        module,
        "--serve",
        cwd=ROOT,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        **options,
    )


class ServedProcess:
    """A stand-in server in a ``serving_process`` and an HTTP session to it: the benchmarks
    that drive their server in a child process start and stop it the same way."""

    def __init__(self) -> None:
        self.proc: asyncio.subprocess.Process | None = None
        self.base_url = ""
        self.http: ClientSession | None = None

    async def open_served(self, module: str, wait: float) -> None:
        """Start ``python -m module --serve`` and read its URL (empty if it ended first)."""
        self.proc = await serving_process(module)
        self.base_url = await served_url(self.proc, wait)
        self.http = ClientSession()

    async def close_served(self) -> None:
        if self.http is not None:
            await self.http.close()
        if self.proc is not None:
            await stop_process(self.proc)


def versions(*packages: str) -> dict[str, Any]:
    """Python's version, each package's and SQLite's, in that order: the head of every
    benchmark's environment record (the JSON keeps the order)."""
    return {
        "python": platform.python_version(),
        **{package: version(package) for package in packages},
        "sqlite": sqlite3.sqlite_version,
    }
