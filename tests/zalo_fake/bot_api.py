"""A fake Zalo Bot Platform API (bot.zaloplatforms.com) for end-to-end tests, written from the platform's
documentation (/work notes, README «Setting up Zalo»): ``POST /bot{TOKEN}/{method}`` with JSON, form or query
parameters, answered ``{ok, result}`` or ``{ok: false, error_code, description}``.

It refuses an unknown token (401), unknown methods (method names are case-sensitive) and unknown or missing
parameters (400), texts and captions outside 1–2,000 characters (counted in UTF-16 units) and a secret
outside 8–256 characters; ``getUpdates`` answers one update a call, or 408 after ``timeout`` seconds, and
refuses while a webhook is set. Calls can be told to fail.
"""

from __future__ import annotations

import itertools
import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.platform_fake import FakePlatform

# method: (required, optional) parameters, as the platform documents them
METHODS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "getMe": (frozenset(), frozenset()),
    "getUpdates": (frozenset(), frozenset({"timeout"})),
    "setWebhook": (frozenset({"url", "secret_token"}), frozenset()),
    "deleteWebhook": (frozenset(), frozenset()),
    "getWebhookInfo": (frozenset(), frozenset()),
    "sendMessage": (frozenset({"chat_id", "text"}), frozenset({"parse_mode", "text_styles"})),
    "sendPhoto": (frozenset({"chat_id", "photo"}), frozenset({"caption"})),
    "sendSticker": (frozenset({"chat_id", "sticker"}), frozenset()),
    "sendChatAction": (frozenset({"chat_id", "action"}), frozenset()),
    "sendVoice": (frozenset({"chat_id", "voice_url"}), frozenset()),
}
TEXT_LIMIT = 2000
BOT_ID = "1459232241454765289"


class ApiError(Exception):
    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.monotonic)


def utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class FakeZaloBot(FakePlatform):
    def __init__(self, token: str = "1459232241454765289:ZaloBotTestToken0123456789") -> None:
        super().__init__()
        self.token = token
        self.calls: list[Call] = []
        self.rejected: list[tuple[str, str]] = []
        self.updates: list[dict[str, Any]] = []
        self.taken = 0  # updates handed out by getUpdates
        self.webhook_url: str | None = None
        self.webhook_secret: str | None = None
        self.sent: dict[str, list[dict[str, Any]]] = {}
        self._ids = itertools.count(1)

    def routes(self, app: web.Application) -> None:
        app.router.add_route("*", "/bot{token}/{method}", self._handle)

    # -- what tests do -------------------------------------------------------------------------------------
    def push(self, update: dict[str, Any]) -> None:
        """Queue an update for getUpdates (the API wraps it: ``{ok: true, result: update}``)."""
        self.updates.append(update)
        self.notify()

    def calls_to(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method == method]

    def messages_to(self, chat_id: str) -> list[dict[str, Any]]:
        return list(self.sent.get(chat_id, []))

    def texts_to(self, chat_id: str) -> list[str]:
        return [message["text"] for message in self.messages_to(chat_id) if "text" in message]

    # -- the HTTP side -------------------------------------------------------------------------------------
    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        method = request.match_info["method"]
        if method not in METHODS:
            self.rejected.append((method, "unknown method"))
            return _error(400, "Bad request: invalid API name")
        params = await _params(request)
        try:
            _validate(method, params)
            failure = self.scripted_failure(
                method, str(params.get("chat_id")) if "chat_id" in params else None
            )
            if failure is not None:
                raise ApiError(failure.code, failure.description)
            if method != "getUpdates":
                self.calls.append(Call(method, params))
            result = await getattr(self, f"_{method}")(params)
        except ApiError as error:
            self.rejected.append((method, error.description))
            return _error(error.code, error.description)
        finally:
            self.notify()
        body: dict[str, Any] = {"ok": True}
        if result is not None:
            body["result"] = result
        return web.json_response(body)

    # -- methods -------------------------------------------------------------------------------------------
    async def _getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": BOT_ID,
            "account_name": "bot.NgheDanTest",
            "account_type": "BASIC",
            "can_join_groups": True,
        }

    async def _getUpdates(self, params: dict[str, Any]) -> dict[str, Any]:
        if self.webhook_url:
            raise ApiError(409, "Conflict: webhook is active")
        timeout = float(params.get("timeout", 30))
        deadline = time.monotonic() + timeout
        while not self.updates and time.monotonic() < deadline and not self.closing:
            await self.changed(min(0.05, max(deadline - time.monotonic(), 0.0)))
        if not self.updates:
            raise ApiError(408, "Request timeout")
        self.taken += 1
        return self.updates.pop(0)

    async def _setWebhook(self, params: dict[str, Any]) -> dict[str, Any]:
        if not str(params["url"]).startswith("https://"):
            raise ApiError(400, "Bad request: url must be https")
        if not 8 <= len(str(params["secret_token"])) <= 256:
            raise ApiError(400, "Bad request: secret_token must be 8-256 characters")
        self.webhook_url, self.webhook_secret = str(params["url"]), str(params["secret_token"])
        return {"url": self.webhook_url, "updated_at": int(time.time() * 1000)}

    async def _deleteWebhook(self, params: dict[str, Any]) -> dict[str, Any]:
        if self.webhook_url is None:
            raise ApiError(400, "Bad request: no webhook")
        self.webhook_url = self.webhook_secret = None
        return {"url": "", "updated_at": int(time.time() * 1000)}

    async def _getWebhookInfo(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"url": self.webhook_url or "", "updated_at": int(time.time() * 1000)}

    async def _sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._deliver(params, text=params["text"])

    async def _sendPhoto(self, params: dict[str, Any]) -> dict[str, Any]:
        if not str(params["photo"]).startswith(("https://", "http://")):
            raise ApiError(400, "Bad request: photo must be a URL")
        return self._deliver(params, photo=params["photo"], caption=params.get("caption"))

    async def _sendSticker(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._deliver(params, sticker=params["sticker"])

    async def _sendVoice(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._deliver(params, voice_url=params["voice_url"])

    async def _sendChatAction(self, params: dict[str, Any]) -> None:
        if params["action"] not in ("typing", "upload_photo"):
            raise ApiError(400, "Bad request: unknown action")

    def _deliver(self, params: dict[str, Any], **content: Any) -> dict[str, Any]:
        message = {
            "message_id": secrets.token_hex(10),
            "date": int(time.time() * 1000),
            **{key: value for key, value in content.items() if value is not None},
        }
        self.sent.setdefault(str(params["chat_id"]), []).append(message)
        return {"message_id": message["message_id"], "date": message["date"]}


async def _params(request: web.Request) -> dict[str, Any]:
    params: dict[str, Any] = dict(request.query)
    if request.body_exists:
        if request.content_type == "application/json":
            body = json.loads(await request.read() or b"{}")
            if isinstance(body, dict):
                params.update(body)
        else:
            form = await request.post()
            params.update({key: value for key, value in form.items() if isinstance(value, str)})
    return params


def _validate(method: str, params: dict[str, Any]) -> None:
    required, optional = METHODS[method]
    for name in required:
        if name not in params or params[name] in (None, ""):
            raise ApiError(400, f"Bad request: {name} is required")
    unknown = sorted(set(params) - required - optional)
    if unknown:
        raise ApiError(400, f"Bad request: unknown parameter {unknown[0]}")
    for name in ("text", "caption"):
        if name in params:
            value = params[name]
            if not isinstance(value, str) or not 1 <= utf16(value) <= TEXT_LIMIT:
                raise ApiError(400, f"Bad request: {name} must be 1-{TEXT_LIMIT} characters")
    if "chat_id" in params and not isinstance(params["chat_id"], str):
        raise ApiError(400, "Bad request: chat_id must be a string")


def _error(code: int, description: str) -> web.Response:
    return web.json_response({"ok": False, "error_code": code, "description": description}, status=code)
