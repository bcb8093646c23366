"""Intake benchmark: complete filings through the webhook, against a bare aiogram echo bot, in one run.

    python bench/intake.py [--filings 2000] [--concurrency 10] [--database sqlite|postgres]

Both bots run in this process against the same fake Bot API server (tests/telegram_fake) on 127.0.0.1;
a driver plays many citizens at once, each sending the next message as soon as the previous answer has
arrived. For every update it measures the time from posting the update to the webhook until the answer
(every message of the turn) has reached the Bot API server, and reports updates/s and p50 / p99, for
Nghe Dân and for the echo bot, and the ratio. Telegram's send caps are raised for the run: they would
otherwise be what is measured (they are enforced and tested separately). Like ``nghedan run``, the run
freezes start-up objects out of the garbage collector (both bots live in this process).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import aiohttp
from aiogram import Bot, Dispatcher, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import CallbackQuery, Message
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web
from pydantic import SecretStr
from sqlalchemy import text

from bot.bootstrap import bootstrap
from bot.communes_file import DEMO_COMMUNE, read_commune_file
from bot.service import Service, build_channels
from bot.settings import DeliverySettings, Settings, TelegramSettings
from bot.telegram.runtime import SECRET_HEADER, webhook_secret
from handlers.cases.communes import import_commune
from store.database import create_engine
from tests.telegram_fake import updates as tg
from tests.telegram_fake.server import FakeTelegram

POSTGRES_ADMIN_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
UNCAPPED = DeliverySettings(
    global_per_second=100_000,
    bulk_per_second=100_000,
    chat_per_second=100_000,
    chat_burst=1000,
    poll_seconds=0.5,
)
CONTENT = "Đường bê tông từ xóm Đồng Bầu ra trường tiểu học bị sụt lún khoảng 10 mét, trời mưa rất nguy hiểm."

# One filing: (what the citizen sends, how many messages the bot answers with).
# ("press", label) presses an inline button of the latest message; ("say", text) types text.
FILING: list[tuple[str, str, int]] = [
    ("say", "/start", 1),
    ("press", "Gửi ý kiến", 1),
    ("press", "Đồng ý", 1),
    ("press", "Phản ánh", 1),
    ("press", "Giao thông", 1),
    ("say", CONTENT, 1),
    ("say", "Bỏ qua", 1),
    ("press", "Bỏ qua", 1),
    ("say", "Nguyễn Văn An", 1),
    ("say", "0912345678", 1),
    ("say", "Xóm Đồng Bầu, xã Phú Thịnh", 1),
    ("press", "Gửi", 1),
]


@dataclass
class Result:
    name: str
    latencies: list[float] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds

    def pct(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    def line(self) -> str:
        return (
            f"{self.name:<22} {len(self.latencies):>7} updates in {self.seconds:7.1f} s  "
            f"{self.rate:8.1f} updates/s   p50 {self.pct(0.50):6.1f} ms   p99 {self.pct(0.99):6.1f} ms"
        )


class Poster:
    def __init__(self, http: aiohttp.ClientSession, url: str, secret: str) -> None:
        self.http, self.url, self.headers = (
            http,
            url,
            {SECRET_HEADER: secret, "Content-Type": "application/json"},
        )
        self.update_ids = iter(range(1, 10**9))

    async def post(self, update: dict[str, Any]) -> None:
        update["update_id"] = next(self.update_ids)
        async with self.http.post(self.url, data=json.dumps(update), headers=self.headers) as response:
            if response.status != 200:
                raise RuntimeError(f"webhook answered {response.status}")


def button_data(fake: FakeTelegram, chat_id: int, label: str) -> tuple[str, int]:
    for message in reversed(fake.messages_to(chat_id)):
        keyboard = (message.get("reply_markup") or {}).get("inline_keyboard")
        if keyboard:
            for row in keyboard:
                for button in row:
                    if button["text"].startswith(label):
                        return button["callback_data"], message["message_id"]
            raise LookupError(f"no button {label!r}")
    raise LookupError("no keyboard")


async def drive(
    name: str,
    fake: FakeTelegram,
    poster: Poster,
    chats: list[int],
    concurrency: int,
    steps: list[tuple[str, str, int]],
    data_for: Callable[[int, str], tuple[str, int]],
) -> Result:
    result = Result(name)
    queue: asyncio.Queue[int] = asyncio.Queue()
    for chat in chats:
        queue.put_nowait(chat)

    async def citizen() -> None:
        while not queue.empty():
            chat = queue.get_nowait()
            expected = 0
            for action, value, answers in steps:
                if action == "say":
                    update = tg.text(chat, value)
                else:
                    data, message_id = data_for(chat, value)
                    update = tg.callback(chat, data, message_id)
                expected += answers
                started = time.monotonic()
                await poster.post(update)
                arrived = await fake.wait_for_messages(chat, expected)
                result.latencies.append(arrived - started)

    started = time.monotonic()
    await asyncio.gather(*(citizen() for _ in range(concurrency)))
    result.seconds = time.monotonic() - started
    return result


async def bare_echo_bot(
    fake: FakeTelegram, filings: int, concurrency: int, http: aiohttp.ClientSession
) -> Result:
    """The same updates to an aiogram bot that answers every message and button with one message."""
    bot = Bot("999:BARE", session=AiohttpSession(api=TelegramAPIServer.from_base(fake.base_url)))
    fake.token = "999:BARE"
    router = Router()

    @router.message()
    async def echo(message: Message) -> None:
        await message.answer(message.text or "?")

    @router.callback_query()
    async def pressed(query: CallbackQuery) -> None:
        assert query.message is not None
        await bot.send_message(query.message.chat.id, query.data or "?")

    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    app = web.Application()
    SimpleRequestHandler(dispatcher, bot, secret_token="bare-secret", handle_in_background=False).register(
        app, path="/hook"
    )
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    port = runner.addresses[0][1]
    try:
        poster = Poster(http, f"http://127.0.0.1:{port}/hook", "bare-secret")
        steps = [(action, value, 1) for action, value, _ in FILING]
        chats = list(range(1_000_000, 1_000_000 + filings))
        return await drive(
            "bare aiogram echo", fake, poster, chats, concurrency, steps, lambda chat, label: ("x", 1)
        )
    finally:
        await runner.cleanup()
        await bot.session.close()


async def nghedan_bot(
    fake: FakeTelegram, database_url: str, filings: int, concurrency: int, http: aiohttp.ClientSession
) -> Result:
    fake.token = "123456:NGHEDAN"
    settings = Settings(
        database_url=SecretStr(database_url),
        auto_migrate=True,
        log_level="WARNING",
        delivery=UNCAPPED,
        telegram=TelegramSettings(token=SecretStr(fake.token), api_base=fake.base_url, listen_port=0),
    )
    app = await bootstrap(settings)
    async with app.uow_factory() as uow:
        await import_commune(uow, read_commune_file(DEMO_COMMUNE), now=app.clock.now())
        await uow.commit()
    service = Service(app, build_channels(app), webhook=True)
    await service.start()
    try:
        url = f"http://127.0.0.1:{service.port}{settings.telegram.webhook_path}"
        poster = Poster(http, url, webhook_secret(settings.telegram))
        chats = list(range(2_000_000, 2_000_000 + filings))
        label = "Nghe Dân (" + database_url.split("+")[0] + ")"
        return await drive(
            label, fake, poster, chats, concurrency, FILING, lambda c, b: button_data(fake, c, b)
        )
    finally:
        await service.stop()
        await app.aclose()


async def postgres_database() -> tuple[str, Callable[[], Awaitable[None]]]:
    name = f"bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f'CREATE DATABASE "{name}"'))

    async def drop() -> None:
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        await admin.dispose()

    return POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + "/" + name, drop


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--filings", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument(
        "--no-gc-freeze",
        action="store_true",
        help="keep start-up objects in the GC's scans (nghedan run freezes them)",
    )
    args = parser.parse_args()
    if not args.no_gc_freeze:
        import gc

        gc.collect()
        gc.freeze()
    fake = FakeTelegram(lean=True)
    await fake.start()
    folder = tempfile.mkdtemp(prefix="nghedan-bench-")
    drop: Callable[[], Awaitable[None]] | None = None
    if args.database == "sqlite":
        database_url = f"sqlite+aiosqlite:///{folder}/bench.sqlite3"
    else:
        database_url, drop = await postgres_database()
    print(
        f"{args.filings} filings of {len(FILING)} updates, {args.concurrency} citizens at once, {args.database}"
    )
    try:
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=args.concurrency * 2)) as http:
            bare = await bare_echo_bot(fake, args.filings, args.concurrency, http)
            print(bare.line(), flush=True)
            ours = await nghedan_bot(fake, database_url, args.filings, args.concurrency, http)
            print(ours.line(), flush=True)
    finally:
        await fake.stop()
        if drop is not None:
            await drop()
    print(f"ratio (ours / bare): {ours.rate / bare.rate:.2f}   target ≥ 0.33")
    print(f"p99 ours: {ours.pct(0.99):.1f} ms   target ≤ 100 ms on SQLite")
    if fake.rejected:
        print(f"Bot API calls refused by the fake server: {len(fake.rejected)}, e.g. {fake.rejected[:3]}")


if __name__ == "__main__":
    asyncio.run(main())
