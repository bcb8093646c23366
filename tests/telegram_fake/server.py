"""A fake Telegram Bot API server for end-to-end tests: aiohttp on 127.0.0.1 with a random port.

It serves ``getUpdates`` from a queue, records every call, refuses unknown methods, unknown parameters and
missing required ones (``bot_api_methods.json``), enforces the text and callback-data limits Telegram
enforces, and can be told to fail (429 with ``retry_after``, 403 for a blocked chat, 5xx).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

from tests.platform_fake import FakePlatform

SCHEMA = json.loads((Path(__file__).with_name("bot_api_methods.json")).read_text(encoding="utf-8"))
METHODS: dict[str, dict[str, dict[str, str]]] = SCHEMA["methods"]
BY_LOWER = {name.lower(): name for name in METHODS}
BOT_ID = 7000000001


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.monotonic)
    result: Any = None  # what the server answered, when it answered ok


@dataclass
class Failure:
    method: str
    status: int
    description: str
    chat_id: str | None
    retry_after: int | None
    times: int


class ApiError(Exception):
    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after


class FakeTelegram(FakePlatform):
    def __init__(
        self, token: str = "123456:TEST-token", username: str = "nghedan_test_bot", *, lean: bool = False
    ) -> None:
        """``lean`` (benchmarks): keep only each chat's latest message and delivery times, not every call,
        so the recording does not grow the heap the garbage collector scans during a long run."""
        super().__init__()
        self.lean = lean
        self.token = token
        self.username = username
        self.calls: list[Call] = []
        self.rejected: list[tuple[str, str]] = []
        self.updates: list[dict[str, Any]] = []
        self.confirmed_offset = 0
        self.webhook_url: str | None = None
        self.blocked: set[str] = set()
        self.files: dict[str, list[dict[str, Any]]] = {}  # photos and documents sent, by chat
        self.uploads: dict[str, list[tuple[str, bytes]]] = {}  # files uploaded (name, bytes), by chat
        # Files each chat received whose bytes are known: uploaded to it, or sent again by an upload's id.
        self.documents: dict[str, list[tuple[str, bytes]]] = {}
        self._stored: dict[str, tuple[str, bytes]] = {}  # file_id given to an upload → (name, bytes)
        self._failures: list[Failure] = []
        self._update_ids = itertools.count(1)
        self._message_ids: dict[str, itertools.count[int]] = {}
        self._delivered: dict[str, list[float]] = {}
        self._by_chat: dict[str, list[dict[str, Any]]] = {}
        self._count_waiters: dict[str, list[tuple[int, asyncio.Future[float]]]] = {}

    def routes(self, app: web.Application) -> None:
        app.router.add_route("*", "/bot{token}/{method}", self._handle)

    # -- what tests do -------------------------------------------------------------------------------------
    def push(self, update: dict[str, Any]) -> int:
        update_id: int = update.setdefault("update_id", next(self._update_ids))
        self.updates.append(update)
        self.notify()
        return update_id

    def fail(
        self,
        method: str,
        status: int,
        description: str,
        *,
        chat_id: str | int | None = None,
        retry_after: int | None = None,
        times: int = 1,
    ) -> None:
        """The next ``times`` calls of ``method`` (to ``chat_id``, if given) fail this way."""
        chat = None if chat_id is None else str(chat_id)
        self._failures.append(Failure(method, status, description, chat, retry_after, times))

    def block(self, chat_id: str | int) -> None:
        """The user blocked the bot: sending to them answers 403."""
        self.blocked.add(str(chat_id))

    def calls_to(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method == method]

    def messages_to(self, chat_id: str | int) -> list[dict[str, Any]]:
        """Messages delivered to a chat (failed attempts left out), each with the id the server gave it."""
        return list(self._by_chat.get(str(chat_id), []))

    def texts_to(self, chat_id: str | int) -> list[str]:
        return [params["text"] for params in self.messages_to(chat_id)]

    async def wait_for_messages(self, chat_id: str | int, count: int) -> float:
        """Wait until ``count`` messages have been delivered to the chat; returns when the last one arrived
        (time.monotonic). Cheap with thousands of chats waiting at once."""
        chat = str(chat_id)
        times = self._delivered.get(chat, [])
        if len(times) >= count:
            return times[count - 1]
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self._count_waiters.setdefault(chat, []).append((count, future))
        return await future

    def _count_delivery(self, chat: str, at: float) -> None:
        times = self._delivered.setdefault(chat, [])
        times.append(at)
        waiters = self._count_waiters.get(chat)
        if waiters:
            keep = []
            for count, future in waiters:
                if len(times) >= count and not future.done():
                    future.set_result(times[count - 1])
                elif not future.done():
                    keep.append((count, future))
            self._count_waiters[chat] = keep

    # -- the HTTP side -------------------------------------------------------------------------------------
    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        name = BY_LOWER.get(request.match_info["method"].lower())
        if name is None:
            self.rejected.append((request.match_info["method"], "unknown method"))
            return _error(404, "Not Found: method not found")
        params, uploads = await _params(request)
        try:
            _validate(name, params)
        except ApiError as error:
            self.rejected.append((name, error.description))
            return _error(error.status, error.description)
        call = Call(name, params)
        if name != "getUpdates" and not self.lean:
            self.calls.append(call)
        try:
            self._scripted_failure(name, params)
            call.result = await getattr(self, f"_{name}")(params)
            if name == "editMessageText":
                self._apply_edit(params)
            if name in ("sendPhoto", "sendDocument"):
                self._file_sent(name, params, uploads, call.result)
            if name == "sendMessage":
                chat = str(params["chat_id"])
                delivered = {**params, "message_id": call.result["message_id"]}
                if self.lean:
                    self._by_chat[chat] = [delivered]
                else:
                    self._by_chat.setdefault(chat, []).append(delivered)
                self._count_delivery(chat, call.at)
        except ApiError as error:
            return _error(error.status, error.description, error.retry_after)
        finally:
            self.notify()
        return web.json_response({"ok": True, "result": call.result})

    def _apply_edit(self, params: dict[str, Any]) -> None:
        """An edited message reads as edited: its text and keyboard change where it was delivered."""
        for message in self._by_chat.get(str(params["chat_id"]), []):
            if message["message_id"] == int(params["message_id"]):
                message["text"] = params["text"]
                if "reply_markup" in params:
                    message["reply_markup"] = params["reply_markup"]
                else:
                    message.pop("reply_markup", None)
                message["edited"] = message.get("edited", 0) + 1

    def _scripted_failure(self, method: str, params: dict[str, Any]) -> None:
        chat = str(params.get("chat_id")) if "chat_id" in params else None
        if method in ("sendMessage", "sendPhoto", "sendDocument", "copyMessage") and chat in self.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        for failure in self._failures:
            if failure.method == method and failure.times > 0 and failure.chat_id in (None, chat):
                failure.times -= 1
                raise ApiError(failure.status, failure.description, failure.retry_after)

    # -- methods -------------------------------------------------------------------------------------------
    async def _getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"id": BOT_ID, "is_bot": True, "first_name": "Nghe Dân", "username": self.username}

    async def _getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        if self.webhook_url:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active")
        offset = int(params.get("offset", 0))
        if offset:
            self.confirmed_offset = max(self.confirmed_offset, offset)
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
            self.notify()
        timeout = float(params.get("timeout", 0))
        deadline = time.monotonic() + timeout
        while not self.updates and time.monotonic() < deadline and not self.closing:
            await self.changed(deadline - time.monotonic())
        limit = int(params.get("limit", 100))
        return self.updates[:limit]

    async def _setWebhook(self, params: dict[str, Any]) -> bool:
        self.webhook_url = params["url"]
        return True

    async def _deleteWebhook(self, params: dict[str, Any]) -> bool:
        self.webhook_url = None
        return True

    async def _getWebhookInfo(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"url": self.webhook_url or "", "has_custom_certificate": False, "pending_update_count": 0}

    async def _sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._message(params, text=params["text"])

    async def _sendPhoto(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._message(params, caption=params.get("caption"))

    async def _sendDocument(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._message(params, caption=params.get("caption"))

    async def _copyMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"message_id": next(self._ids(params["chat_id"]))}

    async def _forwardMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._message(params)

    async def _sendMediaGroup(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        return [self._message(params) for _ in params["media"]]

    async def _editMessageText(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._message(params, text=params["text"], message_id=int(params.get("message_id", 0)))

    async def _editMessageReplyMarkup(self, params: dict[str, Any]) -> dict[str, Any] | bool:
        if "chat_id" not in params and "inline_message_id" not in params:
            raise ApiError(400, "Bad Request: message identifier is not specified")
        return True

    async def _answerCallbackQuery(self, params: dict[str, Any]) -> bool:
        return True

    async def _sendChatAction(self, params: dict[str, Any]) -> bool:
        return True

    async def _deleteMessage(self, params: dict[str, Any]) -> bool:
        return True

    async def _setMyCommands(self, params: dict[str, Any]) -> bool:
        for command in params["commands"]:
            name = command.get("command", "")
            if not (1 <= len(name) <= 32 and name.replace("_", "").isalnum() and name.islower()):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
        return True

    async def _deleteMyCommands(self, params: dict[str, Any]) -> bool:
        return True

    async def _getMyCommands(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        return []

    async def _getFile(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"file_id": params["file_id"], "file_unique_id": params["file_id"][:16], "file_size": 1024}

    async def _getChat(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        return {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup", "accent_color_id": 0}

    async def _logOut(self, params: dict[str, Any]) -> bool:
        return True

    def _file_sent(
        self, name: str, params: dict[str, Any], uploads: list[tuple[str, bytes]], result: dict[str, Any]
    ) -> None:
        """Record a photo or document sent to a chat. An uploaded document gets a file_id in the answer, as
        Telegram gives one, and sending that id again delivers the same bytes."""
        chat = str(params["chat_id"])
        self.files.setdefault(chat, []).append(params)
        self.uploads.setdefault(chat, []).extend(uploads)
        received = self.documents.setdefault(chat, [])
        if name == "sendDocument" and uploads:
            file_name, content = uploads[0]
            file_id = f"upload-{len(self._stored) + 1}"
            self._stored[file_id] = (file_name, content)
            result["document"] = {"file_id": file_id, "file_unique_id": file_id, "file_name": file_name}
            received.append((file_name, content))
        elif isinstance(params.get("document"), str) and params["document"] in self._stored:
            received.append(self._stored[params["document"]])

    async def _close(self, params: dict[str, Any]) -> bool:
        return True

    def _ids(self, chat_id: Any) -> itertools.count[int]:
        return self._message_ids.setdefault(str(chat_id), itertools.count(1000))

    def _message(
        self, params: dict[str, Any], *, message_id: int | None = None, **content: Any
    ) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        message = {
            "message_id": message_id or next(self._ids(chat_id)),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"},
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "Nghe Dân", "username": self.username},
        }
        message.update({key: value for key, value in content.items() if value is not None})
        return message


async def _params(request: web.Request) -> tuple[dict[str, Any], list[tuple[str, bytes]]]:
    """The call's parameters, and the files uploaded with it (name, bytes)."""
    params: dict[str, Any] = dict(request.query)
    uploads: list[tuple[str, bytes]] = []
    if request.body_exists:
        if request.content_type == "application/json":
            body = await request.json()
            if isinstance(body, dict):
                params.update(body)
        else:
            form = await request.post()
            params.update({key: value for key, value in form.items() if isinstance(value, str)})
            uploads = [
                (value.filename, value.file.read())
                for value in form.values()
                if isinstance(value, web.FileField)
            ]
    return params, uploads


