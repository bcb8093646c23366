"""Nothing a sender puts in an update stops intake (issue 14): Telegram on PostgreSQL, by polling and webhook.

Hostile updates — text with NUL characters or lone surrogates, a petition whose words hold NULs, ids longer
than any column keeps, a callback whose question number is a superscript digit, JSON nested thousands deep —
are acknowledged (never a 500; the polling offset moves past them), answered politely where a person sent
them, and leave intake alive for that chat and every other. A database outage is waited out and handed in
again until it ends, with ``/healthz`` saying so; a polling pass that fails in a way nobody foresaw is simply
tried again.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp import web
from sqlalchemy import select

from bot.channels import POLL_STALE_SECONDS, WAITING_STALE_SECONDS
from bot.intake import Activity
from bot.telegram.runtime import SECRET_HEADER, webhook_secret
from models.case import Case
from models.conversation import Conversation
from models.staff import Role
from store.database import create_engine
from store.migrate import upgrade
from store.uow import SqlUnitOfWork
from tests.db import postgres_empty_database
from tests.e2e.pg_outage import PostgresProxy, postgres_proxy
from tests.e2e.telegram_harness import Harness, grant_staff, running_bot
from tests.telegram_fake import updates as tg
from tests.telegram_fake.server import FakeTelegram

pytestmark = pytest.mark.postgres

MODES = pytest.mark.parametrize("webhook", [False, True], ids=["polling", "webhook"])
SYSTEM_ERROR = "gặp sự cố"  # the apology for a turn that failed: never the answer to what a sender controls
GREETING = "Kính chào Ông/Bà"
_RAW = "__raw_update__"


class HostileTelegram(FakeTelegram):
    """The fake Bot API server, also able to send what no well-behaved server would: updates the test
    serialised itself (``push_raw``), and scripted answers of any status and body (``answer_raw``). It counts
    the getUpdates requests it receives (``polls``), failed ones included."""

    def __init__(self) -> None:
        super().__init__()
        self.polls = 0
        self._raw: dict[int, str] = {}
        self._answers: list[tuple[str, int, str]] = []

    def new_update_id(self) -> int:
        """The next update id, from the same sequence ``push`` draws on (the queue is kept in id order)."""
        return next(self._update_ids)

    def push_raw(self, update_id: int, body: str) -> None:
        """Queue an update given as JSON text: getUpdates returns it exactly as written."""
        self._raw[update_id] = body
        self.push({"update_id": update_id, _RAW: True})

    def answer_raw(self, method: str, status: int, body: str) -> None:
        """The next call of ``method`` not yet scripted is answered with this status and body, whatever it
        asked (scripted answers of one method are given in order)."""
        self._answers.append((method.lower(), status, body))

    @property
    def scripted_left(self) -> int:
        return len(self._answers)

    def stop_failing(self, method: str) -> None:
        """Forget what ``fail`` scripted for ``method``."""
        for failure in self._failures:
            if failure.method == method:
                failure.times = 0

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"].lower()
        if method == "getupdates":
            self.polls += 1
        for index, (name, status, body) in enumerate(self._answers):
            if name == method:
                del self._answers[index]
                self._notify()
                return web.Response(status=status, text=body, content_type="application/json")
        response = await super()._handle(request)
        if method != "getupdates" or not self._raw or response.text is None:
            return response
        text = response.text
        for update_id, body in self._raw.items():
            text = text.replace(json.dumps({"update_id": update_id, _RAW: True}), body)
        return web.Response(status=response.status, text=text, content_type="application/json")


@dataclass
class RunningBot:
    """The real Telegram service on a fresh PostgreSQL database reached through a proxy that can be cut."""

    harness: Harness
    fake: HostileTelegram
    proxy: PostgresProxy

    @property
    def webhook(self) -> bool:
        return self.harness.service.webhook

    async def hand_in(self, body: Callable[[int], str]) -> tuple[int, str]:
        """Give the bot one update as Telegram sends it — POSTed to the webhook (which must answer 200), or
        returned by getUpdates (and then the offset must move past it) — and let its replies go. Returns
        the update id and the webhook's response body (empty when polling)."""
        update_id = self.fake.new_update_id()
        raw = body(update_id)
        answer = ""
        if self.webhook:
            status, answer = await self.post(raw)
            assert status == 200, (status, answer)
        else:
            self.fake.push_raw(update_id, raw)
            await self.fake.wait_until(lambda: self.fake.confirmed_offset > update_id)
        await self.harness.service.wait_background()
        return update_id, answer

    async def post(self, raw: str) -> tuple[int, str]:
        """POST a body to the webhook with the right secret. Encoded strictly: a lone surrogate left
        unescaped would fail here, as no HTTP client could send it either."""
        assert self.harness.http is not None
        settings = self.harness.app.settings.telegram
        url = f"http://127.0.0.1:{self.harness.service.port}{settings.webhook_path}"
        headers = {SECRET_HEADER: webhook_secret(settings), "Content-Type": "application/json"}
        async with self.harness.http.post(url, data=raw.encode("utf-8"), headers=headers) as response:
            return response.status, await response.text()

    async def healthz(self) -> tuple[int, dict[str, Any]]:
        assert self.harness.http is not None
        async with self.harness.http.get(f"http://127.0.0.1:{self.harness.service.port}/healthz") as response:
            return response.status, await response.json()

    async def conversation(self, chat_id: int) -> Conversation | None:
        async with self.harness.app.uow_factory() as uow:
            assert isinstance(uow, SqlUnitOfWork)
            query = select(Conversation).where(
                Conversation.channel == "telegram", Conversation.chat_id == str(chat_id)
            )
            found = await uow.session.scalar(query)
            uow.session.expunge_all()
            return found

    async def cases(self) -> list[Case]:
        async with self.harness.app.uow_factory() as uow:
            assert isinstance(uow, SqlUnitOfWork)
            found = list((await uow.session.scalars(select(Case))).all())
            uow.session.expunge_all()
            return found

    async def still_listening(self, chat_id: int | None) -> None:
        """A citizen in another chat, and the chat the hostile update came from, are still answered."""
        other = self.harness.citizen(7999)
        replies = await other.say("/start")
        assert replies, "another chat got no answer"
        assert GREETING in replies[0]["text"]
        if chat_id is not None:
            same = self.harness.citizen(chat_id)
            same.seen = len(same.messages)
            replies = await same.say("/trogiup")
            assert replies, "the same chat got no answer"
            assert all(SYSTEM_ERROR not in message["text"] for message in replies)


