"""Nothing a sender puts in an update stops intake (issue 14): the two Zalo channels on PostgreSQL.

The Zalo Bot Platform by polling and by webhook, the Zalo Official Account by its signed webhook. Hostile
updates — text with NUL characters or lone surrogates, ids longer than any column keeps or of the wrong JSON
type, photos whose link is not a link, attachments and forms filled with junk, JSON nested thousands deep,
bodies that are not updates at all — are acknowledged (never a 500; polling goes on), answered politely where
a person sent them, and leave intake alive for that chat and every other. Zalo brings nothing back, so a
database outage is waited out in memory (``Backlog``) and what came during it is answered, in order, once it
ends; ``/healthz`` says so meanwhile, and when a poller is stuck or the OA has no tokens.

The sibling suite for Telegram is ``tests/e2e/test_hostile_updates.py``.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy import select

from bot.bootstrap import App, bootstrap
from bot.channels import POLL_STALE_SECONDS, WAITING_STALE_SECONDS
from bot.intake import Activity
from bot.service import Service
from bot.zalo_bot.runtime import ZaloBotChannel
from bot.zalo_oa.runtime import ZaloOAChannel
from handlers.kernel.text import clean_text
from models.case import Case
from models.conversation import Conversation
from models.processed import ProcessedEvent
from store.database import create_engine
from store.migrate import upgrade
from store.uow import SqlUnitOfWork
from tests.db import postgres_empty_database
from tests.e2e.pg_outage import PostgresProxy, postgres_proxy
from tests.e2e.telegram_harness import no_pause, seed_demo_commune
from tests.e2e.zalo_bot_harness import ZaloBotHarness, settings_for
from tests.e2e.zalo_oa_harness import OAHarness, connect, running_oa
from tests.fakes import FakeTimer, ManualClock
from tests.zalo_fake import bot_updates as zb
from tests.zalo_fake import oa_events as oa
from tests.zalo_fake.bot_api import FakeZaloBot
from tests.zalo_fake.oa_api import FakeZaloOA

pytestmark = pytest.mark.postgres

MODES = pytest.mark.parametrize("webhook", [False, True], ids=["polling", "webhook"])
SYSTEM_ERROR = "gặp sự cố"  # the apology for a turn that failed: never the answer to what a sender controls
GREETING = "Kính chào Ông/Bà"
IDLE = ("getUpdates", "Request timeout")  # the fake's 408 to a poll that found nothing: not a refusal
_RAW = "__raw_answer__"


async def migrated(url: str) -> None:
    engine = create_engine(url, pool_size=1)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()


class HealthClock:
    """Monotonic time for a channel's activity (what /healthz reads) that moves only when the test says time
    has passed: nobody waits three minutes for a poller to count as stuck."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now

    def passes(self, seconds: float) -> None:
        self.now += seconds


def health_clock(channel: ZaloBotChannel | ZaloOAChannel) -> HealthClock:
    """From now on the channel's activity runs on a ``HealthClock``."""
    clock = HealthClock()
    channel.intake.activity = Activity(clock.monotonic)
    return clock


async def healthz(http: aiohttp.ClientSession, port: int | None) -> tuple[int, dict[str, Any]]:
    async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
        return response.status, await response.json()


# -- the Zalo Bot Platform ---------------------------------------------------------------------------------


class HostileZaloBot(FakeZaloBot):
    """The fake Bot Platform, also able to answer a getUpdates with a body the test wrote itself
    (``push_raw``: an update no well-behaved platform sends, or no update at all). It counts every
    getUpdates request it receives (``polls``), failed ones included, and remembers which poll handed out
    each raw answer, so a test knows when the poller has come back for more."""

    def __init__(self) -> None:
        super().__init__()
        self.polls = 0
        self._raw: dict[int, str | bytes] = {}
        self.handed_at: dict[int, int] = {}  # raw answer -> the number of the poll that returned it

    def push_raw(self, answer: str | bytes) -> int:
        """Queue a whole getUpdates answer, returned exactly as given, in turn with ``push``ed updates."""
        key = len(self._raw) + 1
        self._raw[key] = answer
        self.push({_RAW: key})
        return key

    def stop_failing(self, method: str) -> None:
        """Forget what ``fail`` scripted for ``method``."""
        for failure in self._failures:
            if failure.method == method:
                failure.times = 0

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        poll = 0
        if method == "getUpdates":
            self.polls += 1
            poll = self.polls
        response = await super()._handle(request)
        if method != "getUpdates" or response.status != 200 or response.text is None:
            return response
        result = json.loads(response.text).get("result")
        if not (isinstance(result, dict) and _RAW in result):
            return response
        key = result[_RAW]
        self.handed_at[key] = poll
        self.notify()
        answer = self._raw[key]
        if isinstance(answer, bytes):
            return web.Response(status=200, body=answer, content_type="application/json")
        return web.Response(status=200, text=answer, content_type="application/json")


