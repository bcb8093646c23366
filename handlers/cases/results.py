"""A unit's answer to a case: written by an officer (text, then documents or photos), submitted, and sent to
the citizen in the commune's name only once a clerk or leader approves it. A vague answer is sent back with
a comment. Approving a case's result also answers the cases merged into it."""

from __future__ import annotations

from handlers.cases.cards import post_review_card, token
from handlers.cases.notices import notify_chats, notify_citizen, notify_unit
from handlers.cases.staff_turn import StaffTurn
from handlers.kernel.catalogue.keys import Msg
from handlers.kernel.events import SharedFile
from handlers.kernel.replies import Choice
from models.case import Case, CaseAttachment, CaseResult, ResultStatus
from models.enums import ActorKind, CaseAction, CaseStatus

S = CaseStatus
RESOLVING = frozenset({S.ACCEPTED, S.IN_PROGRESS})
MAX_RESULT_FILES = 10


def _draft_choices(turn: StaffTurn, case: Case, result: CaseResult) -> list[Choice]:
    return [
        Choice(token("rsub", case.id, result.id), turn.t(Msg.OFFICE_RESULT_SUBMIT)),
        Choice(token("rcan", case.id, result.id), turn.t(Msg.OFFICE_RESULT_CANCEL)),
    ]


def _state_ok(turn: StaffTurn, case: Case) -> bool:
    if case.status in RESOLVING:
        return True
    turn.say(Msg.OFFICE_STATE_CONFLICT, code=case.code, status=turn.desk.status_label(case.status))
    return False


async def start_result(turn: StaffTurn, case: Case) -> None:
    """``/ketqua``: begin (or continue) the answer; only in a private chat, where files can be sent."""
    if turn.in_group:
        turn.say(Msg.OFFICE_PRIVATE_ONLY)
        return
    if not _state_ok(turn, case):
        return
    latest = await turn.uow.cases.latest_result(case.commune_id, case.id)
    if latest is not None and latest.status is ResultStatus.SUBMITTED:
        turn.say(Msg.OFFICE_RESULT_PENDING, code=case.code)
        return
    await turn.prompt("result", turn.t(Msg.OFFICE_RESULT_ASK, code=case.code), case=case)


async def take_result_text(turn: StaffTurn, case: Case, text: str) -> None:
    """The answer's text (again, to replace it); too short an answer is refused with the reason why."""
    if not _state_ok(turn, case):
        await turn.clear_prompt()
        return
    text = text.strip()
    minimum = turn.office.config.result_min_chars
    if len(text) < minimum:
        turn.say(Msg.OFFICE_RESULT_TOO_SHORT, length=len(text), min=minimum)
        return
    result = await _draft(turn, case)
    if result is None:
        result = CaseResult(
            case_id=case.id,
            commune_id=case.commune_id,
            unit_id=case.unit_id or 0,
            submitted_by=turn.me.id,
            created_at=turn.now,
            text=text,
        )
        await turn.uow.cases.add_result(result)
    else:
        result.text = text
    await turn.prompt(
        "result_files",
        turn.t(Msg.OFFICE_RESULT_SAVED, code=case.code),
        case=case,
        data={"result": result.id},
        choices=_draft_choices(turn, case, result),
    )


async def take_result_file(turn: StaffTurn, case: Case, file: SharedFile) -> None:
    result = await _draft(turn, case)
    if result is None:
        turn.say(Msg.OFFICE_RESULT_TEXT_FIRST)
        return
    files = [
        a for a in await turn.uow.cases.attachments(case.commune_id, case.id) if a.result_id == result.id
    ]
    if len(files) >= MAX_RESULT_FILES:
        turn.say(Msg.OFFICE_RESULT_FILES_FULL, max=MAX_RESULT_FILES)
        return
    await turn.uow.cases.add_attachment(
        CaseAttachment(
            case_id=case.id,
            commune_id=case.commune_id,
            channel=turn.event.channel,
            file_id=file.file_id,
            kind=file.kind,
            mime_type=file.mime_type,
            size=file.size,
            file_name=file.file_name,
            added_at=turn.now,
            added_by=ActorKind.STAFF,
            result_id=result.id,
        )
    )
    name = file.file_name or turn.t(Msg.OFFICE_RESULT_UNNAMED)
    turn.say_text(
        turn.t(Msg.OFFICE_RESULT_FILE, name=name, count=len(files) + 1), _draft_choices(turn, case, result)
    )


async def _draft(turn: StaffTurn, case: Case) -> CaseResult | None:
    latest = await turn.uow.cases.latest_result(case.commune_id, case.id)
    return latest if latest is not None and latest.status is ResultStatus.DRAFT else None


