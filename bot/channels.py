"""What ``nghedan run`` needs from each chat channel it serves (Telegram, Zalo Bot Platform, Zalo Official
Account): a sender for the outbox, its webhook routes on the shared HTTP server, a start (register the
webhook, or start polling) and a stop, and a health report for ``/healthz``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from aiohttp import web

from bot.intake import Activity, ChatIntake
from handlers.delivery.worker import Sender
from handlers.kernel.catalogue.keys import Msg

# How people and the command line name each channel, and what to say when its credentials are refused.
CHANNEL_NAMES = {
    "telegram": Msg.CHANNEL_NAME_TELEGRAM,
    "zalo_bot": Msg.CHANNEL_NAME_ZALO_BOT,
    "zalo_oa": Msg.CHANNEL_NAME_ZALO_OA,
}
REFUSED = {
    "telegram": Msg.CLI_BAD_TOKEN_TELEGRAM,
    "zalo_bot": Msg.CLI_BAD_TOKEN_ZALO_BOT,
    "zalo_oa": Msg.CLI_BAD_TOKEN_ZALO_OA,
}

# A polling channel whose last successful poll is older than this is stuck (several poll timeouts).
POLL_STALE_SECONDS = 180.0
# An event waiting this long for the database makes the channel unhealthy (the database check says why).
WAITING_STALE_SECONDS = 60.0


@dataclass(frozen=True)
class Health:
    """One channel's state for ``/healthz``."""

    healthy: bool
    mode: str  # "polling" or "webhook"
    facts: dict[str, object] = field(default_factory=dict)

    def as_json(self) -> dict[str, object]:
        return {"status": "ok" if self.healthy else "failing", "mode": self.mode, **self.facts}


def intake_health(activity: Activity, mode: str, **facts: object) -> Health:
    """The common part of a channel's health: polls recent (when polling), nothing stuck on the database."""
    since_poll = activity.seconds_since(activity.last_polled if mode == "polling" else None)
    waiting = activity.seconds_since(activity.waiting_since)
    healthy = True
    if mode == "polling":
        polled_or_started = activity.seconds_since(activity.last_polled or activity.started) or 0.0
        healthy = polled_or_started <= POLL_STALE_SECONDS
    if waiting is not None and waiting > WAITING_STALE_SECONDS:
        healthy = False
    return Health(
        healthy,
        mode,
        {
            "seconds_since_poll": since_poll,
            "seconds_since_handled": activity.seconds_since(activity.last_done),
            "seconds_waiting_for_database": waiting,
            "handled": activity.handled,
            "kept_for_office": activity.kept,
            **facts,
        },
    )


class CredentialsRefused(Exception):
    """A channel's platform refused the credentials it was started with (a wrong or revoked token)."""

    def __init__(self, channel: str) -> None:
        super().__init__(channel)
        self.channel = channel


class ChannelRuntime(Protocol):
    """One channel as ``bot.service.Service`` runs it."""

    @property
    def name(self) -> str: ...

    @property
    def sender(self) -> Sender: ...

    @property
    def intake(self) -> ChatIntake: ...

    def add_routes(self, application: web.Application, *, webhook: bool) -> None:
        """Add this channel's webhook route(s) (when it receives by webhook in this mode)."""
        ...

    async def start(self, *, webhook: bool) -> None:
        """Start receiving: register the webhook, or start polling (as a task of its own)."""
        ...

    async def stop(self) -> None:
        """Stop receiving, let what is on its way finish, close connections."""
        ...

    def health(self) -> Health: ...
