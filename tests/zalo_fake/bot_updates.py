"""Zalo Bot Platform updates as the platform sends them, for tests (documented shape; ``flat`` gives the body
without the ``{ok, result}`` wrapper, as real webhooks have been seen to send it)."""

from __future__ import annotations

import itertools
import secrets
import time
from typing import Any

_clock = itertools.count(int(time.time() * 1000))


def message_id() -> str:
    return secrets.token_hex(10)


def _update(event: str, chat: str, fields: dict[str, Any], *, group: str | None, name: str) -> dict[str, Any]:
    return {
        "event_name": event,
        "message": {
            "from": {"id": chat, "display_name": name, "is_bot": False},
            "chat": {"id": group or chat, "chat_type": "GROUP" if group else "PRIVATE"},
            "message_id": message_id(),
            "date": next(_clock),
            **fields,
        },
    }


def text(chat: str, value: str, *, group: str | None = None, name: str = "Người dân") -> dict[str, Any]:
    return _update("message.text.received", chat, {"text": value}, group=group, name=name)


def image(chat: str, url: str, caption: str = "", *, name: str = "Người dân") -> dict[str, Any]:
    fields = {"photo_url": url, "caption": caption, "message_type": "CHAT_PHOTO"}
    return _update("message.image.received", chat, fields, group=None, name=name)


def sticker(chat: str) -> dict[str, Any]:
    fields = {"sticker": "2be893baafff46a11fee", "url": "https://zalo-api.zadn.vn/api/emoticon/sticker?eid=1"}
    return _update("message.sticker.received", chat, fields, group=None, name="Người dân")


def unsupported(chat: str) -> dict[str, Any]:
    return _update("message.unsupported.received", chat, {}, group=None, name="Người dân")


def wrapped(update: dict[str, Any]) -> dict[str, Any]:
    """The documented webhook body."""
    return {"ok": True, "result": update}
