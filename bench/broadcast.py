"""Broadcast benchmark: one announcement to 100,000 subscribers through the outbox, while citizens chat.

    python bench/broadcast.py [--subscribers 100000] [--cap 400] [--citizens 20] [--think 1]
                              [--kill-subscribers 20000] [--no-kill]
                              [--database sqlite|postgres] [--pool-size N]

The bot runs as in production, in its own process: this script starts it as a child process running
``nghedan run --webhook``'s service (``bot.service.Service`` with Telegram: webhook, delivery worker,
broadcast runner; SIGTERM stops it cleanly). This process plays Telegram (the fake Bot API server of
tests/telegram_fake, lean, also counting how many times each chat received the announcement) and the
citizens. Every run gets a fresh database (a temporary SQLite file, or a new PostgreSQL database on
127.0.0.1 that is dropped afterwards) with the demo commune, N subscribers to announcements for the whole
commune (each a citizen with a private chat, bulk INSERTs) and one announcement made with
``handlers.broadcast.create`` and committed; the bot's broadcast runner and delivery worker then send it.

At Telegram's bulk cap (25/s) 100,000 messages take over an hour, so the run raises the caps: ``--cap`` is
the bulk cap (``bulk_per_second``, default 400/s: 100,000 messages in about four minutes), the global cap is
20 % higher, so that replies to citizens find free slots, and the per-chat caps are high. Raise ``--cap`` to
find the most the bot's process can send on a machine (it then says what limited it). It prints:

1. the achieved rate (broadcast messages accepted by the fake server per second, from the first to the
   last) over the cap — target ≥ 0.95 — with the CPU used meanwhile by the bot's process, by this one and
   by the whole machine, and what limited the rate when it fell short;
2. messages lost (subscribers who never got the announcement) and duplicates (subscribers who got it more
   than once), counted at the fake server — target 0 and 0;
3. while the broadcast runs, ``--citizens`` citizens who are not subscribers talk to the bot through the
   webhook, each saying the next thing ``--think`` seconds after the bot's answer arrived: p50 / p99 of the
   time from posting an update until the answer reached the fake server — target p99 ≤ 2 s;
4. kill and resume, on a smaller audience (``--kill-subscribers``): the bot's process is killed (SIGKILL)
   when half the subscribers (plus half a delivery batch, so that it dies mid-batch) got the message, then a
   new process finishes the broadcast; then the same with SIGTERM (a clean stop). Lost and duplicates after
   the resume, and how many of the duplicates were on the wire at the kill: accepted by Telegram while their
   outbox row was still ``sending``. Delivery is at-least-once for those (handlers/delivery.py), so a SIGKILL
   may repeat up to one message per chat in flight; a SIGTERM should repeat none. On SQLite the new process
   releases the dead one's leases at start-up; on PostgreSQL it does not (several workers may share the
   database), so those messages wait for their lease to run out (60 s).

On PostgreSQL it also prints how many database connections the bot opened (``--pool-size`` overrides the
app's pool, sized by ``bot.bootstrap`` from the delivery worker's concurrency). Like ``nghedan run``, the bot's process freezes start-up objects out of the garbage
collector; so does this one. The bot's log is kept in the run's temporary folder and summed up at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import signal
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

SCRIPT = Path(__file__).resolve()
ROOT = SCRIPT.parents[1]
sys.path.insert(0, str(ROOT))

import aiohttp
from pydantic import SecretStr
from sqlalchemy import func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.bootstrap import App, bootstrap
from bot.communes_file import DEMO_COMMUNE, read_commune_file
from bot.settings import DeliverySettings, Settings, TelegramSettings
from bot.telegram.runtime import SECRET_HEADER, webhook_secret
from bot.telegram.updates import CHANNEL
from handlers.broadcasts.engine import Audience, BroadcastRunner, create
from handlers.cases.communes import import_commune
from handlers.delivery.worker import DeliveryConfig
from handlers.subscriptions.citizen import CONSENT_VERSION
from models.broadcast import Broadcast, BroadcastKind, BroadcastStatus
from models.citizen import Citizen
from models.enums import OutboxStatus
from models.outbox import OutboxMessage
from models.subscription import Subscription, Topic
from store.database import create_engine
from tests.telegram_fake import updates as tg
from tests.telegram_fake.server import FakeTelegram

POSTGRES_ADMIN_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
TOKEN = "123456:BROADCAST"
ANNOUNCEMENT = (
    "THÔNG BÁO: Từ 7 giờ sáng thứ Bảy, xã Phú Thịnh tổ chức tổng vệ sinh đường làng, ngõ xóm. "
    "Mỗi hộ cử một người tham gia, mang theo chổi và cuốc. Trân trọng cảm ơn bà con."
)
SUBSCRIBER_CHATS = 100_000_000  # subscriber i has the private chat SUBSCRIBER_CHATS + i
CITIZEN_CHATS = 900_000_000  # the citizens who talk to the bot during the broadcast
# What a citizen says while the broadcast runs; the bot answers each with one message.
SAYINGS = ("/trogiup", "/lichtiepdan", "/trogiup", "/start")


# -- the fake Telegram, counting the announcement per chat -----------------------------------------------------
class CountingTelegram(FakeTelegram):
    """The fake Bot API server (lean: no call log), also counting how many times each chat was sent the
    announcement and when the first and the last of them arrived."""

    def __init__(self, marker: str) -> None:
        super().__init__(TOKEN, lean=True)
        self.marker = marker
        self.received: dict[int, int] = {}  # chat → times the announcement was accepted
        self.total = 0
        self.first_at: float | None = None
        self.last_at = 0.0
        self.half: asyncio.Event | None = None
        self.half_of = 0
        self.answers: dict[int, int] = {}  # citizen's chat → messages the bot sent it

    async def _sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        result = await super()._sendMessage(params)
        chat = int(params["chat_id"])
        if chat >= CITIZEN_CHATS:
            self.answers[chat] = self.answers.get(chat, 0) + 1
        if params["text"] == self.marker:
            now = time.monotonic()
            self.received[chat] = self.received.get(chat, 0) + 1
            self.total += 1
            if self.first_at is None:
                self.first_at = now
            self.last_at = now
            if self.half is not None and len(self.received) >= self.half_of:
                self.half.set()
        return result

    def rate(self) -> float:
        if self.first_at is None or self.total < 2 or self.last_at <= self.first_at:
            return 0.0
        return (self.total - 1) / (self.last_at - self.first_at)

    def lost(self, audience: range) -> int:
        return sum(1 for chat in audience if chat not in self.received)

    def duplicated(self) -> dict[int, int]:
        return {chat: times for chat, times in self.received.items() if times > 1}


# -- settings, database and seeding ----------------------------------------------------------------------------
def delivery_settings(cap: float) -> DeliverySettings:
    return DeliverySettings(
        global_per_second=cap * 1.2,
        bulk_per_second=cap,
        chat_per_second=100.0,
        chat_burst=100,
        group_per_minute=1000.0,
    )


def make_settings(database_url: str, api_base: str, cap: float, *, migrate: bool) -> Settings:
    return Settings(
        database_url=SecretStr(database_url),
        auto_migrate=migrate,
        log_level="WARNING",
        delivery=delivery_settings(cap),
        telegram=TelegramSettings(token=SecretStr(TOKEN), api_base=api_base, listen_port=0),
    )


@dataclass
class Database:
    """A fresh database for one run: a SQLite file, or a new PostgreSQL database dropped afterwards."""

    url: str
    name: str | None = None  # PostgreSQL: the database's name
    admin: AsyncEngine | None = None

    @classmethod
    async def fresh(cls, kind: str, folder: str, name: str) -> Database:
        if kind == "sqlite":
            return cls(f"sqlite+aiosqlite:///{folder}/{name}.sqlite3")
        database = f"bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
        async with admin.connect() as connection:
            await connection.execute(text(f'CREATE DATABASE "{database}"'))
        return cls(POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + "/" + database, database, admin)

    async def sessions(self) -> int | None:
        """PostgreSQL: how many connections were opened to the database so far (pg_stat_database)."""
        if self.admin is None:
            return None
        async with self.admin.connect() as connection:
            await connection.execute(text("SELECT pg_stat_clear_snapshot()"))
            count = await connection.scalar(
                text("SELECT sessions FROM pg_stat_database WHERE datname = :name"), {"name": self.name}
            )
        return None if count is None else int(count)

    async def drop(self) -> None:
        if self.admin is None:  # SQLite: the file goes, the logs next to it stay
            path = self.url.split(":///", 1)[1]
            for suffix in ("", "-wal", "-shm"):
                with contextlib.suppress(FileNotFoundError):
                    os.remove(path + suffix)
        else:
            async with self.admin.connect() as connection:
                await connection.execute(text(f'DROP DATABASE "{self.name}" WITH (FORCE)'))
            await self.admin.dispose()


async def insert_subscribers(engine: AsyncEngine, commune_id: int, count: int, now: datetime) -> None:
    """``count`` citizens, each with its own private chat, subscribed to announcements for the whole commune:
    bulk INSERTs on the app's engine, 10,000 rows a statement."""
    citizens, subscriptions = Citizen.__table__, Subscription.__table__
    step = 10_000
    async with engine.begin() as connection:
        for start in range(0, count, step):
            chats = [str(SUBSCRIBER_CHATS + i) for i in range(start, min(count, start + step))]
            rows = [
                {
                    "commune_id": commune_id,
                    "channel": CHANNEL,
                    "account_id": chat,
                    "chat_id": chat,
                    "language": "vi",
                    "created_at": now,
                }
                for chat in chats
            ]
            statement = insert(citizens).returning(citizens.c.id, sort_by_parameter_order=True)
            ids = (await connection.execute(statement, rows)).scalars().all()
            await connection.execute(
                insert(subscriptions),
                [
                    {
                        "commune_id": commune_id,
                        "citizen_id": citizen_id,
                        "topics": [Topic.ANNOUNCEMENT.value],
                        "village_ids": [],
                        "consent_version": CONSENT_VERSION,
                        "channel": CHANNEL,
                        "subscribed_at": now,
                    }
                    for citizen_id in ids
                ],
            )


