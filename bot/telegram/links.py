"""Telegram deep links ``https://t.me/<bot>?start=<payload>``: opening the bot straight at a commune, or at
filing (printed on posters, ``bot/poster_cli.py``)."""

from __future__ import annotations

import re

PAYLOAD_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class BadPayload(ValueError):
    pass


def start_payload(commune_code: str | None, *, file_now: bool) -> str:
    """``PT`` opens the commune's menu; ``PT_gui`` goes straight to filing."""
    parts = [part for part in (commune_code, "gui" if file_now else None) if part]
    payload = "_".join(parts) or "start"
    if not PAYLOAD_RE.match(payload):
        raise BadPayload(payload)
    return payload


def deep_link(bot_username: str, payload: str) -> str:
    if not PAYLOAD_RE.match(payload):
        raise BadPayload(payload)
    return f"https://t.me/{bot_username.lstrip('@')}?start={payload}"
