"""Answering the office's request for more information (yêu cầu bổ sung): the citizen presses the button of
the notice (or types ``/traloi CODE``), sends text, photos or documents, then "Gửi bổ sung". A side step: an
unfinished petition draft is kept and the citizen goes back to it afterwards."""

from __future__ import annotations

from handlers.cases.citizen_turn import Turn
from handlers.cases.flow import (
    STEPS,
    Answer,
    Chosen,
    Step,
    StepSpec,
    goto,
    reask,
    return_from_side_step,
    wrong_input,
)
from handlers.cases.supplements import receive_info, waiting_request
from handlers.cases.tracking import find_own_case, own_cases
from handlers.filing.steps.petition import attachment_problem
from handlers.kernel.catalogue.keys import Msg
from handlers.kernel.events import SharedFile, Text
from handlers.kernel.replies import Choice, InputRequest
from models.case import Case, InfoRequest
from models.enums import CaseStatus
from models.errors import InvalidValue
from models.values import AttachmentInfo, ReceiptCode

SIDE_STEPS_BEFORE = frozenset({Step.MENU, Step.TRACK_CODE, Step.WITHDRAW_CONSENT, Step.RESUME, Step.LANGUAGE})


async def _open_request(turn: Turn, case: Case) -> InfoRequest | None:
    desk = turn.desk()
    return await waiting_request(desk, case) if desk is not None else None


async def start_by_id(turn: Turn, case_id: int) -> None:
    """The notice's button: only the citizen's own case, and only while the question is open."""
    assert turn.commune is not None
    case = await turn.uow.cases.get(turn.commune.id, case_id)
    if case is None or case.citizen_id is None or case.citizen_id != turn.citizen_id:
        turn.say(Msg.INFO_NOT_WAITING, code="")
        await reask(turn)
        return
    await _start(turn, case)


async def start_by_text(turn: Turn, text: str) -> None:
    """``/traloi [CODE]``: without a code, the one case waiting for an answer (if there is exactly one)."""
    assert turn.commune is not None
    if text.strip():
        try:
            case = await find_own_case(turn.uow, turn.commune.id, turn.citizen_id, text)
        except InvalidValue:
            turn.say(Msg.TRACK_BAD_CODE, text=text.strip()[:40])
            await reask(turn)
            return
        if case is None:
            code = ReceiptCode.find(text)
            turn.say(Msg.TRACK_NOT_FOUND, code=str(code) if code else text.strip()[:40])
            await reask(turn)
            return
        await _start(turn, case)
        return
    waiting = [
        case
        for case in await own_cases(turn.uow, turn.commune.id, turn.citizen_id)
        if case.status is CaseStatus.AWAITING_INFO
    ]
    if len(waiting) == 1:
        await _start(turn, waiting[0])
        return
    if not waiting:
        turn.say(Msg.INFO_NONE_WAITING)
    else:
        turn.say(Msg.INFO_WHICH, codes=", ".join(case.code for case in waiting))
    await reask(turn)


async def _start(turn: Turn, case: Case) -> None:
    if await _open_request(turn, case) is None:
        turn.say(Msg.INFO_NOT_WAITING, code=case.code)
        await reask(turn)
        return
    step = Step(turn.step)
    if step is not Step.SUPPLEMENT and step not in SIDE_STEPS_BEFORE:
        turn.draft.return_step = step.value
    turn.draft.clear_supplement()
    turn.draft.supplement_case = case.id
    await goto(turn, Step.SUPPLEMENT)


async def _case(turn: Turn) -> Case | None:
    if turn.commune is None or turn.draft.supplement_case is None:
        return None
    case = await turn.uow.cases.get(turn.commune.id, turn.draft.supplement_case)
    return case if case is not None and case.citizen_id == turn.citizen_id else None


async def supplement_choices(turn: Turn) -> list[Choice]:
    return [Choice("send", turn.t(Msg.INFO_SEND)), Choice("cancel", turn.t(Msg.INFO_CANCEL))]


async def ask_supplement(turn: Turn) -> None:
    case = await _case(turn)
    request = await _open_request(turn, case) if case is not None else None
    if case is None or request is None:
        turn.draft.clear_supplement()
        turn.say(Msg.INFO_NOT_WAITING, code=case.code if case else "")
        await return_from_side_step(turn)
        return
    turn.ask(
        turn.t(Msg.INFO_ASK, code=case.code, question=request.question),
        await supplement_choices(turn),
        request=InputRequest.FILE,
    )


async def answer_supplement(turn: Turn, answer: Answer) -> None:
    draft = turn.draft
    if isinstance(answer, Text) and answer.text.strip():
        text = answer.text.strip()
        draft.supplement_text = f"{draft.supplement_text}\n{text}" if draft.supplement_text else text
        draft.supplement_text = draft.supplement_text[: turn.config.content_max]
        turn.ask(turn.t(Msg.INFO_TEXT_RECEIVED), await supplement_choices(turn), request=InputRequest.FILE)
    elif isinstance(answer, SharedFile):
        await _take_file(turn, answer)
    elif answer == Chosen("send"):
        await _send(turn)
    elif answer == Chosen("cancel"):
        draft.clear_supplement()
        turn.say(Msg.INFO_CANCELLED)
        await return_from_side_step(turn)
    else:
        await wrong_input(turn, answer)


async def _take_file(turn: Turn, file: SharedFile) -> None:
    draft = turn.draft
    name = file.file_name or turn.t(Msg.ATTACHMENTS_UNNAMED)
    if len(draft.supplement_files) >= turn.config.max_attachments:
        turn.say(Msg.ATTACHMENTS_FULL, max=turn.config.max_attachments)
    elif (problem := attachment_problem(turn, file)) is not None:
        turn.say(
            problem,
            name=name,
            size_mb=f"{file.size / 1024 / 1024:.1f}",
            max_mb=turn.config.max_attachment_bytes // (1024 * 1024),
        )
    else:
        draft.supplement_files.append(
            AttachmentInfo(file.kind.value, file.file_id, file.mime_type, file.size, file.file_name)
        )
        if file.caption.strip():
            caption = file.caption.strip()
            draft.supplement_text = (
                f"{draft.supplement_text}\n{caption}" if draft.supplement_text else caption
            )
    turn.ask(
        turn.t(Msg.INFO_FILE_RECEIVED, name=name), await supplement_choices(turn), request=InputRequest.FILE
    )


async def _send(turn: Turn) -> None:
    draft = turn.draft
    if not draft.supplement_text and not draft.supplement_files:
        turn.say(Msg.INFO_EMPTY)
        await reask(turn)
        return
    case = await _case(turn)
    desk = turn.desk()
    request = await waiting_request(desk, case) if case is not None and desk is not None else None
    if case is None or desk is None or request is None:
        draft.clear_supplement()
        turn.say(Msg.INFO_NOT_WAITING, code=case.code if case else "")
        await return_from_side_step(turn)
        return
    await receive_info(
        desk,
        case,
        request,
        channel=turn.event.channel,
        text=draft.supplement_text or "",
        files=list(draft.supplement_files),
    )
    turn.case_id = case.id
    draft.clear_supplement()
    turn.say(Msg.INFO_DONE, code=case.code)
    await return_from_side_step(turn)


STEPS[Step.SUPPLEMENT] = StepSpec(
    ask_supplement,
    answer_supplement,
    Msg.HELP_SUPPLEMENT,
    Msg.COMMON_EXPECTS_FILE,
    supplement_choices,
    free_text=True,
)
