"""A person's message that could not be handled however often it was tried: their words are kept for the
office, the clerks read them in private, and the sender is told a clerk will — instead of a "try again
later" that could never work."""

from __future__ import annotations

from datetime import datetime

from handlers.kernel.catalogue import Catalogue
from handlers.kernel.catalogue.keys import Msg
from handlers.kernel.events import ChatEvent, SharedFile, Text
from handlers.kernel.formatting import format_datetime
from handlers.kernel.labels import source_label
from handlers.kernel.ports import UnitOfWork
from handlers.kernel.replies import Reply
from models.enums import OutboxPriority
from models.outbox import OutboxMessage
from models.staff import Role
from models.unhandled import UnhandledMessage

WORDS_LIMIT = 4000


def words_of(event: ChatEvent) -> str:
    """What the person wrote, if anything: a text, or a file's caption."""
    payload = event.payload
    if isinstance(payload, Text):
        return payload.text.strip()[:WORDS_LIMIT]
    if isinstance(payload, SharedFile):
        return payload.caption.strip()[:WORDS_LIMIT]
    return ""


async def keep_unhandled(uow: UnitOfWork, event: ChatEvent, *, now: datetime, catalogue: Catalogue) -> int:
    """Keep the words of ``event`` and mark it handled (a redelivery then does nothing), tell the commune's
    clerks in their own chats — never a group: the words may name a denouncer — and answer the sender.
    Returns how many messages were queued."""
    claim = await uow.processed.claim(
        event.event_key, now, channel=event.channel, chat_id=event.chat_id, sender_id=event.sender_id
    )
    if not claim.first:
        return 0  # handled meanwhile (another worker, a redelivery that went through)
    conversation = await uow.conversations.get(event.channel, event.chat_id)
    language = (conversation.language if conversation is not None else None) or "vi"
    commune_id = conversation.commune_id if conversation is not None else None
    if commune_id is None:
        communes = await uow.communes.list_all()
        commune_id = communes[0].id if len(communes) == 1 else None
    words = words_of(event)
    queued = [
        _message(
            event.channel,
            event.chat_id,
            Reply(
                catalogue.text(language, Msg.UNHANDLED_KEPT if words else Msg.UNHANDLED_SORRY),
                language=language,
            ),
            key=f"{event.event_key}#kept",
            now=now,
            commune_id=commune_id,
            priority=OutboxPriority.REPLY,
        )
    ]
    if words:
        await uow.unhandled.add(
            UnhandledMessage(
                channel=event.channel,
                chat_id=event.chat_id,
                sender_id=event.sender_id,
                event_key=event.event_key,
                text=words,
                at=now,
                commune_id=commune_id,
            )
        )
        if commune_id is not None:
            label = source_label(event.channel)
            text = catalogue.text(
                "vi",
                Msg.UNHANDLED_OFFICE,
                channel=catalogue.text("vi", label) if label is not None else event.channel,
                when=format_datetime(catalogue, "vi", event.at),
                words=words,
            )
            for clerk in await uow.staff.with_role(commune_id, Role.CLERK):
                queued.append(
                    _message(
                        clerk.channel,
                        clerk.chat_id,
                        Reply(text),
                        key=f"{event.event_key}#kept:{clerk.id}",
                        now=now,
                        commune_id=commune_id,
                        priority=OutboxPriority.NOTICE,
                    )
                )
    await uow.outbox.add_many(queued)
    return len(queued)


def _message(
    channel: str,
    chat_id: str,
    reply: Reply,
    *,
    key: str,
    now: datetime,
    commune_id: int | None,
    priority: int,
) -> OutboxMessage:
    return OutboxMessage(
        channel=channel,
        chat_id=chat_id,
        delivery_key=key,
        payload=reply.to_payload(),
        created_at=now,
        next_attempt_at=now,
        commune_id=commune_id,
        priority=priority,
    )
