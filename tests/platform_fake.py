"""What the in-repo fakes of chat platforms share: an aiohttp server on 127.0.0.1 with a random port, scripted
failures, and waiting (without sleeping blindly) until a condition holds — checked after every call."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web


@dataclass
class Failure:
    method: str
    code: int
    description: str
    chat_id: str | None
    times: int


class FakePlatform:
    def __init__(self) -> None:
        self.base_url = ""
        self._runner: web.AppRunner | None = None
        self._changed = asyncio.Condition()
        self._wakers: set[asyncio.Task[None]] = set()
        self._failures: list[Failure] = []
        self.closing = False

    def routes(self, app: web.Application) -> None:
        raise NotImplementedError

    async def start(self) -> str:
        app = web.Application(client_max_size=20 * 1024 * 1024)
        self.routes(app)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        host, port = self._runner.addresses[0][:2]
        self.base_url = f"http://{host}:{port}"
        return self.base_url

    async def stop(self) -> None:
        self.closing = True  # long polls still open answer now
        async with self._changed:
            self._changed.notify_all()
        if self._runner is not None:
            await self._runner.cleanup()

    def fail(
        self, method: str, code: int, description: str, *, chat_id: str | None = None, times: int = 1
    ) -> None:
        """The next ``times`` calls of ``method`` (to ``chat_id``, if given) fail with this code."""
        self._failures.append(Failure(method, code, description, chat_id, times))

    def scripted_failure(self, method: str, chat_id: str | None) -> Failure | None:
        for failure in self._failures:
            if failure.method == method and failure.times > 0 and failure.chat_id in (None, chat_id):
                failure.times -= 1
                return failure
        return None

    def notify(self) -> None:
        async def wake() -> None:
            async with self._changed:
                self._changed.notify_all()

        task = asyncio.ensure_future(wake())
        self._wakers.add(task)
        task.add_done_callback(self._wakers.discard)

    async def changed(self, within: float) -> None:
        """Wait until the next notification, or ``within`` seconds."""
        async with self._changed:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), timeout=within)

    async def wait_until(self, predicate: Callable[[], bool | Awaitable[bool]], within: float = 10.0) -> None:
        """Wait until ``predicate`` holds: it is checked after every call the server answers."""
        deadline = time.monotonic() + within
        while True:
            result = predicate()
            if isinstance(result, Awaitable):
                result = await result
            if result:
                return
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("condition not met before the timeout")
            await self.changed(min(remaining, 0.05))
