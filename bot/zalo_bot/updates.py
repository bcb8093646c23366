"""Zalo Bot Platform updates → engine events. Works on the raw JSON and never raises: whatever cannot be read
from a private chat is still answered (as "unsupported"), the rest is dropped.

The documented webhook body is ``{"ok": true, "result": {"event_name", "message"}}``; real traffic has been
seen flat, ``{"event_name", "message"}`` — both are read. A photo comes as ``photo_url`` (the docs say
``photo``). There is no update id: an event is keyed by its ``message_id``, so a redelivery is handled once.
In a group the bot only receives messages that mention it or answer it, so every group message is read as
addressed to the bot.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime
from typing import Any

from bot.zalo_bot.client import CHANNEL
from handlers.kernel.events import TYPING_ONLY, ChatEvent, Payload, SharedFile, Text, Unsupported
from models.enums import AttachmentKind

TEXT = "message.text.received"
IMAGE = "message.image.received"
STICKER = "message.sticker.received"
VOICE = "message.voice.received"
UNSUPPORTED = "message.unsupported.received"
# "@Bot Nghe Dân /hangdoi" or "@Bot Nghe Dân 2" in a group: the bot only sees messages that mention it, and
# the mention (a display name, spaces and all) is not part of the command or the choice typed after it.
_MENTION_BEFORE_COMMAND = re.compile(r"^@[^/]*?\s(?=/)")
_MENTION_BEFORE_NUMBER = re.compile(r"^@.*\s(?=\d{1,3}[.)]?$)")


def unwrap(body: Any) -> dict[str, Any] | None:
    """The update inside a webhook body or a getUpdates answer, wrapped or flat; None if there is none."""
    if not isinstance(body, dict):
        return None
    inner = body.get("result")
    if isinstance(inner, dict):
        return inner
    return body if "event_name" in body or "message" in body else None


def event_key(update: dict[str, Any]) -> str | None:
    """``zalo_bot:<message_id>``; without one, a digest of the update (the same update, the same key)."""
    message = update.get("message")
    message_id = message.get("message_id") if isinstance(message, dict) else None
    if isinstance(message_id, str | int) and not isinstance(message_id, bool) and str(message_id):
        return f"{CHANNEL}:{message_id}"  # kept as it comes; too long or unclean, it is digested at the door
    try:
        serialised = json.dumps(update, sort_keys=True, default=str)
    except (RecursionError, ValueError):
        return None  # nested too deep to take apart: not something a person sent
    digest = hashlib.sha256(serialised.encode("utf-8", "surrogatepass")).hexdigest()[:40]
    return f"{CHANNEL}:sha:{digest}"


def read_update(update: dict[str, Any], at: datetime) -> ChatEvent | None:
    """The event a person sent, or None (no readable chat and sender, or sent by a bot)."""
    message = update.get("message")
    if not isinstance(message, dict):
        return None
    sender, chat = message.get("from"), message.get("chat")
    if not (isinstance(sender, dict) and isinstance(chat, dict)) or sender.get("is_bot") is True:
        return None
    sender_id, chat_id = _id(sender.get("id")), _id(chat.get("id"))
    if sender_id is None or chat_id is None:
        return None
    group = str(chat.get("chat_type", "PRIVATE")).upper() == "GROUP"
    key = event_key(update)
    if key is None:
        return None
    return ChatEvent(
        channel=CHANNEL,
        chat_id=chat_id,
        sender_id=sender_id,
        payload=_payload(str(update.get("event_name", "")), message, group=group),
        at=at,
        event_key=key,
        group=group,
        replying=group,
        surface=TYPING_ONLY,  # no buttons, no location or contact sharing, photos but no documents
    )


def _id(value: object) -> str | None:
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    text = str(value)
    return text or None


def _addressed(text: str) -> str:
    """What a group message says to the bot, without the mention that made Zalo deliver it."""
    for mention in (_MENTION_BEFORE_COMMAND, _MENTION_BEFORE_NUMBER):
        if mention.match(text):
            return mention.sub("", text, count=1)
    return text


def _payload(event_name: str, message: dict[str, Any], *, group: bool) -> Payload:
    if event_name == TEXT or (not event_name and isinstance(message.get("text"), str)):
        text = message.get("text")
        if not isinstance(text, str):
            return Unsupported("other")
        return Text(_addressed(text) if group else text)
    if event_name == IMAGE:
        url = message.get("photo_url") or message.get("photo")
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            return Unsupported("other")
        caption = message.get("caption")
        return SharedFile(
            AttachmentKind.PHOTO, url, "image/jpeg", 0, "", caption if isinstance(caption, str) else ""
        )
    if event_name == STICKER:
        return Unsupported("sticker")
    if event_name == VOICE:
        return Unsupported("voice")
    return Unsupported("other")
