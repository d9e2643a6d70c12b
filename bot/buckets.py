"""Leaky buckets kept per key (a chat, a person), forgotten when idle.

Both paces in the bot are the same mechanism: outgoing calls to one chat
(bot/telegram.py, ChatPacingMiddleware) and incoming updates of one person
(handlers/throttle.py, ThrottleMiddleware). One class keeps how a bucket is made and
when it is forgotten in one place, so the two cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Generic, TypeVar

from aiolimiter import AsyncLimiter
from cachetools import TTLCache

K = TypeVar("K", bound=Hashable)


class Buckets(Generic[K]):
    """``burst`` at once and ``rate`` per second sustained, per key (aiolimiter's
    ``AsyncLimiter``, first come first served). A bucket left alone longer than a full one
    takes to leak empty (at least a minute) is forgotten: forgetting it changes nothing, and
    at most ``size`` keys are kept at once, so memory does not grow with the number of keys.
    """

    def __init__(self, rate: float, burst: int, size: int) -> None:
        self.rate = rate
        self.burst = burst
        idle = max(60.0, 2 * burst / rate)
        self._buckets: TTLCache[K, AsyncLimiter] = TTLCache(maxsize=size, ttl=idle)

    def __call__(self, key: K) -> AsyncLimiter:
        """The key's bucket; using it counts as activity (the idle time counts from now)."""
        found = self._buckets.get(key)
        if found is None:
            found = AsyncLimiter(self.burst, self.burst / self.rate)
        self._buckets[key] = found  # (re)set: the idle time counts from now
        return found
