"""The Official Account's OAuth tokens: kept in the database (``channel_tokens``), encrypted, shared by every
worker, refreshed by one at a time.

A refresh token can be spent once. On PostgreSQL the worker that refreshes holds the row lock (``SELECT …
FOR UPDATE``) from reading the refresh token until the new pair is committed; a worker that waited sees a
newer access token than the one that failed and takes it instead of spending the (already spent) refresh
token. SQLite runs in one process: an asyncio lock serialises refreshes, and no database transaction stays
open during the call to Zalo. Within one process, a lock makes concurrent callers share one refresh.

The tokens are encrypted with Fernet (AES-128-CBC with HMAC-SHA256, from ``cryptography``) under a key
derived from the app secret (HKDF-SHA256): a copy of the database alone cannot message a commune's
followers. A new app secret makes the stored tokens unreadable: connect again (``nghedan zalo-oa connect``).
"""

from __future__ import annotations

import asyncio
import base64
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from bot.zalo_oa import CHANNEL
from bot.zalo_oa.oauth import OAuthClient, OAuthRefused, TokenGrant
from handlers.kernel.ports import Clock, UnitOfWork, UnitOfWorkFactory
from models.channel import ChannelToken

log = logging.getLogger(__name__)

RENEW_BEFORE = timedelta(hours=1)  # refresh this long before the access token runs out


class NoToken(Exception):
    """No tokens are stored (or they cannot be read): an OA admin must connect the app."""


class TokenCipher:
    def __init__(self, app_secret: str) -> None:
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"nghedan zalo-oa tokens").derive(
            app_secret.encode()
        )
        self._fernet = Fernet(base64.urlsafe_b64encode(key))

    def seal(self, token: str) -> str:
        return self._fernet.encrypt(token.encode()).decode("ascii")

    def open(self, sealed: str) -> str:
        try:
            return self._fernet.decrypt(sealed.encode("ascii")).decode()
        except (InvalidToken, ValueError) as exc:
            raise NoToken("the stored tokens cannot be read with this app secret") from exc


@dataclass(frozen=True)
class Current:
    access: str
    expires_at: datetime


class TokenStore:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        oauth: OAuthClient,
        cipher: TokenCipher,
        account: str,
        *,
        one_process: bool,
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._oauth = oauth
        self._cipher = cipher
        self._account = account
        self._one_process = one_process
        self._lock = asyncio.Lock()
        self._current: Current | None = None
        self.state = "unknown"  # ok, missing, refused, unavailable — for /healthz
        self.refreshes = 0

    def _fresh(self, current: Current | None) -> bool:
        return current is not None and current.expires_at - self._clock.now() > RENEW_BEFORE

    async def access_token(self) -> str:
        """A valid access token: the one in memory, else the stored one, refreshed when it is about to end."""
        current = self._current
        if self._fresh(current):
            assert current is not None
            return current.access
        return await self.refresh(current.access if current is not None else None)

    async def refresh(self, seen: str | None) -> str:
        """A new access token after ``seen`` failed (or ran out). If someone else already replaced ``seen``,
        theirs is taken and no refresh token is spent. ``NoToken`` / ``OAuthRefused`` when none can be had."""
        async with self._lock:
            current = self._current
            if current is not None and current.access != seen and self._fresh(current):
                return current.access
            try:
                if self._one_process:
                    token = await self._refresh_unlocked(seen)
                else:
                    token = await self._refresh_locked(seen)
            except NoToken:
                self.state = "missing"
                raise
            except OAuthRefused:
                self.state = "refused"
                raise
            except Exception:
                self.state = "unavailable"
                raise
            self.state = "ok"
            return token

    async def _refresh_locked(self, seen: str | None) -> str:
        async with self._uow_factory() as uow:
            row = await uow.tokens.get(CHANNEL, self._account, for_update=True)
            adopted = self._adopt(row, seen)
            if adopted is not None:
                return adopted
            assert row is not None
            grant = await self._oauth.refresh(self._cipher.open(row.refresh_token))
            self._write(row, grant)
            await uow.commit()
        return self._remember(grant)

    async def _refresh_unlocked(self, seen: str | None) -> str:
        async with self._uow_factory() as uow:
            row = await uow.tokens.get(CHANNEL, self._account)
            adopted = self._adopt(row, seen)
            if adopted is not None:
                return adopted
            assert row is not None
            refresh_token = self._cipher.open(row.refresh_token)
        grant = await self._oauth.refresh(refresh_token)
        async with self._uow_factory() as uow:
            await self._save(uow, grant)
            await uow.commit()
        return self._remember(grant)

    def _adopt(self, row: ChannelToken | None, seen: str | None) -> str | None:
        """The stored access token if it will do: newer than the one that failed, or (for a token that was
        only running out) still fresh. None: a refresh is needed."""
        if row is None:
            raise NoToken("no tokens stored")
        stored = Current(self._cipher.open(row.access_token), row.access_expires_at)
        if self._fresh(stored) and stored.access != seen:
            self._current = stored
            return stored.access
        return None

    def _write(self, row: ChannelToken, grant: TokenGrant) -> None:
        now = self._clock.now()
        row.access_token = self._cipher.seal(grant.access_token)
        row.refresh_token = self._cipher.seal(grant.refresh_token)
        row.access_expires_at = now + timedelta(seconds=grant.expires_in)
        row.updated_at = now
        row.generation += 1

    def _remember(self, grant: TokenGrant) -> str:
        self.refreshes += 1
        self._current = Current(grant.access_token, self._clock.now() + timedelta(seconds=grant.expires_in))
        log.info("the Zalo OA access token was refreshed")
        return grant.access_token

    async def _save(self, uow: UnitOfWork, grant: TokenGrant) -> None:
        row = await uow.tokens.get(CHANNEL, self._account, for_update=not self._one_process)
        if row is None:
            now = self._clock.now()
            await uow.tokens.add(
                ChannelToken(
                    channel=CHANNEL,
                    account=self._account,
                    access_token=self._cipher.seal(grant.access_token),
                    refresh_token=self._cipher.seal(grant.refresh_token),
                    access_expires_at=now + timedelta(seconds=grant.expires_in),
                    updated_at=now,
                )
            )
        else:
            self._write(row, grant)

    async def store(self, grant: TokenGrant) -> None:
        """Keep tokens an admin obtained (``nghedan zalo-oa token set`` or ``connect``)."""
        async with self._lock:
            async with self._uow_factory() as uow:
                await self._save(uow, grant)
                await uow.commit()
            self._current = Current(
                grant.access_token, self._clock.now() + timedelta(seconds=grant.expires_in)
            )
            self.state = "ok"
