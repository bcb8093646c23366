"""What every webhook does before it reads an update: check who sent it, then read its body without letting
anything in it raise (bad UTF-8, bad JSON, JSON nested deeper than the parser can follow)."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

Pause = Callable[[asyncio.Event, float], Awaitable[None]]  # wait this long unless stopped (tests: no waiting)


def same_secret(given: str | None, expected: str) -> bool:
    """Constant-time comparison of a secret header with the expected value (absent never matches)."""
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


def parse_json(raw: bytes | str) -> Any:
    """The JSON value of ``raw``, or None when it is not JSON that can be read (including JSON nested so
    deep that reading it would exhaust the stack)."""
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None


async def read_json_body(request: web.Request) -> Any:
    """The request's JSON body, or None (see ``parse_json``)."""
    return parse_json(await request.read())


async def pause(stop: asyncio.Event, seconds: float) -> None:
    """Wait ``seconds`` or until ``stop`` is set, whichever comes first."""
    with contextlib.suppress(asyncio.TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