async def prepare(database_url: str, api_base: str, cap: float, subscribers: int) -> tuple[int, float]:
    """Migrate, import the demo commune, add the subscribers and create the announcement (committed).
    Returns the broadcast's id and the seconds the subscribers took to insert."""
    app = await bootstrap(make_settings(database_url, api_base, cap, migrate=True))
    try:
        async with app.uow_factory() as uow:
            summary = await import_commune(uow, read_commune_file(DEMO_COMMUNE), now=app.clock.now())
            await uow.commit()
        async with app.uow_factory() as uow:
            commune = await uow.communes.by_code(read_commune_file(DEMO_COMMUNE).code)
            assert commune is not None, summary
            commune_id = commune.id
        started = time.monotonic()
        await insert_subscribers(app.engine, commune_id, subscribers, app.clock.now())
        seeded = time.monotonic() - started
        async with app.uow_factory() as uow:
            broadcast = await create(
                uow,
                commune_id=commune_id,
                key=f"bench:{uuid.uuid4().hex}",
                kind=BroadcastKind.ANNOUNCEMENT,
                audience=Audience(Topic.ANNOUNCEMENT, None),
                texts={"vi": ANNOUNCEMENT},
                now=app.clock.now(),
            )
            assert broadcast is not None
            await uow.commit()
            if broadcast.estimate != subscribers:
                raise RuntimeError(f"audience counted {broadcast.estimate}, expected {subscribers}")
            return broadcast.id, seeded
    finally:
        await app.aclose()


