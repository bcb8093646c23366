"""1,000 random and malformed updates through the webhook: no crash, and every citizen message is answered."""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.e2e.telegram_harness import Harness, running_bot, sqlite_url
from tests.telegram_fake import updates as tg

CHATS = st.integers(min_value=800_001, max_value=800_012)
TEXTS = st.one_of(
    st.text(max_size=300),
    st.text(min_size=4000, max_size=5000),
    st.sampled_from(
        [
            "/start",
            "/start PT_gui",
            "/start XYZ",
            "/guidon",
            "/huy",
            "/trogiup",
            "/tracuu",
            "/tracuu PT-26-00001",
            "/cuatoi",
            "/ngonngu",
            "/rutdongy",
            "/lenh_la",
            "1",
            "2",
            "99",
            "dong y",
            "Bỏ qua",
            "gửi",
            "xong",
            "sửa",
            "Nguyễn Văn An",
            "0912345678",
            "<b>&amp;</b><script>x</script>",
            "",
            " ",
            "🙂" * 300,
        ]
    ),
)


def citizen_update(draw: Any) -> dict[str, Any]:
    chat = draw(CHATS)
    kind = draw(
        st.sampled_from(
            [
                "text",
                "text",
                "text",
                "callback",
                "contact",
                "location",
                "photo",
                "document",
                "sticker",
                "voice",
                "edited",
            ]
        )
    )
    if kind == "text":
        return tg.text(chat, draw(TEXTS), language_code=draw(st.sampled_from(["vi", "en", None, "fr"])))
    if kind == "callback":
        data = draw(
            st.one_of(st.from_regex(r"\A[0-9]{1,3}:[a-z]:[a-z_]{1,20}\Z"), st.text(min_size=1, max_size=64))
        )
        return tg.callback(chat, data, draw(st.integers(1, 5000)))
    if kind == "contact":
        return tg.contact(chat, draw(st.text(max_size=20)), own=draw(st.booleans()))
    if kind == "location":
        return tg.location(chat, draw(st.floats(-200, 200)), draw(st.floats(-400, 400)))
    if kind == "photo":
        return tg.photo(chat, caption=draw(st.one_of(st.none(), st.text(max_size=200))))
    if kind == "document":
        return tg.document(
            chat,
            draw(st.text(min_size=1, max_size=40)),
            draw(st.sampled_from(["application/pdf", "application/zip", "image/png", ""])),
            draw(st.integers(0, 60_000_000)),
        )
    if kind == "sticker":
        return tg.sticker(chat)
    if kind == "voice":
        return tg.voice(chat)
    return tg.edited(chat, draw(TEXTS))


@st.composite
def updates(draw: Any) -> tuple[dict[str, Any], int | None]:
    """An update and the private chat that must get an answer (None: nothing to answer)."""
    shape = draw(st.sampled_from(["citizen"] * 8 + ["malformed", "group", "member", "unknown"]))
    if shape == "citizen":
        update = citizen_update(draw)
        body = update.get("message") or update.get("edited_message") or update["callback_query"]["message"]
        return update, body["chat"]["id"]
    if shape == "malformed":
        chat = draw(CHATS)
        broken: dict[str, Any] = {"chat": {"id": chat, "type": "private"}, "from": {"id": chat}}
        broken.update(
            draw(
                st.dictionaries(
                    st.sampled_from(["text", "date", "photo", "message_id"]),
                    st.one_of(st.none(), st.integers(), st.text(max_size=10)),
                    max_size=2,
                )
            )
        )
        return {"message": broken}, chat  # unreadable, but the private chat is known: it is answered
    if shape == "group":
        update = tg.text(draw(CHATS), "xin chào mọi người")
        update["message"]["chat"] = {"id": -100123, "type": "supergroup", "title": "Văn phòng"}
        return update, None
    if shape == "member":
        return tg.member_status(draw(CHATS), draw(st.sampled_from(["member", "kicked"]))), None
    return {draw(st.sampled_from(["poll", "chat_join_request", "whatever"])): {"x": 1}}, None


def test_a_thousand_random_and_malformed_updates_are_all_handled(tmp_path: Path) -> None:
    update_ids = itertools.count(50_000)
    with asyncio.Runner() as runner:
        context = running_bot(sqlite_url(tmp_path), webhook=True)
        harness: Harness = runner.run(context.__aenter__())
        try:

            @settings(
                max_examples=1000,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            @given(updates())
            def handle(case: tuple[dict[str, Any], int | None]) -> None:
                update, chat = case
                runner.run(one(harness, dict(update), next(update_ids), chat))

            handle()
        finally:
            runner.run(context.__aexit__(None, None, None))
        assert not harness.fake.rejected, harness.fake.rejected[:5]


async def one(harness: Harness, update: dict[str, Any], update_id: int, chat: int | None) -> None:
    harness.fake.blocked.clear()
    before = len(harness.fake.messages_to(chat)) if chat is not None else 0
    update["update_id"] = update_id
    status = await harness.post(update)
    assert status == 200, (status, update)
    await harness.service.wait_background()
    if chat is not None:
        await harness.fake.wait_until(lambda: len(harness.fake.messages_to(chat)) > before, within=10)
