"""Inputs of the core: one chat event from any channel, already stripped of transport details."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

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
