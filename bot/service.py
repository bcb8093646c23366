"""``nghedan run``: every configured channel from one process, on one HTTP server.

The service owns what all channels share — the HTTP listener (webhooks and ``GET /healthz``), the outbox
delivery worker, the office's arrivals worker, the broadcast runner, the reminder scheduler and the
leadership that decides which worker sends queued traffic — and starts each channel on top of them.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import Callable, Coroutine, Sequence
from datetime import timedelta
from typing import Any

from aiohttp import web
from sqlalchemy import text

from bot.bootstrap import App
from bot.channels import ChannelRuntime
from bot.files import ROUTE, FileLinks, file_links
from bot.webhooks import Pause
from scheduler.service import ReminderScheduler
from store.database import is_sqlite
from store.leader import Leadership

log = logging.getLogger(__name__)


class Service:
    """The HTTP listener, the shared workers, and the channels (see the module's docstring)."""

    def __init__(self, app: App, channels: Sequence[ChannelRuntime], *, webhook: bool) -> None:
        if not channels:
            raise ValueError("no channel to serve")
        self.app = app
        self.channels = list(channels)
        self.webhook = webhook
        self.leadership = Leadership(app.engine, "outbox-delivery")
        self.scheduler = ReminderScheduler(
            app.reminders,
            clock=app.clock,
            every=timedelta(minutes=app.settings.reminders.sweep_minutes),
            is_leader=lambda: self.leadership.is_leader,
            on_mail=self._swept,
        )
        self.port: int | None = None
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._runner: web.AppRunner | None = None

    def channel(self, name: str) -> ChannelRuntime:
        return next(channel for channel in self.channels if channel.name == name)

    def _swept(self) -> None:
        """A sweep queued mail: reminders to staff go straight to the outbox, notices to citizens are
        broadcasts; wake both."""
        self.app.delivery.notify()
        self.app.broadcasts.notify()

    async def start(self) -> None:
        for channel in self.channels:
            self.app.delivery.add_sender(channel.name, channel.sender)
        if is_sqlite(self.app.settings.database):
            await self.app.delivery.release_orphans()  # SQLite: this is the only process
        await self.leadership.refresh()
        leader = self._is_leader
        self._spawn(self._keep_leadership())
        self._spawn(self.app.delivery.run(self._stop, is_leader=leader))
        self._spawn(self.app.arrivals.run(self._stop, is_leader=leader))
        self._spawn(self.app.broadcasts.run(self._stop, is_leader=leader))
        self.scheduler.start()
        application = web.Application(client_max_size=1024 * 1024)
        application.router.add_get("/healthz", self._healthz)
        links = links_of(self.app)
        if links is not None:
            application.router.add_get(ROUTE, links.handler(self.app.uow_factory))
        for channel in self.channels:
            channel.add_routes(application, webhook=self.webhook)
        self._runner = web.AppRunner(application, access_log=None)  # URLs may carry tokens: no access log
        await self._runner.setup()
        host, port = self.app.settings.listen_address()
        await web.TCPSite(self._runner, host, port).start()
        self.port = self._runner.addresses[0][1]
        for channel in self.channels:
            await channel.start(webhook=self.webhook)
        names = ", ".join(channel.name for channel in self.channels)
        log.info(
            "serving %s (%s); HTTP on port %s", names, "webhook" if self.webhook else "polling", self.port
        )

    def _is_leader(self) -> bool:
        return self.leadership.is_leader

    async def stop(self) -> None:
        """Stop taking updates, let replies on the wire finish and be recorded, then close."""
        self._stop.set()
        self.scheduler.shutdown()
        try:
            if self._runner is not None:
                await self._runner.cleanup()
                self._runner = None
            for channel in self.channels:
                await channel.intake.wait_background()
            await asyncio.gather(*self._tasks, return_exceptions=True)
        finally:
            await self.leadership.release()
            for channel in self.channels:
                with contextlib.suppress(Exception):
                    await channel.stop()

    async def wait_background(self) -> None:
        """Let every channel's replies already on their way finish (tests)."""
        for channel in self.channels:
            await channel.intake.wait_background()

    def _spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        self._tasks.append(asyncio.ensure_future(coroutine))

    async def _keep_leadership(self, every: float = 5.0) -> None:
        while not self._stop.is_set():
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._stop.wait(), timeout=every)
            await self.leadership.refresh()

    async def _healthz(self, _request: web.Request) -> web.Response:
        """200 when the database answers and every channel is receiving; 503 otherwise, saying which."""
        database = "ok"
        try:
            async with self.app.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception:
            database = "unreachable"
        channels = {channel.name: channel.health() for channel in self.channels}
        healthy = database == "ok" and all(health.healthy for health in channels.values())
        body = {
            "status": "ok" if healthy else "degraded",
            "database": database,
            "channels": {name: health.as_json() for name, health in channels.items()},
        }
        return web.json_response(body, status=200 if healthy else 503)


def build_channels(app: App, *, poll_timeout: int = 25, sleep: Pause | None = None) -> list[ChannelRuntime]:
    """Every channel whose credentials are set, in a fixed order. Channel modules are imported only when
    configured: aiogram alone takes seconds to import."""
    channels: list[ChannelRuntime] = []
    settings = app.settings
    links = links_of(app)
    if settings.zalo_oa.configured:
        from bot.zalo_oa.runtime import ZaloOAChannel

        channels.append(ZaloOAChannel(app, links=links, sleep=sleep))
    if settings.zalo_bot.token is not None:
        from bot.zalo_bot.runtime import ZaloBotChannel

        channels.append(ZaloBotChannel(app, links=links, poll_timeout=poll_timeout, sleep=sleep))
    if settings.telegram.token is not None:
        from bot.telegram.runtime import TelegramChannel

        channels.append(TelegramChannel(app, poll_timeout=poll_timeout, sleep=sleep))
    return channels


def links_of(app: App) -> FileLinks | None:
    """Signed download links to made files, when the public URL and the link secret are set."""
    http = app.settings.http
    secret = http.link_secret.get_secret_value() if http.link_secret is not None else None
    return file_links(http.public_url, secret, app.clock)


async def run_service(
    app: App,
    channels: Sequence[ChannelRuntime],
    *,
    webhook: bool,
    stop: asyncio.Event,
    started: Callable[[Service], None] = lambda service: None,
) -> None:
    """Serve ``channels`` until ``stop`` is set; ``started`` is told once every channel is up."""
    service = Service(app, channels, webhook=webhook)
    try:
        await service.start()
        started(service)
        # Everything loaded at start-up lives as long as the process: keep it out of the garbage collector's
        # scans, which otherwise pause the loop for tens of milliseconds (bench/intake.py: p99 halved).
        gc.collect()
        gc.freeze()
        await stop.wait()
    finally:
        await service.stop()