@asynccontextmanager
async def bot_on_postgres(*, webhook: bool, fake: HostileTelegram | None = None) -> AsyncIterator[RunningBot]:
    """A brand-new PostgreSQL database, migrated, dropped afterwards; the bot reaches it through a proxy."""
    fake = fake or HostileTelegram()
    async with postgres_empty_database() as url:
        engine = create_engine(url, pool_size=1)
        try:
            await upgrade(engine)
        finally:
            await engine.dispose()
        async with (
            postgres_proxy(url) as proxy,
            running_bot(proxy.through(url), webhook=webhook, fake=fake) as harness,
        ):
            yield RunningBot(harness, fake, proxy)


class HealthClock:
    """Monotonic time for the channel's activity (what /healthz reads) that moves only when the test says
    time has passed: nobody waits three minutes for a poller to count as stuck."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now

    def passes(self, seconds: float) -> None:
        self.now += seconds


def health_clock(bot: RunningBot) -> HealthClock:
    """From now on the channel's activity runs on a ``HealthClock``."""
    clock = HealthClock()
    bot.harness.channel.intake.activity = Activity(clock.monotonic)
    return clock


# -- hostile updates ---------------------------------------------------------------------------------------

# What the polite answers say: the offer to file what was typed, "cannot read this yet", "press a button".
TYPED_TEXT = "nội dung vừa gõ"
UNREADABLE = "chưa đọc được"
PRESS_A_BUTTON = "Ở bước này, xin Ông/Bà bấm một nút"
LONG_ID = 10**70  # 71 digits: longer than any id column keeps (character varying(64))


