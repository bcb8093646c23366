"""Running the real Zalo OA channel (``nghedan run``'s service) against the fake OA Open API and OAuth server:
events are posted, signed, to the service's webhook as Zalo posts them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from pydantic import SecretStr

from bot.bootstrap import App, bootstrap
from bot.service import Service
from bot.settings import HttpSettings, Settings, ZaloOASettings
from bot.zalo_oa.oauth import TokenGrant
from bot.zalo_oa.runtime import ZaloOAChannel, token_store
from handlers.kernel.text import fold
from tests.e2e.store_probe import is_processed, unsent
from tests.e2e.telegram_harness import no_pause, seed_demo_commune
from tests.e2e.zalo_bot_harness import number_for
from tests.fakes import FakeTimer, ManualClock
from tests.zalo_fake import oa_events as oa
from tests.zalo_fake.oa_api import FakeZaloOA

CHANNEL = "zalo_oa"


def settings_for(fake: FakeZaloOA, database_url: str) -> Settings:
    return Settings(
        database_url=SecretStr(database_url),
        http=HttpSettings(listen_port=0),
        zalo_oa=ZaloOASettings(
            app_id=fake.app_id,
            app_secret=SecretStr(fake.app_secret),
            secret_key=SecretStr(fake.oa_secret_key),
            oa_id=fake.oa_id,
            api_base=fake.base_url,
            oauth_base=fake.base_url,
            redirect_uri="https://nghedan.example.gov.vn/zalo-oa/callback",
            global_per_second=200,
            bulk_per_second=100,
            chat_per_second=50,
            chat_burst=20,
        ),
    )


async def connect(app: App, fake: FakeZaloOA) -> None:
    """The tokens an admin gave with ``nghedan zalo-oa token set``: the fake's current pair."""
    seconds = int((fake.access_expires_at - app.clock.now()).total_seconds())
    await token_store(app).store(TokenGrant(fake.access_token, fake.refresh_token, seconds))


@dataclass
class OAHarness:
    fake: FakeZaloOA
    app: App
    service: Service
    channel: ZaloOAChannel
    clock: ManualClock

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.service.port}{self.app.settings.zalo_oa.webhook_path}"

    async def processed(self, key: str) -> bool:
        return await is_processed(self.app, key)

    async def unsent(self, chat_id: str) -> int:
        return await unsent(self.app, CHANNEL, chat_id, self.clock.now())

    async def deliver(self, body: dict[str, Any]) -> int:
        """Post an event as Zalo does and wait until it is handled and its chat's replies are out."""
        status = await self.fake.emit(self.url, body)
        await self.service.wait_background()
        user = _user_of(body)
        if status == 200 and user is not None:
            await self.fake.wait_until(lambda: self._settled(user))
        return status

    async def _settled(self, chat_id: str) -> bool:
        return await self.unsent(chat_id) == 0

    def person(self, user_id: str) -> OAPerson:
        return OAPerson(self, user_id)


def _user_of(body: dict[str, Any]) -> str | None:
    for holder in ("sender", "follower"):
        value = body.get(holder)
        if isinstance(value, dict) and isinstance(value.get("id"), str):
            return str(value["id"])
    return None


@dataclass
class OAPerson:
    """Someone writing to the Official Account: what they send, and what the OA sent back."""

    harness: OAHarness
    user_id: str
    seen: int = field(default=0)

    async def send(self, body: dict[str, Any]) -> list[str]:
        status = await self.harness.deliver(body)
        assert status == 200, status
        return self.new_texts()

    async def say(self, text: str) -> list[str]:
        return await self.send(oa.user_send_text(self.user_id, text))

    async def pick(self, label: str) -> list[str]:
        """Press the button starting with ``label`` on the latest message with buttons, or, when the latest
        list is numbered, type its number."""
        for message in reversed(self.harness.fake.messages_to(self.user_id)):
            buttons = ((message.get("attachment") or {}).get("payload") or {}).get("buttons") or []
            if buttons:
                found = [b for b in buttons if fold(b["title"]).startswith(fold(label))]
                assert len(found) == 1, f"no single button {label!r} in {buttons}"
                return await self.say(found[0]["payload"])  # oa.query.hide sends its payload as a message
            number = number_for(str(message.get("text", "")), label)
            if number is not None:
                return await self.say(number)
        raise AssertionError("no choices received")

    @property
    def texts(self) -> list[str]:
        return self.harness.fake.texts_to(self.user_id)

    def new_texts(self) -> list[str]:
        texts = self.texts
        new, self.seen = texts[self.seen :], len(texts)
        return new


@asynccontextmanager
async def running_oa(
    database_url: str, *, clock: ManualClock | None = None, tokens: bool = True
) -> AsyncIterator[OAHarness]:
    clock = clock or ManualClock()
    fake = FakeZaloOA(now=clock.now)
    await fake.start()
    timer = FakeTimer()
    app = await bootstrap(
        settings_for(fake, database_url), clock=clock, monotonic=timer.monotonic, sleep=timer.sleep
    )
    await seed_demo_commune(app)
    if tokens:
        await connect(app, fake)
    channel = ZaloOAChannel(app, sleep=no_pause)
    service = Service(app, [channel], webhook=True)
    try:
        await service.start()
        yield OAHarness(fake, app, service, channel, clock)
    finally:
        await service.stop()
        await app.aclose()
        await fake.stop()
