"""Running the Telegram channel: updates by long polling or webhook, replies through the outbox.

An update is acknowledged (polling offset advanced, or webhook answered 2xx) only after its turn has been
committed. If the turn could not be committed, Telegram redelivers it; after three failed attempts the
citizen gets an apology and the update is let go, so one broken update cannot block a chat forever.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BotCommand, BotCommandScopeAllGroupChats, BotCommandScopeAllPrivateChats
from aiohttp import web
from sqlalchemy import text

from bot.bootstrap import App
from bot.settings import TelegramSettings
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
from handlers.catalogue.keys import Msg
from handlers.conversation.engine import TurnResult
from handlers.delivery import Outgoing
from handlers.office.groups import group_moved, group_removed
from handlers.reachability import chat_blocked, chat_unblocked

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - the header's name, not a secret
COMMANDS = (
    ("start", Msg.COMMANDS_START),
    ("guidon", Msg.COMMANDS_GUIDON),
    ("tracuu", Msg.COMMANDS_TRACUU),
    ("cuatoi", Msg.COMMANDS_CUATOI),
    ("huy", Msg.COMMANDS_HUY),
    ("trogiup", Msg.COMMANDS_TROGIUP),
    ("ngonngu", Msg.COMMANDS_NGONNGU),
    ("rutdongy", Msg.COMMANDS_RUTDONGY),
    ("traloi", Msg.COMMANDS_TRALOI),
    ("dangky", Msg.COMMANDS_DANGKY),
    ("huydangky", Msg.COMMANDS_HUYDANGKY),
    ("lichtiepdan", Msg.COMMANDS_LICHTIEPDAN),
    ("doithoai", Msg.COMMANDS_DOITHOAI),
)
# What staff see in their groups (the guard still checks every command).
GROUP_COMMANDS = (
    ("hangdoi", Msg.COMMANDS_HANGDOI),
    ("hoso", Msg.COMMANDS_HOSO),
    ("phancong", Msg.COMMANDS_PHANCONG),
    ("timkiem", Msg.COMMANDS_TIMKIEM),
    ("viec", Msg.COMMANDS_VIEC),
    ("duyet", Msg.COMMANDS_DUYET),
    ("ketnoi", Msg.COMMANDS_KETNOI),
    ("trogiup", Msg.COMMANDS_TROGIUP_STAFF),
)


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


class KeyedLocks:
    """One asyncio lock per key, forgotten when nobody holds or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @contextlib.asynccontextmanager
    async def hold(self, key: str) -> Any:
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users <= 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)