def serialised(update: dict[str, Any]) -> Callable[[int], str]:
    """The update as Telegram sends it: JSON with everything outside ASCII escaped, so a NUL travels as
    ``\\u0000`` and a lone surrogate as ``\\ud800`` (json.dumps writes exactly that)."""
    return lambda update_id: json.dumps({"update_id": update_id, **update})


def nested(chat_id: int, depth: int = 5000) -> Callable[[int], str]:
    """A message from ``chat_id`` carrying arrays nested ``depth`` deep: deeper than Python's json module
    reads (RecursionError) or writes, so built by hand."""

    def body(update_id: int) -> str:
        update = {"update_id": update_id, **tg.text(chat_id, "Xin chào Ủy ban")}
        update["message"]["entities"] = "@deep@"
        return json.dumps(update).replace('"@deep@"', "[" * depth + "]" * depth)

    return body


def sent_by(update: dict[str, Any], user_id: int) -> dict[str, Any]:
    message = dict(update["message"])
    message["from"] = {**message["from"], "id": user_id}
    return {"message": message}


def contact_with_nul(chat_id: int) -> dict[str, Any]:
    update = tg.contact(chat_id, "0912\x00345678")
    update["message"]["contact"]["first_name"] = "An\x00\ud800"
    return update


@dataclass(frozen=True)
class Hostile:
    body: Callable[[int], str]  # the raw update, given its id
    chat: int | None  # the chat it names, where a later message must still be answered (None: unreachable)
    answer: str | None  # what the polite answer to it says (None: nobody the bot can reach sent it)
    button: bool = False  # a pressed button: the client's spinner is stopped


HOSTILE = {
    "text-with-nul-characters": Hostile(
        serialised(tg.text(7101, "Xin chào\x00 Ủy ban\x00\x00 xã Phú Thịnh", language_code="vi\x00")),
        7101,
        answer=TYPED_TEXT,
    ),
    "text-with-lone-surrogates": Hostile(
        serialised(tg.text(7102, "Xin chào \ud800 Ủy ban \udfff xã Phú Thịnh")), 7102, answer=TYPED_TEXT
    ),
    "text-of-nothing-but-nul-characters": Hostile(
        serialised(tg.text(7103, "\x00\x00\x00")), 7103, answer="không có nội dung"
    ),
    "over-long-chat-and-user-id": Hostile(serialised(tg.text(LONG_ID, "Xin chào")), None, answer=None),
    "over-long-user-id-in-a-private-chat": Hostile(
        serialised(sent_by(tg.text(7104, "Xin chào"), LONG_ID)), 7104, answer=None
    ),
    "over-long-ids-on-a-button": Hostile(
        serialised(tg.callback(LONG_ID, "1:x", 5)), None, answer=None, button=True
    ),
    "over-long-chat-id-blocking-the-bot": Hostile(
        serialised(tg.member_status(LONG_ID, "kicked")), None, answer=None
    ),
    "over-long-group-id-removing-the-bot": Hostile(
        serialised(tg.removed_from_group(-LONG_ID, 7105)), None, answer=None
    ),
    "button-numbered-with-a-superscript-digit": Hostile(
        serialised(tg.callback(7107, "²:x", 5)), 7107, answer=UNREADABLE, button=True
    ),
    "button-numbered-with-a-digit-then-a-superscript": Hostile(
        serialised(tg.callback(7108, "1²:x", 5)), 7108, answer=UNREADABLE, button=True
    ),
    "button-data-with-nul-and-a-lone-surrogate": Hostile(
        serialised(tg.callback(7109, "1:\x00\ud800", 5)), 7109, answer="không còn hiệu lực", button=True
    ),
    "contact-with-nul-characters": Hostile(serialised(contact_with_nul(7110)), 7110, answer=PRESS_A_BUTTON),
    "photo-caption-with-nul-and-a-lone-surrogate": Hostile(
        serialised(tg.photo(7111, caption="Ảnh\x00 con đường\ud800 sụt lún")), 7111, answer=PRESS_A_BUTTON
    ),
    "document-with-nul-in-its-name-and-an-over-long-type": Hostile(
        serialised(tg.document(7112, "đơn\x00.pdf", "application/" + "x" * 300)), 7112, answer=PRESS_A_BUTTON
    ),
    "json-nested-5000-deep": Hostile(nested(7113), 7113, answer=None),
}


