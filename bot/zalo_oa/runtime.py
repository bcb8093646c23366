"""Running the Zalo Official Account channel: events by webhook (the OA has no polling), replies through the
outbox.

Every event is signed: ``X-ZEvent-Signature: mac=<sha256 hex of app_id + raw body + timestamp + OA secret
key>`` (the app id from our settings, the timestamp from the body); anything else gets 401 before the
event is looked at. Zalo wants an answer within 2 seconds and, when its deliveries keep failing for about
an hour, unsubscribes the app from its webhook: so events are acknowledged as soon as they are handled or
held (``Backlog``), never left to fail while the database is away. Each event records that the person
wrote (``chat_contacts``: the OA's messaging window), and what waited for them goes out first. A
redelivery (same ``msg_id``) is handled once; an unfollow marks the citizen unreachable, their cases kept.
"""

from __future__ import annotations

import hashlib
import logging
import re

from aiohttp import web

from bot.bootstrap import App
from bot.channels import Health, intake_health
from bot.files import FileLinks
from bot.intake import Backlog, ChatIntake
from bot.webhooks import Pause, parse_json, pause, same_secret
from bot.zalo_oa import CHANNEL
from bot.zalo_oa.client import OAClient, OAError, OANetworkError
from bot.zalo_oa.events import read_event
from bot.zalo_oa.oauth import OAuthClient, OAuthRefused, OAuthUnavailable
from bot.zalo_oa.sender import OASender
from bot.zalo_oa.tokens import NoToken, TokenCipher, TokenStore
from handlers.delivery.reachability import chat_blocked, wrote_again
from handlers.kernel.events import ChatEvent
from handlers.kernel.ports import UnitOfWork
from store.database import is_sqlite

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-ZEvent-Signature"
_TIMESTAMP = re.compile(rb'"timestamp"\s*:\s*"?(\d{1,20})"?')


def signature(app_id: str, raw: bytes, timestamp: str, secret_key: str) -> str:
    """``mac=`` and the SHA-256 hex of app id + raw body + timestamp + OA secret key (a plain digest of the
    concatenation, as Zalo's SDKs compute it — not an HMAC)."""
    digest = hashlib.sha256(app_id.encode() + raw + timestamp.encode() + secret_key.encode()).hexdigest()
    return f"mac={digest}"


def token_store(app: App) -> TokenStore:
    """The OA's tokens as every part of the application reads them (the channel, the command line)."""
    settings = app.settings.zalo_oa
    assert settings.app_id
    assert settings.oa_id
    assert settings.app_secret is not None
    secret = settings.app_secret.get_secret_value()
    return TokenStore(
        app.uow_factory,
        app.clock,
        OAuthClient(settings.oauth_base, settings.app_id, secret),
        TokenCipher(secret),
        settings.oa_id,
        one_process=is_sqlite(app.settings.database),
    )


class ZaloOAChannel:
    """A Zalo Official Account as ``bot.service.Service`` runs it."""

    name = CHANNEL

    def __init__(self, app: App, *, links: FileLinks | None = None, sleep: Pause | None = None) -> None:
        settings = app.settings.zalo_oa
        if not settings.configured:
            raise ValueError("the Zalo OA is not configured")
        assert settings.app_id
        assert settings.oa_id
        assert settings.secret_key is not None
        self.app = app
        self.settings = settings
        self._app_id = settings.app_id
        self._oa_id = settings.oa_id
        self._secret_key = settings.secret_key.get_secret_value()
        self.tokens = token_store(app)
        self.client = OAClient(settings.api_base, self.tokens)
        self.sender = OASender(
            self.client, app.catalogue, settings, uow_factory=app.uow_factory, clock=app.clock, links=links
        )
        self.intake = ChatIntake(app, CHANNEL, self.sender, prepare=self._wrote)
        self.backlog = Backlog(self.intake, pause=sleep or pause)
        self.oa_name = ""

    # -- ChannelRuntime ----------------------------------------------------------------------------------
    def add_routes(self, application: web.Application, *, webhook: bool) -> None:
        # The OA has no polling: its webhook is served in either mode.
        application.router.add_post(self.settings.webhook_path, self._receive)

    async def start(self, *, webhook: bool) -> None:
        """Check the stored tokens against Zalo; a missing or refused token is reported (log, /healthz)
        but does not stop the other channels: replies wait until an admin connects the app again."""
        try:
            found = await self.client.get("/v2.0/oa/getoa")
        except NoToken:
            log.error("no Zalo OA tokens are stored: run `nghedan zalo-oa connect` (replies wait until then)")
            return
        except OAuthRefused:
            log.error("Zalo refused the OA's refresh token: run `nghedan zalo-oa connect` (replies wait)")
            return
        except (OAError, OANetworkError, OAuthUnavailable) as error:
            log.warning("the Zalo OA could not be checked at start (%s); going on", error)
            return
        self.oa_name = str(found.get("name", ""))

    async def stop(self) -> None:
        await self.backlog.close()
        await self.intake.wait_background()
        await self.client.close()

    def health(self) -> Health:
        base = intake_health(self.intake.activity, "webhook", waiting_in_memory=len(self.backlog))
        token = self.tokens.state
        facts = {**base.facts, "token": token}
        return Health(base.healthy and token not in ("missing", "refused"), base.mode, facts)

    # -- receiving ---------------------------------------------------------------------------------------
    def _signed(self, request: web.Request, raw: bytes, body: object) -> bool:
        """Whether Zalo signed this body. The timestamp is read from the body — or, for a body too deep to
        parse, found in its text — so that an authenticated body is acknowledged even if unreadable."""
        timestamp = body.get("timestamp") if isinstance(body, dict) else None
        if body is None:
            found = _TIMESTAMP.search(raw)
            timestamp = found.group(1).decode() if found else None
        if not isinstance(timestamp, str | int) or isinstance(timestamp, bool):
            return False
        expected = signature(self._app_id, raw, str(timestamp), self._secret_key)
        return same_secret(request.headers.get(SIGNATURE_HEADER), expected)

    async def _receive(self, request: web.Request) -> web.Response:
        raw = await request.read()
        body = parse_json(raw)
        if not self._signed(request, raw, body):
            return web.Response(status=401, text="unauthorized")
        if not isinstance(body, dict):
            log.warning("a signed OA event could not be read; acknowledged and dropped")
            return web.Response(status=200, text="ok")
        inbound = read_event(body, self.app.clock.now(), self._oa_id)
        if inbound.kind == "unfollow" and inbound.user_id is not None:
            user = inbound.user_id
            taken = await self.intake.guarded("an unfollow", lambda: self._unfollowed(user))
            return web.Response(status=200 if taken.done else 503)
        if inbound.event is not None:
            await self.backlog.put(inbound.event)
        else:
            self.intake.activity.done()
        return web.Response(status=200, text="ok")

    async def _wrote(self, uow: UnitOfWork, event: ChatEvent) -> None:
        """The person wrote (or followed): their window reopens; what waited for them goes out first."""
        await wrote_again(uow, CHANNEL, event.chat_id, event.at)

    async def _unfollowed(self, user: str) -> bool:
        async with self.app.uow_factory() as uow:
            await chat_blocked(uow, CHANNEL, user, self.app.clock.now())
            await uow.commit()
        return False
