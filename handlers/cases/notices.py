"""Telling people what happened to a case: the citizen (in their language, in the commune's name, never
with staff names or internal notes), the unit that must act, and the office."""

from __future__ import annotations

from collections.abc import Sequence

from handlers.cases.cards import office_chats, unit_chats
from handlers.cases.desk import STAFF_LANGUAGE, Desk
from handlers.kernel.catalogue.keys import Msg
from handlers.kernel.replies import Choice, Reply
from models.case import Case, CaseAttachment
from models.enums import OutboxPriority


async def notify_citizen(
    desk: Desk,
    case: Case,
    key: Msg,
    *,
    label: str,
    choices: Sequence[Choice] = (),
    files: Sequence[CaseAttachment] = (),
    **params: object,
) -> bool:
    """Send the citizen who filed ``case`` a notice; False when they cannot be reached through a chat
    (a petition entered from paper or by phone, or a citizen who blocked the bot): staff must write or
    call instead."""
    if case.citizen_id is None:
        return False
    citizen = await desk.uow.citizens.get(case.commune_id, case.citizen_id)
    if citizen is None or citizen.unreachable_at is not None:
        return False
    language = citizen.language or case.language
    text = desk.t_in(language, key, code=case.code, **params)
    # A file can be sent again on the channel that received it, or anywhere when it is a public link.
    attachments = tuple(
        {
            "kind": file.kind.value,
            "file_id": file.file_id,
            "file_name": file.file_name,
            "mime_type": file.mime_type,
        }
        for file in files
        if file.reaches(citizen.channel)
    )
    await desk.mail.send(
        citizen.channel,
        citizen.chat_id,
        Reply(text, tuple(choices), language=language, attachments=attachments),
        key=f"citizen:{case.id}:{label}",
        commune_id=case.commune_id,
        citizen_id=citizen.id,
        case_id=case.id,
    )
    return True


async def notify_chats(
    desk: Desk,
    chats: Sequence[tuple[str, str]],
    text: str,
    *,
    label: str,
    case: Case | None = None,
    choices: Sequence[Choice] = (),
) -> None:
    for channel, chat_id in dict.fromkeys(chats):
        await desk.mail.send(
            channel,
            chat_id,
            Reply(text, tuple(choices), language=STAFF_LANGUAGE),
            key=f"{label}:{channel}:{chat_id}",
            commune_id=desk.commune.id,
            case_id=case.id if case is not None else None,
            priority=OutboxPriority.NOTICE,
        )


async def notify_unit(
    desk: Desk,
    case: Case,
    text: str,
    *,
    label: str,
    choices: Sequence[Choice] = (),
    extra: Sequence[tuple[str, str]] = (),
) -> None:
    if case.unit_id is None:
        return
    await notify_chats(
        desk, [*await unit_chats(desk, case.unit_id), *extra], text, label=label, case=case, choices=choices
    )


async def notify_office(desk: Desk, case: Case, text: str, *, label: str) -> None:
    await notify_chats(desk, await office_chats(desk), text, label=label, case=case)
