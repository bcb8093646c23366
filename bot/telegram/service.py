"""``nghedan run``: the Telegram bot as a long-running service (polling or webhook)."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import Coroutine
from datetime import timedelta
from typing import Any

from aiohttp import web

from bot.bootstrap import App
from bot.telegram.links import deep_link
from bot.telegram.runtime import (
    Poller,
    TelegramChannel,
    healthz_handler,
    make_bot,
    webhook_app,
    webhook_secret,
)
from bot.telegram.sender import TelegramSender
from bot.telegram.updates import ALLOWED_UPDATES, CHANNEL
from scheduler.service import ReminderScheduler
from store.database import is_sqlite
from store.leader import Leadership

log = logging.getLogger(__name__)


class TelegramService:
    """Everything ``nghedan run`` runs: the HTTP listener (webhook or just /healthz), the poller in polling
    mode, the outbox delivery worker and the leadership that decides who sends queued traffic."""

    def __init__(self, app: App, *, webhook: bool, poll_timeout: int = 25) -> None:
        self.app = app
        self.webhook = webhook
        self.settings = app.settings.telegram
        self.bot = make_bot(self.settings)
        self.sender = TelegramSender(self.bot, app.settings.delivery.limits())
        self.channel = TelegramChannel(app, self.bot, self.sender)
        self.poller = Poller(self.channel, self.settings, timeout=poll_timeout)
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

    def _swept(self) -> None:
        """A sweep queued mail: reminders to staff go straight to the outbox, notices to citizens are
        broadcasts; wake both."""
        self.app.delivery.notify()
        self.app.broadcasts.notify()

    async def start(self) -> None:
        self.app.delivery.add_sender(CHANNEL, self.sender)
        if is_sqlite(self.app.settings.database):
            await self.app.delivery.release_orphans()  # SQLite: this is the only process
        await self.channel.setup_commands()
        me = await self.bot.get_me()
        if me.username:
            username = me.username
            self.app.office.links.register(CHANNEL, lambda payload: deep_link(username, payload))
        await self.leadership.refresh()
        self._spawn(self._keep_leadership())
        self._spawn(self.app.delivery.run(self._stop, is_leader=lambda: self.leadership.is_leader))
        self._spawn(self.app.arrivals.run(self._stop, is_leader=lambda: self.leadership.is_leader))
        self._spawn(self.app.broadcasts.run(self._stop, is_leader=lambda: self.leadership.is_leader))
        self.scheduler.start()
        if self.webhook:
            application = webhook_app(self.channel, self.settings)
        else:
            application = web.Application()
            application.router.add_get("/healthz", healthz_handler(self.app))
        self._runner = web.AppRunner(application)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.settings.listen_host, self.settings.listen_port).start()
        self.port = self._runner.addresses[0][1]
        if self.webhook:
            if self.settings.webhook_url:
                await self.bot.set_webhook(
                    self.settings.webhook_url,
                    secret_token=webhook_secret(self.settings),
                    allowed_updates=ALLOWED_UPDATES,
                    drop_pending_updates=False,
                )
            log.info("webhook on port %s, path %s", self.port, self.settings.webhook_path)
        else:
            self._spawn(self.poller.run(self._stop))
            log.info("polling for updates; /healthz on port %s", self.port)

    async def stop(self) -> None:
        """Stop taking updates, let replies on the wire finish and be recorded, then close."""
        self._stop.set()
        self.scheduler.shutdown()
        try:
            if self._runner is not None:
                await self._runner.cleanup()
                self._runner = None
            await self.channel.wait_background()
            await asyncio.gather(*self._tasks, return_exceptions=True)
        finally:
            await self.leadership.release()
            await self.bot.session.close()

    def _spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        self._tasks.append(asyncio.ensure_future(coroutine))

    async def _keep_leadership(self, every: float = 5.0) -> None:
        while not self._stop.is_set():
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._stop.wait(), timeout=every)
            await self.leadership.refresh()


async def run_telegram(app: App, *, webhook: bool, stop: asyncio.Event) -> None:
    """Serve Telegram until ``stop`` is set."""
    service = TelegramService(app, webhook=webhook)
    try:
        await service.start()
        # Everything loaded at start-up lives as long as the process: keep it out of the garbage collector's
        # scans, which otherwise pause the loop for tens of milliseconds (bench/intake.py: p99 halved).
        gc.collect()
        gc.freeze()
        await stop.wait()
    finally:
        await service.stop()