@dataclass
class RunningZaloBot:
    """The real Zalo Bot channel on a fresh PostgreSQL database reached through a proxy that can be cut."""

    harness: ZaloBotHarness
    fake: HostileZaloBot
    proxy: PostgresProxy

    @property
    def webhook(self) -> bool:
        return self.harness.webhook

    @property
    def channel(self) -> ZaloBotChannel:
        return self.harness.channel

    async def hand_in(self, body: str | bytes) -> int:
        """Give the bot one body as Zalo sends it — POSTed to the webhook with the right secret, or returned
        by getUpdates (and then wait until the poller comes back for more, which it does only once the
        update is handled or held) — and let the replies go. Returns the webhook's status (200 polling)."""
        data = body.encode() if isinstance(body, str) else body
        status = 200
        if self.webhook:
            status, _ = await self.harness.post(None, raw=data)
        else:
            key = self.fake.push_raw(data)
            await self.fake.wait_until(lambda: self.fake.polls > self.fake.handed_at.get(key, 10**9))
        await self.harness.service.wait_background()
        return status

    async def settled(self, chat_id: str) -> None:
        """Every reply due to ``chat_id`` has gone out."""
        await self.harness.service.wait_background()
        await self.fake.wait_until(lambda: self._nothing_unsent(chat_id))

    async def _nothing_unsent(self, chat_id: str) -> bool:
        return await self.harness.unsent(chat_id) == 0

    async def healthz(self) -> tuple[int, dict[str, Any]]:
        return await healthz(self.harness.http, self.harness.service.port)

    def refusals(self) -> list[tuple[str, str]]:
        """What the fake refused, but for polls that found nothing."""
        return [refused for refused in self.fake.rejected if refused != IDLE]

    async def still_listening(self, chat_id: str | None) -> None:
        """A citizen in another chat, and the chat the hostile update came from, are still answered."""
        other = self.harness.person("f0f0f0f0f0f0f0f0f0f0")
        replies = await other.say("Xin chào")
        assert replies, "another chat got no answer"
        assert GREETING in replies[0]
        if chat_id is not None:
            same = self.harness.person(chat_id)
            same.seen = len(same.texts)
            replies = await same.say("/trogiup")
            assert replies, "the same chat got no answer"
            assert all(SYSTEM_ERROR not in text for text in replies)
        assert len(self.channel.backlog) == 0, "something is still held in memory"


@asynccontextmanager
async def zalo_bot_on_postgres(
    *, webhook: bool, fake: HostileZaloBot | None = None
) -> AsyncIterator[RunningZaloBot]:
    """A brand-new PostgreSQL database, migrated, dropped afterwards; the bot reaches it through a proxy.
    The pieces of ``running_zalo_bot``, which cannot be given a fake of our own."""
    fake = fake or HostileZaloBot()
    async with postgres_empty_database() as url:
        await migrated(url)
        async with postgres_proxy(url) as proxy:
            await fake.start()
            clock, timer = ManualClock(), FakeTimer()
            app = await bootstrap(
                settings_for(fake, proxy.through(url), webhook=webhook),
                clock=clock,
                monotonic=timer.monotonic,
                sleep=timer.sleep,
            )
            await seed_demo_commune(app)
            channel = ZaloBotChannel(app, poll_timeout=1, sleep=no_pause)
            service = Service(app, [channel], webhook=webhook)
            try:
                await service.start()
                async with aiohttp.ClientSession() as http:
                    harness = ZaloBotHarness(fake, app, service, channel, clock, http)
                    yield RunningZaloBot(harness, fake, proxy)
            finally:
                await service.stop()
                await app.aclose()
                await fake.stop()


# What the polite answers say.
TYPED_TEXT = "nội dung vừa gõ"  # the offer to file what was typed
EMPTY = "không có nội dung"
UNREADABLE = "chưa đọc được"
THIS_STEP = "Ở bước này"  # a photo where a choice is asked: the choices again
LONG_ID = "a1" * 100  # 200 hex digits: longer than any id column keeps (character varying(64))


def documented(update: dict[str, Any]) -> str:
    """The body as Zalo sends it, ``{"ok": true, "result": update}`` (the webhook's documented body and
    getUpdates' answer alike): JSON with everything outside ASCII escaped, so a NUL travels as ``\\u0000``
    and a lone surrogate as ``\\ud800`` (json.dumps writes exactly that)."""
    return json.dumps(zb.wrapped(update))