def _validate(method: str, params: dict[str, Any]) -> None:
    spec = METHODS[method]
    known = {**spec["required"], **spec["optional"]}
    for name in spec["required"]:
        if name not in params:
            raise ApiError(400, f"Bad Request: parameter {name} is required")
    for name, value in list(params.items()):
        kind = known.get(name)
        if kind is None:
            raise ApiError(400, f"Bad Request: unknown parameter {name}")
        params[name] = _typed(name, kind, value)
    if method in ("sendMessage", "editMessageText"):
        text = params["text"]
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if len(text) > 4096:
            raise ApiError(400, "Bad Request: message is too long")
    markup = params.get("reply_markup")
    if isinstance(markup, dict):
        for row in markup.get("inline_keyboard", []):
            for button in row:
                data = button.get("callback_data")
                if data is not None and not 1 <= len(data.encode()) <= 64:
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")


def _typed(name: str, kind: str, value: Any) -> Any:
    try:
        if kind == "Integer":
            return int(value)
        if kind == "Boolean":
            if isinstance(value, bool):
                return value
            if str(value).lower() not in ("true", "false"):
                raise ValueError(value)
            return str(value).lower() == "true"
        if kind == "JSON":
            return json.loads(value) if isinstance(value, str) else value
        if kind == "Integer or String":
            return int(value) if str(value).lstrip("-").isdigit() else str(value)
        return str(value)
    except (ValueError, TypeError) as exc:
        raise ApiError(400, f"Bad Request: wrong type of parameter {name}") from exc


def _error(status: int, description: str, retry_after: int | None = None) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
    return web.json_response(body, status=status)
