"""Citizens who block or unblock the bot: stop sending to them, keep their cases."""

from __future__ import annotations

import logging
from datetime import datetime

from handlers.office.groups import unlink_group
from handlers.ports import UnitOfWork

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
