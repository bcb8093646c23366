"""OAuth v4 of a Zalo Official Account: the admin's consent link (with PKCE), exchanging the returned code,
and refreshing. Access tokens last about 25 hours; a refresh token can be spent once and is replaced by
each refresh — so refreshing is done by one worker at a time (``tokens.TokenStore``).

Token answers are form-encoded POSTs to ``{oauth_base}/v4/oa/access_token`` with the app secret in the
``secret_key`` header; ``expires_in`` comes as a string; failures come as ``error``/``error_name``/
``error_description``, sometimes with HTTP 200 — an answer without an access token is a failure.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from urllib.parse import urlencode

import aiohttp

from bot.webhooks import parse_json


@dataclass(frozen=True)
class TokenGrant:
    access_token: str
    refresh_token: str
    expires_in: int  # seconds


class OAuthRefused(Exception):
    """Zalo refused the code or the refresh token: only an OA admin's new consent helps."""


class OAuthUnavailable(Exception):
    """Zalo's OAuth server could not be reached or answered nonsense: try again later."""


def pkce_pair() -> tuple[str, str]:
    """(code verifier, S256 code challenge): base64url without padding, as Zalo's SDKs make them."""
    verifier = base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode("ascii")
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    return verifier, challenge


def authorization_url(oauth_base: str, app_id: str, redirect_uri: str, challenge: str, state: str) -> str:
    query = urlencode(
        {"app_id": app_id, "redirect_uri": redirect_uri, "code_challenge": challenge, "state": state}
    )
    return f"{oauth_base.rstrip('/')}/v4/oa/permission?{query}"


class OAuthClient:
    def __init__(self, oauth_base: str, app_id: str, app_secret: str, *, timeout: float = 20.0) -> None:
        self._url = f"{oauth_base.rstrip('/')}/v4/oa/access_token"
        self._app_id = app_id
        self._app_secret = app_secret
        self._timeout = aiohttp.ClientTimeout(total=timeout)

    async def exchange_code(self, code: str, verifier: str) -> TokenGrant:
        return await self._grant(
            {
                "code": code,
                "app_id": self._app_id,
                "grant_type": "authorization_code",
                "code_verifier": verifier,
            }
        )

    async def refresh(self, refresh_token: str) -> TokenGrant:
        return await self._grant(
            {"refresh_token": refresh_token, "app_id": self._app_id, "grant_type": "refresh_token"}
        )

    async def _grant(self, form: dict[str, str]) -> TokenGrant:
        try:
            async with (
                aiohttp.ClientSession(timeout=self._timeout) as http,
                http.post(self._url, data=form, headers={"secret_key": self._app_secret}) as response,
            ):
                raw = await response.read()
                status = response.status
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise OAuthUnavailable(type(exc).__name__) from None
        body = parse_json(raw)
        if not isinstance(body, dict):
            raise OAuthUnavailable(f"HTTP {status}: not JSON")
        access, refresh, expires = body.get("access_token"), body.get("refresh_token"), body.get("expires_in")
        if isinstance(access, str) and access and isinstance(refresh, str) and refresh:
            seconds = int(expires) if isinstance(expires, int | str) and str(expires).isdigit() else 90_000
            return TokenGrant(access, refresh, seconds)
        if status >= 500:
            raise OAuthUnavailable(f"HTTP {status}")
        reason = body.get("error_name") or body.get("error_description") or body.get("error") or status
        raise OAuthRefused(str(reason)[:200])
