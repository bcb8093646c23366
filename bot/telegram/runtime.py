"""Running the Telegram channel: updates by long polling or webhook, replies through the outbox.

Every update goes through the shared intake (``bot.intake``): acknowledged (polling offset advanced, or
webhook answered 2xx) only after its turn has been committed; while the database is unreachable, not at all
(Telegram keeps it); after three failures of any other kind, let go with the person's words kept for the
office — so one broken update can never stop a chat or the channel.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import re
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramAPIError, TelegramUnauthorizedError
from aiogram.types import BotCommand, BotCommandScopeAllGroupChats, BotCommandScopeAllPrivateChats
from aiohttp import web

from bot.bootstrap import App
from bot.channels import CredentialsRefused, Health, intake_health
from bot.intake import ChatIntake, Taken
from bot.settings import TelegramSettings
from bot.telegram.links import deep_link
from bot.telegram.sender import TelegramSender
from bot.telegram.session import JsonAiohttpSession
from bot.telegram.updates import (
    ALLOWED_UPDATES,
    CHANNEL,
    Incoming,
    PressedButton,
    event_key,
    read_update,
)
from bot.webhooks import Pause, parse_json, pause, read_json_body, same_secret
from handlers.cases.staff_groups import group_moved, group_removed
from handlers.delivery.reachability import chat_blocked, chat_unblocked
from handlers.dispatch.commands import TABLE
from handlers.dispatch.engine import TurnResult
from handlers.kernel.commands import Menu

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - the header's name, not a secret


def make_bot(settings: TelegramSettings) -> Bot:
    if settings.token is None:
        raise ValueError("no Telegram token")
    session = JsonAiohttpSession(api=TelegramAPIServer.from_base(settings.api_base), timeout=30)
    return Bot(
        settings.token.get_secret_value(), session=session, default=DefaultBotProperties(parse_mode=None)
    )


def webhook_secret(settings: TelegramSettings) -> str:
    """The configured secret, or one derived from the token so every worker agrees without configuration."""
    if settings.webhook_secret is not None:
        return settings.webhook_secret.get_secret_value()
    assert settings.token is not None
    return hashlib.sha256(b"nghedan-webhook:" + settings.token.get_secret_value().encode()).hexdigest()[:48]


@dataclass(frozen=True)
class Handled:
    done: bool  # the update may be acknowledged
    webhook_reply: dict[str, Any] | None = None  # a Bot API call to return in the webhook response
    unavailable: bool = False  # the database is unreachable: the update must come again


class TelegramChannel:
    """Turns Telegram updates into engine turns (through the shared intake) and gets the replies delivered;
    receives by long polling or webhook."""

    name = CHANNEL

    def __init__(
        self,
        app: App,
        *,
        poll_timeout: int = 25,
        sleep: Pause | None = None,
    ) -> None:
        self.app = app
        self.settings = app.settings.telegram
        self.bot = make_bot(self.settings)
        self.sender = TelegramSender(self.bot, app.settings.delivery.limits())
        self.intake = ChatIntake(app, CHANNEL, self.sender)
        self.poller = Poller(self, self.settings, timeout=poll_timeout, sleep=sleep)
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
            await self.setup_commands()
            me = await self.bot.get_me()
        except TelegramUnauthorizedError as refused:
            raise CredentialsRefused(CHANNEL) from refused
        if me.username:
            username = me.username
            self.app.office.links.register(CHANNEL, lambda payload: deep_link(username, payload))
        if not webhook:
            self._polling = asyncio.ensure_future(self.poller.run(self._stop))
        elif self.settings.webhook_url:
            await self.bot.set_webhook(
                self.settings.webhook_url,
                secret_token=webhook_secret(self.settings),
                allowed_updates=ALLOWED_UPDATES,
                drop_pending_updates=False,
            )

    async def stop(self) -> None:
        self._stop.set()
        if self._polling is not None:
            await asyncio.gather(self._polling, return_exceptions=True)
        await self.intake.wait_background()
        await self.bot.session.close()

    def health(self) -> Health:
        return intake_health(self.intake.activity, self.mode)

    async def wait_background(self) -> None:
        await self.intake.wait_background()

    # -- updates -----------------------------------------------------------------------------------------
    async def setup_commands(self) -> None:
        """The citizen commands in private chats and the staff commands in groups, in Vietnamese (default)
        and English."""
        menus = (
            (BotCommandScopeAllPrivateChats(), TABLE.menu(Menu.PRIVATE)),
            (BotCommandScopeAllGroupChats(), TABLE.menu(Menu.GROUP)),
        )
        for scope, entries in menus:
            for language in ("vi", "en"):
                commands = [
                    BotCommand(command=name, description=self.app.catalogue.text(language, key))
                    for name, key in entries
                ]
                await self.bot.set_my_commands(
                    commands, scope=scope, language_code=None if language == "vi" else language
                )

    async def process(self, incoming: Incoming) -> Handled:
        """Handle one update; ``done`` when it may be acknowledged."""
        return await self.handle(incoming)

    async def handle(self, incoming: Incoming, *, answer_in_response: bool = False) -> Handled:
        """Handle one update. With ``answer_in_response`` (webhook), a pressed button is answered in the HTTP
        response to Telegram instead of by another API call: the spinner stops sooner, at no extra request."""
        if incoming.blocked is not None and incoming.chat_id is not None:
            chat_id, blocked = incoming.chat_id, incoming.blocked
            return self._handled(
                await self.intake.guarded("a block", lambda: self._blocked(chat_id, blocked))
            )
        if incoming.chat_id is not None and (incoming.group_removed or incoming.moved_to):
            chat_id = incoming.chat_id
            return self._handled(
                await self.intake.guarded("a group change", lambda: self._group_changed(incoming, chat_id))
            )
        button = incoming.button
        answer = None
        if button is not None and answer_in_response:
            answer = {"method": "answerCallbackQuery", "callback_query_id": button.callback_id}
        event = incoming.event
        if event is None:
            if button is not None:
                self.intake.spawn(self._settle_button(button, answered=answer is not None))
            self.intake.activity.done()
            return Handled(True, answer)

        async def settle(_result: TurnResult) -> None:
            if button is not None:  # after the answer: the citizen is not kept waiting for it
                await self._settle_button(button, answered=answer is not None)

        taken = await self.intake.take(event, after=settle)
        if not taken.done:
            return Handled(False, unavailable=taken.unavailable)
        if button is not None and taken.result is not None and not taken.result.committed:
            self.intake.spawn(settle(taken.result))  # let go after failing: the button still stops spinning
        return Handled(True, answer)

    @staticmethod
    def _handled(taken: Taken) -> Handled:
        return Handled(taken.done, unavailable=taken.unavailable)

    async def _blocked(self, chat_id: str, blocked: bool) -> bool:
        async with self.app.uow_factory() as uow:
            if blocked:
                await chat_blocked(uow, CHANNEL, chat_id, self.app.clock.now())
            else:
                await chat_unblocked(uow, CHANNEL, chat_id)
            await uow.commit()
        return False

    async def _group_changed(self, incoming: Incoming, chat_id: str) -> bool:
        told = 0
        async with self.app.uow_factory() as uow:
            if incoming.moved_to is not None:
                await group_moved(uow, CHANNEL, chat_id, incoming.moved_to)
            else:
                told = await group_removed(
                    uow,
                    catalogue=self.app.catalogue,
                    office=self.app.office,
                    channel=CHANNEL,
                    chat_id=chat_id,
                    now=self.app.clock.now(),
                    event_key=event_key(incoming.update_id or 0),
                )
            await uow.commit()
        return told > 0

    async def process_batch(self, updates: list[dict[str, Any]]) -> int | None:
        """Process a getUpdates batch: chats concurrently, each chat's updates in order. Returns the offset to
        confirm: past every update handled, but not past one that must be delivered again."""
        now = self.app.clock.now()
        incoming = [read_update(raw, now) for raw in updates]
        ids = [item.update_id for item in incoming if item.update_id is not None]
        if not ids:
            return None
        chats: dict[str, list[Incoming]] = {}
        for item in incoming:
            key = item.event.chat_id if item.event else (item.chat_id or f"update:{item.update_id}")
            chats.setdefault(key, []).append(item)
        handled: set[int] = set()

        async def run_chat(items: list[Incoming]) -> None:
            for item in items:
                if not (await self.process(item)).done:
                    return  # later updates of this chat wait for this one
                if item.update_id is not None:
                    handled.add(item.update_id)

        await asyncio.gather(*(run_chat(items) for items in chats.values()))
        waiting = [update_id for update_id in ids if update_id not in handled]
        return min(waiting) if waiting else max(ids) + 1

    async def _settle_button(self, button: PressedButton, *, answered: bool = False) -> None:
        """Stop the client's spinner (unless the webhook response did) and take the keyboard off the pressed
        message, so it cannot be pressed again. Best effort: the engine already ignores stale buttons."""
        if not answered:
            with contextlib.suppress(TelegramAPIError, aiohttp.ClientError, asyncio.TimeoutError):
                await self.bot.answer_callback_query(button.callback_id)
        if button.message_id is not None and not button.keep_keyboard:
            with contextlib.suppress(TelegramAPIError, aiohttp.ClientError, asyncio.TimeoutError):
                await self.bot.edit_message_reply_markup(chat_id=button.chat_id, message_id=button.message_id)

    # -- webhook -----------------------------------------------------------------------------------------
    async def _receive(self, request: web.Request) -> web.Response:
        """One update, answered 200 only after it is committed. The secret is checked before anything is
        read; whatever Telegram sends after that is acknowledged (a 4xx or 5xx would only bring it back),
        except while the database is unreachable (503: Telegram tries again later)."""
        if not same_secret(request.headers.get(SECRET_HEADER), webhook_secret(self.settings)):
            return web.Response(status=401, text="unauthorized")
        raw = await read_json_body(request)
        if not isinstance(raw, dict):
            log.warning("webhook body from Telegram is not a JSON object; acknowledged and dropped")
            return web.Response(status=200)
        handled = await self.handle(read_update(raw, self.app.clock.now()), answer_in_response=True)
        if not handled.done:
            return web.Response(status=503 if handled.unavailable else 500)
        if handled.webhook_reply is not None:
            return web.json_response(handled.webhook_reply)
        return web.Response(status=200)


_UPDATE_ID = re.compile(rb'"update_id"\s*:\s*(\d{1,19})')


class Poller:
    """Long polling with our own getUpdates loop: the offset moves only past committed updates, and each
    update is parsed on its own so one malformed update cannot block the others.

    The loop never ends but on ``stop`` (or a token Telegram refuses): whatever fails in one pass — the
    network, Telegram, the database, an update nobody foresaw — is logged and the pass tried again. A
    response that cannot be read at all (JSON nested deeper than the parser follows) is fetched again one
    update at a time, and the one update that cannot be read is skipped."""

    def __init__(
        self,
        channel: TelegramChannel,
        settings: TelegramSettings,
        *,
        timeout: int = 25,
        sleep: Pause | None = None,
    ) -> None:
        assert settings.token is not None
        self._channel = channel
        self._url = f"{settings.api_base.rstrip('/')}/bot{settings.token.get_secret_value()}/getUpdates"
        self._timeout = timeout
        self._pause: Pause = sleep or pause
        self._one_at_a_time = False
        self.offset: int | None = None

    async def run(self, stop: asyncio.Event) -> None:
        backoff = 1.0
        client_timeout = aiohttp.ClientTimeout(total=self._timeout + 15)
        async with aiohttp.ClientSession(timeout=client_timeout) as http:
            webhook_removed = False
            while not stop.is_set():
                try:
                    if not webhook_removed:
                        await self._channel.bot.delete_webhook(drop_pending_updates=False)
                        webhook_removed = True
                    stuck = await self._pass(http, stop)
                except _Fatal:
                    log.error("Telegram refused the token; polling stops (see /healthz)")
                    return
                except (TimeoutError, aiohttp.ClientError, TelegramAPIError, _Retry) as exc:
                    delay = exc.delay if isinstance(exc, _Retry) else backoff
                    log.warning("getUpdates failed (%s); retrying in %.0f s", type(exc).__name__, delay)
                    await self._pause(stop, delay)
                    backoff = min(backoff * 2, 60.0)
                    continue
                except Exception:
                    log.exception("a polling pass failed; trying again in %.0f s", backoff)
                    await self._pause(stop, backoff)
                    backoff = min(backoff * 2, 60.0)
                    continue
                if stuck:  # the first update waits for the database: give it a moment, longer each time
                    await self._pause(stop, backoff)
                    backoff = min(backoff * 2, 30.0)
                else:
                    backoff = 1.0

    async def _pass(self, http: aiohttp.ClientSession, stop: asyncio.Event) -> bool:
        """Fetch and handle one batch; True when its first update could not be handled yet."""
        updates = await self._fetch(http, stop)
        self._channel.intake.activity.polled()
        if not updates:
            return False
        offset = await self._channel.process_batch(updates)
        if offset is None:
            return False
        stuck = self.offset is not None and offset <= self.offset
        self.offset = offset
        return stuck

    async def _fetch(self, http: aiohttp.ClientSession, stop: asyncio.Event) -> list[dict[str, Any]] | None:
        body: dict[str, Any] = {"timeout": self._timeout, "allowed_updates": ALLOWED_UPDATES}
        if self.offset is not None:
            body["offset"] = self.offset
        if self._one_at_a_time:
            body["limit"] = 1
        request = asyncio.ensure_future(http.post(self._url, json=body))
        stopper = asyncio.ensure_future(stop.wait())
        done, _ = await asyncio.wait({request, stopper}, return_when=asyncio.FIRST_COMPLETED)
        stopper.cancel()
        if request not in done:
            request.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await request
            return None
        async with request.result() as response:
            raw = await response.read()
        if response.status == 401:
            raise _Fatal()
        payload = parse_json(raw)
        if response.status == 409:  # a webhook is set: polling cannot work until it is removed
            await self._channel.bot.delete_webhook(drop_pending_updates=False)
            raise _Retry(1.0)
        if response.status == 429:
            parameters = payload.get("parameters") if isinstance(payload, dict) else None
            retry_after = parameters.get("retry_after") if isinstance(parameters, dict) else None
            raise _Retry(float(retry_after) if isinstance(retry_after, int | float) else 5.0)
        if response.status >= 400:
            raise _Retry(5.0)
        if payload is None and response.status == 200:
            return self._unreadable(raw)
        if not isinstance(payload, dict) or not payload.get("ok"):
            raise _Retry(5.0)
        self._one_at_a_time = False
        result = payload.get("result")
        return [item for item in result if isinstance(item, dict)] if isinstance(result, list) else []

    def _unreadable(self, raw: bytes) -> list[dict[str, Any]] | None:
        """A batch that is not readable JSON: read the next ones one at a time; a single update that cannot
        be read is skipped (logged with its id), so it cannot stop the channel."""
        if not self._one_at_a_time:
            log.warning("a getUpdates batch could not be read; fetching one update at a time")
            self._one_at_a_time = True
            return None
        found = _UPDATE_ID.search(raw)
        if found is None:
            raise _Retry(5.0)
        update_id = int(found.group(1))
        log.warning("update %s could not be read at all and was skipped", update_id)
        self.offset = update_id + 1
        return None


class _Retry(Exception):
    def __init__(self, delay: float) -> None:
        super().__init__(delay)
        self.delay = delay


class _Fatal(Exception):
    pass