@dataclass
class Snapshot:
    """The broadcast's outbox rows by status, and the chats of those still marked ``sending``."""

    counts: dict[str, int]
    sending_chats: list[int]
    status: str


async def snapshot(database_url: str, broadcast_id: int) -> Snapshot:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(
                select(OutboxMessage.status, func.count())
                .where(OutboxMessage.broadcast_id == broadcast_id)
                .group_by(OutboxMessage.status)
            )
            counts = {OutboxStatus(status).value: int(n) for status, n in rows.all()}
            chats = await connection.scalars(
                select(OutboxMessage.chat_id).where(
                    OutboxMessage.broadcast_id == broadcast_id, OutboxMessage.status == OutboxStatus.SENDING
                )
            )
            sending = [int(chat) for chat in chats.all()]
            status = await connection.scalar(select(Broadcast.status).where(Broadcast.id == broadcast_id))
            await connection.rollback()
        return Snapshot(counts, sending, BroadcastStatus(status).value)
    finally:
        await engine.dispose()


# -- the bot's process -----------------------------------------------------------------------------------------
async def child_main(args: argparse.Namespace) -> None:
    """The bot, as ``nghedan run --webhook`` runs it (bot.service.Service, stopped by SIGTERM), plus a watcher that
    prints DONE when the broadcast is done. Prints ``PORT <n>`` once it listens."""
    import logging

    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(asctime)s %(name)s %(message)s")
    from bot.service import Service, build_channels

    options = {"pool_size": args.pool_size} if args.pool_size else None
    settings = make_settings(args.child_database, args.child_api, args.cap, migrate=False)
    app = await bootstrap(settings, engine_options=options)
    runner = getattr(app, "broadcasts", None)
    if not isinstance(runner, BroadcastRunner):  # an App without its own runner: run one alongside
        runner = BroadcastRunner(
            uow_factory=app.uow_factory, clock=app.clock, catalogue=app.catalogue, on_mail=app.delivery.notify
        )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for number in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(number, stop.set)
    service = Service(app, build_channels(app), webhook=True)
    extra: list[asyncio.Task[None]] = []
    try:
        await service.start()
        if getattr(app, "broadcasts", None) is not runner:
            extra.append(asyncio.ensure_future(runner.run(stop)))
        print(f"PORT {service.port}", flush=True)
        gc.collect()
        gc.freeze()
        extra.append(asyncio.ensure_future(watch(app, args.child_broadcast, stop)))
        await stop.wait()
    finally:
        await service.stop()
        await asyncio.gather(*extra, return_exceptions=True)
        await app.aclose()
    print("STOPPED", flush=True)


