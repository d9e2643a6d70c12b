"""The sender's pace: at most ``rate`` calls in any one-second window, evenly spread."""

from __future__ import annotations

import asyncio
import time

from aiolimiter import AsyncLimiter
from limits import RateLimitItemPerSecond
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import MovingWindowRateLimiter


class PacedLimiter:
    """At most ``rate`` calls in ANY one-second window, evenly spread, from two libraries.

    * aiolimiter spaces the calls ``(1 + margin) / rate`` seconds apart; its bucket holds a
      few calls, so a call that left late (a busy event loop) lets the next ones catch up
      instead of losing that moment for good.
    * limits' moving window refuses the (rate + 1)-th call within any second, so the
      catch-up can never become a burst over Telegram's limit.

    The margin (1-3%) leaves room for calls bunched on the way to Telegram; a 429 costs far
    more (the whole queue stops for ``retry_after``). Measured in bench/broadcast.py and
    bench/reminders.py.
    """

    KEY = "sender"

    def __init__(self, rate: float, *, margin: float | None = None) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        if margin is None:
            # 1% at Telegram's free 30/s (calls 33 ms apart barely bunch); 3% at paid rates,
            # where calls a millisecond apart bunch on the way (measured: 100 answers of 429
            # at 1000/s with 1%, 2 with 3%)
            margin = 0.01 if rate <= 100 else 0.03
        catch_up = max(1, min(int(rate // 50), 20)) if rate >= 2 else 1
        self.spacing = AsyncLimiter(catch_up, catch_up * (1 + margin) / rate)
        self.window = MovingWindowRateLimiter(MemoryStorage())
        self.item = RateLimitItemPerSecond(max(1, int(rate)), 1)

    async def acquire(self) -> None:
        await self.spacing.acquire()
        while not await self.window.hit(self.item, self.KEY):
            stats = await self.window.get_window_stats(self.item, self.KEY)
            await asyncio.sleep(max(0.001, stats.reset_time - time.time()))


def rate_limiter(rate: float) -> PacedLimiter:
    return PacedLimiter(rate)