@MODES
@pytest.mark.parametrize("case", HOSTILE.values(), ids=HOSTILE.keys())
async def test_a_hostile_update_is_acknowledged_answered_politely_and_intake_goes_on(
    webhook: bool, case: Hostile
) -> None:
    async with bot_on_postgres(webhook=webhook) as bot:
        fake = bot.fake
        before = len(fake.messages_to(case.chat)) if case.chat is not None else 0
        update_id, answer = await bot.hand_in(case.body)
        if case.answer is not None:
            assert case.chat is not None
            chat = case.chat
            await fake.wait_until(lambda: len(fake.messages_to(chat)) > before)
            polite = "\n".join(fake.texts_to(chat)[before:])
            assert case.answer in polite, polite
            assert SYSTEM_ERROR not in polite, polite
        if case.button:
            pressed = json.loads(case.body(update_id))["callback_query"]["id"]
            if webhook:  # answered in the webhook's response
                assert json.loads(answer) == {"method": "answerCallbackQuery", "callback_query_id": pressed}
            else:
                await fake.wait_until(
                    lambda: any(
                        call.params["callback_query_id"] == pressed
                        for call in fake.calls_to("answerCallbackQuery")
                    )
                )
        await bot.still_listening(case.chat)
        assert not fake.rejected, fake.rejected


OFFICE_GROUP, CLERK = -100200300, 9001


@MODES
async def test_an_office_group_said_to_move_to_an_over_long_id_is_acknowledged_and_keeps_working(
    webhook: bool,
) -> None:
    async with bot_on_postgres(webhook=webhook) as bot:
        harness, fake = bot.harness, bot.fake
        await grant_staff(harness, [(CLERK, "Trần Thị Văn", [(Role.ADMIN, None), (Role.CLERK, None)])])
        await harness.deliver(tg.group_text(OFFICE_GROUP, CLERK, "/ketnoi"))
        assert "Đã kết nối nhóm này" in fake.texts_to(OFFICE_GROUP)[-1]
        await bot.hand_in(serialised(tg.group_migrated(OFFICE_GROUP, -LONG_ID, CLERK)))
        before = len(fake.messages_to(OFFICE_GROUP))
        await harness.deliver(tg.group_text(OFFICE_GROUP, CLERK, "/hangdoi"))
        answers = "\n".join(fake.texts_to(OFFICE_GROUP)[before:])
        assert answers, "the office group got no answer"
        assert SYSTEM_ERROR not in answers
        await bot.still_listening(None)
        assert not fake.rejected, fake.rejected


CONTENT_WITH_NUL = (
    "Đường bê tông\x00 từ xóm Đồng Bầu ra trường tiểu học\x00\x00 bị sụt lún khoảng 10 mét, "
    "trời mưa rất nguy hiểm."
)


@MODES
async def test_a_petition_whose_words_hold_nul_characters_is_filed_and_gets_its_receipt(
    webhook: bool,
) -> None:
    async with bot_on_postgres(webhook=webhook) as bot:
        citizen = bot.harness.citizen(7201)
        await citizen.say("/guidon")
        await citizen.press("Đồng ý")
        await citizen.press("Phản ánh")
        await citizen.press("Giao thông")
        await citizen.say(CONTENT_WITH_NUL)
        await citizen.press("Bỏ qua")
        await citizen.press("Bỏ qua")
        await citizen.say("Nguyễn\x00 Văn An")
        await citizen.say("0912345678")
        summary = await citizen.say("Xóm Đồng Bầu,\x00 xã Phú Thịnh")
        assert "sụt lún" in summary[-1]["text"]
        receipt = await citizen.press("Gửi")
        text = receipt[0]["text"]
        assert SYSTEM_ERROR not in text
        found = re.search(r"Mã hồ sơ: (PT-\d\d-\d{5})", text)
        assert found, text
        [case] = await bot.cases()
        assert case.code == found.group(1)
        assert case.content == CONTENT_WITH_NUL.replace("\x00", "")
        assert (case.petitioner_name, case.petitioner_address) == (
            "Nguyễn Văn An",
            "Xóm Đồng Bầu, xã Phú Thịnh",
        )
        await bot.still_listening(7201)


