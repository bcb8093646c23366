"""Running the real Zalo Bot channel (``nghedan run``'s service) against the fake Zalo Bot Platform API."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

import aiohttp
from pydantic import SecretStr

from bot.bootstrap import App, bootstrap
from bot.service import Service, links_of
from bot.settings import HttpSettings, Settings, ZaloBotSettings
from bot.zalo_bot.runtime import SECRET_HEADER, ZaloBotChannel, webhook_secret
from handlers.kernel.text import fold
from handlers.staff.admin import grant
from models.staff import Role
from tests.e2e.store_probe import is_processed, unsent
from tests.e2e.telegram_harness import no_pause, seed_demo_commune
from tests.fakes import FakeTimer, ManualClock
from tests.zalo_fake import bot_updates as zb
from tests.zalo_fake.bot_api import FakeZaloBot

CHANNEL = "zalo_bot"
PUBLIC_WEBHOOK = "https://nghedan.example.gov.vn/zalo/webhook"
_CHOICE = re.compile(r"^(\d{1,2})\. (.+)$")


PUBLIC_URL = "https://nghedan.example.gov.vn"
LINK_SECRET = "link-secret-for-tests-0123456789"


def settings_for(fake: FakeZaloBot, database_url: str, *, webhook: bool) -> Settings:
    return Settings(
        database_url=SecretStr(database_url),
        http=HttpSettings(listen_port=0, public_url=PUBLIC_URL, link_secret=SecretStr(LINK_SECRET)),
        zalo_bot=ZaloBotSettings(
            token=SecretStr(fake.token),
            api_base=fake.base_url,
            webhook_url=PUBLIC_WEBHOOK if webhook else None,
            webhook_secret=SecretStr("zalo-secret-for-tests"),
            chat_per_second=50,
            chat_burst=20,
            global_per_second=200,
            bulk_per_second=100,
        ),
    )


@dataclass
class ZaloBotHarness:
    fake: FakeZaloBot
    app: App
    service: Service
    channel: ZaloBotChannel
    clock: ManualClock
    http: aiohttp.ClientSession

    @property
    def webhook(self) -> bool:
        return self.service.webhook

    async def processed(self, update: dict[str, Any]) -> bool:
        return await is_processed(self.app, f"{CHANNEL}:{update['message']['message_id']}")

    async def unsent(self, chat_id: str) -> int:
        return await unsent(self.app, CHANNEL, chat_id, self.clock.now())

    async def deliver(self, update: dict[str, Any], *, flat: bool = False) -> None:
        """Hand an update to the bot the way Zalo does (webhook POST, or getUpdates), and wait until it is
        handled and its chat's replies are out."""
        if self.webhook:
            status, _ = await self.post(update if flat else zb.wrapped(update))
            assert status == 200, status
        else:
            self.fake.push(update)
            await self.fake.wait_until(lambda: not self.fake.updates)
            await self.fake.wait_until(lambda: self.processed(update))
        await self.service.wait_background()
        chat = str(update["message"]["chat"]["id"])
        await self.fake.wait_until(lambda: self._settled(chat))

    async def _settled(self, chat_id: str) -> bool:
        return await self.unsent(chat_id) == 0

    async def post(
        self, body: Any, *, secret: str | None = None, raw: bytes | None = None
    ) -> tuple[int, str]:
        headers = {
            SECRET_HEADER: secret if secret is not None else webhook_secret(self.app.settings.zalo_bot)
        }
        url = f"http://127.0.0.1:{self.service.port}{self.app.settings.zalo_bot.webhook_path}"
        data = raw if raw is not None else json.dumps(body).encode()
        async with self.http.post(url, data=data, headers=headers) as response:
            return response.status, await response.text()

    async def download(self, link: str) -> tuple[int, bytes]:
        """GET a signed file link from the service (the public URL stands for this server)."""
        local = link.replace(PUBLIC_URL, f"http://127.0.0.1:{self.service.port}", 1)
        async with self.http.get(local) as response:
            return response.status, await response.read()

    def person(self, chat_id: str, name: str = "Người dân") -> ZaloPerson:
        return ZaloPerson(self, chat_id, name)


def number_for(text: str, label: str) -> str | None:
    """The number to type for the choice starting with ``label`` in a message's numbered lines; None when
    the message has no numbered lines (a message with them but not that choice fails the test)."""
    lines = [_CHOICE.match(line) for line in text.splitlines()]
    numbered = [(found.group(1), found.group(2)) for found in lines if found]
    if not numbered:
        return None
    wanted = [number for number, shown in numbered if fold(shown).startswith(fold(label))]
    assert len(wanted) == 1, f"no single choice {label!r} in {numbered}"
    return wanted[0]


@dataclass
class ZaloPerson:
    """Someone writing to the bot on Zalo: what they send, and what the bot sent back."""

    harness: ZaloBotHarness
    chat_id: str
    name: str = "Người dân"
    seen: int = field(default=0)

    async def send(self, update: dict[str, Any], *, flat: bool = False) -> list[str]:
        await self.harness.deliver(update, flat=flat)
        return self.new_texts()

    async def say(self, value: str, *, group: str | None = None) -> list[str]:
        return await self.send(zb.text(self.chat_id, value, group=group, name=self.name))

    async def choose(self, label: str) -> list[str]:
        """Type the number of the choice starting with ``label`` in the latest numbered list received."""
        for text in reversed(self.texts):
            number = number_for(text, label)
            if number is not None:
                return await self.say(number)
        raise AssertionError("no numbered list received")

    @property
    def texts(self) -> list[str]:
        return self.harness.fake.texts_to(self.chat_id)

    def new_texts(self) -> list[str]:
        texts = self.texts
        new, self.seen = texts[self.seen :], len(texts)
        return new


class HasApp(Protocol):
    app: App
    clock: ManualClock


async def grant_zalo_staff(
    harness: HasApp,
    people: Sequence[tuple[str, str, list[tuple[Role, str | None]]]],
    *,
    channel: str = CHANNEL,
) -> None:
    """Staff of the demo commune on Zalo, as ``nghedan staff add --zalo-bot-id`` (or ``--zalo-oa-id``)
    does."""
    async with harness.app.uow_factory() as uow:
        commune = await uow.communes.by_code("PT")
        assert commune is not None
        units = {unit.code: unit for unit in await uow.communes.units(commune.id)}
        for account, name, roles in people:
            await grant(
                uow,
                commune,
                channel=channel,
                account_id=account,
                chat_id=account,
                name=name,
                roles=[(role, units[code] if code else None) for role, code in roles],
                now=harness.clock.now(),
            )
        await uow.commit()


@asynccontextmanager
async def running_zalo_bot(
    database_url: str, *, webhook: bool = True, clock: ManualClock | None = None
) -> AsyncIterator[ZaloBotHarness]:
    fake = FakeZaloBot()
    await fake.start()
    clock = clock or ManualClock()
    timer = FakeTimer()
    app = await bootstrap(
        settings_for(fake, database_url, webhook=webhook),
        clock=clock,
        monotonic=timer.monotonic,
        sleep=timer.sleep,
    )
    await seed_demo_commune(app)
    channel = ZaloBotChannel(app, links=links_of(app), poll_timeout=1, sleep=no_pause)
    service = Service(app, [channel], webhook=webhook)
    try:
        await service.start()
        async with aiohttp.ClientSession() as http:
            yield ZaloBotHarness(fake, app, service, channel, clock, http)
    finally:
        await service.stop()
        await app.aclose()
        await fake.stop()
