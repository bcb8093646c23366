"""``nghedan run``: the Telegram bot as a long-running service (polling or webhook)."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from aiohttp import web

from bot.bootstrap import App
from bot.telegram.runtime import Poller, TelegramChannel, make_bot, webhook_app, webhook_secret
from bot.telegram.sender import TelegramSender
from bot.telegram.updates import ALLOWED_UPDATES, CHANNEL
from store.leader import Leadership

log = logging.getLogger(__name__)


async def _keep_leadership(leadership: Leadership, stop: asyncio.Event, every: float = 5.0) -> None:
    while not stop.is_set():
        await leadership.refresh()
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=every)


async def run_telegram(app: App, *, webhook: bool, stop: asyncio.Event, poll_timeout: int = 25) -> None:
    """Serve Telegram until ``stop`` is set, then finish what is on the wire and return."""
    settings = app.settings.telegram
    bot = make_bot(settings)
    sender = TelegramSender(bot, app.settings.delivery.limits())
    app.delivery.add_sender(CHANNEL, sender)
    channel = TelegramChannel(app, bot, sender)
    leadership = Leadership(app.engine, "outbox-delivery")
    runner: web.AppRunner | None = None
    try:
        await channel.setup_commands()
        tasks = [
            asyncio.ensure_future(_keep_leadership(leadership, stop)),
            asyncio.ensure_future(app.delivery.run(stop, is_leader=lambda: leadership.is_leader)),
        ]
        if webhook:
            runner = web.AppRunner(webhook_app(channel, settings))
            await runner.setup()
            await web.TCPSite(runner, settings.listen_host, settings.listen_port).start()
            if settings.webhook_url:
                await bot.set_webhook(
                    settings.webhook_url,
                    secret_token=webhook_secret(settings),
                    allowed_updates=ALLOWED_UPDATES,
                    drop_pending_updates=False,
                )
            log.info(
                "webhook listening on %s:%d%s",
                settings.listen_host,
                settings.listen_port,
                settings.webhook_path,
            )
        else:
            runner = web.AppRunner(_health_only(channel))
            await runner.setup()
            await web.TCPSite(runner, settings.listen_host, settings.listen_port).start()
            tasks.append(asyncio.ensure_future(Poller(channel, settings, timeout=poll_timeout).run(stop)))
            log.info("polling for updates")
        await stop.wait()
        if runner is not None:
            await runner.cleanup()  # no new webhook requests; those in progress finish first
            runner = None
        await channel.wait_background()
        await asyncio.gather(*tasks, return_exceptions=True)
    finally:
        if runner is not None:
            await runner.cleanup()
        await leadership.release()
        await bot.session.close()


def _health_only(channel: TelegramChannel) -> web.Application:
    from bot.telegram.runtime import healthz_handler

    application = web.Application()
    application.router.add_get("/healthz", healthz_handler(channel.app))
    return application
