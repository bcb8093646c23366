"""Outputs of the core: replies a channel renders as it can (buttons where it has them, numbers otherwise)."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any


class InputRequest(StrEnum):
    """A special input the question asks for; channels with native support show a button for it."""

    CONTACT = "contact"
    LOCATION = "location"
    FILE = "file"  # no button anywhere, but text channels explain how to attach


@dataclass(frozen=True)
class Choice:
    token: str
    label: str


@dataclass(frozen=True)
class Reply:
    """One message to a chat. ``ask_seq`` identifies the question its choices answer."""

    text: str
    choices: tuple[Choice, ...] = ()
    ask_seq: int | None = None
    request: InputRequest | None = None
    request_label: str = ""
    attachments: tuple[dict[str, Any], ...] = field(default=())
    clear_keyboard: bool = False  # remove a reply keyboard a previous question showed
    language: str = "vi"
    edit_of: int | None = None  # outbox id of an earlier message this one replaces (a card that changed)
    force_reply: bool = False  # the answer is expected as a reply to this message (staff prompts in groups)

    def to_payload(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "choices": [[c.token, c.label] for c in self.choices],
            "ask_seq": self.ask_seq,
            "request": self.request.value if self.request else None,
            "request_label": self.request_label,
            "attachments": list(self.attachments),
            "clear_keyboard": self.clear_keyboard,
            "language": self.language,
            "edit_of": self.edit_of,
            "force_reply": self.force_reply,
        }

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Reply:
        request = payload.get("request")
        return cls(
            text=str(payload["text"]),
            choices=tuple(Choice(str(t), str(label)) for t, label in payload.get("choices", [])),
            ask_seq=payload.get("ask_seq"),
            request=InputRequest(request) if request else None,
            request_label=str(payload.get("request_label", "")),
            attachments=tuple(payload.get("attachments", [])),
            clear_keyboard=bool(payload.get("clear_keyboard", False)),
            language=str(payload.get("language", "vi")),
            edit_of=payload.get("edit_of"),
            force_reply=bool(payload.get("force_reply", False)),
        )


def made_file(name: str, content: bytes, mime: str) -> dict[str, Any]:
    """An attachment the core made itself (an .ics, an .xlsx), carried in the outbox with its bytes."""
    return {
        "kind": "document",
        "file_name": name,
        "mime": mime,
        "content_b64": base64.b64encode(content).decode("ascii"),
    }


def file_content(attachment: dict[str, Any]) -> bytes | None:
    """The bytes of a made file; None for a file the channel already stores (sent again by its id)."""
    encoded = attachment.get("content_b64")
    return base64.b64decode(encoded) if isinstance(encoded, str) else None


def coalesce(replies: list[Reply], limit: int = 4000) -> list[Reply]:
    """Join each plain message into the message after it, so a turn usually arrives as one message: fewer
    notifications, and Telegram sends only about one message a second to a chat. A message that removes a
    reply keyboard is not joined into one carrying buttons (a message has one keyboard), and nothing is
    joined past ``limit`` characters."""
    result: list[Reply] = []
    for reply in replies:
        previous = result[-1] if result else None
        joinable = (
            previous is not None
            and not previous.choices
            and previous.request is None
            and not previous.attachments
            and previous.edit_of is None
            and reply.edit_of is None
            and not previous.force_reply
            and previous.language == reply.language
            and not (previous.clear_keyboard and (reply.choices or reply.request is not None))
            and len(previous.text) + len(reply.text) + 2 <= limit
        )
        if previous is not None and joinable:
            result[-1] = replace(
                reply,
                text=f"{previous.text}\n\n{reply.text}",
                clear_keyboard=previous.clear_keyboard or reply.clear_keyboard,
            )
        else:
            result.append(reply)
    return result
