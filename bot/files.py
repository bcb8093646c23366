"""Files the bot made (a calendar entry, an Excel export), offered as a signed download link on channels that
cannot carry them: the Zalo Bot Platform sends no files at all, a Zalo Official Account only PDF and Word.

A link names one attachment of one outbox message and when it expires, signed with HMAC-SHA256 under
``NGHEDAN_HTTP__LINK_SECRET``: it cannot be guessed or changed, so an export of names and phone numbers is
read only by the person it was sent to. Without a public URL and a secret, no link is made and the message
says the file is not available on that channel.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Awaitable, Callable
from datetime import timedelta
from urllib.parse import quote

from aiohttp import web

from handlers.delivery.worker import Outgoing
from handlers.kernel.catalogue import Catalogue
from handlers.kernel.catalogue.keys import Msg
from handlers.kernel.ports import Clock, UnitOfWorkFactory
from handlers.kernel.replies import file_content

ROUTE = "/files/{outbox}/{index}/{expires}/{signature}/{name}"
LINK_LIFETIME = timedelta(days=30)


class FileLinks:
    def __init__(
        self, public_url: str, secret: str, clock: Clock, *, lifetime: timedelta = LINK_LIFETIME
    ) -> None:
        self._base = public_url.rstrip("/")
        self._key = hashlib.sha256(b"nghedan-file-links:" + secret.encode()).digest()
        self._clock = clock
        self._lifetime = lifetime

    def _signature(self, outbox_id: int, index: int, expires: int) -> str:
        message = f"{outbox_id}:{index}:{expires}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()[:40]

    def url(self, outbox_id: int, index: int, name: str) -> str:
        expires = int((self._clock.now() + self._lifetime).timestamp())
        signature = self._signature(outbox_id, index, expires)
        return f"{self._base}/files/{outbox_id}/{index}/{expires}/{signature}/{quote(name or 'tep')}"

    def valid(self, outbox_id: int, index: int, expires: int, signature: str) -> bool:
        expected = self._signature(outbox_id, index, expires)
        return hmac.compare_digest(expected, signature) and expires > self._clock.now().timestamp()

    def handler(
        self, uow_factory: UnitOfWorkFactory
    ) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        """``GET`` a file by its link: 404 for anything not signed, expired or gone (never saying which)."""

        async def serve(request: web.Request) -> web.StreamResponse:
            info = request.match_info
            numbers = (info.get("outbox", ""), info.get("index", ""), info.get("expires", ""))
            if not all(part.isascii() and part.isdigit() and len(part) <= 12 for part in numbers):
                raise web.HTTPNotFound()
            outbox_id, index, expires = (int(part) for part in numbers)
            if not self.valid(outbox_id, index, expires, info.get("signature", "")):
                raise web.HTTPNotFound()
            async with uow_factory() as uow:
                row = await uow.outbox.get(outbox_id)
                attachments = row.payload.get("attachments", []) if row is not None else []
            if not isinstance(attachments, list) or index >= len(attachments):
                raise web.HTTPNotFound()
            attachment = attachments[index]
            content = file_content(attachment) if isinstance(attachment, dict) else None
            if content is None:
                raise web.HTTPNotFound()
            name = str(attachment.get("file_name") or "tep")
            return web.Response(
                body=content,
                content_type=str(attachment.get("mime") or "application/octet-stream"),
                headers={
                    "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}",
                    "Cache-Control": "private, no-store",
                    "X-Content-Type-Options": "nosniff",
                },
            )

        return serve


def file_links(public_url: str | None, secret: str | None, clock: Clock) -> FileLinks | None:
    """Links when both the public URL and the secret are set; otherwise None (files are said to be
    unavailable on channels that cannot carry them)."""
    if not public_url or not secret:
        return None
    return FileLinks(public_url, secret, clock)


def public_url(attachment: dict[str, object]) -> str | None:
    """The file's address when it is a public link (files people sent through Zalo), else None."""
    file_id = str(attachment.get("file_id", ""))
    return file_id if file_id.startswith(("https://", "http://")) else None


def note_for(catalogue: Catalogue, links: FileLinks | None, message: Outgoing, index: int) -> str:
    """The line that stands for an attachment a channel cannot send: a signed link to a file the bot made
    (when links are set up), else where to get it."""
    attachment = message.reply.attachments[index]
    name = str(attachment.get("file_name") or "")
    language = message.reply.language
    if file_content(attachment) is None:
        return catalogue.text(language, Msg.FILES_ELSEWHERE, name=name or "—")
    if links is not None and message.id:
        return catalogue.text(language, Msg.FILES_LINK, name=name, link=links.url(message.id, index, name))
    return catalogue.text(language, Msg.FILES_NOT_HERE, name=name)
