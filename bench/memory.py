"""Memory per participant: ``python -m bot`` (a child process) before and after N different
people each sent ``/start`` through the stand-in Bot API server (in this process).

    python -m bench.memory [--people 10000]

Prints the bot's RSS (``/proc/<pid>/status``) after a warm-up of 200 people and after the N,
the growth per person, the database's size and the updates per second of the walk.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from tests.support.process import polling_bot
from tests.support.stand_in import StandInServer, TgUser


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name == "VmRSS":
            return int(value.split()[0]) / 1024
    raise RuntimeError("no VmRSS")


async def walk(server: StandInServer, first_id: int, people: int) -> None:
    last = 0
    for i in range(people):
        last = server.message(TgUser(first_id + i, "Участник"), "/start")
    await server.wait_processed(last, timeout=900)
    await server.wait_idle(quiet=1.0, timeout=900)


async def measure(people: int) -> str:
    tmp = Path(tempfile.mkdtemp(prefix="bench-memory-"))
    async with StandInServer(record=False) as server:
        proc = await polling_bot(
            tmp,
            server,
            LOG_LEVEL="WARNING",
            FLOOD_RATE="10000",
            FLOOD_BURST="10000",
            REPLY_RATE="10000",
            REPLY_BURST="10000",
        )
        try:
            await server.wait_polling(timeout=60)
            await walk(server, 10_000_000, 200)  # warm-up: imports, caches, first SQL
            await asyncio.sleep(2)
            before = rss_mb(proc.pid)
            started = time.monotonic()
            await walk(server, 20_000_000, people)
            took = time.monotonic() - started
            await asyncio.sleep(2)
            after = rss_mb(proc.pid)
        finally:
            proc.terminate()
            await proc.wait()
    size = (tmp / "bot.sqlite3").stat().st_size / 1e6
    return (
        f"{people} people, /start each: {took:.1f} s ({people / took:.0f} updates/s); "
        f"RSS {before:.1f} -> {after:.1f} MB (+{after - before:.1f} MB, "
        f"{(after - before) * 1024 / people:.2f} KB per person); database {size:.1f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.memory", description=__doc__)
    parser.add_argument("--people", type=int, default=10_000)
    print(asyncio.run(measure(parser.parse_args().people)))


if __name__ == "__main__":
    main()
