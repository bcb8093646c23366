"""Engine replies → Bot API calls: plain text (no parse mode, so nothing a citizen typed is ever rendered as
markup), split at 4096 characters, inline keyboards for choices, reply keyboards to share a phone or place,
a forced reply for a staff question in a group, files sent again by their Telegram id, and edits of case
cards in place."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections import OrderedDict
from typing import Any

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.types import (
    BufferedInputFile,
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    LinkPreviewOptions,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from bot.render import split_text
from handlers.delivery.ratelimit import RateLimits
from handlers.delivery.worker import Outcome, Outgoing, SendResult
from handlers.kernel.replies import InputRequest, Reply, file_content

log = logging.getLogger(__name__)

TEXT_LIMIT = 4096
CALLBACK_DATA_LIMIT = 64
Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | ForceReply
CAPTION_LIMIT = 1024
UPLOADS_KEPT = 256  # made files whose Telegram id is remembered (most recent first to stay)


def callback_data(ask_seq: int | None, token: str) -> str:
    data = f"{ask_seq or 0}:{token}"
    if len(data.encode()) > CALLBACK_DATA_LIMIT:
        raise ValueError(f"callback data longer than {CALLBACK_DATA_LIMIT} bytes: {data!r}")
    return data


def markup_for(reply: Reply) -> Markup | None:
    if reply.request in (InputRequest.CONTACT, InputRequest.LOCATION):
        share = KeyboardButton(
            text=reply.request_label,
            request_contact=reply.request is InputRequest.CONTACT or None,
            request_location=reply.request is InputRequest.LOCATION or None,
        )
        rows = [[share]] + [[KeyboardButton(text=choice.label)] for choice in reply.choices]
        return ReplyKeyboardMarkup(keyboard=rows, resize_keyboard=True, one_time_keyboard=True)
    if reply.choices:
        buttons = [
            InlineKeyboardButton(text=choice.label, callback_data=callback_data(reply.ask_seq, choice.token))
            for choice in reply.choices
        ]
        short = len(buttons) >= 4 and all(len(choice.label) <= 14 for choice in reply.choices)
        width = 2 if short else 1
        return InlineKeyboardMarkup(
            inline_keyboard=[buttons[i : i + width] for i in range(0, len(buttons), width)]
        )
    if reply.force_reply:
        return ForceReply(force_reply=True)
    if reply.clear_keyboard:
        return ReplyKeyboardRemove()
    return None


class TelegramSender:
    """Sends one outbox message; every failure becomes an outcome for the delivery worker."""

    def __init__(self, bot: Bot, limits: RateLimits | None = None, *, piece_retries: int = 3) -> None:
        self._bot = bot
        self._limits = limits or RateLimits()
        self._piece_retries = piece_retries
        # Files the core made (an .ics for every subscriber of a notice) are uploaded once, then sent by the
        # id Telegram gave them: content hash and name → file_id, the latest few hundred.
        self._uploaded: OrderedDict[str, str] = OrderedDict()
        self._upload_locks: dict[str, asyncio.Lock] = {}

    @property
    def limits(self) -> RateLimits:
        return self._limits

    def is_group(self, chat_id: str) -> bool:
        return chat_id.startswith("-")

    async def send(self, message: Outgoing) -> SendResult:
        reply = message.reply
        pieces = split_text(reply.text, TEXT_LIMIT)
        markup = markup_for(reply)
        try:
            if message.edit_target is not None:
                edited = await self._edit(message, pieces[0], markup)
                if edited is not None:
                    return edited
            message_id = 0
            for index, piece in enumerate(pieces):
                last = index == len(pieces) - 1
                message_id = await self._send_piece(
                    message.chat_id, piece, markup if last else None, first=index == 0
                )
            for attachment in reply.attachments:
                await self._send_file(message.chat_id, attachment)
            return SendResult(Outcome.SENT, external_id=str(message_id))
        except TelegramRetryAfter as exc:
            return SendResult(Outcome.RETRY, retry_after=float(exc.retry_after), error="429 retry after")
        except TelegramForbiddenError as exc:
            return SendResult(Outcome.BLOCKED, error=exc.message[:200])
        except (TimeoutError, TelegramServerError, TelegramNetworkError, OSError) as exc:
            return SendResult(Outcome.RETRY, error=type(exc).__name__)
        except TelegramUnauthorizedError as exc:
            return SendResult(Outcome.RETRY, error=f"unauthorized: {exc.message[:200]}")
        except TelegramBadRequest as exc:
            if "chat not found" in exc.message.lower():
                return SendResult(Outcome.BLOCKED, error=exc.message[:200])
            return SendResult(Outcome.REJECTED, error=exc.message[:200])
        except (TelegramNotFound, TelegramAPIError, ValueError) as exc:
            return SendResult(Outcome.REJECTED, error=str(exc)[:200])

    async def _edit(self, message: Outgoing, text: str, markup: Markup | None) -> SendResult | None:
        """Edit a card in place; None when it cannot be edited any more (deleted…): then it is sent anew."""
        assert message.edit_target is not None
        inline = markup if isinstance(markup, InlineKeyboardMarkup) else None
        try:
            await self._bot.edit_message_text(
                chat_id=int(message.chat_id),
                message_id=int(message.edit_target),
                text=text,
                reply_markup=inline,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        except TelegramBadRequest as exc:
            description = exc.message.lower()
            if "not modified" in description:
                return SendResult(Outcome.SENT, external_id=message.edit_target)
            if "message to edit not found" in description or "can't be edited" in description:
                return None
            raise
        return SendResult(Outcome.SENT, external_id=message.edit_target)

    async def _send_file(self, chat_id: str, attachment: dict[str, Any]) -> None:
        """Send a file again by its Telegram id, or upload one the core made (a calendar entry, an export).
        A file Telegram no longer knows is skipped (the text that announced it was sent); anything else
        fails the message like a text would."""
        file_id = str(attachment.get("file_id", ""))
        made = file_content(attachment)
        try:
            if made is not None:
                await self._send_made(chat_id, made, str(attachment.get("file_name") or "tep"))
            elif attachment.get("kind") == "photo":
                await self._bot.send_photo(chat_id=int(chat_id), photo=file_id)
            else:
                await self._bot.send_document(chat_id=int(chat_id), document=file_id)
        except TelegramBadRequest as exc:
            log.warning("file not sent again to %s: %s", chat_id, exc.message[:200])

    async def _send_made(self, chat_id: str, content: bytes, name: str) -> None:
        """Send by the id of an earlier upload of the same file; upload it when there is none (one upload
        at a time per file: concurrent sends of a notice wait for it), or when Telegram forgot the id."""
        key = f"{hashlib.sha256(content).hexdigest()}:{name}"
        async with self._upload_locks.setdefault(key, asyncio.Lock()):
            known = self._uploaded.get(key)
            if known is None:
                await self._upload(chat_id, content, name, key)
                return
        try:
            await self._bot.send_document(chat_id=int(chat_id), document=known)
            self._uploaded.move_to_end(key)
        except TelegramBadRequest as exc:
            if "chat not found" in exc.message.lower():
                raise
            self._uploaded.pop(key, None)  # an id Telegram refuses: upload the file again
            await self._upload(chat_id, content, name, key)

    async def _upload(self, chat_id: str, content: bytes, name: str, key: str) -> None:
        sent = await self._bot.send_document(chat_id=int(chat_id), document=BufferedInputFile(content, name))
        if sent.document is not None:
            self._uploaded[key] = sent.document.file_id
            while len(self._uploaded) > UPLOADS_KEPT:
                forgotten, _ = self._uploaded.popitem(last=False)
                self._upload_locks.pop(forgotten, None)

    async def _send_piece(self, chat_id: str, text: str, markup: Markup | None, *, first: bool) -> int:
        """Send one piece. A 429 on a later piece is waited out here, so earlier pieces are not sent twice."""
        for attempt in range(self._piece_retries + 1):
            try:
                sent = await self._bot.send_message(
                    chat_id=int(chat_id),
                    text=text,
                    reply_markup=markup,
                    link_preview_options=LinkPreviewOptions(is_disabled=True),
                )
                return sent.message_id
            except TelegramRetryAfter as exc:
                if first or attempt == self._piece_retries or exc.retry_after > 30:
                    raise
                await asyncio.sleep(exc.retry_after)
        raise AssertionError("unreachable")
