"""Telegram updates → engine events. Works on the raw JSON so a malformed update is still answered."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiogram.types import Message, Update
from pydantic import ValidationError

from handlers.kernel.events import (
    EVERYTHING,
    ID_LIMIT,
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

log = logging.getLogger(__name__)

CHANNEL = "telegram"
STAFF_BUTTON_PREFIX = "s:"
ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"]
# Message kinds the bot cannot read, in the order aiogram fills them (animation also sets document).
_UNSUPPORTED = ("animation", "sticker", "voice", "audio", "video", "video_note", "poll", "dice")


@dataclass(frozen=True)
class PressedButton:
    """A callback query: answered (so the client stops spinning), and its keyboard removed once handled."""

    callback_id: str
    chat_id: int
    message_id: int | None
    keep_keyboard: bool = False


@dataclass(frozen=True)
class Incoming:
    update_id: int | None
    event: ChatEvent | None = None
    button: PressedButton | None = None
    blocked: bool | None = None  # my_chat_member: the citizen blocked (True) or unblocked (False) the bot
    chat_id: str | None = None
    group_removed: bool = False  # my_chat_member: the bot was removed from the group ``chat_id``
    moved_to: str | None = None  # the group ``chat_id`` became a supergroup with this id


def event_key(update_id: int) -> str:
    return f"{CHANNEL}:{update_id}"


def read_update(raw: dict[str, Any], at: datetime) -> Incoming:
    """What an update asks of the engine. Never raises: unreadable updates from a private chat still get
    an answer (as "unsupported"), others are ignored."""
    update_id = raw.get("update_id") if isinstance(raw.get("update_id"), int) else None
    try:
        update = Update.model_validate(raw)
    except ValidationError:
        log.warning("unreadable update %s", update_id)
        return _fallback(raw, update_id, at)
    if update.message is not None and update.message.migrate_to_chat_id is not None:
        chat, moved_to = str(update.message.chat.id), str(update.message.migrate_to_chat_id)
        if len(moved_to) > ID_LIMIT:  # no Telegram chat has such an id: nothing to follow
            return Incoming(update.update_id)
        return Incoming(update.update_id, chat_id=chat, moved_to=moved_to)
    if update.message is not None:
        return _message(update.update_id, update.message, _payload(update.message), at)
    if update.edited_message is not None:
        return _message(update.update_id, update.edited_message, Unsupported("edited"), at)
    if update.callback_query is not None:
        return _callback(update, at)
    member = update.my_chat_member
    if member is not None and member.chat.type == "private":
        status = member.new_chat_member.status
        return Incoming(update.update_id, blocked=status == "kicked", chat_id=str(member.chat.id))
    if member is not None and member.chat.type in GROUP_TYPES:
        removed = member.new_chat_member.status in ("left", "kicked")
        return Incoming(update.update_id, chat_id=str(member.chat.id), group_removed=removed)
    return Incoming(update.update_id)


GROUP_TYPES = frozenset({"group", "supergroup"})


def _message(update_id: int, message: Message, payload: Payload, at: datetime) -> Incoming:
    """A private message from a citizen or staff member, or a message in a group (staff groups: the bot
    reads commands there and answers to its own questions)."""
    if message.from_user is None or message.from_user.is_bot:
        return Incoming(update_id)
    group = message.chat.type in GROUP_TYPES
    if message.chat.type != "private" and not group:
        return Incoming(update_id)  # channels are not for us
    replied = message.reply_to_message
    event = ChatEvent(
        channel=CHANNEL,
        chat_id=str(message.chat.id),
        sender_id=str(message.from_user.id),
        payload=payload,
        at=at,
        event_key=event_key(update_id),
        language_code=message.from_user.language_code,
        group=group,
        command_menu=True,
        surface=EVERYTHING,
        replying=bool(replied is not None and replied.from_user is not None and replied.from_user.is_bot),
    )
    return Incoming(update_id, event=event)


def _payload(message: Message) -> Payload:
    if message.text is not None:
        return Text(message.text)
    if message.contact is not None:
        contact = message.contact
        own = message.from_user is not None and contact.user_id == message.from_user.id
        name = " ".join(part for part in (contact.first_name, contact.last_name) if part)
        return SharedContact(phone=contact.phone_number, name=name, own=own)
    if message.location is not None:
        try:
            point = GeoPoint(message.location.latitude, message.location.longitude)
        except InvalidValue:
            return Unsupported("location")
        return SharedLocation(point.latitude, point.longitude)
    for kind in _UNSUPPORTED:
        if getattr(message, kind) is not None:
            return Unsupported(kind)
    caption = message.caption or ""
    if message.photo:
        largest = max(message.photo, key=lambda p: p.width * p.height)
        return SharedFile(
            AttachmentKind.PHOTO, largest.file_id, "image/jpeg", largest.file_size or 0, "", caption
        )
    if message.document is not None:
        document = message.document
        return SharedFile(
            AttachmentKind.DOCUMENT,
            document.file_id,
            document.mime_type or "",
            document.file_size or 0,
            document.file_name or "",
            caption,
        )
    return Unsupported("other")


def _callback(update: Update, at: datetime) -> Incoming:
    query = update.callback_query
    assert query is not None
    message = query.message
    chat_id = message.chat.id if message is not None else query.from_user.id
    message_id = message.message_id if message is not None else None
    group = message is not None and message.chat.type in GROUP_TYPES
    seq_text, _, token = (query.data or "").partition(":")
    # A staff button (a case card) keeps its keyboard: the card is edited as the case moves.
    button = PressedButton(query.id, chat_id, message_id, keep_keyboard=token.startswith(STAFF_BUTTON_PREFIX))
    if message is not None and message.chat.type != "private" and not group:
        return Incoming(update.update_id, button=button)
    # The question's number is ASCII digits (``"²".isdigit()`` is true, yet ``int("²")`` fails).
    seq = row_id(seq_text) if seq_text.isascii() else None
    payload: Payload = Pick(token, seq) if seq is not None and token else Unsupported("other")
    event = ChatEvent(
        channel=CHANNEL,
        chat_id=str(chat_id),
        sender_id=str(query.from_user.id),
        payload=payload,
        at=at,
        event_key=event_key(update.update_id),
        language_code=query.from_user.language_code,
        group=group,
        command_menu=True,
        surface=EVERYTHING,
    )
    return Incoming(update.update_id, event=event, button=button)


def _fallback(raw: dict[str, Any], update_id: int | None, at: datetime) -> Incoming:
    """An update aiogram cannot read: answer the private chat it came from, if that much is readable."""
    if update_id is None:
        return Incoming(None)
    for field in ("message", "edited_message"):
        message = raw.get(field)
        if not isinstance(message, dict):
            continue
        chat, sender = message.get("chat"), message.get("from")
        if not (isinstance(chat, dict) and isinstance(sender, dict)):
            continue
        chat_id, sender_id = chat.get("id"), sender.get("id")
        if chat.get("type") == "private" and isinstance(chat_id, int) and isinstance(sender_id, int):
            event = ChatEvent(
                channel=CHANNEL,
                chat_id=str(chat_id),
                sender_id=str(sender_id),
                payload=Unsupported("other"),
                at=at,
                event_key=event_key(update_id),
                command_menu=True,
                surface=EVERYTHING,
            )
            return Incoming(update_id, event=event)
    return Incoming(update_id)