async def watch(app: App, broadcast_id: int, stop: asyncio.Event) -> None:
    while not stop.is_set():
        async with app.uow_factory() as uow:
            broadcast = await uow.broadcasts.get(broadcast_id)
            done = broadcast is not None and broadcast.status is not BroadcastStatus.SENDING
        if done:
            print("DONE", flush=True)
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=0.25)


def machine_busy() -> float:
    """CPU seconds the whole machine has been busy (all CPUs, Linux ``/proc/stat``), or NaN."""
    try:
        ticks = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return float("nan")
    idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)
    return (sum(ticks[:8]) - idle) / os.sysconf("SC_CLK_TCK")


class CpuSamples:
    """CPU time used by the bot's process, by this one (the fake Telegram and the citizens) and by the whole
    machine (the database server included), sampled four times a second."""

    def __init__(self, bot: BotProcess) -> None:
        self.bot = bot
        self.samples: list[tuple[float, float, float, float]] = []  # (monotonic, bot, this process, machine)

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            now = time.monotonic()
            self.samples.append((now, self.bot.cpu_seconds(), time.process_time(), machine_busy()))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=0.25)

    def between(self, first: float, last: float) -> tuple[float, float, float, float]:
        """(wall seconds, then CPU seconds of the bot, this process and the machine) within the span."""
        inside = [sample for sample in self.samples if first <= sample[0] <= last]
        if len(inside) < 2:
            return 0.0, float("nan"), float("nan"), float("nan")
        start, end = inside[0], inside[-1]
        return end[0] - start[0], end[1] - start[1], end[2] - start[2], end[3] - start[3]


