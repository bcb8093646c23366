"""The wait between passes of a background worker: until it is woken, stopped, or the poll interval ends."""

from __future__ import annotations

import asyncio


async def nap(wake: asyncio.Event, stop: asyncio.Event, seconds: float) -> None:
    waiter = asyncio.ensure_future(wake.wait())
    stopper = asyncio.ensure_future(stop.wait())
    await asyncio.wait({waiter, stopper}, timeout=seconds, return_when="FIRST_COMPLETED")
    waiter.cancel()
    stopper.cancel()