# -- database outages --------------------------------------------------------------------------------------


async def test_polling_waits_out_a_database_outage_and_then_handles_what_came_during_it() -> None:
    async with bot_on_postgres(webhook=False) as bot:
        harness, fake, proxy = bot.harness, bot.fake, bot.proxy
        leaving, asking = harness.citizen(7301), harness.citizen(7302)
        await leaving.say("/start")
        await asking.say("/start")
        assert proxy.forwarded > 0  # the bot reaches its database through the proxy
        clock = health_clock(bot)

        proxy.cut()
        polls = fake.polls
        blocked = fake.push(tg.member_status(7301, "kicked"))
        asked = fake.push(tg.text(7302, "/trogiup"))
        await fake.wait_until(lambda: fake.polls >= polls + 3 and proxy.refused >= 2)
        status, health = await bot.healthz()
        assert (status, health["database"]) == (503, "unreachable")
        assert fake.confirmed_offset <= blocked < asked  # neither update acknowledged
        telegram = health["channels"]["telegram"]
        assert telegram["seconds_waiting_for_database"] is not None
        clock.passes(WAITING_STALE_SECONDS + 1)
        _, health = await bot.healthz()
        assert health["channels"]["telegram"]["status"] == "failing"  # an event waits for the database
        assert len(asking.messages) == 1  # nothing said during the outage: nothing was lost

        proxy.restore()
        await fake.wait_until(lambda: fake.confirmed_offset > asked)
        await harness.service.wait_background()
        await fake.wait_until(lambda: len(asking.messages) == 2)
        assert SYSTEM_ERROR not in asking.messages[-1]["text"]
        left = await bot.conversation(7301)
        assert left is not None
        assert left.unreachable
        status, health = await bot.healthz()
        assert (status, health["status"], health["database"]) == (200, "ok", "ok")
        await bot.still_listening(7302)


async def test_the_webhook_answers_503_during_a_database_outage_and_a_resent_update_is_handled_once() -> None:
    async with bot_on_postgres(webhook=True) as bot:
        harness, fake, proxy = bot.harness, bot.fake, bot.proxy
        leaving, asking = harness.citizen(7401), harness.citizen(7402)
        await leaving.say("/start")
        await asking.say("/start")
        clock = health_clock(bot)
        blocked = json.dumps({"update_id": fake.new_update_id(), **tg.member_status(7401, "kicked")})
        asked_id = fake.new_update_id()
        asked = json.dumps({"update_id": asked_id, **tg.text(7402, "/trogiup")})

        proxy.cut()
        for _telegram_tries_again in range(2):
            assert (await bot.post(blocked))[0] == 503
            assert (await bot.post(asked))[0] == 503
        status, health = await bot.healthz()
        assert (status, health["database"]) == (503, "unreachable")
        clock.passes(WAITING_STALE_SECONDS + 1)
        _, health = await bot.healthz()
        assert health["channels"]["telegram"]["status"] == "failing"
        await harness.service.wait_background()
        assert len(asking.messages) == 1  # nothing said during the outage

        proxy.restore()
        assert (await bot.post(blocked))[0] == 200
        assert (await bot.post(asked))[0] == 200
        await harness.service.wait_background()
        await fake.wait_until(lambda: len(asking.messages) == 2)
        assert SYSTEM_ERROR not in asking.messages[-1]["text"]
        left = await bot.conversation(7401)
        assert left is not None
        assert left.unreachable
        assert await harness.processed(asked_id)
        assert (await bot.post(asked))[0] == 200  # Telegram sends it once more: nothing happens twice
        await harness.service.wait_background()
        assert len(asking.messages) == 2
        status, health = await bot.healthz()
        assert (status, health["status"]) == (200, "ok")