class BotProcess:
    """The bot's process, seen from here."""

    def __init__(self, process: asyncio.subprocess.Process, log_path: Path) -> None:
        self.process = process
        self.log_path = log_path
        self.port = 0
        self.done = asyncio.Event()
        self.lines: list[str] = []
        self._reader: asyncio.Task[None] | None = None

    @classmethod
    async def start(
        cls, args: argparse.Namespace, database_url: str, api_base: str, broadcast_id: int, log_path: Path
    ) -> BotProcess:
        command = [sys.executable, str(SCRIPT), "--child", "--cap", str(args.cap)]
        command += ["--child-database", database_url, "--child-api", api_base]
        command += ["--child-broadcast", str(broadcast_id), "--pool-size", str(args.pool_size)]
        with log_path.open("ab") as log:
            process = await asyncio.create_subprocess_exec(
                *command, stdout=asyncio.subprocess.PIPE, stderr=log, cwd=str(ROOT)
            )
        bot = cls(process, log_path)
        assert process.stdout is not None
        while True:
            line = (await process.stdout.readline()).decode()
            if not line:
                raise RuntimeError(f"the bot's process ended before listening; see {log_path}")
            if line.startswith("PORT "):
                bot.port = int(line.split()[1])
                break
        bot._reader = asyncio.ensure_future(bot._read())
        return bot

    async def _read(self) -> None:
        assert self.process.stdout is not None
        while line := (await self.process.stdout.readline()).decode():
            self.lines.append(line.strip())
            if line.startswith("DONE"):
                self.done.set()

    def send(self, number: int) -> None:
        self.process.send_signal(number)

    def cpu_seconds(self) -> float:
        """CPU time the bot's process has used so far (Linux), or NaN."""
        try:
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            return float("nan")
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    async def stop(self) -> int:
        """SIGTERM (a clean stop, as ``nghedan run`` does on SIGTERM), unless it has ended already."""
        if self.process.returncode is None:
            self.send(signal.SIGTERM)
        return await self.wait()

    async def wait(self) -> int:
        code = await self.process.wait()
        if self._reader is not None:
            await self._reader
        return code


# -- the citizens ----------------------------------------------------------------------------------------------
@dataclass
class Talk:
    samples: list[tuple[float, float]] = field(default_factory=list)  # (posted at, seconds to the answer)
    failures: int = 0
    expected: dict[int, int] = field(default_factory=dict)  # chat → answers waited for

    def during(self, first: float, last: float) -> list[float]:
        return sorted(delay for at, delay in self.samples if first <= at <= last)


def pct(ordered: list[float], q: float) -> float:
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


async def talk(
    fake: FakeTelegram, url: str, secret: str, citizens: int, think: float, stop: asyncio.Event
) -> Talk:
    """Citizens who are not subscribers talk to the bot until ``stop``: each posts an update to the webhook,
    waits until the answer reached the fake server, thinks, and says the next thing."""
    result = Talk()
    headers = {SECRET_HEADER: secret, "Content-Type": "application/json"}
    update_ids = iter(range(1, 10**9))

    async def citizen(http: aiohttp.ClientSession, chat: int) -> None:
        answers = 0
        turn = 0
        while not stop.is_set():
            update = tg.text(chat, SAYINGS[turn % len(SAYINGS)])
            update["update_id"] = next(update_ids)
            turn += 1
            posted = time.monotonic()
            try:
                async with http.post(url, data=json.dumps(update), headers=headers) as response:
                    if response.status != 200:
                        result.failures += 1
                        continue
                answers += 1
                arrived = await asyncio.wait_for(fake.wait_for_messages(chat, answers), timeout=30)
            except (TimeoutError, aiohttp.ClientError):
                result.failures += 1
                return
            result.samples.append((posted, arrived - posted))
            result.expected[chat] = answers
            if think:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=think)

    connector = aiohttp.TCPConnector(limit=citizens * 2)
    async with aiohttp.ClientSession(connector=connector) as http:
        await asyncio.gather(*(citizen(http, CITIZEN_CHATS + i) for i in range(citizens)))
    return result


