"""A thin client of the Zalo OA Open API: the access token in the ``access_token`` header, answers
``{error: 0, message, data}`` — or, with HTTP 200 all the same, ``{error: <negative code>, message}``. An
access token Zalo calls invalid or expired (-216, -220, and -124 in the ZNS family) is refreshed once and
the call tried again."""

from __future__ import annotations

import io
import json
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp

from bot.webhooks import parse_json
from bot.zalo_oa.tokens import TokenStore

TOKEN_ERRORS = frozenset({-216, -220, -124})


class OAError(Exception):
    """Zalo refused the call; ``code`` is its (negative) error number."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class OANetworkError(Exception):
    """The Open API could not be reached or answered nonsense."""


Request = Callable[[aiohttp.ClientSession, str], Awaitable[tuple[int, bytes]]]


class OAClient:
    def __init__(self, api_base: str, tokens: TokenStore, *, timeout: float = 30.0) -> None:
        self._base = api_base.rstrip("/")
        self.tokens = tokens
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._http: aiohttp.ClientSession | None = None

    def _session(self) -> aiohttp.ClientSession:
        if self._http is None or self._http.closed:
            self._http = aiohttp.ClientSession(timeout=self._timeout)
        return self._http

    async def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        data = json.dumps(body, ensure_ascii=False).encode()

        async def request(http: aiohttp.ClientSession, token: str) -> tuple[int, bytes]:
            headers = {"access_token": token, "Content-Type": "application/json"}
            async with http.post(self._base + path, data=data, headers=headers) as response:
                return response.status, await response.read()

        return await self._call(request)

    async def get(self, path: str, query: dict[str, str] | None = None) -> dict[str, Any]:
        async def request(http: aiohttp.ClientSession, token: str) -> tuple[int, bytes]:
            headers = {"access_token": token}
            async with http.get(self._base + path, params=query or {}, headers=headers) as response:
                return response.status, await response.read()

        return await self._call(request)

    async def upload(self, path: str, name: str, content: bytes, mime: str) -> dict[str, Any]:
        async def request(http: aiohttp.ClientSession, token: str) -> tuple[int, bytes]:
            form = aiohttp.FormData()
            # A file object, not bytes: aiohttp refuses to serialise a bytes value over 1 MiB.
            form.add_field("file", io.BytesIO(content), filename=name, content_type=mime)
            async with http.post(self._base + path, data=form, headers={"access_token": token}) as response:
                return response.status, await response.read()

        return await self._call(request)

    async def _call(self, request: Request) -> dict[str, Any]:
        token = await self.tokens.access_token()
        body = await self._ask(request, token)
        if body.get("error") in TOKEN_ERRORS:
            body = await self._ask(request, await self.tokens.refresh(token))
        code = body.get("error")
        if code != 0:
            raise OAError(code if isinstance(code, int) else -1, str(body.get("message", ""))[:200])
        data = body.get("data")
        return data if isinstance(data, dict) else {}

    async def _ask(self, request: Request, token: str) -> dict[str, Any]:
        try:
            status, raw = await request(self._session(), token)
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise OANetworkError(type(exc).__name__) from None
        body = parse_json(raw)
        if not isinstance(body, dict) or "error" not in body:
            raise OANetworkError(f"HTTP {status}: not the Open API's answer")
        return body

    async def fetch(self, url: str, *, limit: int) -> bytes:
        """The bytes at a public URL (a file a person sent through Zalo), at most ``limit`` of them."""
        try:
            async with self._session().get(url) as response:
                if response.status != 200:
                    raise OANetworkError(f"HTTP {response.status}")
                content = await response.content.read(limit + 1)
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise OANetworkError(type(exc).__name__) from None
        if len(content) > limit:
            raise OANetworkError("too large")
        return content

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()
            self._http = None
