"""Zalo OA webhook events → engine events. Reads the raw JSON and never raises.

Message events carry ``sender.id`` (the person, as this OA knows them), ``recipient.id`` (the OA),
``message.msg_id`` and a ``timestamp`` in milliseconds (a string); ``follow``/``unfollow`` carry
``follower.id`` and ``oa_id`` instead. A button we sent (``oa.query.hide``) comes back as an ordinary
``user_send_text`` whose text is the button's payload: ``#nd:<question>:<choice>`` is read as the press.
Events for another OA of the same app are ignored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.zalo_oa import CHANNEL
from handlers.kernel.events import (
    EVERYTHING,
    ChatEvent,
    Payload,
    Pick,
    SharedContact,
    SharedFile,
    SharedLocation,
    Text,
    Unsupported,
)
from handlers.kernel.text import row_id
from models.enums import AttachmentKind
from models.errors import InvalidValue
from models.values import GeoPoint

BUTTON_PREFIX = "#nd:"
UNSUPPORTED = {
    "user_send_sticker": "sticker",
    "user_send_audio": "voice",
    "user_send_video": "video",
    "user_send_gif": "animation",
    "user_send_business_card": "contact",
}
DOCUMENT_TYPES = {
    "pdf": "application/pdf",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
}


@dataclass(frozen=True)
class Inbound:
    """What one webhook event asks of the channel."""

    kind: str  # message, follow, unfollow, or ignored (receipts, echoes of our own messages, other OAs)
    user_id: str | None = None
    event: ChatEvent | None = None


def button_payload(ask_seq: int | None, token: str) -> str:
    return f"{BUTTON_PREFIX}{ask_seq or 0}:{token}"


def read_event(body: dict[str, Any], at: datetime, oa_id: str) -> Inbound:
    name = body.get("event_name")
    if not isinstance(name, str):
        return Inbound("ignored")
    if name in ("follow", "unfollow"):
        follower = body.get("follower")
        user = _id(follower.get("id")) if isinstance(follower, dict) else None
        if user is None or _id(body.get("oa_id")) not in (None, oa_id):
            return Inbound("ignored")
        if name == "unfollow":
            return Inbound("unfollow", user)
        key = f"{CHANNEL}:follow:{user}:{str(body.get('timestamp', ''))[:20]}"
        return Inbound("follow", user, _event(user, user, Text("/start"), at, key))
    if not (
        name.startswith("user_send_") or name.startswith("anonymous_send_") or name == "user_submit_info"
    ):
        return Inbound("ignored")  # receipts, reactions, our own messages echoed, management events
    sender, recipient = body.get("sender"), body.get("recipient")
    user = _id(sender.get("id")) if isinstance(sender, dict) else None
    target = _id(recipient.get("id")) if isinstance(recipient, dict) else None
    if user is None or target not in (None, oa_id):
        return Inbound("ignored")
    message = body.get("message")
    message = message if isinstance(message, dict) else {}
    chat = user
    if name.startswith("anonymous_send_"):
        conversation = _id(message.get("conversation_id"))
        if conversation is None:
            return Inbound("ignored")
        chat = f"anon:{user}:{conversation}"
        name = name.replace("anonymous_send_", "user_send_")
    msg_id = _id(message.get("msg_id"))
    key = (
        f"{CHANNEL}:{msg_id}" if msg_id else f"{CHANNEL}:{name}:{user}:{str(body.get('timestamp', ''))[:20]}"
    )
    payload = _payload(name, message, body.get("info"))
    return Inbound("message", user, _event(chat, user, payload, at, key))


def _event(chat: str, user: str, payload: Payload, at: datetime, key: str) -> ChatEvent:
    # Buttons (when the choices fit), Zalo's own location sharing, the contact form, PDF and Word files.
    return ChatEvent(
        channel=CHANNEL,
        chat_id=chat,
        sender_id=user,
        payload=payload,
        at=at,
        event_key=key,
        surface=EVERYTHING,
    )


def _id(value: object) -> str | None:
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    return str(value) or None


def _payload(name: str, message: dict[str, Any], info: object) -> Payload:
    raw_text = message.get("text")
    text = raw_text if isinstance(raw_text, str) else ""
    if name == "user_submit_info":
        return _contact(info)
    if name == "user_send_text":
        if text.startswith(BUTTON_PREFIX):
            seq, _, token = text[len(BUTTON_PREFIX) :].partition(":")
            ask_seq = row_id(seq) if seq.isascii() else None
            return Pick(token, ask_seq or None) if token and ask_seq is not None else Unsupported("other")
        return Text(text)
    if name in UNSUPPORTED:
        return Unsupported(UNSUPPORTED[name])
    attachment = _first_attachment(message)
    if name == "user_send_link":
        url = attachment.get("url") if isinstance(attachment.get("url"), str) else ""
        return Text(" ".join(part for part in (text, url) if part) or "")
    if name == "user_send_image":
        url = attachment.get("url")
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            return Unsupported("other")
        return SharedFile(AttachmentKind.PHOTO, url, "image/jpeg", 0, "", text)
    if name == "user_send_file":
        url, file_name = attachment.get("url"), attachment.get("name")
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            return Unsupported("other")
        file_name = file_name if isinstance(file_name, str) else ""
        kind = str(attachment.get("type") or file_name.rpartition(".")[2]).lower()
        return SharedFile(
            AttachmentKind.DOCUMENT,
            url,
            DOCUMENT_TYPES.get(kind, "application/octet-stream"),
            _size(attachment.get("size")),
            file_name,
            text,
        )
    if name == "user_send_location":
        coordinates = attachment.get("coordinates")
        if isinstance(coordinates, dict):
            try:
                point = GeoPoint(float(coordinates["latitude"]), float(coordinates["longitude"]))
            except (KeyError, TypeError, ValueError, InvalidValue):
                return Unsupported("location")
            return SharedLocation(point.latitude, point.longitude)
        return Unsupported("location")
    return Unsupported("other")


def _size(value: object) -> int:
    """A file's size in bytes as Zalo gives it (a number, or digits in a string); 0 when unreadable."""
    if isinstance(value, bool):
        return 0
    if isinstance(value, int):
        return max(value, 0)
    text = value if isinstance(value, str) else ""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 15 else 0


def _first_attachment(message: dict[str, Any]) -> dict[str, Any]:
    attachments = message.get("attachments")
    if isinstance(attachments, list) and attachments and isinstance(attachments[0], dict):
        payload = attachments[0].get("payload")
        if isinstance(payload, dict):
            return payload
    return {}


def _contact(info: object) -> Payload:
    """The "share your details" form: the phone (84… or 0…), the name, and an address — flat in the older
    shape, under ``full_address`` in the current one."""
    if not isinstance(info, dict):
        return Unsupported("contact")
    phone, name = info.get("phone"), info.get("name")
    if not isinstance(phone, str | int):
        return Unsupported("contact")
    full = info.get("full_address")
    if isinstance(full, dict):
        parts = [full.get("user_address"), full.get("user_ward"), full.get("user_city")]
    else:
        parts = [info.get("address"), info.get("ward"), info.get("district"), info.get("city")]
    address = ", ".join(part.strip() for part in parts if isinstance(part, str) and part.strip())
    return SharedContact(str(phone), name if isinstance(name, str) else "", True, address)
