"""Linked staff groups that change under us: the bot removed from a group, a group upgraded to a supergroup.

A group the bot can no longer write to is unlinked at once (``active = False``), so the office's traffic falls
back to each clerk's own chat (``cards.office_chats``) instead of piling up where nobody reads it; admins and
clerks are told, so someone links a new group with /ketnoi. A group that becomes a supergroup gets a new chat
id; the link follows it.
"""

from __future__ import annotations

import logging
from datetime import datetime

from handlers.cases.desk import Desk
from handlers.cases.services import Office
from handlers.kernel.catalogue import Catalogue
from handlers.kernel.catalogue.keys import Msg
from handlers.kernel.mail import Mailbox
from handlers.kernel.ports import UnitOfWork
from handlers.kernel.replies import Reply
from models.staff import Role, StaffGroup

log = logging.getLogger(__name__)


async def unlink_group(uow: UnitOfWork, channel: str, chat_id: str) -> StaffGroup | None:
    """Stop sending to a linked group that refuses our messages; the group, when a linked one was unlinked."""
    group = await uow.staff.group(channel, chat_id)
    if group is None or not group.active:
        return None
    group.active = False
    log.warning(
        "the bot can no longer write to linked staff group %s of commune %d", group.id, group.commune_id
    )
    return group


async def group_removed(
    uow: UnitOfWork,
    *,
    catalogue: Catalogue,
    office: Office,
    channel: str,
    chat_id: str,
    now: datetime,
    event_key: str,
) -> int:
    """The bot was removed from a group. If it was linked: unlink it and tell the commune's admins and clerks
    in their own chats. Returns how many were told."""
    group = await unlink_group(uow, channel, chat_id)
    if group is None:
        return 0
    commune = await uow.communes.get(group.commune_id)
    if commune is None:
        return 0
    mail = Mailbox(uow, event_key=event_key, now=now)
    desk = Desk(uow=uow, catalogue=catalogue, office=office, mail=mail, now=now, commune=commune)
    unit = await desk.unit(group.unit_id) if group.unit_id is not None else None
    text = (
        desk.t(Msg.OFFICE_GROUP_REMOVED_UNIT, unit=unit.name)
        if unit is not None
        else desk.t(Msg.OFFICE_GROUP_REMOVED_OFFICE)
    )
    told: set[tuple[str, str]] = set()
    for role in (Role.ADMIN, Role.CLERK):
        for member in await uow.staff.with_role(commune.id, role):
            if (member.channel, member.chat_id) not in told:
                told.add((member.channel, member.chat_id))
                await mail.send(
                    member.channel,
                    member.chat_id,
                    Reply(text),
                    key=f"staff:{member.id}",
                    commune_id=commune.id,
                )
    return len(told)


async def group_moved(uow: UnitOfWork, channel: str, old_chat_id: str, new_chat_id: str) -> bool:
    """A group became a supergroup under a new chat id: the link (and anything still queued) follows it."""
    group = await uow.staff.group(channel, old_chat_id)
    if group is None or await uow.staff.group(channel, new_chat_id) is not None:
        return False
    group.chat_id = new_chat_id
    await uow.outbox.move_pending(channel, old_chat_id, new_chat_id)
    return True
