"""The citizen's answer to a request for more information: attached to the case, the case goes back to
where it was, and the office (and the unit, if one is resolving it) is told."""

from __future__ import annotations

from collections.abc import Sequence

from handlers.cases.cards import office_chats, refresh_cards, unit_chats
from handlers.cases.desk import Desk
from handlers.cases.due import resume
from handlers.cases.notices import notify_chats
from handlers.cases.redact import mask_identity
from handlers.kernel.catalogue.keys import Msg
from handlers.kernel.text import fold_words, shorten
from models.case import Case, CaseAttachment, InfoRequest
from models.enums import ActorKind, AttachmentKind, CaseAction, CaseStatus
from models.values import AttachmentInfo


async def waiting_request(desk: Desk, case: Case) -> InfoRequest | None:
    if case.status is not CaseStatus.AWAITING_INFO:
        return None
    return await desk.uow.cases.open_info_request(case.commune_id, case.id)


async def receive_info(
    desk: Desk, case: Case, request: InfoRequest, *, channel: str, text: str, files: Sequence[AttachmentInfo]
) -> None:
    request.answer = text
    request.answered_at = desk.now
    for info in files:
        await desk.uow.cases.add_attachment(
            CaseAttachment(
                case_id=case.id,
                commune_id=case.commune_id,
                channel=channel,
                file_id=info.file_id,
                kind=AttachmentKind(info.kind),
                mime_type=info.mime_type,
                size=info.size,
                file_name=info.file_name,
                added_at=desk.now,
                added_by=ActorKind.CITIZEN,
            )
        )
    back = case.resume_status or CaseStatus.RECEIVED
    case.resume_status = None
    waited = resume(case, await desk.calendar(), desk.today)
    event = case.move_to(
        back,
        action=CaseAction.INFO_RECEIVED,
        at=desk.now,
        actor_kind=ActorKind.CITIZEN,
        actor_id=case.citizen_id,
        data={"answer": text, "files": len(files), "paused_days": waited},
    )
    await desk.uow.cases.add_event(event)
    await desk.due(case)
    if text:
        case.search_text = f"{case.search_text} {fold_words(text)}".strip()
    await refresh_cards(desk, [case])
    shown = text
    if case.kind.is_confidential:  # the notice goes to groups and units: no denouncer's identity there
        shown = mask_identity(
            text, name=case.petitioner_name, phone=case.petitioner_phone, address=case.petitioner_address
        )
    notice = desk.t(
        Msg.OFFICE_INFO_RECEIVED_NOTICE, code=case.code, answer=shorten(shown, 500) or "—", count=len(files)
    )
    chats = await office_chats(desk)
    if case.unit_id is not None:
        chats += await unit_chats(desk, case.unit_id)
    await notify_chats(desk, chats, notice, label=f"info:{request.id}", case=case)
