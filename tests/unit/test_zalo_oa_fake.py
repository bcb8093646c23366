"""The fake Zalo OA Open API + OAuth server + webhook emitter, driven with plain aiohttp requests."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import io
import json
import re
import secrets
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from yarl import URL

from tests.fakes import ManualClock
from tests.zalo_fake import oa_events as ev
from tests.zalo_fake.oa_api import FakeZaloOA

USER = "2512523625412515"
OTHER = "6142494823000000001"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 200
PDF = b"%PDF-1.7\n" + b"\x00" * 200
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class Webhook:
    """Our side of the webhook: records each post, with what the fake knew of reply windows at that time."""

    def __init__(self, fake: FakeZaloOA, status: int = 200) -> None:
        self.fake = fake
        self.status = status
        self.received: list[tuple[bytes, dict[str, str], dict[str, datetime]]] = []
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def handle(self, request: web.Request) -> web.Response:
        raw = await request.read()
        self.received.append((raw, dict(request.headers), dict(self.fake.last_interaction)))
        return web.Response(status=self.status, text="OK")

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/zalo/webhook", self.handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}/zalo/webhook"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def fake(clock: ManualClock) -> AsyncIterator[FakeZaloOA]:
    server = FakeZaloOA(now=clock.now)
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def webhook(fake: FakeZaloOA) -> AsyncIterator[Webhook]:
    receiver = Webhook(fake)
    await receiver.start()
    yield receiver
    await receiver.stop()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def send(
    http: aiohttp.ClientSession, fake: FakeZaloOA, message: Any, *, user: str = USER, token: str | None = None
) -> dict[str, Any]:
    return await post_json(http, fake, {"recipient": {"user_id": user}, "message": message}, token=token)


async def post_json(
    http: aiohttp.ClientSession, fake: FakeZaloOA, body: Any, *, token: str | None = None
) -> dict[str, Any]:
    headers = {"access_token": token or fake.access_token}
    async with http.post(f"{fake.base_url}/v3.0/oa/message/cs", json=body, headers=headers) as response:
        assert response.status == 200
        return dict(await response.json())


async def get(
    http: aiohttp.ClientSession, fake: FakeZaloOA, path: str, *, token: str | None = None, **query: str
) -> dict[str, Any]:
    headers = {"access_token": token or fake.access_token}
    async with http.get(f"{fake.base_url}{path}", params=query, headers=headers) as response:
        assert response.status == 200
        return dict(await response.json())


async def token_call(
    http: aiohttp.ClientSession, fake: FakeZaloOA, fields: dict[str, str], *, secret: str | None = None
) -> dict[str, Any]:
    headers = {"secret_key": fake.app_secret if secret is None else secret}
    async with http.post(f"{fake.base_url}/v4/oa/access_token", data=fields, headers=headers) as response:
        assert response.status == 200
        return dict(await response.json())


async def refresh(http: aiohttp.ClientSession, fake: FakeZaloOA, refresh_token: str) -> dict[str, Any]:
    fields = {"refresh_token": refresh_token, "app_id": fake.app_id, "grant_type": "refresh_token"}
    return await token_call(http, fake, fields)


async def exchange(http: aiohttp.ClientSession, fake: FakeZaloOA, code: str, verifier: str) -> dict[str, Any]:
    fields = {
        "code": code,
        "app_id": fake.app_id,
        "grant_type": "authorization_code",
        "code_verifier": verifier,
    }
    return await token_call(http, fake, fields)


async def upload(
    http: aiohttp.ClientSession, fake: FakeZaloOA, kind: str, name: str, data: bytes, content_type: str
) -> dict[str, Any]:
    form = aiohttp.FormData()
    form.add_field("file", io.BytesIO(data), filename=name, content_type=content_type)
    headers = {"access_token": fake.access_token}
    async with http.post(f"{fake.base_url}/v2.0/oa/upload/{kind}", data=form, headers=headers) as response:
        assert response.status == 200
        return dict(await response.json())


async def later(http: aiohttp.ClientSession, fake: FakeZaloOA, clock: ManualClock, delta: timedelta) -> None:
    """Time passes; like our client, refresh the access token (it lives 25 h)."""
    clock.advance(delta)
    assert "access_token" in await refresh(http, fake, fake.refresh_token)


def pkce_pair() -> tuple[str, str]:
    verifier = base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode()
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def buttons(count: int, title: str = "Chọn") -> dict[str, Any]:
    return {
        "text": "Bạn cần hỗ trợ gì?",
        "attachment": {
            "type": "template",
            "payload": {
                "buttons": [
                    {"title": title, "type": "oa.query.hide", "payload": f"#{n}"} for n in range(count)
                ]
            },
        },
    }


# -- the messaging window ------------------------------------------------------------------------------------
async def test_a_text_to_a_user_who_wrote_within_48_hours_is_delivered_free(
    fake: FakeZaloOA, webhook: Webhook, http: aiohttp.ClientSession, clock: ManualClock
) -> None:
    await fake.emit(webhook.url, ev.user_send_text(USER, "Xin chào"))
    await later(http, fake, clock, timedelta(hours=47))
    answer = await send(http, fake, {"text": "Chào bạn, xã đã nhận phản ánh."})
    assert answer["error"] == 0
    assert answer["message"] == "Success"
    data = answer["data"]
    assert re.fullmatch(r"[0-9a-f]{20}", data["message_id"])
    assert data["user_id"] == USER
    assert data["sent_time"] == str(int(clock.now().timestamp() * 1000))
    assert fake.texts_to(USER) == ["Chào bạn, xã đã nhận phản ánh."]
    assert fake.sent[USER][0]["message_id"] == data["message_id"]
    assert fake.paid == []


async def test_a_text_between_48_hours_and_7_days_after_is_delivered_and_counted_paid(
    fake: FakeZaloOA, webhook: Webhook, http: aiohttp.ClientSession, clock: ManualClock
) -> None:
    await fake.emit(webhook.url, ev.user_send_text(USER, "Xin chào"))
    await later(http, fake, clock, timedelta(days=3))
    answer = await send(http, fake, {"text": "Kết quả giải quyết"})
    assert answer["error"] == 0
    assert fake.paid == [answer["data"]["message_id"]]


async def test_a_text_more_than_7_days_after_or_to_a_stranger_is_refused_with_230(
    fake: FakeZaloOA, webhook: Webhook, http: aiohttp.ClientSession, clock: ManualClock
) -> None:
    await fake.emit(webhook.url, ev.user_send_text(USER, "Xin chào"))
    await later(http, fake, clock, timedelta(days=7, minutes=1))
    late = await send(http, fake, {"text": "Kết quả giải quyết"})
    stranger = await send(http, fake, {"text": "Xin chào"}, user=OTHER)
    refusal = {"error": -230, "message": "User has not interacted with the OA in the past 7 days"}
    assert late == refusal
    assert stranger == refusal
    assert fake.sent == {}
    assert ("/v3.0/oa/message/cs", -230, refusal["message"]) in fake.rejected


async def test_a_new_message_from_the_user_reopens_the_window(
    fake: FakeZaloOA, webhook: Webhook, http: aiohttp.ClientSession, clock: ManualClock
) -> None:
    await fake.emit(webhook.url, ev.user_send_text(USER, "Xin chào"))
    await later(http, fake, clock, timedelta(days=10))
    await fake.emit(webhook.url, ev.follow(USER))
    answer = await send(http, fake, {"text": "Cảm ơn bạn đã quan tâm"})
    assert answer["error"] == 0
    assert fake.paid == []


async def test_a_scripted_failure_answers_that_error_once(
    fake: FakeZaloOA, webhook: Webhook, http: aiohttp.ClientSession
) -> None:
    await fake.emit(webhook.url, ev.user_send_text(USER, "Xin chào"))
    fake.fail("message/cs", -32, "Your application reached limit call api", chat_id=USER)
    first = await send(http, fake, {"text": "Một"})
    second = await send(http, fake, {"text": "Hai"})
    assert first == {"error": -32, "message": "Your application reached limit call api"}
    assert second["error"] == 0
    assert fake.texts_to(USER) == ["Hai"]


# -- message shapes ------------------------------------------------------------------------------------------
async def test_buttons_within_the_limits_are_delivered_and_over_them_refused(
    fake: FakeZaloOA, webhook: Webhook, http: aiohttp.ClientSession
) -> None:
    await fake.emit(webhook.url, ev.user_send_text(USER, "Xin chào"))
    message = buttons(3, title="Thủ tục hộ tịch")
    message["attachment"]["payload"]["buttons"] += [
        {"title": "Trang xã", "type": "oa.open.url", "payload": {"url": "https://phuthinh.gov.vn"}},
        {"title": "Gọi xã", "type": "oa.open.phone", "payload": {"phone_code": "842083123456"}},
    ]
    assert (await send(http, fake, message))["error"] == 0
    assert (await send(http, fake, {"text": "Không có nút"}))["error"] == 0
    assert fake.buttons_to(USER) == [message["attachment"]["payload"]["buttons"], []]

    too_many = await send(http, fake, buttons(6))
    too_long = await send(http, fake, buttons(1, title="x" * 21))
    assert too_many == too_long == {"error": -210, "message": "Parameter exceeds allowable limit"}
    unknown_type = buttons(1)
    unknown_type["attachment"]["payload"]["buttons"][0]["type"] = "oa.open.sms"
    assert await send(http, fake, unknown_type) == {"error": -201, "message": "type is invalid!"}
    no_text = buttons(1)
    del no_text["text"]
    assert await send(http, fake, no_text) == {"error": -201, "message": "text is invalid!"}
    assert len(fake.sent[USER]) == 2


async def test_malformed_messages_and_unknown_fields_are_refused_with_201(
    fake: FakeZaloOA, webhook: Webhook, http: aiohttp.ClientSession
) -> None:
    await fake.emit(webhook.url, ev.user_send_text(USER, "Xin chào"))
    extra = {"recipient": {"user_id": USER}, "message": {"text": "a"}, "extra": 1}
    assert await post_json(http, fake, extra) == {"error": -201, "message": "extra is invalid!"}
    no_user = {"recipient": {}, "message": {"text": "a"}}
    assert await post_json(http, fake, no_user) == {"error": -201, "message": "user_id is invalid!"}
    assert (await send(http, fake, {"text": "a", "quick_replies": []}))[
        "message"
    ] == "quick_replies is invalid!"
    assert (await send(http, fake, {"text": ""}))["error"] == -201
    assert (await send(http, fake, {"text": "ư" * 2001}))["error"] == -210
    assert (await send(http, fake, {"text": "ư" * 2000}))["error"] == 0
    async with http.post(
        f"{fake.base_url}/v3.0/oa/message/cs", data=b"{not json", headers={"access_token": fake.access_token}
    ) as response:
        assert await response.json() == {"error": -201, "message": "body is invalid!"}


async def test_request_user_info_media_and_file_messages_take_their_documented_shapes(
    fake: FakeZaloOA, webhook: Webhook, http: aiohttp.ClientSession
) -> None:
    await fake.emit(webhook.url, ev.user_send_text(USER, "Xin chào"))
    element = {"title": "UBND xã Phú Thịnh", "subtitle": "Đang yêu cầu thông tin từ bạn"}
    request_info: dict[str, Any] = {
        "attachment": {
            "type": "template",
            "payload": {"template_type": "request_user_info", "elements": [element]},
        }
    }
    assert (await send(http, fake, request_info))["error"] == 0
    request_info["attachment"]["payload"]["elements"] = [element, element]
    assert (await send(http, fake, request_info))["error"] == -210

    def media(**source: str) -> dict[str, Any]:
        return {
            "text": "Ảnh kết quả",
            "attachment": {
                "type": "template",
                "payload": {"template_type": "media", "elements": [{"media_type": "image", **source}]},
            },
        }

    assert (await send(http, fake, media(url="https://example.org/a.png")))["error"] == 0
    assert await send(http, fake, media(url="http://example.org/a.png")) == {
        "error": -201,
        "message": "url is invalid!",
    }
    assert await send(http, fake, media(attachment_id="unknown")) == {
        "error": -201,
        "message": "attachment_id is invalid!",
    }
    image = (await upload(http, fake, "image", "qr.png", PNG, "image/png"))["data"]["attachment_id"]
    assert (await send(http, fake, media(attachment_id=image)))["error"] == 0
    file_token = (await upload(http, fake, "file", "ket-qua.pdf", PDF, "application/pdf"))["data"]["token"]
    file_message = {"attachment": {"type": "file", "payload": {"token": file_token}}}
    assert (await send(http, fake, file_message))["error"] == 0
    assert (await send(http, fake, media(attachment_id=file_token)))["error"] == -201
    assert len(fake.sent[USER]) == 4


async def test_unknown_paths_answer_404_and_unknown_query_fields_are_refused(
    fake: FakeZaloOA, http: aiohttp.ClientSession
) -> None:
    async with http.post(f"{fake.base_url}/v2.0/oa/message", json={}) as response:
        assert response.status == 404
    assert ("/v2.0/oa/message", 404, "Not Found") in fake.rejected
    assert await get(http, fake, "/v2.0/oa/getoa", debug="1") == {
        "error": -201,
        "message": "debug is invalid!",
    }
    oa = await get(http, fake, "/v2.0/oa/getoa")
    assert oa["data"]["oa_id"] == fake.oa_id
    assert oa["data"]["name"] == "UBND xã Phú Thịnh"
    assert oa["data"]["is_verified"] is True


async def test_user_detail_shows_the_follower_and_the_last_interaction_date(
    fake: FakeZaloOA, webhook: Webhook, http: aiohttp.ClientSession, clock: ManualClock
) -> None:
    await fake.emit(webhook.url, ev.follow(USER))
    detail = await get(http, fake, "/v3.0/oa/user/detail", data=json.dumps({"user_id": USER}))
    assert detail["error"] == 0
    assert detail["data"]["display_name"] == "Người dân"
    assert detail["data"]["user_is_follower"] is True
    assert re.fullmatch(r"\d\d/\d\d/\d{4}", detail["data"]["user_last_interaction_date"])
    await fake.emit(webhook.url, ev.unfollow(USER))
    detail = await get(http, fake, "/v3.0/oa/user/detail", data=json.dumps({"user_id": USER}))
    assert detail["data"]["user_is_follower"] is False
    stranger = await get(http, fake, "/v3.0/oa/user/detail", data=json.dumps({"user_id": OTHER}))
    assert stranger["error"] == -201


# -- tokens --------------------------------------------------------------------------------------------------
async def test_a_refresh_rotates_the_tokens_and_the_spent_refresh_token_is_refused_on_reuse(
    fake: FakeZaloOA, http: aiohttp.ClientSession, clock: ManualClock
) -> None:
    assert (fake.access_token, fake.refresh_token) == ("access-0", "refresh-0")
    clock.advance(timedelta(hours=20))
    tokens = await refresh(http, fake, "refresh-0")
    assert tokens == {"access_token": "access-1", "refresh_token": "refresh-1", "expires_in": "90000"}
    assert fake.access_expires_at == clock.now() + timedelta(hours=25)
    assert (await get(http, fake, "/v2.0/oa/getoa"))["error"] == 0
    assert (await get(http, fake, "/v2.0/oa/getoa", token="access-0"))["error"] == -216

    reused = await refresh(http, fake, "refresh-0")
    assert reused["error"] == -14014
    assert reused["error_name"] == "Invalid refresh token"
    assert {"error_reason", "error_description"} <= set(reused)
    assert "access_token" not in reused
    assert fake.spent_refresh_tokens == ["refresh-0"]
    assert fake.refused_refresh_tokens == ["refresh-0"]
    assert (await refresh(http, fake, "refresh-1"))["refresh_token"] == "refresh-2"


async def test_two_concurrent_refreshes_with_the_same_token_exactly_one_succeeds(
    fake: FakeZaloOA, http: aiohttp.ClientSession
) -> None:
    answers = await asyncio.gather(refresh(http, fake, "refresh-0"), refresh(http, fake, "refresh-0"))
    winners = [answer for answer in answers if "access_token" in answer]
    assert len(winners) == 1
    assert winners[0]["refresh_token"] == fake.refresh_token == "refresh-1"
    assert fake.spent_refresh_tokens == ["refresh-0"]
    assert fake.refused_refresh_tokens == ["refresh-0"]


async def test_a_token_call_without_the_app_secret_is_refused_and_spends_nothing(
    fake: FakeZaloOA, http: aiohttp.ClientSession
) -> None:
    fields = {"refresh_token": "refresh-0", "app_id": fake.app_id, "grant_type": "refresh_token"}
    answer = await token_call(http, fake, fields, secret="wrong")
    assert answer["error"] < 0
    assert "access_token" not in answer
    wrong_app = await token_call(http, fake, {**fields, "app_id": "1"})
    assert wrong_app["error"] == -14002
    assert fake.refresh_token == "refresh-0"
    assert fake.spent_refresh_tokens == fake.refused_refresh_tokens == []


async def test_the_authorization_code_flow_issues_tokens_for_the_right_verifier_once(
    fake: FakeZaloOA, http: aiohttp.ClientSession
) -> None:
    verifier, challenge = pkce_pair()
    code = fake.authorize(challenge)
    tokens = await exchange(http, fake, code, verifier)
    assert tokens == {"access_token": "access-1", "refresh_token": "refresh-1", "expires_in": "90000"}
    again = await exchange(http, fake, code, verifier)
    assert again["error"] < 0
    assert "access_token" not in again


async def test_a_wrong_verifier_or_a_code_older_than_10_minutes_is_refused(
    fake: FakeZaloOA, http: aiohttp.ClientSession, clock: ManualClock
) -> None:
    verifier, challenge = pkce_pair()
    wrong = await exchange(http, fake, fake.authorize(challenge), pkce_pair()[0])
    assert wrong["error"] < 0
    assert "access_token" not in wrong
    old = fake.authorize(challenge)
    clock.advance(timedelta(minutes=10, seconds=1))
    assert "access_token" not in await exchange(http, fake, old, verifier)
    assert fake.access_token == "access-0"


async def test_the_permission_link_redirects_to_the_callback_with_a_code_bound_to_the_challenge(
    fake: FakeZaloOA, http: aiohttp.ClientSession
) -> None:
    verifier, challenge = pkce_pair()
    callback = "https://nghedan.example.gov.vn/zalo/oauth/callback"
    query = {"app_id": fake.app_id, "redirect_uri": callback, "code_challenge": challenge, "state": "csrf-1"}
    async with http.get(f"{fake.base_url}/v4/oa/permission", params=query, allow_redirects=False) as response:
        assert response.status == 302
        location = URL(response.headers["Location"])
    assert str(location.with_query(None)) == callback
    assert location.query["oa_id"] == fake.oa_id
    assert location.query["state"] == "csrf-1"
    assert (await exchange(http, fake, location.query["code"], verifier))["access_token"] == "access-1"


async def test_an_expired_access_token_is_refused_with_216(
    fake: FakeZaloOA, http: aiohttp.ClientSession, clock: ManualClock
) -> None:
    invalid = {"error": -216, "message": "Access token is invalid"}
    fake.expire_access_token()
    assert await get(http, fake, "/v2.0/oa/getoa") == invalid
    await refresh(http, fake, "refresh-0")
    assert (await get(http, fake, "/v2.0/oa/getoa"))["error"] == 0
    clock.advance(timedelta(hours=25))
    assert await get(http, fake, "/v2.0/oa/getoa") == invalid
    async with http.get(f"{fake.base_url}/v2.0/oa/getoa") as response:
        assert await response.json() == invalid


# -- webhooks ------------------------------------------------------------------------------------------------
async def test_emit_signs_the_exact_body_with_app_id_timestamp_and_oa_secret_key(
    fake: FakeZaloOA, webhook: Webhook, clock: ManualClock
) -> None:
    event = ev.user_send_text(USER, "Đường thôn 3 bị ngập")
    assert await fake.emit(webhook.url, event) == 200
    raw, headers, window_at_post = webhook.received[0]
    assert raw == json.dumps(event, ensure_ascii=False).encode()
    assert headers["Content-Type"] == "application/json"
    expected = hashlib.sha256(
        (fake.app_id + raw.decode() + event["timestamp"] + "oa-secret-key-for-tests").encode()
    ).hexdigest()
    assert headers["X-ZEvent-Signature"] == f"mac={expected}"
    assert window_at_post == {USER: clock.now()}


async def test_emit_can_send_a_forged_signature_and_raw_bytes(fake: FakeZaloOA, webhook: Webhook) -> None:
    event = ev.user_send_text(USER, "Giả mạo")
    raw = json.dumps(event).encode()  # ASCII-escaped: the signature must cover these exact bytes
    assert await fake.emit(webhook.url, event, signature="mac=" + "0" * 64) == 200
    assert await fake.emit(webhook.url, event, raw=raw, num_retry=1) == 200
    forged, signed = webhook.received
    assert forged[1]["X-ZEvent-Signature"] == "mac=" + "0" * 64
    assert signed[0] == raw
    assert signed[1]["num_retry"] == "1"
    expected = hashlib.sha256(
        fake.app_id.encode() + raw + event["timestamp"].encode() + fake.oa_secret_key.encode()
    ).hexdigest()
    assert signed[1]["X-ZEvent-Signature"] == f"mac={expected}"


async def test_emit_returns_our_status_and_receipts_do_not_open_the_window(
    fake: FakeZaloOA, clock: ManualClock
) -> None:
    refusing = Webhook(fake, status=403)
    await refusing.start()
    try:
        assert await fake.emit(refusing.url, ev.user_seen_message(USER, ["a" * 20])) == 403
        assert await fake.emit(refusing.url, ev.user_received_message(USER, "a" * 20)) == 403
    finally:
        await refusing.stop()
    assert fake.last_interaction == {}
    assert [status for _, _, status in fake.emitted] == [403, 403]


# -- uploads -------------------------------------------------------------------------------------------------
async def test_uploads_enforce_type_and_size(fake: FakeZaloOA, http: aiohttp.ClientSession) -> None:
    image = await upload(http, fake, "image", "qr.png", PNG, "image/png")
    assert image["error"] == 0
    assert fake.uploads[image["data"]["attachment_id"]] == ("qr.png", PNG)
    assert (await upload(http, fake, "image", "anh.jpg", JPEG, "image/jpeg"))["error"] == 0
    assert (await upload(http, fake, "image", "anh.gif", b"GIF89a" + b"\x00" * 10, "image/gif"))[
        "error"
    ] == -201
    assert (await upload(http, fake, "image", "anh.jpg", b"not an image", "image/jpeg"))["error"] == -201
    big_png = PNG + b"\x00" * (1024 * 1024)
    assert (await upload(http, fake, "image", "big.png", big_png, "image/png"))["error"] == -210

    document = await upload(http, fake, "file", "ket-qua.docx", b"PK\x03\x04", DOCX_TYPE)
    assert document["error"] == 0
    assert fake.uploads[document["data"]["token"]] == ("ket-qua.docx", b"PK\x03\x04")
    assert (await upload(http, fake, "file", "ket-qua.pdf", PDF, "application/pdf"))["error"] == 0
    assert (await upload(http, fake, "file", "virus.exe", b"MZ", "application/x-msdownload"))["error"] == -201
    assert (await upload(http, fake, "file", "bang.pdf", PDF, "text/html"))["error"] == -201
    big_pdf = PDF + b"\x00" * (5 * 1024 * 1024)
    assert (await upload(http, fake, "file", "big.pdf", big_pdf, "application/pdf"))["error"] == -210
    assert len(fake.uploads) == 4


async def test_an_upload_older_than_7_days_has_expired(
    fake: FakeZaloOA, webhook: Webhook, http: aiohttp.ClientSession, clock: ManualClock
) -> None:
    token = (await upload(http, fake, "file", "ket-qua.pdf", PDF, "application/pdf"))["data"]["token"]
    await later(http, fake, clock, timedelta(days=7, minutes=1))
    await fake.emit(webhook.url, ev.user_send_text(USER, "Xin chào"))
    answer = await send(http, fake, {"attachment": {"type": "file", "payload": {"token": token}}})
    assert answer == {"error": -100, "message": "attachment_id was expired"}


# -- event builders ------------------------------------------------------------------------------------------
def test_the_event_builders_follow_the_documented_shapes() -> None:
    text = ev.user_send_text(USER, "Xin chào", now=1699003881354)
    assert text["timestamp"] == "1699003881354"
    assert text["sender"] == {"id": USER}
    assert text["recipient"] == {"id": ev.OA_ID}
    assert text["app_id"] == ev.APP_ID
    assert isinstance(text["user_id_by_app"], str)
    assert re.fullmatch(r"[0-9a-f]{20}", text["message"]["msg_id"])

    location = ev.user_send_location(USER, 10.7642473, 106.6564314)
    coordinates = location["message"]["attachments"][0]["payload"]["coordinates"]
    assert coordinates == {"latitude": "10.7642473", "longitude": "106.6564314"}
    file = ev.user_send_file(USER, "https://f.zalo/x", "don.pdf", 9999)
    assert file["message"]["attachments"][0]["payload"]["size"] == "9999"

    followed = ev.follow(USER)
    assert "sender" not in followed
    assert "recipient" not in followed
    assert followed["follower"] == {"id": USER}
    assert followed["oa_id"] == ev.OA_ID

    current = ev.user_submit_info(USER, "Nguyễn Văn A")
    assert set(current["info"]["full_address"]) == {"user_city", "user_ward", "user_address"}
    legacy = ev.user_submit_info(USER, "Nguyễn Văn A", new_shape=False)
    assert set(legacy["info"]) == {"name", "phone", "address", "city", "district", "ward"}

    anonymous = ev.anonymous_send_text("anon-1", "Tôi muốn phản ánh")
    assert anonymous["message"]["conversation_id"]
    seen = ev.user_seen_message(USER, ["a" * 20, "b" * 20])
    assert seen["sender"] == {"id": ev.OA_ID}
    assert seen["recipient"] == {"id": USER}
    assert seen["message"]["msg_ids"] == ["a" * 20, "b" * 20]
    first, second = ev.unfollow(USER), ev.unfollow(USER)
    assert int(second["timestamp"]) > int(first["timestamp"])
