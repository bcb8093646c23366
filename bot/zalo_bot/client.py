"""A thin client of the Zalo Bot Platform API: ``POST {base}/bot{TOKEN}/{method}`` with a JSON body, answered
``{ok: true, result}`` or ``{ok: false, error_code, description}`` (whatever the HTTP status, so the body is
always read). The token is part of every URL: URLs are never logged or put in errors."""

from __future__ import annotations

from typing import Any

import aiohttp

from bot.webhooks import parse_json

CHANNEL = "zalo_bot"


class ZaloBotError(Exception):
    """Zalo answered ``ok: false`` (or something that is not the API's answer)."""

    def __init__(self, code: int, description: str) -> None:
        super().__init__(f"{code}: {description}")
        self.code = code
        self.description = description


class ZaloBotNetworkError(Exception):
    """Zalo could not be reached, or did not answer in time (the URL, which holds the token, is left out)."""


class ZaloBotClient:
    def __init__(self, token: str, api_base: str, *, timeout: float = 30.0) -> None:
        self._prefix = f"{api_base.rstrip('/')}/bot{token}/"
        self._timeout = timeout
        self._http: aiohttp.ClientSession | None = None

    def _session(self) -> aiohttp.ClientSession:
        if self._http is None or self._http.closed:
            self._http = aiohttp.ClientSession()
        return self._http

    async def call(
        self, method: str, params: dict[str, Any] | None = None, *, wait: float | None = None
    ) -> Any:
        """The method's ``result``; ``ZaloBotError`` when Zalo refuses, ``ZaloBotNetworkError`` when it
        cannot be asked."""
        limit = aiohttp.ClientTimeout(total=wait if wait is not None else self._timeout)
        try:
            async with self._session().post(
                self._prefix + method, json=params or {}, timeout=limit
            ) as response:
                raw = await response.read()
                status = response.status
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise ZaloBotNetworkError(type(exc).__name__) from None
        body = parse_json(raw)
        if not isinstance(body, dict):
            raise ZaloBotError(status if status >= 400 else 502, "the answer is not the API's JSON")
        if body.get("ok") is True:
            return body.get("result")
        code = body.get("error_code")
        description = body.get("description")
        return_code = code if isinstance(code, int) else (status if status >= 400 else 500)
        raise ZaloBotError(return_code, str(description or "")[:200])

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()
            self._http = None