@dataclass
class TelegramChannel:
    """Turns updates into engine turns and gets the replies delivered."""

    app: App
    bot: Bot
    sender: TelegramSender
    max_failures: int = 3

    def __post_init__(self) -> None:
        self._locks = KeyedLocks()
        self._failures: dict[int, int] = {}
        self._background: set[asyncio.Task[None]] = set()

    async def setup_commands(self) -> None:
        """The citizen commands in private chats and the staff commands in groups, in Vietnamese (default)
        and English."""
        menus = (
            (BotCommandScopeAllPrivateChats(), COMMANDS),
            (BotCommandScopeAllGroupChats(), GROUP_COMMANDS),
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

    async def process(self, incoming: Incoming) -> bool:
        """Handle one update; True when it may be acknowledged, False when it should be delivered again."""
        return (await self.handle(incoming)).done

    async def handle(self, incoming: Incoming, *, answer_in_response: bool = False) -> Handled:
        """Handle one update. With ``answer_in_response`` (webhook), a pressed button is answered in the HTTP
        response to Telegram instead of by another API call: the spinner stops sooner, at no extra request."""
        if incoming.blocked is not None and incoming.chat_id is not None:
            async with self.app.uow_factory() as uow:
                if incoming.blocked:
                    await chat_blocked(uow, CHANNEL, incoming.chat_id, self.app.clock.now())
                else:
                    await chat_unblocked(uow, CHANNEL, incoming.chat_id)
                await uow.commit()
            return Handled(True)
        if incoming.chat_id is not None and (incoming.group_removed or incoming.moved_to):
            await self._group_changed(incoming, incoming.chat_id)
            return Handled(True)
        button = incoming.button
        answer = None
        if button is not None and answer_in_response:
            answer = {"method": "answerCallbackQuery", "callback_query_id": button.callback_id}
        event = incoming.event
        if event is None:
            if button is not None:
                self._spawn(self._settle_button(button, answered=answer is not None))
            return Handled(True, answer)
        async with self._locks.hold(event.chat_id):
            result = await self.app.conversation.handle(event)
        update_id = incoming.update_id or 0
        if not result.committed:
            failures = self._failures.get(update_id, 0) + 1
            self._failures[update_id] = failures
            if failures < self.max_failures:
                log.warning(
                    "update %s not committed (attempt %d); asking for redelivery", update_id, failures
                )
                return Handled(False)
            self._failures.pop(update_id, None)
            for reply in result.replies:  # nothing was stored: tell the citizen directly
                await self.sender.send(Outgoing(0, CHANNEL, event.chat_id, reply, 0, 0))
            return Handled(True, answer)
        self._failures.pop(update_id, None)
        if result.mailed:  # cards and notices for other chats: the worker sends them now
            self.app.delivery.notify()
        if result.arrived:  # a new case: the office takes it in now
            self.app.arrivals.notify()
        self._spawn(self._after_turn(button, event.chat_id, result, answered=answer is not None))
        return Handled(True, answer)

    async def _group_changed(self, incoming: Incoming, chat_id: str) -> None:
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
        if told:
            self.app.delivery.notify()

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
                if not await self.process(item):
                    return  # later updates of this chat wait for this one
                if item.update_id is not None:
                    handled.add(item.update_id)

        await asyncio.gather(*(run_chat(items) for items in chats.values()))
        waiting = [update_id for update_id in ids if update_id not in handled]
        return min(waiting) if waiting else max(ids) + 1

    async def _after_turn(
        self, button: PressedButton | None, chat_id: str, result: TurnResult, *, answered: bool
    ) -> None:
        if result.claimed:
            await self.app.delivery.send_claimed(CHANNEL, chat_id, result.outbox_ids, result.replies)
        else:
            await self.app.delivery.deliver_chat(CHANNEL, chat_id)
        if button is not None:  # after the answer: the citizen is not kept waiting for it
            await self._settle_button(button, answered=answered)

    async def _settle_button(self, button: PressedButton, *, answered: bool = False) -> None:
        """Stop the client's spinner (unless the webhook response did) and take the keyboard off the pressed
        message, so it cannot be pressed again. Best effort: the engine already ignores stale buttons."""
        if not answered:
            with contextlib.suppress(TelegramAPIError, aiohttp.ClientError, asyncio.TimeoutError):
                await self.bot.answer_callback_query(button.callback_id)
        if button.message_id is not None and not button.keep_keyboard:
            with contextlib.suppress(TelegramAPIError, aiohttp.ClientError, asyncio.TimeoutError):
                await self.bot.edit_message_reply_markup(chat_id=button.chat_id, message_id=button.message_id)

    def _spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(coroutine)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def wait_background(self) -> None:
        """Let replies already on their way finish (used at shutdown and by tests)."""
        while self._background:
            await asyncio.gather(*list(self._background), return_exceptions=True)


class Poller:
    """Long polling with our own getUpdates loop: the offset moves only past committed updates, and each
    update is parsed on its own so one malformed update cannot block the others."""

    def __init__(self, channel: TelegramChannel, settings: TelegramSettings, *, timeout: int = 25) -> None:
        assert settings.token is not None
        self._channel = channel
        self._url = f"{settings.api_base.rstrip('/')}/bot{settings.token.get_secret_value()}/getUpdates"
        self._timeout = timeout
        self.offset: int | None = None

    async def run(self, stop: asyncio.Event) -> None:
        await self._channel.bot.delete_webhook(drop_pending_updates=False)
        backoff = 1.0
        client_timeout = aiohttp.ClientTimeout(total=self._timeout + 15)
        async with aiohttp.ClientSession(timeout=client_timeout) as http:
            while not stop.is_set():
                try:
                    updates = await self._fetch(http, stop)
                except _Fatal:
                    log.error("Telegram refused the token; polling stops")
                    stop.set()
                    return
                except (TimeoutError, aiohttp.ClientError, _Retry) as exc:
                    delay = exc.delay if isinstance(exc, _Retry) else backoff
                    log.warning("getUpdates failed (%s); retrying in %.0f s", type(exc).__name__, delay)
                    await _sleep_unless(stop, delay)
                    backoff = min(backoff * 2, 60.0)
                    continue
                backoff = 1.0
                if updates is None or not updates:
                    continue
                offset = await self._channel.process_batch(updates)
                if offset is not None:
                    if self.offset is not None and offset <= self.offset:
                        await _sleep_unless(
                            stop, 2.0
                        )  # the first update still fails: give the database a moment
                    self.offset = offset

    async def _fetch(self, http: aiohttp.ClientSession, stop: asyncio.Event) -> list[dict[str, Any]] | None:
        body = {"timeout": self._timeout, "allowed_updates": ALLOWED_UPDATES}
        if self.offset is not None:
            body["offset"] = self.offset
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
            payload = await response.json(content_type=None)
        if response.status == 401:
            raise _Fatal()
        if response.status == 409:  # a webhook is set: polling cannot work until it is removed
            await self._channel.bot.delete_webhook(drop_pending_updates=False)
            raise _Retry(1.0)
        if response.status == 429:
            raise _Retry(float(payload.get("parameters", {}).get("retry_after", 5)))
        if response.status >= 400 or not payload.get("ok"):
            raise _Retry(5.0)
        result = payload.get("result")
        return [item for item in result if isinstance(item, dict)] if isinstance(result, list) else []


class _Retry(Exception):
    def __init__(self, delay: float) -> None:
        super().__init__(delay)
        self.delay = delay


class _Fatal(Exception):
    pass


async def _sleep_unless(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(asyncio.TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)


def webhook_app(channel: TelegramChannel, settings: TelegramSettings) -> web.Application:
    """POST ``webhook_path``: one update, answered 200 only after it is committed; GET /healthz."""
    secret = webhook_secret(settings)

    async def receive(request: web.Request) -> web.Response:
        if request.headers.get(SECRET_HEADER) != secret:
            return web.Response(status=401, text="unauthorized")
        try:
            raw = json.loads(await request.text())
        except (ValueError, UnicodeDecodeError):
            return web.Response(status=400, text="bad json")
        if not isinstance(raw, dict):
            return web.Response(status=400, text="bad update")
        handled = await channel.handle(read_update(raw, channel.app.clock.now()), answer_in_response=True)
        if not handled.done:
            return web.Response(status=500)
        if handled.webhook_reply is not None:
            return web.json_response(handled.webhook_reply)
        return web.Response(status=200)

    application = web.Application(client_max_size=1024 * 1024)
    application.router.add_post(settings.webhook_path, receive)
    application.router.add_get("/healthz", healthz_handler(channel.app))
    return application


def healthz_handler(app: App) -> Any:
    async def healthz(_request: web.Request) -> web.Response:
        try:
            async with app.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
            return web.json_response({"status": "ok", "database": "ok"})
        except Exception:
            return web.json_response({"status": "degraded", "database": "unreachable"}, status=503)

    return healthz