# -- the runs --------------------------------------------------------------------------------------------------
def bot_log_summary(path: Path) -> tuple[str, int | None]:
    """A line about the bot's log, and how many orphaned messages its start-up released (None: no release)."""
    if not path.exists():
        return "(no log)", None
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    errors = [line for line in lines if "Error" in line or "Traceback" in line or "failed" in line]
    released = [line for line in lines if "were on the wire when the last process stopped" in line]
    summary = f"{len(lines)} line(s), {len(errors)} about errors"
    if errors:
        summary += ": " + " | ".join(errors[:3])
    count = None
    if released:
        count = int(released[-1].split(" message(s)")[0].rsplit(" ", 1)[-1])
    return summary, count


async def full_run(args: argparse.Namespace, folder: str) -> dict[str, Any]:
    fake = CountingTelegram(ANNOUNCEMENT)
    await fake.start()
    database = await Database.fresh(args.database, folder, "broadcast")
    log_path = Path(folder) / "bot-full.log"
    try:
        started = time.monotonic()
        broadcast_id, seeded = await prepare(database.url, fake.base_url, args.cap, args.subscribers)
        print(
            f"seeded {args.subscribers} subscribers in {seeded:.1f} s "
            f"(database ready, broadcast created after {time.monotonic() - started:.1f} s)",
            flush=True,
        )
        sessions_before = await database.sessions()
        bot = await BotProcess.start(args, database.url, fake.base_url, broadcast_id, log_path)
        settings = make_settings(database.url, fake.base_url, args.cap, migrate=False).telegram
        url = f"http://127.0.0.1:{bot.port}{settings.webhook_path}"
        stop_talking = asyncio.Event()
        talking = asyncio.ensure_future(
            talk(fake, url, webhook_secret(settings), args.citizens, args.think, stop_talking)
        )
        cpu = CpuSamples(bot)
        sampling = asyncio.ensure_future(cpu.run(stop_talking))
        timed_out = False
        try:
            await asyncio.wait_for(bot.done.wait(), timeout=args.subscribers / args.cap * 3 + 300)
        except TimeoutError:
            timed_out = True
        stop_talking.set()
        talked = await talking
        await sampling
        await asyncio.sleep(1.0)  # anything late (a duplicate) still arrives
        code = await bot.stop()
        sessions_after = await database.sessions()
        state = await snapshot(database.url, broadcast_id)
    finally:
        await fake.stop()
        await database.drop()
    audience = range(SUBSCRIBER_CHATS, SUBSCRIBER_CHATS + args.subscribers)
    duplicated = fake.duplicated()
    return {
        "timed_out": timed_out,
        "exit": code,
        "rate": fake.rate(),
        "seconds": fake.last_at - (fake.first_at or fake.last_at),
        "total": fake.total,
        "lost": fake.lost(audience),
        "duplicates": len(duplicated),
        "extra": sum(times - 1 for times in duplicated.values()),
        "delays": talked.during(fake.first_at or 0.0, fake.last_at),
        "failures": talked.failures,
        "unexpected": sum(1 for chat, n in talked.expected.items() if fake.answers.get(chat, 0) > n),
        "cpu": cpu.between(fake.first_at or 0.0, fake.last_at),
        "sessions": None
        if sessions_before is None or sessions_after is None
        else sessions_after - sessions_before,
        "state": state,
        "log": bot_log_summary(log_path)[0],
    }


