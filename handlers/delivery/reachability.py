"""Citizens who block or unblock the bot (stop sending to them, keep their cases), and chats a channel may
not send to for now (a Zalo OA's messaging window): what they are owed waits, the office is told."""

from __future__ import annotations

import logging
from datetime import datetime

from handlers.cases.desk import STAFF_LANGUAGE
from handlers.cases.staff_groups import unlink_group
from handlers.kernel.catalogue import Catalogue
from handlers.kernel.catalogue.keys import Msg
from handlers.kernel.labels import source_label
from handlers.kernel.ports import UnitOfWork
from handlers.kernel.replies import Reply
from models.enums import OutboxPriority
from models.outbox import OutboxMessage
from models.staff import Role

log = logging.getLogger(__name__)


async def chat_blocked(uow: UnitOfWork, channel: str, chat_id: str, at: datetime) -> None:
    """The chat refused our messages: flag its citizens unreachable, unlink it if it is a staff group (the
    office's traffic then goes to each clerk), and drop what is queued for it."""
    await unlink_group(uow, channel, chat_id)
    citizens = await uow.citizens.mark_unreachable(channel, chat_id, at)
    await uow.conversations.mark_unreachable(channel, chat_id)
    dropped = await uow.outbox.fail_pending(channel, chat_id, reason="blocked")
    unsubscribed = await uow.subscriptions.cancel_for_chat(channel, chat_id, at, reason="blocked")
    log.info(
        "a %s chat blocked the bot: %d citizen(s) unreachable, %d message(s) dropped, %d unsubscribed",
        channel,
        citizens,
        dropped,
        unsubscribed,
    )


async def chat_unblocked(uow: UnitOfWork, channel: str, chat_id: str) -> None:
    """The chat accepts messages again (it unblocked the bot, or simply wrote to us)."""
    await uow.citizens.mark_reachable(channel, chat_id)
    conversation = await uow.conversations.get(channel, chat_id)
    if conversation is not None and conversation.unreachable:
        conversation.unreachable = False
        await uow.conversations.save(conversation)


async def wrote_again(uow: UnitOfWork, channel: str, chat_id: str, at: datetime) -> int:
    """The person wrote to us on this chat: remember when (a Zalo OA may send only for a while after), and
    make what waited for them due now, so it goes out first, before the answer to what they just wrote.
    Returns how many messages were waiting."""
    await uow.contacts.touch(channel, chat_id, at)
    return await uow.outbox.release_waiting(channel, chat_id, at)


async def could_not_tell(
    uow: UnitOfWork, message: OutboxMessage, now: datetime, *, catalogue: Catalogue
) -> int:
    """``message`` about a case now waits until its citizen writes again (the channel may not send to them
    now). The first message a chat has waiting tells the commune's clerks, each in their own chat — the
    citizen's phone number is identity, never for a group — which case, why, and the number to call.
    Returns how many clerks were told."""
    if message.case_id is None or message.commune_id is None or message.citizen_id is None:
        return 0  # only a citizen's notice about their case: staff cards wait for staff to write
    if await uow.outbox.count_waiting(message.channel, message.chat_id) > 1:
        return 0  # the office already knows this citizen is waiting to be told
    case = await uow.cases.get(message.commune_id, message.case_id)
    if case is None:
        return 0
    phone = case.petitioner_phone
    if phone is None and message.citizen_id is not None:
        citizen = await uow.citizens.get(message.commune_id, message.citizen_id)
        phone = citizen.phone if citizen is not None else None
    contact = (
        catalogue.text(STAFF_LANGUAGE, Msg.WAITING_CALL, phone=phone)
        if phone
        else catalogue.text(STAFF_LANGUAGE, Msg.WAITING_NO_PHONE)
    )
    label = source_label(message.channel)
    text = catalogue.text(
        STAFF_LANGUAGE,
        Msg.WAITING_OFFICE,
        code=case.code,
        channel=catalogue.text(STAFF_LANGUAGE, label) if label is not None else message.channel,
        contact=contact,
    )
    clerks = await uow.staff.with_role(message.commune_id, Role.CLERK)
    await uow.outbox.add_many(
        [
            OutboxMessage(
                channel=clerk.channel,
                chat_id=clerk.chat_id,
                delivery_key=f"waiting:{message.id}:{clerk.id}",
                payload=Reply(text, language=STAFF_LANGUAGE).to_payload(),
                created_at=now,
                next_attempt_at=now,
                commune_id=message.commune_id,
                case_id=case.id,
                priority=OutboxPriority.NOTICE,
            )
            for clerk in clerks
        ]
    )
    return len(clerks)
