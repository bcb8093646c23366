"""Running the Zalo Bot Platform channel: updates by webhook or long polling, replies through the outbox.

Zalo brings nothing back: no redelivery is documented, and ``getUpdates`` (one update a call, no offset)
drops what arrives while nobody polls. So every event is handed to a ``Backlog`` that holds it in this
process until it is handled — the channel answers and keeps polling meanwhile, whatever happens to the
database. The webhook checks ``X-Bot-Api-Secret-Token`` before reading anything (anything else: 401).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging

from aiohttp import web

from bot.bootstrap import App
from bot.channels import CredentialsRefused, Health, intake_health
from bot.files import FileLinks
from bot.intake import Backlog, ChatIntake
from bot.settings import ZaloBotSettings
from bot.webhooks import Pause, pause, read_json_body, same_secret
from bot.zalo_bot.client import CHANNEL, ZaloBotClient, ZaloBotError, ZaloBotNetworkError
from bot.zalo_bot.sender import ZaloBotSender
from bot.zalo_bot.updates import read_update, unwrap

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Bot-Api-Secret-Token"  # noqa: S105 - the header's name, not a secret
IDLE = 408  # getUpdates found nothing within its timeout


def webhook_secret(settings: ZaloBotSettings) -> str:
    """The configured secret, or one derived from the token, so every worker agrees without configuration."""
    if settings.webhook_secret is not None:
        return settings.webhook_secret.get_secret_value()
    assert settings.token is not None
    return hashlib.sha256(
        b"nghedan-zalo-bot-webhook:" + settings.token.get_secret_value().encode()
    ).hexdigest()[:48]


class ZaloBotChannel:
    """The Zalo Bot Platform as ``bot.service.Service`` runs it."""

    name = CHANNEL

    def __init__(
        self,
        app: App,
        *,
        links: FileLinks | None = None,
        poll_timeout: int = 30,
        sleep: Pause | None = None,
    ) -> None:
        settings = app.settings.zalo_bot
        if settings.token is None:
            raise ValueError("no Zalo Bot token")
        self.app = app
        self.settings = settings
        self.client = ZaloBotClient(settings.token.get_secret_value(), settings.api_base)
        self.sender = ZaloBotSender(self.client, app.catalogue, settings.limits(), links=links)
        self.intake = ChatIntake(app, CHANNEL, self.sender)
        self._pause: Pause = sleep or pause
        self.backlog = Backlog(self.intake, pause=self._pause)
        self.poll_timeout = poll_timeout
        self.mode = "polling"
        self._stop = asyncio.Event()
        self._polling: asyncio.Task[None] | None = None

    # -- ChannelRuntime ----------------------------------------------------------------------------------
    def add_routes(self, application: web.Application, *, webhook: bool) -> None:
        if webhook:
            application.router.add_post(self.settings.webhook_path, self._receive)

    async def start(self, *, webhook: bool) -> None:
        self.mode = "webhook" if webhook else "polling"
        try:
            await self.client.call("getMe")
            if webhook and self.settings.webhook_url:
                secret = webhook_secret(self.settings)
                await self.client.call(
                    "setWebhook", {"url": self.settings.webhook_url, "secret_token": secret}
                )
            elif not webhook:
                await self._delete_webhook()
        except ZaloBotError as error:
            if error.code == 401:
                raise CredentialsRefused(CHANNEL) from error
            raise
        if not webhook:
            self._polling = asyncio.ensure_future(self._poll())

    async def stop(self) -> None:
        self._stop.set()
        if self._polling is not None:
            await asyncio.gather(self._polling, return_exceptions=True)
        await self.backlog.close()
        await self.intake.wait_background()
        await self.client.close()

    def health(self) -> Health:
        return intake_health(self.intake.activity, self.mode, waiting_in_memory=len(self.backlog))

    # -- receiving ---------------------------------------------------------------------------------------
    async def _receive(self, request: web.Request) -> web.Response:
        """One update. Acknowledged once handled or held (a 5xx would not bring it back: Zalo documents no
        redelivery); what is not an update is acknowledged and dropped."""
        if not same_secret(request.headers.get(SECRET_HEADER), webhook_secret(self.settings)):
            return web.Response(status=401, text="unauthorized")
        update = unwrap(await read_json_body(request))
        if update is None:
            return web.Response(status=200)
        await self._take(update)
        return web.json_response({"message": "Success"})

    async def _take(self, update: dict[str, object]) -> None:
        event = read_update(update, self.app.clock.now())
        if event is None:
            self.intake.activity.done()
            return
        await self.backlog.put(event)

    async def _poll(self) -> None:
        """getUpdates until stopped: one update a call, 408 when there was none. Never ends on an error."""
        backoff = 1.0
        while not self._stop.is_set():
            try:
                result = await self.client.call(
                    "getUpdates", {"timeout": str(self.poll_timeout)}, wait=self.poll_timeout + 15
                )
            except ZaloBotError as error:
                if error.code == IDLE:
                    self.intake.activity.polled()
                    backoff = 1.0
                    continue
                if error.code == 401:
                    log.error("Zalo refused the bot token; polling stops (see /healthz)")
                    return
                log.warning("getUpdates refused (%s); retrying in %.0f s", error.code, backoff)
            except ZaloBotNetworkError as error:
                log.warning("getUpdates failed (%s); retrying in %.0f s", error, backoff)
            except Exception:
                log.exception("a polling pass failed; retrying in %.0f s", backoff)
            else:
                self.intake.activity.polled()
                backoff = 1.0
                update = unwrap({"result": result}) if isinstance(result, dict) else None
                if update is not None:
                    try:
                        await self._take(update)
                    except Exception:
                        log.exception("an update could not be taken in; polling goes on")
                continue
            await self._pause(self._stop, backoff)
            backoff = min(backoff * 2, 60.0)

    async def _delete_webhook(self) -> None:
        """Polling works only without a webhook: remove one if it is set (Zalo answers 400 to deleting
        none)."""
        try:
            info = await self.client.call("getWebhookInfo")
            if isinstance(info, dict) and info.get("url"):
                await self.client.call("deleteWebhook")
        except ZaloBotNetworkError:
            log.warning("the webhook could not be checked; polling will tell whether one is still set")