async def kill_run(args: argparse.Namespace, folder: str, number: int) -> dict[str, Any]:
    """Stop the bot with ``number`` when half the audience got the message, then resume in a new process."""
    name = signal.Signals(number).name
    fake = CountingTelegram(ANNOUNCEMENT)
    await fake.start()
    database = await Database.fresh(args.database, folder, f"kill-{name}")
    log_path = Path(folder) / f"bot-{name}.log"
    count = args.kill_subscribers
    try:
        broadcast_id, _ = await prepare(database.url, fake.base_url, args.cap, count)
        # Half the audience, plus half a delivery batch: the kill lands in the middle of a batch.
        fake.half, fake.half_of = asyncio.Event(), count // 2 + DeliveryConfig().batch // 2
        first = await BotProcess.start(args, database.url, fake.base_url, broadcast_id, log_path)
        await asyncio.wait_for(fake.half.wait(), timeout=count / args.cap * 3 + 300)
        first.send(number)
        killed_at = (len(fake.received), fake.total)
        code = await first.wait()
        await asyncio.sleep(0.5)  # requests already at the server finish
        after_kill = (len(fake.received), fake.total)
        state = await snapshot(database.url, broadcast_id)
        on_wire = {chat for chat in state.sending_chats if chat in fake.received}
        resumed_at = time.monotonic()
        second = await BotProcess.start(args, database.url, fake.base_url, broadcast_id, log_path)
        timed_out = False
        try:
            await asyncio.wait_for(second.done.wait(), timeout=count / args.cap * 3 + 300)
        except TimeoutError:
            timed_out = True
        finished = time.monotonic() - resumed_at
        await asyncio.sleep(1.0)
        await second.stop()
        final = await snapshot(database.url, broadcast_id)
    finally:
        await fake.stop()
        await database.drop()
    audience = range(SUBSCRIBER_CHATS, SUBSCRIBER_CHATS + count)
    duplicated = fake.duplicated()
    log, released = bot_log_summary(log_path)
    return {
        "signal": name,
        "exit": code,
        "timed_out": timed_out,
        "killed_at": killed_at,
        "after_kill": after_kill,
        "state": state,
        "on_wire": len(on_wire),
        "released": released,
        "lost": fake.lost(audience),
        "duplicates": len(duplicated),
        "from_wire": sum(1 for chat in duplicated if chat in on_wire),
        "final": final,
        "resume_seconds": finished,
        "log": log,
    }


def report_full(args: argparse.Namespace, result: dict[str, Any]) -> None:
    state: Snapshot = result["state"]
    ratio = result["rate"] / args.cap
    print(
        f"broadcast: {result['total']} messages in {result['seconds']:.1f} s, outbox {state.counts}, "
        f"broadcast {state.status}{'  (TIMED OUT)' if result['timed_out'] else ''}"
    )
    print(f"achieved rate: {result['rate']:.1f} msg/s / cap {args.cap:g} msg/s = {ratio:.3f}   target ≥ 0.95")
    print(f"lost: {result['lost']}   target 0")
    print(f"duplicates: {result['duplicates']} subscribers ({result['extra']} extra messages)   target 0")
    delays: list[float] = result["delays"]
    print(
        f"reply delay during the broadcast: {len(delays)} answers, p50 {pct(delays, 0.50) * 1000:.0f} ms, "
        f"p99 {pct(delays, 0.99) * 1000:.0f} ms, max {max(delays, default=0.0) * 1000:.0f} ms"
        f"   target p99 ≤ 2000 ms" + (f"  ({result['failures']} failed)" if result["failures"] else "")
    )
    wall, bot_cpu, own_cpu, machine_cpu = result["cpu"]
    if wall > 0:
        per_message = bot_cpu / max(result["total"], 1)
        cpus = os.cpu_count() or 1
        print(
            f"CPU during the broadcast: bot process {bot_cpu / wall:.0%} of a core "
            f"({per_message * 1000:.2f} ms per broadcast message, answers included), "
            f"fake Telegram + citizens {own_cpu / wall:.0%}, whole machine {machine_cpu / wall:.0%} "
            f"of {cpus * 100}%"
        )
        if ratio < 0.95:
            if bot_cpu / wall > 0.9:
                why = (
                    f"the bot's process is CPU-bound (one event loop on one core): at {per_message * 1000:.2f} ms "
                    f"of CPU a message it sends at most ~{1 / per_message:.0f} msg/s on this machine"
                )
            elif machine_cpu / wall > 0.9 * cpus:
                why = "the machine's CPUs are all busy (bot, database server, fake Telegram and citizens)"
            else:
                why = "not CPU: the bot waits (database, locks, batches)"
            print(f"limit: {why}")
    if result["sessions"] is not None:
        opened, seconds = result["sessions"], max(result["seconds"], 1e-9)
        print(f"database connections opened by the bot during the run: {opened} ({opened / seconds:.1f}/s)")
    if result["unexpected"]:
        print(f"warning: {result['unexpected']} citizens got more answers than waited for (delays too short)")
    print(f"bot log: {result['log']}")