def changed(update: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """The update with some of its message's fields replaced (``None``: removed)."""
    message = {**update["message"], **fields}
    return {**update, "message": {key: value for key, value in message.items() if value is not None}}


def nested_bot(chat: str, depth: int = 5000, *, flat: bool = False, message_id: bool = True) -> str:
    """A text from ``chat`` carrying arrays nested ``depth`` deep: built by hand, since json.dumps cannot
    write what is deeper than it can follow."""
    update = zb.text(chat, "Xin chào Ủy ban")
    update["message"]["entities"] = "@deep@"
    if not message_id:
        del update["message"]["message_id"]
    body = json.dumps(update if flat else zb.wrapped(update))
    return body.replace('"@deep@"', "[" * depth + "]" * depth)


@dataclass(frozen=True)
class Hostile:
    body: str | bytes  # the webhook body, which is also the getUpdates answer
    chat: str | None  # the chat it names, where a later message must still be answered (None: unreachable)
    answer: str | None  # what the polite answer to it says (None: nobody the bot can reach sent it)


def reachable_id(value: object) -> str | None:
    """The chat an id names, if a reply could reach it: a number is read as the id it spells; an id no
    column keeps, or holding what no text may, names none."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str) and 0 < len(value) <= 64 and clean_text(value) == value:
        return value
    return None


def bot_case(update: dict[str, Any], answer: str | None, *, reachable: bool = True) -> Hostile:
    message = update.get("message")
    chat = message.get("chat") if isinstance(message, dict) else None
    chat_id = chat.get("id") if isinstance(chat, dict) else None
    return Hostile(documented(update), reachable_id(chat_id) if reachable else None, answer)


BOT_HOSTILE = {
    "text-with-nul-characters": bot_case(
        zb.text("b0000000000000000001", "Kính gửi\x00 Ủy ban\x00\x00 xã, đường làng hỏng"), TYPED_TEXT
    ),
    "text-with-lone-surrogates": bot_case(
        zb.text("b0000000000000000002", "Kính gửi \ud800 Ủy ban \udfff xã, đường làng hỏng"), TYPED_TEXT
    ),
    "text-of-nothing-but-nul-characters": bot_case(zb.text("b0000000000000000003", "\x00\x00\x00"), EMPTY),
    "text-that-is-not-a-string": bot_case(
        changed(zb.text("b0000000000000000004", "x"), text={"nested": ["x"]}), UNREADABLE
    ),
    "over-long-sender-and-chat-id": bot_case(zb.text(LONG_ID, "Xin chào"), None),
    "over-long-sender-id-in-a-private-chat": bot_case(
        changed(zb.text("b0000000000000000005", "Xin chào"), **{"from": {"id": LONG_ID}}), None
    ),
    "over-long-chat-id": bot_case(
        changed(zb.text("b0000000000000000006", "Xin chào"), chat={"id": LONG_ID, "chat_type": "PRIVATE"}),
        None,
    ),
    "ids-that-are-numbers": bot_case(
        changed(
            zb.text("x", "Xin chào"),
            **{"from": {"id": 987654321012}, "chat": {"id": 987654321012, "chat_type": "PRIVATE"}},
        ),
        GREETING,
    ),
    "ids-that-are-booleans": bot_case(
        changed(zb.text("x", "Xin chào"), **{"from": {"id": True}, "chat": {"id": False}}), None
    ),
    "ids-that-are-objects": bot_case(
        changed(zb.text("x", "Xin chào"), **{"from": {"id": {"id": "1"}}, "chat": {"id": ["1"]}}), None
    ),
    "ids-with-nul-characters": bot_case(
        changed(
            zb.text("x", "Xin chào"),
            **{"from": {"id": "b000000\x000000000007"}, "chat": {"id": "b000000\x000000000007"}},
        ),
        None,
        reachable=False,
    ),
    "no-message": bot_case({"event_name": "message.text.received"}, None),
    "a-message-that-is-a-string": bot_case({"event_name": "message.text.received", "message": "hi"}, None),
    "no-sender": bot_case(changed(zb.text("b0000000000000000008", "Xin chào"), **{"from": None}), None),
    "no-chat": bot_case(changed(zb.text("b0000000000000000009", "Xin chào"), chat=None), None),
    "photo-link-that-is-not-a-link": bot_case(
        zb.image("b0000000000000000010", "javascript:alert(1)", "ảnh"), UNREADABLE
    ),
    "photo-link-of-5000-characters": bot_case(
        zb.image("b0000000000000000011", "https://photo.zdn.vn/" + "x" * 5000 + ".jpg"), UNREADABLE
    ),
    "photo-without-a-link": bot_case(
        changed(zb.image("b0000000000000000012", "https://x.vn/a.jpg"), photo_url=None), UNREADABLE
    ),
    "photo-caption-with-nul-and-a-lone-surrogate": bot_case(
        zb.image("b0000000000000000013", "https://photo.zdn.vn/a.jpg", "Ảnh\x00 đường\ud800 sụt lún"),
        THIS_STEP,
    ),
    "unknown-event-name": bot_case(
        {**zb.text("b0000000000000000014", "Xin chào"), "event_name": "message.hologram.received"},
        UNREADABLE,
    ),
    "event-name-that-is-not-a-string": bot_case(
        {**zb.text("b0000000000000000015", "Xin chào"), "event_name": ["x", 1]}, UNREADABLE
    ),
    "over-long-message-id": bot_case(
        changed(zb.text("b0000000000000000016", "Xin chào"), message_id="f" * 5000), GREETING
    ),
    "json-nested-5000-deep": Hostile(nested_bot("b0000000000000000017"), "b0000000000000000017", None),
    "a-json-list": Hostile("[1, 2, 3]", None, None),
    "a-json-string": Hostile('"message.text.received"', None, None),
    "a-json-null": Hostile("null", None, None),
    "an-empty-body": Hostile("", None, None),
    "not-json": Hostile("<html>502 Bad Gateway</html>", None, None),
    "not-utf-8": Hostile(b'{"ok": true, "result": {"event_name": "\xff\xfe"}}', None, None),
    "a-result-that-is-a-list": Hostile('{"ok": true, "result": [{"message": {}}]}', None, None),
}

BOT_CASES = [
    *(pytest.param(case, id=name) for name, case in BOT_HOSTILE.items()),
    pytest.param(
        bot_case(changed(zb.text("b0000000000000000018", "Xin chào"), message_id="ab\x00cd"), GREETING),
        id="message-id-with-nul-characters",
    ),
    pytest.param(
        bot_case(changed(zb.text("b0000000000000000019", "Xin chào"), message_id="ab\ud800cd"), GREETING),
        id="message-id-with-a-lone-surrogate",
    ),
]


async def check_hostile_bot_update(bot: RunningZaloBot, case: Hostile) -> None:
    fake = bot.fake
    answered = sum(len(messages) for messages in fake.sent.values())
    before = len(fake.texts_to(case.chat)) if case.chat is not None else 0
    taken = fake.taken
    status = await bot.hand_in(case.body)
    if not bot.webhook:
        assert fake.taken == taken + 1  # handed out, and the poller came back for more
    if case.answer is not None:
        assert status == 200, status
        assert case.chat is not None
        chat = case.chat
        await bot.settled(chat)
        await fake.wait_until(lambda: len(fake.texts_to(chat)) > before)
        polite = "\n".join(fake.texts_to(chat)[before:])
        assert case.answer in polite, polite
        assert SYSTEM_ERROR not in polite, polite
    else:
        assert sum(len(messages) for messages in fake.sent.values()) == answered  # nobody to answer
    await bot.still_listening(case.chat)
    assert bot.refusals() == [], bot.refusals()
    assert status == 200, status  # last: whatever the answer, intake went on


@MODES
@pytest.mark.parametrize("case", BOT_CASES)
async def test_a_hostile_zalo_bot_update_is_acknowledged_answered_politely_and_intake_goes_on(
    webhook: bool, case: Hostile
) -> None:
    async with zalo_bot_on_postgres(webhook=webhook) as bot:
        await check_hostile_bot_update(bot, case)


async def test_the_zalo_bot_webhook_refuses_a_wrong_or_missing_secret_with_401_whatever_the_body() -> None:
    async with zalo_bot_on_postgres(webhook=True) as bot:
        harness = bot.harness
        for case in (BOT_HOSTILE["text-with-nul-characters"], BOT_HOSTILE["json-nested-5000-deep"]):
            data = case.body.encode() if isinstance(case.body, str) else case.body
            assert (await harness.post(None, raw=data, secret="wrong-secret"))[0] == 401
            assert (await harness.post(None, raw=data, secret=""))[0] == 401
        await harness.service.wait_background()
        assert bot.fake.sent == {}
        await bot.still_listening(None)


@MODES
async def test_a_zalo_bot_update_nested_just_shallow_enough_to_be_read_is_answered_not_dropped(
    webhook: bool, caplog: pytest.LogCaptureFixture
) -> None:
    """JSON nested a little less deep than the parser can follow is read; the event key of an update without
    a message id is a digest of its JSON, which must not then fail to be written. From too deep to be read
    down to readable, no depth may cost a 500, or be dropped without an answer."""
    chat = "b0000000000000000020"
    async with zalo_bot_on_postgres(webhook=webhook) as bot:
        statuses: dict[int, int] = {}
        for depth in range(1000, 800, -1):
            statuses[depth] = await bot.hand_in(nested_bot(chat, depth, flat=webhook, message_id=False))
            if bot.fake.texts_to(chat):
                break
        assert bot.fake.texts_to(chat), "no depth was read"
        failed = {depth: status for depth, status in statuses.items() if status != 200}
        assert failed == {}, failed
        assert "could not be taken in" not in caplog.text  # polling: a read update was not dropped
        await bot.still_listening(chat)


CONTENT_WITH_NUL = (
    "Đường bê tông\x00 từ xóm Đồng Bầu ra trường tiểu học\x00\x00 bị sụt lún khoảng 10 mét, "
    "trời mưa rất nguy hiểm."
)


@MODES
async def test_a_zalo_bot_petition_whose_words_hold_nul_characters_is_filed_and_gets_its_receipt(
    webhook: bool,
) -> None:
    async with zalo_bot_on_postgres(webhook=webhook) as bot:
        citizen = bot.harness.person("b0000000000000000021")
        await citizen.say("Xin chào")
        await citizen.choose("Gửi ý kiến")
        await citizen.choose("Đồng ý")
        await citizen.choose("Phản ánh")
        await citizen.choose("Giao thông")
        await citizen.say(CONTENT_WITH_NUL)
        await citizen.say("gần cổng trường,\x00 xóm Đồng Bầu")
        await citizen.choose("Bỏ qua")  # no photo
        await citizen.say("Nguyễn\x00 Văn An")
        await citizen.say("0912 345 678")
        summary = await citizen.say("Xóm Đồng Bầu,\x00 xã Phú Thịnh")
        assert "sụt lún" in summary[-1]
        receipt = "\n".join(await citizen.choose("Gửi"))
        assert SYSTEM_ERROR not in receipt
        found = re.search(r"Mã hồ sơ: (PT-\d\d-\d{5})", receipt)
        assert found, receipt
        [case] = await cases(bot.harness.app)
        assert (case.code, case.channel) == (found.group(1), "zalo_bot")
        assert case.content == CONTENT_WITH_NUL.replace("\x00", "")
        assert (case.petitioner_name, case.petitioner_address) == (
            "Nguyễn Văn An",
            "Xóm Đồng Bầu, xã Phú Thịnh",
        )
        await bot.still_listening(citizen.chat_id)
        assert bot.refusals() == []


async def cases(app: App) -> list[Case]:
    async with app.uow_factory() as uow:
        assert isinstance(uow, SqlUnitOfWork)
        found = list((await uow.session.scalars(select(Case))).all())
        uow.session.expunge_all()
        return found


async def processed_keys(app: App, channel: str) -> list[str]:
    async with app.uow_factory() as uow:
        assert isinstance(uow, SqlUnitOfWork)
        query = select(ProcessedEvent.event_key).where(ProcessedEvent.event_key.startswith(f"{channel}:"))
        return list((await uow.session.scalars(query)).all())


async def conversation(app: App, channel: str, chat_id: str) -> Conversation | None:
    async with app.uow_factory() as uow:
        assert isinstance(uow, SqlUnitOfWork)
        query = select(Conversation).where(Conversation.channel == channel, Conversation.chat_id == chat_id)
        found = await uow.session.scalar(query)
        uow.session.expunge_all()
        return found


# -- a database outage on the Zalo Bot Platform -----------------------------------------------------------

FIRST, SECOND = "b0000000000000000031", "b0000000000000000032"
WHOAMI = "Mã tài khoản"


@MODES
async def test_zalo_bot_holds_what_came_during_a_database_outage_and_answers_it_in_order_once_it_ends(
    webhook: bool,
) -> None:
    async with zalo_bot_on_postgres(webhook=webhook) as bot:
        harness, fake, proxy = bot.harness, bot.fake, bot.proxy
        first, second = harness.person(FIRST), harness.person(SECOND)
        await first.say("Xin chào")
        await second.say("Xin chào")
        assert proxy.forwarded > 0  # the bot reaches its database through the proxy
        clock = health_clock(bot.channel)
        keys_before = set(await processed_keys(harness.app, "zalo_bot"))
        updates = [zb.text(FIRST, "/trogiup"), zb.text(SECOND, "/maso"), zb.text(FIRST, "/maso")]

        proxy.cut()
        polls = fake.polls
        for update in updates:
            if webhook:
                assert (await harness.post(zb.wrapped(update)))[0] == 200  # held: Zalo would not resend
            else:
                fake.push(update)
        if not webhook:
            # Every update taken, and the poller still polling after them: nothing is left on the platform
            # to be dropped while the database is away.
            await fake.wait_until(lambda: not fake.updates and fake.polls >= polls + len(updates) + 1)
        await fake.wait_until(lambda: proxy.refused >= 2)
        status, health = await bot.healthz()
        assert (status, health["database"]) == (503, "unreachable")
        zalo = health["channels"]["zalo_bot"]
        assert (zalo["waiting_in_memory"], zalo["mode"]) == (3, "webhook" if webhook else "polling")
        assert zalo["seconds_waiting_for_database"] is not None
        clock.passes(WAITING_STALE_SECONDS + 1)
        _, health = await bot.healthz()
        assert health["channels"]["zalo_bot"]["status"] == "failing"  # events wait for the database
        await harness.service.wait_background()
        assert (first.new_texts(), second.new_texts()) == ([], [])  # nothing said: nothing was lost

        proxy.restore()
        await fake.wait_until(lambda: len(bot.channel.backlog) == 0)
        await bot.settled(FIRST)
        await bot.settled(SECOND)
        answers = first.new_texts()
        assert len(answers) >= 2, answers
        assert "/tracuu" in answers[0]  # the help first …
        assert WHOAMI in answers[-1]  # … then the answer to what came after it
        assert all(WHOAMI not in text for text in answers[:-1])
        [whoami] = second.new_texts()
        assert WHOAMI in whoami
        assert all(SYSTEM_ERROR not in text for text in [*answers, whoami])
        keys = set(await processed_keys(harness.app, "zalo_bot")) - keys_before
        assert keys == {f"zalo_bot:{update['message']['message_id']}" for update in updates}
        status, health = await bot.healthz()
        assert (status, health["status"], health["channels"]["zalo_bot"]["waiting_in_memory"]) == (
            200,
            "ok",
            0,
        )
        await bot.still_listening(FIRST)
        assert bot.refusals() == []


# -- /healthz for the Zalo Bot poller ---------------------------------------------------------------------


async def test_healthz_fails_a_zalo_bot_poller_stuck_for_minutes_and_recovers_once_it_polls_again() -> None:
    fake = HostileZaloBot()
    fake.fail("getUpdates", 500, "Internal Server Error", times=10**9)
    async with zalo_bot_on_postgres(webhook=False, fake=fake) as bot:
        clock = health_clock(bot.channel)
        status, _ = await bot.healthz()
        assert status == 200  # just started: not stuck yet
        await fake.wait_until(lambda: fake.polls >= 3)
        clock.passes(POLL_STALE_SECONDS + 1)
        status, health = await bot.healthz()
        zalo = health["channels"]["zalo_bot"]
        assert (status, health["database"]) == (503, "ok")
        assert (zalo["status"], zalo["mode"], zalo["seconds_since_poll"]) == ("failing", "polling", None)

        fake.stop_failing("getUpdates")
        activity = bot.channel.intake.activity
        await fake.wait_until(lambda: activity.last_polled is not None)
        status, health = await bot.healthz()
        assert (status, health["channels"]["zalo_bot"]["status"]) == (200, "ok")
        await bot.still_listening(None)


# -- the Zalo Official Account ----------------------------------------------------------------------------


@dataclass
class RunningOA:
    """The real Official Account channel on a fresh PostgreSQL database reached through a proxy that can be
    cut; events are posted to its webhook, signed, as Zalo posts them."""

    harness: OAHarness
    proxy: PostgresProxy
    http: aiohttp.ClientSession

    @property
    def fake(self) -> FakeZaloOA:
        return self.harness.fake

    async def emit(self, body: dict[str, Any], raw: bytes | None = None, *, signed: bool = True) -> int:
        """Post an event as Zalo does, signed over exactly the bytes sent (by default the JSON of ``body``
        with everything outside ASCII escaped, so that a lone surrogate can travel at all)."""
        data = raw if raw is not None else json.dumps(body).encode()
        signature = None if signed else "mac=" + "0" * 64
        status = await self.fake.emit(self.harness.url, body, raw=data, signature=signature)
        await self.harness.service.wait_background()
        return status

    async def settled(self, user: str) -> None:
        await self.harness.service.wait_background()
        await self.fake.wait_until(lambda: self._nothing_unsent(user))

    async def _nothing_unsent(self, user: str) -> bool:
        return await self.harness.unsent(user) == 0

    async def healthz(self) -> tuple[int, dict[str, Any]]:
        return await healthz(self.http, self.harness.service.port)

    async def still_listening(self, user: str | None) -> None:
        other = self.harness.person("246845883529100999")
        replies = await other.say("Xin chào")
        assert replies, "another chat got no answer"
        assert GREETING in replies[0]
        if user is not None:
            same = self.harness.person(user)
            same.seen = len(same.texts)
            replies = await same.say("/trogiup")
            assert replies, "the same chat got no answer"
            assert all(SYSTEM_ERROR not in text for text in replies)
        assert len(self.harness.channel.backlog) == 0, "something is still held in memory"


@asynccontextmanager
async def oa_on_postgres(*, tokens: bool = True) -> AsyncIterator[RunningOA]:
    async with postgres_empty_database() as url:
        await migrated(url)
        async with (
            postgres_proxy(url) as proxy,
            running_oa(proxy.through(url), tokens=tokens) as harness,
            aiohttp.ClientSession() as http,
        ):
            yield RunningOA(harness, proxy, http)


USER = "246845883529197922"


def oa_nested(user: str, depth: int = 5000) -> tuple[dict[str, Any], bytes]:
    body = oa.user_send_text(user, "Xin chào Ủy ban")
    body["message"]["attachments"] = "@deep@"
    raw = json.dumps(body).replace('"@deep@"', "[" * depth + "]" * depth).encode()
    return body, raw


def with_message(body: dict[str, Any], **fields: Any) -> dict[str, Any]:
    message = {**body["message"], **fields}
    return {**body, "message": {key: value for key, value in message.items() if value is not None}}


def with_payload(body: dict[str, Any], payload: Any) -> dict[str, Any]:
    attachment = {**body["message"]["attachments"][0], "payload": payload}
    return with_message(body, attachments=[attachment])


def with_info(body: dict[str, Any], info: Any) -> dict[str, Any]:
    return {**body, "info": info}


@dataclass(frozen=True)
class HostileEvent:
    body: dict[str, Any]
    user: str | None  # the person, where a later message must still be answered (None: unreachable)
    answer: str | None  # what the polite answer says (None: nothing to answer)
    raw: bytes | None = None  # the bytes posted, when not the JSON of ``body``


def event(body: dict[str, Any], answer: str | None, *, reachable: bool = True) -> HostileEvent:
    sender = body.get("sender") or body.get("follower")
    user = sender.get("id") if isinstance(sender, dict) else None
    return HostileEvent(body, reachable_id(user) if reachable else None, answer)


def users(n: int) -> str:
    return f"2468458835291{n:05d}"


LOCATION = "vị trí"

OA_HOSTILE = {
    "text-with-nul-characters": event(
        oa.user_send_text(users(1), "Kính gửi\x00 Ủy ban\x00\x00 xã, đường làng hỏng"), TYPED_TEXT
    ),
    "text-with-lone-surrogates": event(
        oa.user_send_text(users(2), "Kính gửi \ud800 Ủy ban \udfff xã, đường làng hỏng"), TYPED_TEXT
    ),
    "text-of-nothing-but-nul-characters": event(oa.user_send_text(users(3), "\x00\x00"), EMPTY),
    "text-event-without-a-message": event(with_message(oa.user_send_text(users(4), "x"), text=None), EMPTY),
    "over-long-sender-id": event(oa.user_send_text(LONG_ID, "Xin chào"), None),
    "sender-id-that-is-a-number": event(
        {**oa.user_send_text("x", "Xin chào"), "sender": {"id": 2468458835291005}}, GREETING
    ),
    "sender-id-that-is-an-object": event(
        {**oa.user_send_text("x", "Xin chào"), "sender": {"id": {"id": "1"}}}, None
    ),
    "sender-id-with-nul-characters": event(oa.user_send_text("24684588\x0035291006", "Xin chào"), None),
    "no-sender": event({**oa.user_send_text(users(7), "Xin chào"), "sender": None}, None, reachable=False),
    "recipient-is-another-oa": event(oa.user_send_text(users(8), "Xin chào", oa_id="1111111111"), None),
    "no-recipient": event({**oa.user_send_text(users(9), "Xin chào"), "recipient": "x"}, GREETING),
    "text-without-a-msg-id": event(
        with_message(oa.user_send_text(users(10), "Xin chào"), msg_id=None), GREETING
    ),
    "button-numbered-with-a-superscript-digit": event(oa.user_send_text(users(11), "#nd:²:x"), UNREADABLE),
    "button-payload-with-nul-and-a-lone-surrogate": event(
        oa.user_send_text(users(12), "#nd:1:\x00\ud800"), "không còn hiệu lực"
    ),
    "attachments-that-are-not-a-list": event(
        with_message(oa.user_send_image(users(13), "https://x.vn/a.jpg"), attachments="junk"), UNREADABLE
    ),
    "attachments-of-junk": event(
        with_message(oa.user_send_image(users(14), "https://x.vn/a.jpg"), attachments=["junk", 1]),
        UNREADABLE,
    ),
    "image-link-that-is-not-a-link": event(
        oa.user_send_image(users(15), "javascript:alert(1)", "ảnh\x00"), UNREADABLE
    ),
    "image-link-of-5000-characters": event(
        oa.user_send_image(users(16), "https://photo.zdn.vn/" + "x" * 5000 + ".jpg"), UNREADABLE
    ),
    "image-with-a-caption-holding-nul-and-a-lone-surrogate": event(
        oa.user_send_image(users(17), "https://photo.zdn.vn/a.jpg", "Ảnh\x00 đường\ud800 sụt lún"), THIS_STEP
    ),
    "file-with-junk-name-type-and-size": event(
        with_payload(
            oa.user_send_file(users(18), "https://f.zdn.vn/a.pdf", "x.pdf", 1),
            {"url": "https://f.zdn.vn/a.pdf", "name": "đơn\x00" * 200, "type": ["x"], "size": {"n": 1}},
        ),
        THIS_STEP,
    ),
    "link-whose-url-is-not-a-string": event(
        {
            **with_payload(oa.user_send_image(users(19), "https://x.vn/a.jpg"), {"url": 5}),
            "event_name": "user_send_link",
        },
        EMPTY,
    ),
    "location-that-is-not-a-number": event(oa.user_send_location(users(20), "Bắc", "Nam"), LOCATION),
    "location-out-of-range": event(oa.user_send_location(users(21), 200, -500), LOCATION),
    "location-not-a-number-or-infinite": event(oa.user_send_location(users(22), "nan", "inf"), LOCATION),
    "location-without-coordinates": event(
        with_payload(oa.user_send_location(users(23), 21, 105), {"coordinates": "21,105"}), LOCATION
    ),
    "submitted-info-that-is-a-list": event(
        with_info(oa.user_submit_info(users(24), "An"), ["0912345678"]), THIS_STEP
    ),
    "submitted-info-with-junk-phone": event(
        with_info(oa.user_submit_info(users(25), "An"), {"phone": {"x": 1}, "name": ["An"]}), THIS_STEP
    ),
    "submitted-info-with-nul-and-over-long-fields": event(
        with_info(
            oa.user_submit_info(users(26), "An"),
            {
                "phone": "0912\x00345678" * 20,
                "name": "Nguyễn\x00 Văn An\ud800" * 500,
                "full_address": {"user_address": "Thôn 3\x00" * 1000, "user_ward": 5, "user_city": None},
            },
        ),
        THIS_STEP,
    ),
    "follow-without-a-follower": event({**oa.follow(users(27)), "follower": None}, None, reachable=False),
    "unfollow-without-a-follower": event({**oa.unfollow(users(28)), "follower": "x"}, None, reachable=False),
    "follow-with-an-over-long-follower-id": event(oa.follow(LONG_ID), None),
    "unfollow-with-an-over-long-follower-id": event(oa.unfollow(LONG_ID), None),
    "unknown-event-name": event({**oa.user_send_text(users(29), "Xin chào"), "event_name": "user_x"}, None),
    "event-name-that-is-not-a-string": event(
        {**oa.user_send_text(users(30), "Xin chào"), "event_name": 7}, None
    ),
    "sender-id-with-a-lone-surrogate": event(
        {**oa.user_send_text(users(32), "Xin chào"), "sender": {"id": "24684588\ud80035291032"}}, None
    ),
    "anonymous-visitor-with-an-over-long-conversation": event(
        oa.anonymous_send_text(users(31), "Xin chào", conversation_id="c" * 200), None, reachable=False
    ),
}
NESTED_BODY, NESTED_RAW = oa_nested(users(40))


async def check_hostile_event(running: RunningOA, case: HostileEvent) -> None:
    fake = running.fake
    answered = sum(len(messages) for messages in fake.sent.values())
    before = len(fake.texts_to(case.user)) if case.user is not None else 0
    status = await running.emit(case.body, case.raw)
    if case.answer is not None:
        assert status == 200, status
        assert case.user is not None
        user = case.user
        await running.settled(user)
        await fake.wait_until(lambda: len(fake.texts_to(user)) > before)
        polite = "\n".join(fake.texts_to(user)[before:])
        assert case.answer in polite, polite
        assert SYSTEM_ERROR not in polite, polite
    else:
        assert sum(len(messages) for messages in fake.sent.values()) == answered  # nothing to answer
    await running.still_listening(case.user)
    assert fake.rejected == [], fake.rejected
    assert status == 200, status  # last: whatever the answer, intake went on


OA_CASES = [
    *(pytest.param(case, id=name) for name, case in OA_HOSTILE.items()),
    pytest.param(
        event(
            with_payload(
                oa.user_send_file(users(50), "https://f.zdn.vn/a.pdf", "a.pdf", 1),
                {"url": "https://f.zdn.vn/a.pdf", "name": "a.pdf", "type": "pdf", "size": "²"},
            ),
            THIS_STEP,
        ),
        id="file-size-that-is-a-superscript-digit",
    ),
    pytest.param(
        event(
            with_payload(
                oa.user_send_file(users(51), "https://f.zdn.vn/a.pdf", "a.pdf", 1),
                {"url": "https://f.zdn.vn/a.pdf", "name": "a.pdf", "type": "pdf", "size": "9" * 5000},
            ),
            THIS_STEP,
        ),
        id="file-size-of-5000-digits",
    ),
    pytest.param(
        event(with_message(oa.user_send_text(users(53), "Xin chào"), msg_id="ab\x00cd"), GREETING),
        id="msg-id-with-nul-characters",
    ),
    pytest.param(
        event(with_message(oa.user_send_text(users(54), "Xin chào"), msg_id="ab\ud800cd"), GREETING),
        id="msg-id-with-a-lone-surrogate",
    ),
    pytest.param(
        event(with_message(oa.user_send_text(users(55), "Xin chào"), msg_id="f" * 200), GREETING),
        id="over-long-msg-id",
    ),
    pytest.param(
        HostileEvent(NESTED_BODY, users(40), None, NESTED_RAW),
        id="json-nested-5000-deep",
    ),
]


@pytest.mark.parametrize("case", OA_CASES)
async def test_a_hostile_oa_event_is_acknowledged_answered_politely_and_intake_goes_on(
    case: HostileEvent,
) -> None:
    async with oa_on_postgres() as running:
        await check_hostile_event(running, case)


async def test_an_oa_event_whose_signature_is_wrong_or_cannot_be_checked_gets_401() -> None:
    async with oa_on_postgres() as running:
        url = running.harness.url
        hostile = OA_HOSTILE["text-with-lone-surrogates"]
        assert await running.emit(hostile.body, signed=False) == 401
        assert await running.emit(NESTED_BODY, NESTED_RAW, signed=False) == 401
        stamp = oa.timestamp()
        for raw in (b"[1, 2]", b'"x"', b"", b"null", b"<html>", b"\xff\xfe", b'{"event_name": "follow"}'):
            signature = running.fake.signature(raw, stamp)  # signed, but no timestamp in the body to check
            assert await running.fake.emit(url, {}, raw=raw, signature=signature) == 401
        for stamp_value in (True, 1.5, None, ["1"]):
            body = {**oa.user_send_text(USER, "Xin chào"), "timestamp": stamp_value}
            raw = json.dumps(body).encode()
            signature = running.fake.signature(raw, str(stamp_value))
            assert await running.fake.emit(url, body, raw=raw, signature=signature) == 401
        await running.harness.service.wait_background()
        assert running.fake.sent == {}
        await running.still_listening(None)


# -- a database outage on the Official Account ------------------------------------------------------------

OA_FIRST, OA_SECOND, OA_LEAVING = "246845883529100031", "246845883529100032", "246845883529100033"


async def test_oa_events_during_a_database_outage_are_held_and_answered_once_when_it_ends() -> None:
    async with oa_on_postgres() as running:
        harness, fake, proxy = running.harness, running.fake, running.proxy
        first, second, leaving = (harness.person(user) for user in (OA_FIRST, OA_SECOND, OA_LEAVING))
        for person in (first, second, leaving):
            await person.say("Xin chào")
        clock = health_clock(harness.channel)
        keys_before = set(await processed_keys(harness.app, "zalo_oa"))
        events = [
            oa.user_send_text(OA_FIRST, "/trogiup"),
            oa.user_send_text(OA_SECOND, "/maso"),
            oa.user_send_text(OA_FIRST, "/maso"),
        ]
        unfollow = oa.unfollow(OA_LEAVING)

        proxy.cut()
        for body in events:
            assert await running.emit(body) == 200  # held in memory: Zalo must not count a failure
        assert await running.emit(unfollow) == 503  # not held: Zalo sends it again
        status, health = await running.healthz()
        assert (status, health["database"]) == (503, "unreachable")
        channel = health["channels"]["zalo_oa"]
        assert (channel["waiting_in_memory"], channel["token"]) == (3, "ok")
        clock.passes(WAITING_STALE_SECONDS + 1)
        _, health = await running.healthz()
        assert health["channels"]["zalo_oa"]["status"] == "failing"
        assert (first.new_texts(), second.new_texts()) == ([], [])

        proxy.restore()
        await fake.wait_until(lambda: len(harness.channel.backlog) == 0)
        await running.settled(OA_FIRST)
        await running.settled(OA_SECOND)
        answers = first.new_texts()
        assert len(answers) >= 2, answers
        assert "/tracuu" in answers[0]
        assert WHOAMI in answers[-1]
        assert all(WHOAMI not in text for text in answers[:-1])
        [whoami] = second.new_texts()
        assert WHOAMI in whoami
        assert all(SYSTEM_ERROR not in text for text in [*answers, whoami])
        keys = set(await processed_keys(harness.app, "zalo_oa")) - keys_before
        assert keys == {f"zalo_oa:{body['message']['msg_id']}" for body in events}

        assert await running.emit(unfollow) == 200  # Zalo's next try
        left = await conversation(harness.app, "zalo_oa", OA_LEAVING)
        assert left is not None
        assert left.unreachable
        status, health = await running.healthz()
        assert (status, health["status"]) == (200, "ok")
        await running.still_listening(OA_FIRST)
        assert fake.rejected == []


# -- /healthz for the Official Account without tokens -----------------------------------------------------


async def test_healthz_fails_an_oa_with_no_stored_tokens_from_the_start_until_an_admin_connects_it() -> None:
    async with oa_on_postgres(tokens=False) as running:
        harness = running.harness
        status, health = await running.healthz()
        channel = health["channels"]["zalo_oa"]
        assert (status, health["database"], channel["status"], channel["token"]) == (
            503,
            "ok",
            "failing",
            "missing",
        )
        # Events are still taken in (acknowledged, handled once); only the replies wait for a token.
        body = oa.user_send_text(USER, "Xin chào")
        assert await running.emit(body) == 200
        assert f"zalo_oa:{body['message']['msg_id']}" in await processed_keys(harness.app, "zalo_oa")
        assert running.fake.sent == {}
        _, health = await running.healthz()
        assert health["channels"]["zalo_oa"]["token"] == "missing"

        await connect(harness.app, running.fake)  # ``nghedan zalo-oa token set`` from another process
        await harness.channel.tokens.access_token()  # the channel's next call reads the stored tokens
        status, health = await running.healthz()
        assert (status, health["channels"]["zalo_oa"]["token"]) == (200, "ok")
