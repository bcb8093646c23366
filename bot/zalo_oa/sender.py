"""Engine replies → Zalo OA customer-service messages (``POST /v3.0/oa/message/cs``).

- Choices become buttons (``oa.query.hide``: the press comes back as a message carrying the payload)
  when they fit the template — at most 5, titles of at most 20 characters; otherwise numbered lines, and
  a typed number or label picks either way.
- Text is split within 2,000 characters, at paragraph boundaries; the buttons go with the last piece.
- A phone question also sends the "share your details" form (``request_user_info``): one tap shares the
  name, phone and address Zalo holds.
- Photos go by URL; files the bot made and files people sent are uploaded (images: JPG/PNG up to 1 MB;
  documents: PDF/DOC/DOCX up to 5 MB); anything else becomes a signed download link (bot/files.py) or a
  line saying where to get it.
- Nothing can be edited: a card that changed arrives as a new message headed "updated".
- The messaging window: Zalo lets an OA send free customer-service messages for 48 hours after the
  person last wrote (paid, with a Zalo Cloud Account, up to 7 days; never after). Outside the window —
  read from ``chat_contacts`` before sending, or told by Zalo (-230, -232) — the message waits
  (``Outcome.WAITING``) until they write again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from bot.files import FileLinks, note_for, public_url
from bot.render import TextStyle, as_text, split_text, utf16_units
from bot.settings import ZaloOASettings
from bot.zalo_oa import CHANNEL
from bot.zalo_oa.client import TOKEN_ERRORS, OAClient, OAError, OANetworkError
from bot.zalo_oa.events import button_payload
from bot.zalo_oa.oauth import OAuthRefused, OAuthUnavailable
from bot.zalo_oa.tokens import NoToken
from handlers.delivery.ratelimit import RateLimits
from handlers.delivery.worker import Outcome, Outgoing, SendResult
from handlers.kernel.catalogue import Catalogue
from handlers.kernel.catalogue.keys import Msg
from handlers.kernel.ports import Clock, UnitOfWorkFactory
from handlers.kernel.replies import Choice, InputRequest, Reply, file_content

log = logging.getLogger(__name__)

SEND = "/v3.0/oa/message/cs"
TEXT_LIMIT = 2000
MAX_BUTTONS = 5
TITLE_LIMIT = 20
IMAGE_LIMIT = 1024 * 1024
FILE_LIMIT = 5 * 1024 * 1024
IMAGE_TYPES = frozenset({"image/jpeg", "image/png"})
DOCUMENT_TYPES = frozenset(
    {
        "application/pdf",
        "application/msword",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    }
)
LAST_WINDOW = timedelta(days=7)  # after this, Zalo refuses customer-service messages altogether
WINDOW_ERRORS = frozenset({-230, -232, -213, -320, -321})  # may not send now: wait for them to write
GONE_ERRORS = frozenset({-217, -227, -244})  # they refuse the OA's messages, or Zalo banned them
OA_ERRORS = frozenset({-204, -205, -209, -212, -219, -221, -224, -235, -242})  # the app or OA is not set up
STYLE = TextStyle(
    choice_line=Msg.NUMBERED_LINE,
    choose_hint=Msg.NUMBERED_HINT,
    location=Msg.ZALO_OA_LOCATION,
    file=Msg.ZALO_OA_FILE,
    updated=Msg.NUMBERED_UPDATED,
)


def outcome_of(error: OAError) -> SendResult:
    text = f"{error.code} {error.message}"[:200]
    if error.code in WINDOW_ERRORS:
        return SendResult(Outcome.WAITING, error=text)
    if error.code in GONE_ERRORS:
        return SendResult(Outcome.BLOCKED, error=text)
    if error.code == -32:  # the app's or the OA's calls per minute
        return SendResult(Outcome.RETRY, retry_after=60.0, error=text)
    if error.code in TOKEN_ERRORS or error.code in OA_ERRORS:
        return SendResult(Outcome.RETRY, error=text, channel_down=True)
    if error.code in (-201, -210, -233):
        return SendResult(Outcome.REJECTED, error=text)
    return SendResult(Outcome.RETRY, error=text)


@dataclass(frozen=True)
class _Plan:
    """What one reply becomes on the OA: texts (the last may carry buttons), then files, then a form."""

    texts: list[str]
    buttons: list[dict[str, Any]]
    files: list[dict[str, Any]]
    form: bool


class OASender:
    def __init__(
        self,
        client: OAClient,
        catalogue: Catalogue,
        settings: ZaloOASettings,
        *,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        links: FileLinks | None = None,
    ) -> None:
        self._client = client
        self._catalogue = catalogue
        self._settings = settings
        self._uow_factory = uow_factory
        self._clock = clock
        self._links = links
        self._limits = settings.limits()

    @property
    def limits(self) -> RateLimits:
        return self._limits

    def is_group(self, chat_id: str) -> bool:
        return False

    async def send(self, message: Outgoing) -> SendResult:
        closed = await self._window_closed(message.chat_id)
        if closed is not None:
            return SendResult(Outcome.WAITING, error=closed)
        plan = self._plan(message)
        recipient = _recipient(message.chat_id)
        sent_id = ""
        try:
            for index, text in enumerate(plan.texts):
                body: dict[str, Any] = {"text": text}
                if index == len(plan.texts) - 1 and plan.buttons:
                    body["attachment"] = {"type": "template", "payload": {"buttons": plan.buttons}}
                sent_id = sent_id or await self._send(recipient, body)
            for attachment in plan.files:
                await self._send_file(recipient, attachment, message.reply.language)
            if plan.form:
                await self._send(recipient, self._form(message.reply.language))
        except OAError as error:
            return outcome_of(error)
        except (NoToken, OAuthRefused) as error:
            return SendResult(Outcome.RETRY, error=f"token: {error}", channel_down=True)
        except (OANetworkError, OAuthUnavailable) as error:
            return SendResult(Outcome.RETRY, error=f"network: {error}")
        return SendResult(Outcome.SENT, external_id=sent_id[:64] or None)

    async def _window_closed(self, chat_id: str) -> str | None:
        """Why Zalo would not let us send now, or None. Never wrote: we may not start a conversation."""
        async with self._uow_factory() as uow:
            contact = await uow.contacts.get(CHANNEL, chat_id)
            last = contact.last_inbound_at if contact is not None else None
        if last is None:
            return "the person has never written to the OA"
        window = (
            LAST_WINDOW if self._settings.paid_replies else timedelta(hours=self._settings.free_window_hours)
        )
        silent = self._clock.now() - last
        if silent > min(window, LAST_WINDOW):
            return f"last wrote {int(silent.total_seconds() // 3600)} h ago: outside the messaging window"
        return None

    def _plan(self, message: Outgoing) -> _Plan:
        reply = message.reply
        buttons = self._buttons(reply)
        text = as_text(self._catalogue, replace(reply, choices=()) if buttons else reply, STYLE)
        files, notes = self._files(message)
        if notes:
            text = "\n".join([text, *notes])
        return _Plan(
            texts=split_text(text, TEXT_LIMIT, utf16_units),
            buttons=buttons,
            files=files,
            form=reply.request is InputRequest.CONTACT,
        )

    def _buttons(self, reply: Reply) -> list[dict[str, Any]]:
        """The choices as buttons, when they fit Zalo's template; else none (numbered lines instead)."""
        choices: tuple[Choice, ...] = reply.choices
        if not choices or len(choices) > MAX_BUTTONS or any(len(c.label) > TITLE_LIMIT for c in choices):
            return []
        return [
            {
                "title": choice.label,
                "type": "oa.query.hide",
                "payload": button_payload(reply.ask_seq, choice.token),
            }
            for choice in choices
        ]

    def _files(self, message: Outgoing) -> tuple[list[dict[str, Any]], list[str]]:
        """Attachments to upload or send by URL, and lines for those that cannot go on the OA."""
        files: list[dict[str, Any]] = []
        notes: list[str] = []
        for index, attachment in enumerate(message.reply.attachments):
            content = file_content(attachment)
            mime = str(attachment.get("mime") or attachment.get("mime_type") or "")
            if (content is not None and _uploadable(mime, len(content))) or (
                content is None and public_url(attachment) is not None
            ):
                files.append(attachment)
            else:
                notes.append(note_for(self._catalogue, self._links, message, index))
        return files, notes

    async def _send_file(self, recipient: dict[str, str], attachment: dict[str, Any], language: str) -> None:
        """Upload and send one file; a file a person sent is fetched from Zalo's link first. A file that
        cannot be fetched or uploaded is sent as its link instead."""
        name = str(attachment.get("file_name") or "tep")
        content = file_content(attachment)
        mime = str(attachment.get("mime") or attachment.get("mime_type") or "")
        url = str(attachment.get("file_id", ""))
        if content is None and attachment.get("kind") == "photo":
            media = {"media_type": "image", "url": url}
            await self._send(
                recipient,
                {
                    "attachment": {
                        "type": "template",
                        "payload": {"template_type": "media", "elements": [media]},
                    }
                },
            )
            return
        try:
            if content is None:
                content = await self._client.fetch(url, limit=FILE_LIMIT)
            if mime in IMAGE_TYPES and len(content) <= IMAGE_LIMIT:
                uploaded = await self._client.upload("/v2.0/oa/upload/image", name, content, mime)
                media = {"media_type": "image", "attachment_id": str(uploaded.get("attachment_id", ""))}
                body = {
                    "attachment": {
                        "type": "template",
                        "payload": {"template_type": "media", "elements": [media]},
                    }
                }
            else:
                uploaded = await self._client.upload(
                    "/v2.0/oa/upload/file", name, content, mime or _guess(name)
                )
                body = {"attachment": {"type": "file", "payload": {"token": str(uploaded.get("token", ""))}}}
        except (OANetworkError, OAError) as error:
            if isinstance(error, OAError) and error.code in TOKEN_ERRORS:
                raise
            log.warning("a file could not be uploaded to the OA (%s); its link is sent instead", error)
            if url.startswith(("https://", "http://")):
                await self._send(
                    recipient, {"text": self._catalogue.text(language, Msg.FILES_LINK, name=name, link=url)}
                )
            return
        await self._send(recipient, body)

    def _form(self, language: str) -> dict[str, Any]:
        """The "share your details" form: one tap sends the name, phone and address Zalo holds."""
        element: dict[str, str] = {
            # The question says «bấm "Gửi số điện thoại"»: the form carries that title.
            "title": self._catalogue.text(language, Msg.IDENTITY_PHONE_SHARE),
            "subtitle": self._catalogue.text(language, Msg.ZALO_OA_FORM_SUBTITLE),
        }
        if self._settings.info_image_url:
            element["image_url"] = self._settings.info_image_url
        payload = {"template_type": "request_user_info", "elements": [element]}
        return {"attachment": {"type": "template", "payload": payload}}

    async def _send(self, recipient: dict[str, str], message: dict[str, Any]) -> str:
        data = await self._client.post(SEND, {"recipient": recipient, "message": message})
        value = data.get("message_id")
        return str(value) if isinstance(value, str | int) else ""


def _recipient(chat_id: str) -> dict[str, str]:
    """A follower by their id; an anonymous visitor by their id and conversation (``anon:<id>:<conv>``)."""
    if chat_id.startswith("anon:"):
        _, anonymous, conversation = chat_id.split(":", 2)
        return {"anonymous_id": anonymous, "conversation_id": conversation}
    return {"user_id": chat_id}


def _uploadable(mime: str, size: int) -> bool:
    return (mime in IMAGE_TYPES and size <= IMAGE_LIMIT) or (mime in DOCUMENT_TYPES and size <= FILE_LIMIT)


def _guess(name: str) -> str:
    extension = name.rpartition(".")[2].lower()
    return {
        "pdf": "application/pdf",
        "doc": "application/msword",
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    }.get(extension, "application/octet-stream")