def report_kill(result: dict[str, Any], count: int, database: str) -> None:
    name = result["signal"]
    state: Snapshot = result["state"]
    final: Snapshot = result["final"]
    print(
        f"{name} at {result['killed_at'][0]}/{count} subscribers reached ({result['killed_at'][1]} messages); "
        f"exit {result['exit']}; {result['after_kill'][0]} reached once the process was gone"
    )
    print(
        f"  outbox after the {name}: {state.counts}; left 'sending': {len(state.sending_chats)}, "
        f"of which already received by Telegram (on the wire, outcome unrecorded): {result['on_wire']}"
    )
    if result["released"] is not None:
        released = f"{result['released']} left 'sending' released by the new process's start-up"
    elif state.sending_chats:
        released = "nothing released at start-up"
        if database == "postgres":
            released += " (on PostgreSQL the app waits for the leases to run out: 60 s)"
    else:
        released = "nothing to release"
    print(
        f"  resumed in a new process ({released}): broadcast {final.status} after "
        f"{result['resume_seconds']:.1f} s, outbox {final.counts}{'  (TIMED OUT)' if result['timed_out'] else ''}"
    )
    print(
        f"  after resume ({name}): lost {result['lost']}   duplicates {result['duplicates']} "
        f"(of which on the wire at the {name}: {result['from_wire']})   target 0 and 0"
    )
    print(f"  bot log: {result['log']}")


async def main(args: argparse.Namespace) -> None:
    if args.child:
        await child_main(args)
        return
    gc.collect()
    gc.freeze()
    folder = tempfile.mkdtemp(prefix="nghedan-bench-broadcast-")
    limits = delivery_settings(args.cap)
    print(
        f"config: {args.subscribers} subscribers, bulk cap {limits.bulk_per_second:g}/s, global cap "
        f"{limits.global_per_second:g}/s, per chat {limits.chat_per_second:g}/s (burst {limits.chat_burst}), "
        f"{args.citizens} citizens talking (think {args.think:g} s), {args.database}"
        + (f" (pool size {args.pool_size})" if args.pool_size else "")
        + f", kill-and-resume on {0 if args.no_kill else args.kill_subscribers} subscribers, "
        f"{os.cpu_count()} CPUs, folder {folder}",
        flush=True,
    )
    started = time.monotonic()
    report_full(args, await full_run(args, folder))
    if not args.no_kill:
        for number in (signal.SIGKILL, signal.SIGTERM):
            report_kill(await kill_run(args, folder, number), args.kill_subscribers, args.database)
    print(f"total time: {time.monotonic() - started:.0f} s")


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument("--cap", type=float, default=400.0, help="bulk cap, msg/s (global: 20 %% more)")
    parser.add_argument("--citizens", type=int, default=20, help="citizens talking during the broadcast")
    parser.add_argument("--think", type=float, default=1.0, help="seconds between an answer and the next")
    parser.add_argument("--kill-subscribers", type=int, default=20_000)
    parser.add_argument("--no-kill", action="store_true", help="skip the kill-and-resume runs")
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument(
        "--pool-size", type=int, default=0, help="PostgreSQL: the bot's connection pool (default: the app's)"
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--child-database", help=argparse.SUPPRESS)
    parser.add_argument("--child-api", help=argparse.SUPPRESS)
    parser.add_argument("--child-broadcast", type=int, help=argparse.SUPPRESS)
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(main(arguments()))
