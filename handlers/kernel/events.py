"""Inputs of the core: one chat event from any channel, already stripped of transport details."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import datetime

from handlers.kernel.text import clean_text
from models.enums import AttachmentKind


@dataclass(frozen=True)
class Text:
    """Typed text, including commands such as ``/tracuu PT-26-00042``."""

    text: str


@dataclass(frozen=True)
class Pick:
    """A pressed button: the choice token and the question (``ask_seq``) it belonged to."""

    token: str
    ask_seq: int | None = None


@dataclass(frozen=True)
class SharedContact:
    phone: str
    name: str = ""
    own: bool = True  # the contact shared is the sender's own
    address: str = ""  # a Zalo OA's "share your details" form also gives an address


@dataclass(frozen=True)
class SharedLocation:
    latitude: float
    longitude: float


@dataclass(frozen=True)
class SharedFile:
    kind: AttachmentKind
    file_id: str
    mime_type: str = ""
    size: int = 0
    file_name: str = ""
    caption: str = ""


@dataclass(frozen=True)
class Unsupported:
    """Something the bot cannot read: a sticker, a voice message, a video, an edited message…"""

    what: str


Payload = Text | Pick | SharedContact | SharedLocation | SharedFile | Unsupported


@dataclass(frozen=True)
class Surface:
    """What a channel lets a person do besides typing, so the questions never ask for the impossible: press
    buttons, share a place, share their contact, send documents (not only photos)."""

    buttons: bool = False
    location: bool = False
    contact: bool = False
    documents: bool = False


TYPING_ONLY = Surface()
EVERYTHING = Surface(buttons=True, location=True, contact=True, documents=True)


@dataclass(frozen=True)
class ChatEvent:
    """One message or button press from a chat, with who sent it and where replies go.

    ``event_key`` is the channel's unique id for the event (e.g. a Telegram update id); it keys the replies
    in the outbox so that processing the same event twice cannot enqueue its replies twice. ``group`` is set
    for a group chat (staff groups); ``replying`` when the message answers one of the bot's own messages.
    """

    channel: str
    chat_id: str
    sender_id: str
    payload: Payload
    at: datetime
    event_key: str
    language_code: str | None = None
    group: bool = False
    replying: bool = False
    command_menu: bool = False  # the channel lists the commands itself (Telegram's menu button)
    surface: Surface = TYPING_ONLY


# What the database keeps of a sender's ids and files (``character varying(n)`` columns).
ID_LIMIT = 64
EVENT_KEY_LIMIT = 120
FILE_ID_LIMIT = 2000
FILE_NAME_LIMIT = 255
MIME_LIMIT = 100
LANGUAGE_CODE_LIMIT = 35  # BCP 47 tags in practice


def checked(event: ChatEvent) -> ChatEvent | None:
    """The event as the core may store it, or None when no reply could ever reach its sender.

    Everything a sender controls is cleaned here, at the door, for every channel: text without NUL,
    control characters or lone surrogates; file names and types clipped to what is kept; an event key that
    could not be kept replaced by its digest. Ids no channel gives (empty, or longer than the columns that
    keep them) mean the event cannot be answered at all. A file whose id is too long to keep is read as a
    file the bot cannot take, and answered so."""
    ids = (event.chat_id, event.sender_id)
    if not all(0 < len(value) <= ID_LIMIT for value in ids) or not event.event_key:
        return None
    if clean_text(event.chat_id) != event.chat_id or clean_text(event.sender_id) != event.sender_id:
        return None
    payload = _clean_payload(event.payload)
    code = event.language_code
    language_code = clean_text(code)[:LANGUAGE_CODE_LIMIT] if code is not None else None
    key = stored_key(event.channel, event.event_key)
    if payload is event.payload and language_code == code and key == event.event_key:
        return event
    return replace(event, payload=payload, language_code=language_code, event_key=key)


def stored_key(channel: str, key: str) -> str:
    """The event's key as it can be kept: itself, or — when a sender put characters no column holds in the
    message id it comes from, or made it too long — a digest of it (the same id, the same key)."""
    if len(key) <= EVENT_KEY_LIMIT and clean_text(key) == key:
        return key
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:40]
    return f"{channel[:20]}:sha:{digest}"


def _clean_payload(payload: Payload) -> Payload:
    if isinstance(payload, Text):
        text = clean_text(payload.text)
        return payload if text == payload.text else Text(text)
    if isinstance(payload, Pick):
        token = clean_text(payload.token)
        return payload if token == payload.token else Pick(token, payload.ask_seq)
    if isinstance(payload, SharedContact):
        return SharedContact(
            clean_text(payload.phone)[:40],
            clean_text(payload.name)[:200],
            payload.own,
            clean_text(payload.address)[:500],
        )
    if isinstance(payload, SharedFile):
        file_id = clean_text(payload.file_id)
        if not file_id or len(file_id) > FILE_ID_LIMIT:
            return Unsupported("other")
        return replace(
            payload,
            file_id=file_id,
            mime_type=clean_text(payload.mime_type)[:MIME_LIMIT],
            file_name=clean_text(payload.file_name)[:FILE_NAME_LIMIT],
            caption=clean_text(payload.caption),
            size=max(payload.size, 0),
        )
    return payload
