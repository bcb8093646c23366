"""Rate limiting for outgoing messages: a global cap, a lower cap for bulk traffic, and per-chat caps.

Each bucket is a GCRA (generic cell rate algorithm): a rate and a burst. A message may go when every bucket
it belongs to allows it, and then takes a slot in all of them at once. Time and sleeping are injected so
tests drive them without waiting.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class RateLimits:
    """Telegram's documented limits, with room to spare: ~30 msg/s per bot, ~1 msg/s per private chat with
    short bursts, 20 msg/min per group. Bulk traffic (notices, broadcasts) is capped lower than the global
    limit so replies to citizens always find a free slot."""

    global_per_second: float = 30.0
    bulk_per_second: float = 25.0
    chat_per_second: float = 1.0
    chat_burst: int = 3
    group_per_minute: float = 20.0
    group_burst: int = 3


class _Bucket:
    __slots__ = ("interval", "tat", "tolerance")

    def __init__(self, per_second: float, burst: int) -> None:
        self.interval = 1.0 / per_second
        self.tolerance = (max(burst, 1) - 1) * self.interval
        self.tat = 0.0  # theoretical arrival time of the next conforming message

    def earliest(self, now: float) -> float:
        return max(now, self.tat - self.tolerance)

    def take(self, now: float) -> None:
        self.tat = max(self.tat, now) + self.interval

    def hold(self, until: float) -> None:
        self.tat = max(self.tat, until + self.tolerance)


class RateLimiter:
    def __init__(
        self,
        limits: RateLimits,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.limits = limits
        self._monotonic = monotonic
        self._sleep = sleep
        self._global = _Bucket(limits.global_per_second, max(1, int(limits.global_per_second)))
        self._bulk = _Bucket(limits.bulk_per_second, max(1, int(limits.bulk_per_second)))
        self._chats: dict[str, _Bucket] = {}

    def _chat(self, chat: str, group: bool) -> _Bucket:
        bucket = self._chats.get(chat)
        if bucket is None:
            limits = self.limits
            if group:
                bucket = _Bucket(limits.group_per_minute / 60.0, limits.group_burst)
            else:
                bucket = _Bucket(limits.chat_per_second, limits.chat_burst)
            self._chats[chat] = bucket
            if len(self._chats) > 50_000:
                self._forget_idle()
        return bucket

    def _forget_idle(self) -> None:
        now = self._monotonic()
        self._chats = {key: b for key, b in self._chats.items() if b.tat > now}

    async def acquire(self, chat: str, *, group: bool = False, bulk: bool = False) -> None:
        """Wait until a message to ``chat`` may be sent, then take its slot."""
        buckets = [self._global, self._chat(chat, group)]
        if bulk:
            buckets.append(self._bulk)
        while True:
            now = self._monotonic()
            at = max(bucket.earliest(now) for bucket in buckets)
            if at <= now:
                for bucket in buckets:
                    bucket.take(now)
                return
            await self._sleep(at - now)

    def hold_chat(self, chat: str, seconds: float, *, group: bool = False) -> None:
        """Send nothing to ``chat`` for ``seconds`` (Telegram answered 429 with retry_after)."""
        self._chat(chat, group).hold(self._monotonic() + seconds)
