"""Engine replies → Zalo Bot Platform calls. No buttons: choices are numbered lines and a typed number or
label picks (the conversation and the office both read them). Messages hold at most 2,000 characters
(counted in UTF-16 units), split at paragraph boundaries. Photos go by their URL (sendPhoto); the platform
sends no other file, so a file the bot made is offered as a signed download link (bot/files.py) and any
other file is named in the text. Nothing can be edited: a card that changed arrives as a new message,
headed "updated", so the latest list on the screen is always the one a number picks from."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from bot.files import FileLinks, note_for, public_url
from bot.render import TextStyle, as_text, split_text, utf16_units
from bot.zalo_bot.client import ZaloBotClient, ZaloBotError, ZaloBotNetworkError
from handlers.delivery.ratelimit import RateLimits
from handlers.delivery.worker import Outcome, Outgoing, SendResult
from handlers.kernel.catalogue import Catalogue
from handlers.kernel.catalogue.keys import Msg
from handlers.kernel.replies import file_content

log = logging.getLogger(__name__)

TEXT_LIMIT = 2000
QUOTA_WAIT = 60.0  # 429 means the plan's quota: no retry_after is given, so wait a minute, then more
STYLE = TextStyle(
    choice_line=Msg.NUMBERED_LINE,
    choose_hint=Msg.NUMBERED_HINT,
    file=Msg.ZALO_BOT_FILE,
    updated=Msg.NUMBERED_UPDATED,
)


def outcome_of(error: ZaloBotError) -> SendResult:
    """What a refusal means for the outbox. 403 is documented as Zalo's internal error, not a block."""
    text = f"{error.code} {error.description}"[:200]
    if error.code == 429:
        return SendResult(Outcome.RETRY, retry_after=QUOTA_WAIT, error=text)
    if error.code in (400, 404):
        return SendResult(Outcome.REJECTED, error=text)
    return SendResult(Outcome.RETRY, error=text)  # 401 (token reset: kept until fixed), 403, 408, 5xx


class ZaloBotSender:
    """Sends one outbox message; every failure becomes an outcome for the delivery worker."""

    def __init__(
        self,
        client: ZaloBotClient,
        catalogue: Catalogue,
        limits: RateLimits,
        *,
        links: FileLinks | None = None,
        piece_retries: int = 2,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._client = client
        self._catalogue = catalogue
        self._limits = limits
        self._links = links
        self._piece_retries = piece_retries
        self._sleep = sleep

    @property
    def limits(self) -> RateLimits:
        return self._limits

    def is_group(self, chat_id: str) -> bool:
        return False  # Zalo ids do not tell; the platform documents no group rate of its own

    async def send(self, message: Outgoing) -> SendResult:
        reply = message.reply
        photos, notes = self._files(message)
        text = as_text(self._catalogue, reply, STYLE)
        if notes:
            text = "\n".join([text, *notes])
        message_id = ""
        try:
            for index, piece in enumerate(split_text(text, TEXT_LIMIT, utf16_units)):
                message_id = await self._send_piece(message.chat_id, piece, first=index == 0)
            for url in photos:
                await self._send_photo(message.chat_id, url)
        except ZaloBotError as error:
            return outcome_of(error)
        except ZaloBotNetworkError as error:
            return SendResult(Outcome.RETRY, error=f"network: {error}")
        return SendResult(Outcome.SENT, external_id=message_id[:64] or None)

    def _files(self, message: Outgoing) -> tuple[list[str], list[str]]:
        """Photos to send by URL, and lines for what cannot be sent here (the platform sends no files)."""
        photos: list[str] = []
        notes: list[str] = []
        for index, attachment in enumerate(message.reply.attachments):
            url = public_url(attachment)
            if url is not None and attachment.get("kind") == "photo" and file_content(attachment) is None:
                photos.append(url)
            else:
                notes.append(note_for(self._catalogue, self._links, message, index))
        return photos, notes

    async def _send_piece(self, chat_id: str, text: str, *, first: bool) -> str:
        """Send one piece. A failure on a later piece is tried again here a few times, so the earlier ones
        are not sent twice when the whole message is retried."""
        for attempt in range(self._piece_retries + 1):
            try:
                sent = await self._client.call("sendMessage", {"chat_id": chat_id, "text": text})
                return _message_id(sent)
            except (ZaloBotError, ZaloBotNetworkError) as error:
                permanent = isinstance(error, ZaloBotError) and error.code in (400, 404, 429)
                if first or permanent or attempt == self._piece_retries:
                    raise
                await self._sleep(2.0 * (attempt + 1))
        raise AssertionError("unreachable")

    async def _send_photo(self, chat_id: str, url: str) -> None:
        """A photo that Zalo cannot fetch any more is skipped (the text that announced it was sent)."""
        try:
            await self._client.call("sendPhoto", {"chat_id": chat_id, "photo": url}, wait=60.0)
        except ZaloBotError as error:
            if error.code not in (400, 404):
                raise
            log.warning("a photo was not sent again on Zalo: %s", error.code)


def _message_id(result: Any) -> str:
    if isinstance(result, dict):
        value = result.get("message_id")
        if isinstance(value, str | int):
            return str(value)
    return ""
