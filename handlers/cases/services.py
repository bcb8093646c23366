"""What the office side needs besides the database: settings, the calendar, the classifier, deep links."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from handlers.cases.classify import Classifier


class DeepLinks:
    """Links that open a chat with the bot and send ``/start payload``: each channel registers how it makes
    them (a t.me link on Telegram); a channel without deep links (the console) says what to type."""

    def __init__(self) -> None:
        self._makers: dict[str, Callable[[str], str]] = {}

    def register(self, channel: str, maker: Callable[[str], str]) -> None:
        self._makers[channel] = maker

    def start_link(self, channel: str, payload: str) -> str | None:
        """The link, or None on a channel without deep links (Zalo, the console): say what to type."""
        maker = self._makers.get(channel)
        return maker(payload) if maker is not None else None


@dataclass(frozen=True)
class OfficeConfig:
    invite_ttl: timedelta = timedelta(hours=72)
    duplicate_window: timedelta = timedelta(days=30)
    hot_spot_window: timedelta = timedelta(days=7)
    hot_spot_threshold: int = 5
    result_min_chars: int = 40
    queue_page: int = 30


@dataclass
class Office:
    classifier: Classifier
    config: OfficeConfig = field(default_factory=OfficeConfig)
    links: DeepLinks = field(default_factory=DeepLinks)
