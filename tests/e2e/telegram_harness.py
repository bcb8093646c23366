"""Running the real Telegram service (aiogram over loopback HTTP) against the fake Bot API server."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from pydantic import SecretStr

from bot.bootstrap import App, bootstrap
from bot.communes_file import DEMO_COMMUNE, read_commune_file
from bot.service import Service
from bot.settings import DeliverySettings, Settings, TelegramSettings
from bot.telegram.runtime import SECRET_HEADER, TelegramChannel, webhook_secret
from handlers.cases.communes import import_commune
from handlers.kernel.text import fold
from handlers.staff.admin import grant
from models.staff import Role
from tests.e2e.store_probe import is_processed, unsent
from tests.fakes import FakeTimer, ManualClock
from tests.telegram_fake import updates as tg
from tests.telegram_fake.server import FakeTelegram

FAST_LIMITS = DeliverySettings(chat_per_second=50, chat_burst=20, poll_seconds=0.05)


def settings_for(
    fake: FakeTelegram, database_url: str, *, delivery: DeliverySettings = FAST_LIMITS
) -> Settings:
    return Settings(
        database_url=SecretStr(database_url),
        telegram=TelegramSettings(
            token=SecretStr(fake.token),
            api_base=fake.base_url,
            listen_port=0,
            webhook_secret=SecretStr("s3cret-Token_for-tests"),
        ),
        delivery=delivery,
    )


@dataclass
class Harness:
    fake: FakeTelegram
    app: App
    service: Service
    channel: TelegramChannel
    clock: ManualClock
    timer: FakeTimer
    http: aiohttp.ClientSession | None = None

    async def processed(self, update_id: int) -> bool:
        return await is_processed(self.app, f"telegram:{update_id}")

    async def unsent(self, chat_id: int) -> int:
        return await unsent(self.app, "telegram", str(chat_id), self.clock.now())

    async def deliver(self, update: dict[str, Any]) -> int:
        """Hand an update to the bot the way the service receives them, and wait until it is handled."""
        update_id = self.fake.push(update)
        chat_id = _chat_of(update)
        if self.service.webhook:
            self.fake.updates.remove(update)
            status = await self.post(update)
            assert status == 200, status
        else:
            await self.fake.wait_until(lambda: self.fake.confirmed_offset > update_id)
        await self.service.wait_background()
        if chat_id is not None:
            await self.fake.wait_until(lambda: self._settled(chat_id))
        return update_id

    async def _settled(self, chat_id: int) -> bool:
        return await self.unsent(chat_id) == 0

    async def post(self, update: dict[str, Any], *, secret: str | None = None) -> int:
        return (await self.post_for_body(update, secret=secret))[0]

    async def post_for_body(self, update: Any, *, secret: str | None = None) -> tuple[int, str]:
        assert self.http is not None
        assert self.service.port is not None
        headers = {
            SECRET_HEADER: secret if secret is not None else webhook_secret(self.app.settings.telegram)
        }
        url = f"http://127.0.0.1:{self.service.port}{self.app.settings.telegram.webhook_path}"
        async with self.http.post(url, data=json.dumps(update), headers=headers) as response:
            return response.status, await response.text()

    def citizen(self, chat_id: int, language_code: str | None = "vi") -> Citizen:
        return Citizen(self, chat_id, language_code)


def _chat_of(update: dict[str, Any]) -> int | None:
    for key in ("message", "edited_message"):
        if key in update:
            return int(update[key]["chat"]["id"])
    if "callback_query" in update:
        return int(update["callback_query"]["message"]["chat"]["id"])
    return None


@dataclass
class Citizen:
    """A Telegram user talking to the bot: what they send, and what the bot sent back."""

    harness: Harness
    chat_id: int
    language_code: str | None = "vi"
    seen: int = field(default=0)

    async def send(self, update: dict[str, Any]) -> list[dict[str, Any]]:
        await self.harness.deliver(update)
        return self._new_messages()

    async def say(self, value: str) -> list[dict[str, Any]]:
        return await self.send(tg.text(self.chat_id, value, language_code=self.language_code))

    async def press(self, label: str) -> list[dict[str, Any]]:
        """Press the button starting with ``label`` on the latest message that has buttons. A reply-keyboard
        button sends its label as a text message, as Telegram clients do."""
        for message in reversed(self.messages):
            keyboard = (message.get("reply_markup") or {}).get("keyboard")
            if keyboard:
                labels = [
                    b["text"] for row in keyboard for b in row if fold(b["text"]).startswith(fold(label))
                ]
                if len(labels) == 1:
                    return await self.say(labels[0])
            if (message.get("reply_markup") or {}).get("inline_keyboard") or keyboard:
                break
        message, button = self.button(label)
        update = tg.callback(
            self.chat_id, button["callback_data"], message["message_id"], language_code=self.language_code
        )
        return await self.send(update)

    def button(self, label: str) -> tuple[dict[str, Any], dict[str, Any]]:
        for message in reversed(self.messages):
            keyboard = (message.get("reply_markup") or {}).get("inline_keyboard")
            if keyboard:
                matches = [b for row in keyboard for b in row if fold(b["text"]).startswith(fold(label))]
                assert len(matches) == 1, f"no single button {label!r} in {keyboard}"
                return message, matches[0]
        raise AssertionError("no message with buttons")

    @property
    def messages(self) -> list[dict[str, Any]]:
        """Every message delivered to this chat, with the message id the fake server gave it."""
        return self.harness.fake.messages_to(self.chat_id)

    def _new_messages(self) -> list[dict[str, Any]]:
        messages = self.messages
        new, self.seen = messages[self.seen :], len(messages)
        return new

    @property
    def texts(self) -> list[str]:
        return [m["text"] for m in self.messages]


StaffMember = tuple[int, str, list[tuple[Role, str | None]]]  # account, name, roles (with a unit's code)


async def grant_staff(harness: Harness, people: Sequence[StaffMember]) -> None:
    """Staff of the demo commune, as ``nghedan staff add`` does for the first admin and invitations for the
    others; each has a private chat with the bot whose id is the account."""
    async with harness.app.uow_factory() as uow:
        commune = await uow.communes.by_code("PT")
        assert commune is not None
        units = {unit.code: unit for unit in await uow.communes.units(commune.id)}
        for account, name, roles in people:
            await grant(
                uow,
                commune,
                channel="telegram",
                account_id=str(account),
                chat_id=str(account),
                name=name,
                roles=[(role, units[code] if code else None) for role, code in roles],
                now=harness.clock.now(),
            )
        await uow.commit()


async def seed_demo_commune(app: App) -> None:
    async with app.uow_factory() as uow:
        await import_commune(uow, read_commune_file(DEMO_COMMUNE), now=app.clock.now())
        await uow.commit()


@asynccontextmanager
async def running_bot(
    database_url: str,
    *,
    webhook: bool = False,
    delivery: DeliverySettings = FAST_LIMITS,
    clock: ManualClock | None = None,
    fake: FakeTelegram | None = None,
    seed: bool = True,
) -> AsyncIterator[Harness]:
    fake = fake or FakeTelegram()
    await fake.start()
    clock = clock or ManualClock()
    timer = FakeTimer()
    app = await bootstrap(
        settings_for(fake, database_url, delivery=delivery),
        clock=clock,
        monotonic=timer.monotonic,
        sleep=timer.sleep,
    )
    if seed:
        await seed_demo_commune(app)
    channel = TelegramChannel(app, poll_timeout=1, sleep=no_pause)
    service = Service(app, [channel], webhook=webhook)
    harness = Harness(fake, app, service, channel, clock, timer)
    try:
        await service.start()
        async with aiohttp.ClientSession() as http:
            harness.http = http
            yield harness
    finally:
        await service.stop()
        await app.aclose()
        await fake.stop()


async def no_pause(stop: asyncio.Event, seconds: float) -> None:
    """The pollers' waits between failed passes, without the waiting: tests wait on conditions instead."""
    await asyncio.sleep(0)


def sqlite_url(folder: Path) -> str:
    return f"sqlite+aiosqlite:///{folder / 'bot.sqlite3'}"