@MODES
async def test_a_petition_sent_during_an_outage_is_filed_once_when_the_database_is_back(
    webhook: bool,
) -> None:
    async with bot_on_postgres(webhook=webhook) as bot:
        harness, fake, proxy = bot.harness, bot.fake, bot.proxy
        citizen = harness.citizen(7601)
        await citizen.say("/guidon")
        await citizen.press("Không đồng ý")  # anonymous: no identity questions
        await citizen.press("Phản ánh")
        await citizen.press("Giao thông")
        await citizen.say(CONTENT_WITH_NUL.replace("\x00", ""))
        await citizen.press("Bỏ qua")
        await citizen.press("Bỏ qua")
        summary, send = citizen.button("Gửi")
        update = tg.callback(7601, send["callback_data"], summary["message_id"])
        update_id = fake.new_update_id()
        raw = json.dumps({"update_id": update_id, **update})
        seen = len(citizen.messages)

        proxy.cut()
        if webhook:
            assert (await bot.post(raw))[0] == 503  # Telegram keeps it and sends it again
        else:
            polls = fake.polls
            fake.push_raw(update_id, raw)
            await fake.wait_until(lambda: fake.polls >= polls + 3 and proxy.refused >= 2)
            assert fake.confirmed_offset <= update_id
        await harness.service.wait_background()
        assert len(citizen.messages) == seen  # no "not sent" apology: the petition is only waiting

        proxy.restore()
        if webhook:
            assert (await bot.post(raw))[0] == 200
        else:
            await fake.wait_until(lambda: fake.confirmed_offset > update_id)
        await harness.service.wait_background()
        await fake.wait_until(lambda: len(citizen.messages) > seen)
        receipt = "\n".join(citizen.texts[seen:])
        assert SYSTEM_ERROR not in receipt
        found = re.search(r"Mã hồ sơ: (PT-\d\d-\d{5})", receipt)
        assert found, receipt
        assert [case.code for case in await bot.cases()] == [found.group(1)]


# -- the poller itself -------------------------------------------------------------------------------------


async def test_a_polling_pass_that_fails_in_a_way_nobody_foresaw_does_not_stop_polling(
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake = HostileTelegram()
    fake.answer_raw("deleteWebhook", 200, "<html>502 Bad Gateway</html>")  # aiogram cannot decode it
    fake.answer_raw("getUpdates", 200, '{"ok": true, "result": {"not": "a list"}}')
    fake.answer_raw("getUpdates", 500, '{"ok": false, "error_code": 500, "description": "Internal"}')
    fake.answer_raw("getUpdates", 200, "[1, 2, 3]")
    fake.answer_raw("getUpdates", 200, '{"ok": true, "result": [1, "two", null, [], {"update_id": "x"}]}')
    fake.answer_raw("getUpdates", 200, "<html>not JSON at all</html>")
    async with bot_on_postgres(webhook=False, fake=fake) as bot:
        replies = await bot.harness.citizen(7501).say("/start")
        assert GREETING in replies[0]["text"]
        assert fake.scripted_left == 0  # every broken answer was given, and polling went on after each
        assert "a polling pass failed" in caplog.text  # the unforeseen failure took the catch-all path
        await bot.still_listening(7501)


async def test_healthz_fails_a_poller_stuck_for_minutes_and_recovers_once_it_polls_again() -> None:
    fake = HostileTelegram()
    fake.fail("getUpdates", 500, "Internal Server Error", times=10**9)
    async with bot_on_postgres(webhook=False, fake=fake) as bot:
        clock = health_clock(bot)
        status, _ = await bot.healthz()
        assert status == 200  # just started: not stuck yet
        await fake.wait_until(lambda: fake.polls >= 3)
        clock.passes(POLL_STALE_SECONDS + 1)
        status, health = await bot.healthz()
        telegram = health["channels"]["telegram"]
        assert (status, health["database"]) == (503, "ok")
        assert (telegram["status"], telegram["mode"], telegram["seconds_since_poll"]) == (
            "failing",
            "polling",
            None,
        )

        fake.stop_failing("getUpdates")
        activity = bot.harness.channel.intake.activity
        await fake.wait_until(lambda: activity.last_polled is not None)
        status, health = await bot.healthz()
        assert (status, health["channels"]["telegram"]["status"]) == (200, "ok")
        await bot.still_listening(None)