async def submit_result(turn: StaffTurn, case: Case, result_id: int) -> None:
    result = await _draft(turn, case)
    if result is None or result.id != result_id:
        turn.say(Msg.OFFICE_NO_DRAFT, code=case.code)
        return
    if not _state_ok(turn, case):
        return
    result.status = ResultStatus.SUBMITTED
    result.submitted_at = turn.now
    result.submitted_by = turn.me.id
    result.unit_id = case.unit_id or result.unit_id
    event = case.record(
        CaseAction.RESULT_SUBMITTED,
        at=turn.now,
        actor_kind=ActorKind.STAFF,
        actor_id=turn.me.id,
        data={"result": result.id},
    )
    await turn.uow.cases.add_event(event)
    await turn.clear_prompt()
    await post_review_card(turn.desk, case, result)
    turn.touch(case)
    turn.say(Msg.OFFICE_RESULT_SUBMITTED, code=case.code)


async def cancel_result(turn: StaffTurn, case: Case, result_id: int) -> None:
    result = await _draft(turn, case)
    if result is None or result.id != result_id:
        turn.say(Msg.OFFICE_NO_DRAFT, code=case.code)
        return
    result.status = ResultStatus.DISCARDED
    await turn.clear_prompt()
    turn.say(Msg.OFFICE_RESULT_CANCELLED, code=case.code)


async def _submitted(turn: StaffTurn, case: Case, result_id: int | None) -> CaseResult | None:
    latest = await turn.uow.cases.latest_result(case.commune_id, case.id)
    if latest is None or latest.status is not ResultStatus.SUBMITTED or result_id not in (None, latest.id):
        turn.say(Msg.OFFICE_NO_RESULT, code=case.code)
        return None
    return latest


async def approve(turn: StaffTurn, case: Case, result_id: int | None) -> None:
    """Send the result to the citizen (and to the citizens of merged cases) in the commune's name."""
    result = await _submitted(turn, case, result_id)
    if result is None or not _state_ok(turn, case):
        return
    result.status = ResultStatus.APPROVED
    result.reviewed_by = turn.me.id
    result.reviewed_at = turn.now
    event = case.move_to(
        S.ANSWERED,
        action=CaseAction.RESULT_APPROVED,
        at=turn.now,
        actor_kind=ActorKind.STAFF,
        actor_id=turn.me.id,
        data={"result": result.id},
    )
    await turn.uow.cases.add_event(event)
    turn.touch(case)
    files = [
        a for a in await turn.uow.cases.attachments(case.commune_id, case.id) if a.result_id == result.id
    ]
    reached = await _send_result(turn, case, result, files)
    for merged in await turn.uow.cases.duplicates_of(case.commune_id, case.id):
        await _send_result(turn, merged, result, files)
    await notify_unit(turn.desk, case, turn.t(Msg.OFFICE_APPROVED_NOTICE, code=case.code), label="approved")
    await turn.clear_prompt()
    turn.say(Msg.OFFICE_APPROVED, code=case.code)
    if not reached:
        turn.say(Msg.OFFICE_NO_CHANNEL, code=case.code)


async def _send_result(turn: StaffTurn, case: Case, result: CaseResult, files: list[CaseAttachment]) -> bool:
    return await notify_citizen(
        turn.desk,
        case,
        Msg.NOTICE_RESULT_FILES if files else Msg.NOTICE_RESULT,
        label=f"result:{result.id}",
        files=files,
        text=result.text,
        count=len(files),
    )


async def send_back(turn: StaffTurn, case: Case, result_id: int | None, comment: str | None) -> None:
    """Return a result to the unit with a comment; nothing reaches the citizen."""
    result = await _submitted(turn, case, result_id)
    if result is None:
        return
    if not comment:
        await turn.prompt(
            "return", turn.t(Msg.OFFICE_RETURN_ASK, code=case.code), case=case, data={"result": result.id}
        )
        return
    comment = comment.strip()
    result.status = ResultStatus.RETURNED
    result.reviewed_by = turn.me.id
    result.reviewed_at = turn.now
    result.review_comment = comment
    event = case.record(
        CaseAction.RESULT_RETURNED,
        at=turn.now,
        actor_kind=ActorKind.STAFF,
        actor_id=turn.me.id,
        data={"result": result.id, "comment": comment},
    )
    await turn.uow.cases.add_event(event)
    turn.touch(case)
    author = await turn.uow.staff.get(case.commune_id, result.submitted_by)
    text = turn.t(Msg.OFFICE_RETURNED_NOTICE, code=case.code, comment=comment)
    choices = [Choice(token("res", case.id), turn.t(Msg.OFFICE_RESULT))]
    if case.unit_id is not None:
        extra = [(author.channel, author.chat_id)] if author is not None and author.active else []
        await notify_unit(turn.desk, case, text, label="returned", choices=choices, extra=extra)
    elif author is not None:
        await notify_chats(
            turn.desk, [(author.channel, author.chat_id)], text, label="returned", case=case, choices=choices
        )
    await turn.clear_prompt()
    turn.say(Msg.OFFICE_RETURNED, code=case.code, unit=await turn.desk.unit_name(result.unit_id))
