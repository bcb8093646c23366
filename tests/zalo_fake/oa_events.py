"""Zalo Official Account webhook events as Zalo posts them, for tests (shapes from
/work/notes/zalo-oa-api.md §1).

Every id is a string and ``timestamp`` is epoch milliseconds *as a string*. ``now`` (epoch ms) sets it;
without it the wall clock is used, made strictly increasing so that two events built in a row never share a
timestamp (events without a ``msg_id`` are told apart by event, user and timestamp). ``msg_id`` is 20 hex
digits.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Sequence
from typing import Any

APP_ID = "3608465248940903967"
OA_ID = "388613280878808645"
CDN = "https://zalo-api.zadn.vn/api/oa"

_last_ms = 0


def message_id() -> str:
    return secrets.token_hex(10)


def timestamp(now: int | None = None) -> str:
    """``now`` as Zalo writes it, or the wall clock (strictly increasing between calls)."""
    global _last_ms
    if now is not None:
        return str(now)
    _last_ms = max(int(time.time() * 1000), _last_ms + 1)
    return str(_last_ms)


def user_id_by_app(user: str) -> str:
    """The app-scoped id of a user (a different namespace from the OA-scoped id); stable per user."""
    digits = int(hashlib.sha256(f"by-app:{user}".encode()).hexdigest(), 16) % 10**17
    return f"55{digits:017d}"


def _message_event(
    event: str, user: str, message: dict[str, Any], *, app_id: str, oa_id: str, now: int | None
) -> dict[str, Any]:
    return {
        "app_id": app_id,
        "sender": {"id": user},
        "user_id_by_app": user_id_by_app(user),
        "recipient": {"id": oa_id},
        "event_name": event,
        "message": message,
        "timestamp": timestamp(now),
    }


def _attachment(
    event: str,
    user: str,
    kind: str,
    payload: dict[str, Any],
    *,
    text: str = "",
    app_id: str,
    oa_id: str,
    now: int | None,
    msg_id: str | None,
) -> dict[str, Any]:
    message: dict[str, Any] = {"msg_id": msg_id or message_id()}
    if text:
        message["text"] = text
    message["attachments"] = [{"type": kind, "payload": payload}]
    return _message_event(event, user, message, app_id=app_id, oa_id=oa_id, now=now)


def user_send_text(
    user: str,
    text: str,
    *,
    app_id: str = APP_ID,
    oa_id: str = OA_ID,
    now: int | None = None,
    msg_id: str | None = None,
    quote_msg_id: str | None = None,
) -> dict[str, Any]:
    """A typed message, or the tap of an ``oa.query.*`` button (whose payload arrives as the text)."""
    message: dict[str, Any] = {"text": text, "msg_id": msg_id or message_id()}
    if quote_msg_id is not None:
        message["quote_msg_id"] = quote_msg_id
    return _message_event("user_send_text", user, message, app_id=app_id, oa_id=oa_id, now=now)


def user_send_image(
    user: str,
    url: str,
    caption: str = "",
    *,
    app_id: str = APP_ID,
    oa_id: str = OA_ID,
    now: int | None = None,
    msg_id: str | None = None,
) -> dict[str, Any]:
    """``message.text`` carries the caption, and is absent without one."""
    payload = {"thumbnail": url, "url": url}
    return _attachment(
        "user_send_image",
        user,
        "image",
        payload,
        text=caption,
        app_id=app_id,
        oa_id=oa_id,
        now=now,
        msg_id=msg_id,
    )


def user_send_file(
    user: str,
    url: str,
    name: str,
    size: int,
    type: str = "pdf",
    *,
    app_id: str = APP_ID,
    oa_id: str = OA_ID,
    now: int | None = None,
    msg_id: str | None = None,
) -> dict[str, Any]:
    """``size`` is sent as a string, ``checksum`` is an MD5 hex digest."""
    payload = {
        "url": url,
        "size": str(size),
        "name": name,
        "checksum": hashlib.md5(url.encode(), usedforsecurity=False).hexdigest(),
        "type": type,
    }
    return _attachment(
        "user_send_file", user, "file", payload, app_id=app_id, oa_id=oa_id, now=now, msg_id=msg_id
    )


def user_send_location(
    user: str,
    lat: float | str,
    lon: float | str,
    *,
    numeric: bool = False,
    app_id: str = APP_ID,
    oa_id: str = OA_ID,
    now: int | None = None,
    msg_id: str | None = None,
) -> dict[str, Any]:
    """Coordinates as strings (as one source shows); ``numeric=True`` sends them as JSON numbers instead."""
    coordinates: dict[str, Any] = (
        {"latitude": float(lat), "longitude": float(lon)}
        if numeric
        else {"latitude": str(lat), "longitude": str(lon)}
    )
    return _attachment(
        "user_send_location",
        user,
        "location",
        {"coordinates": coordinates},
        app_id=app_id,
        oa_id=oa_id,
        now=now,
        msg_id=msg_id,
    )


def user_send_sticker(
    user: str, *, app_id: str = APP_ID, oa_id: str = OA_ID, now: int | None = None, msg_id: str | None = None
) -> dict[str, Any]:
    payload = {
        "id": "bfe458bf64fa8da4d4eb",
        "url": "https://zalo-api.zadn.vn/api/emoticon/sticker/webpc?eid=46991",
    }
    return _attachment(
        "user_send_sticker", user, "sticker", payload, app_id=app_id, oa_id=oa_id, now=now, msg_id=msg_id
    )


def user_send_audio(
    user: str, *, app_id: str = APP_ID, oa_id: str = OA_ID, now: int | None = None, msg_id: str | None = None
) -> dict[str, Any]:
    """A voice note (``.amr``)."""
    payload = {"url": f"{CDN}/voice/{secrets.token_hex(8)}.amr"}
    return _attachment(
        "user_send_audio", user, "audio", payload, app_id=app_id, oa_id=oa_id, now=now, msg_id=msg_id
    )


def user_send_video(
    user: str, *, app_id: str = APP_ID, oa_id: str = OA_ID, now: int | None = None, msg_id: str | None = None
) -> dict[str, Any]:
    name = secrets.token_hex(8)
    payload = {"url": f"{CDN}/video/{name}.mp4", "thumbnail": f"{CDN}/thumb/{name}.jpg", "description": ""}
    return _attachment(
        "user_send_video", user, "video", payload, app_id=app_id, oa_id=oa_id, now=now, msg_id=msg_id
    )


def _follow_event(
    event: str, user: str, source: str, *, app_id: str, oa_id: str, now: int | None
) -> dict[str, Any]:
    return {
        "oa_id": oa_id,
        "follower": {"id": user},
        "user_id_by_app": user_id_by_app(user),
        "event_name": event,
        "source": source,
        "app_id": app_id,
        "timestamp": timestamp(now),
    }


def follow(
    user: str,
    *,
    source: str = "oa_profile",
    app_id: str = APP_ID,
    oa_id: str = OA_ID,
    now: int | None = None,
) -> dict[str, Any]:
    """No ``sender``/``recipient``: the user is ``follower.id``, the OA the top-level ``oa_id``."""
    return _follow_event("follow", user, source, app_id=app_id, oa_id=oa_id, now=now)


def unfollow(
    user: str,
    *,
    source: str = "oa_profile",
    app_id: str = APP_ID,
    oa_id: str = OA_ID,
    now: int | None = None,
) -> dict[str, Any]:
    return _follow_event("unfollow", user, source, app_id=app_id, oa_id=oa_id, now=now)


def user_submit_info(
    user: str,
    name: str,
    phone: str = "84912345678",
    address: str = "Thôn 3",
    *,
    city: str = "Tỉnh Thái Nguyên",
    district: str = "",
    ward: str = "Xã Phú Thịnh",
    new_shape: bool = True,
    app_id: str = APP_ID,
    oa_id: str = OA_ID,
    now: int | None = None,
) -> dict[str, Any]:
    """The answer to a ``request_user_info`` template.

    ``new_shape`` (the current official sample): ``info{name, phone, user_dob, gender, full_address{user_city,
    user_ward, user_address}}`` and no ``user_id_by_app``; otherwise the legacy flat ``info{name, phone,
    address, city, district, ward}`` with ``user_id_by_app``."""
    body: dict[str, Any] = {
        "sender": {"id": user},
        "recipient": {"id": oa_id},
        "event_name": "user_submit_info",
        "app_id": app_id,
        "timestamp": timestamp(now),
    }
    if new_shape:
        body["info"] = {
            "name": name,
            "phone": phone,
            "user_dob": "30/10/1999",
            "gender": "Nam",
            "full_address": {"user_city": city, "user_ward": ward, "user_address": address},
        }
    else:
        body["user_id_by_app"] = user_id_by_app(user)
        body["info"] = {
            "name": name,
            "phone": phone,
            "address": address,
            "city": city,
            "district": district,
            "ward": ward,
        }
    return body


def anonymous_send_text(
    anon_id: str,
    text: str,
    *,
    conversation_id: str | None = None,
    app_id: str = APP_ID,
    oa_id: str = OA_ID,
    now: int | None = None,
    msg_id: str | None = None,
) -> dict[str, Any]:
    """A message from a user without an identified Zalo account: ``sender.id`` is the anonymous id, and
    ``message.conversation_id`` names the conversation (no ``user_id_by_app``)."""
    return {
        "app_id": app_id,
        "sender": {"id": anon_id},
        "recipient": {"id": oa_id},
        "event_name": "anonymous_send_text",
        "message": {
            "text": text,
            "msg_id": msg_id or message_id(),
            "conversation_id": conversation_id or secrets.token_hex(12),
        },
        "timestamp": timestamp(now),
    }


def _status_event(
    event: str, user: str, message: dict[str, Any], *, app_id: str, oa_id: str, now: int | None
) -> dict[str, Any]:
    # receipts go the other way round: sender = the OA, recipient = the user
    return {
        "app_id": app_id,
        "sender": {"id": oa_id},
        "user_id_by_app": user_id_by_app(user),
        "recipient": {"id": user},
        "event_name": event,
        "message": message,
        "timestamp": timestamp(now),
    }


def user_received_message(
    user: str, msg_id: str, *, app_id: str = APP_ID, oa_id: str = OA_ID, now: int | None = None
) -> dict[str, Any]:
    """``msg_id`` = the ``message_id`` of an OA message that reached the user."""
    return _status_event(
        "user_received_message", user, {"msg_id": msg_id}, app_id=app_id, oa_id=oa_id, now=now
    )


def user_seen_message(
    user: str, msg_ids: Sequence[str], *, app_id: str = APP_ID, oa_id: str = OA_ID, now: int | None = None
) -> dict[str, Any]:
    """``message.msg_ids`` is a list (the documented shape)."""
    return _status_event(
        "user_seen_message", user, {"msg_ids": list(msg_ids)}, app_id=app_id, oa_id=oa_id, now=now
    )
