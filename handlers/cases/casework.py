"""Triage and resolution: what clerks, leaders and units do to a case. Every action is a timeline entry with
who and when; the citizen is told, in plain words, whenever the step concerns them.

Each action takes what it needs; when something is missing (which unit? what reason?) it asks, and the
answer comes back to the same function through a prompt or a button.
"""

from __future__ import annotations

from handlers.cases.cards import token
from handlers.cases.due import begin_stage, pause, resolution_rule, restage
from handlers.cases.notices import notify_citizen, notify_unit
from handlers.cases.staff_turn import StaffTurn
from handlers.kernel.catalogue.keys import Msg
from handlers.kernel.labels import KIND_LABELS
from handlers.kernel.replies import Choice
from handlers.kernel.text import fold_words, shorten
from models.case import Case, InfoRequest
from models.commune import Unit
from models.enums import OPEN_STATUSES, ActorKind, CaseAction, CaseKind, CaseStatus
from models.errors import InvalidValue
from models.values import ReceiptCode

S = CaseStatus
BEFORE_RESULT = frozenset({S.RECEIVED, S.ACCEPTED, S.IN_PROGRESS})
# Templates for "không thụ lý", each citing its legal ground; the clerk may edit before sending.
DECLINE_TEMPLATES: dict[CaseKind, tuple[str, ...]] = {
    CaseKind.KHIEU_NAI: (
        "khieu_nai_unrelated",
        "khieu_nai_time",
        "khieu_nai_unsigned",
        "khieu_nai_court",
        "competence",
        "unclear",
    ),
    CaseKind.TO_CAO: ("to_cao_conditions", "to_cao_anonymous", "competence", "unclear"),
}
DEFAULT_TEMPLATES = ("competence", "unclear")
NO_REASON = frozenset({"-", "–", "khong", "không", "none"})


# -- shared steps ----------------------------------------------------------------------------------------


async def _move(
    turn: StaffTurn,
    case: Case,
    status: CaseStatus,
    action: CaseAction,
    data: dict[str, object] | None = None,
    *,
    public: bool = True,
) -> None:
    event = case.move_to(
        status,
        action=action,
        at=turn.now,
        actor_kind=ActorKind.STAFF,
        actor_id=turn.me.id,
        data=data,
        public=public,
    )
    await turn.uow.cases.add_event(event)
    turn.touch(case)


def _allowed(turn: StaffTurn, case: Case, statuses: frozenset[CaseStatus]) -> bool:
    if case.status in statuses:
        return True
    turn.say(Msg.OFFICE_STATE_CONFLICT, code=case.code, status=turn.desk.status_label(case.status))
    return False


def _unreached(turn: StaffTurn, case: Case, reached: bool) -> None:
    if not reached:
        turn.say(Msg.OFFICE_NO_CHANNEL, code=case.code)


async def _accept(turn: StaffTurn, case: Case) -> bool:
    await _move(turn, case, S.ACCEPTED, CaseAction.ACCEPTED)
    case.accepted_at = turn.now
    if (rule := resolution_rule(case.kind)) != case.deadline_rule:
        begin_stage(case, rule)  # the resolution period; a phản ánh already on its service level keeps it
    await turn.desk.due(case)
    return await notify_citizen(turn.desk, case, Msg.NOTICE_ACCEPTED, label="accepted")


# -- thụ lý ----------------------------------------------------------------------------------------------


async def accept(turn: StaffTurn, case: Case) -> None:
    if not _allowed(turn, case, frozenset({S.RECEIVED})):
        return
    reached = await _accept(turn, case)
    turn.say(Msg.OFFICE_ACCEPTED, code=case.code)
    _unreached(turn, case, reached)


# -- phân công -------------------------------------------------------------------------------------------


async def unit_choices(turn: StaffTurn, case: Case) -> list[Choice]:
    """The units, the suggested one first."""
    units = await turn.desk.active_units()
    units.sort(key=lambda unit: (unit.id != case.suggested_unit_id, unit.position, unit.id))
    return [Choice(token("asg", case.id, unit.id), unit.name) for unit in units]


async def assign(turn: StaffTurn, case: Case, unit: Unit | None) -> None:
    if not _allowed(turn, case, BEFORE_RESULT):
        return
    if unit is None:
        turn.say_text(turn.t(Msg.OFFICE_PICK_UNIT, code=case.code), await unit_choices(turn, case))
        return
    reached = True
    if case.status is S.RECEIVED:  # assigning a new case accepts it
        reached = await _accept(turn, case)
    previous = case.unit_id
    case.unit_id = unit.id
    data: dict[str, object] = {"unit": unit.code}
    if previous is not None and previous != unit.id:
        data["previous"] = await turn.desk.unit_code(previous)
    if case.status is S.ACCEPTED:
        await _move(turn, case, S.IN_PROGRESS, CaseAction.ASSIGNED, data)
    else:
        await turn.record(case, CaseAction.ASSIGNED, data)
    text = turn.t(
        Msg.OFFICE_ASSIGNED_NOTICE,
        unit=unit.name,
        code=case.code,
        kind=turn.desk.kind_label(case.kind).lower(),
        field=await turn.desk.field_label(case.field_slug),
    )
    choices = [
        Choice(token("view", case.id), turn.t(Msg.OFFICE_VIEW)),
        Choice(token("prg", case.id), turn.t(Msg.OFFICE_PROGRESS)),
        Choice(token("res", case.id), turn.t(Msg.OFFICE_RESULT)),
    ]
    await notify_unit(turn.desk, case, text, label="assigned", choices=choices)
    turn.say(Msg.OFFICE_ASSIGNED, code=case.code, unit=unit.name)
    _unreached(turn, case, reached)


# -- chuyển ----------------------------------------------------------------------------------------------


async def forward(turn: StaffTurn, case: Case, destination: str | None, reason: str | None) -> None:
    if not _allowed(turn, case, OPEN_STATUSES):
        return
    if not destination:
        await turn.prompt("forward", turn.t(Msg.OFFICE_FORWARD_DESTINATION, code=case.code), case=case)
        return
    if reason is None:
        await turn.prompt(
            "forward_reason",
            turn.t(Msg.OFFICE_FORWARD_REASON, code=case.code),
            case=case,
            data={"destination": destination},
        )
        return
    destination = shorten(destination, 300)
    reason = "" if fold_words(reason) in NO_REASON else reason.strip()
    case.forwarded_to = destination
    await _move(turn, case, S.FORWARDED, CaseAction.FORWARDED, {"destination": destination, "reason": reason})
    key = Msg.NOTICE_FORWARDED_REASON if reason else Msg.NOTICE_FORWARDED
    reached = await notify_citizen(
        turn.desk, case, key, label="forwarded", destination=destination, reason=reason
    )
    turn.say(Msg.OFFICE_FORWARDED, code=case.code, destination=destination)
    if case.kind.is_confidential:
        turn.say(Msg.OFFICE_FORWARD_CONFIDENTIAL)
    _unreached(turn, case, reached)


# -- không thụ lý ----------------------------------------------------------------------------------------


def decline_templates(case: Case) -> tuple[str, ...]:
    return DECLINE_TEMPLATES.get(case.kind, DEFAULT_TEMPLATES)


async def offer_decline(turn: StaffTurn, case: Case) -> None:
    """The reasons that fit the kind, each citing its ground, and "another reason"."""
    if not _allowed(turn, case, frozenset({S.RECEIVED, S.AWAITING_INFO})):
        return
    lines = [turn.t(Msg.OFFICE_DECLINE_PICK, code=case.code)]
    choices = []
    for number, name in enumerate(decline_templates(case), start=1):
        lines.append(f"{number}. {turn.t(Msg(f'decline.{name}'))}")
        choices.append(
            Choice(token("dec", case.id, name), turn.t(Msg.OFFICE_DECLINE_TEMPLATE, number=number))
        )
    choices.append(Choice(token("dec", case.id, "other"), turn.t(Msg.OFFICE_DECLINE_OTHER)))
    turn.say_text("\n".join(lines), choices)


async def choose_decline(turn: StaffTurn, case: Case, template: str) -> None:
    """A template was picked: show it and let the clerk send it or write their own."""
    if not _allowed(turn, case, frozenset({S.RECEIVED, S.AWAITING_INFO})):
        return
    if template not in decline_templates(case):
        await turn.prompt("decline", turn.t(Msg.OFFICE_DECLINE_TEXT, code=case.code), case=case)
        return
    reason = turn.t(Msg(f"decline.{template}"))
    await turn.prompt(
        "decline",
        turn.t(Msg.OFFICE_DECLINE_CONFIRM, reason=reason),
        case=case,
        data={"reason": reason},
        choices=[
            Choice(token("decok", case.id), turn.t(Msg.OFFICE_DECLINE_SEND)),
            Choice(token("decedit", case.id), turn.t(Msg.OFFICE_DECLINE_EDIT)),
        ],
    )


async def decline(turn: StaffTurn, case: Case, reason: str) -> None:
    if not _allowed(turn, case, frozenset({S.RECEIVED, S.AWAITING_INFO})):
        return
    reason = reason.strip()
    case.decline_reason = reason
    case.resume_status = None
    await _close_info_request(turn, case)
    await _move(turn, case, S.DECLINED, CaseAction.DECLINED, {"reason": reason})
    await turn.clear_prompt()
    reached = await notify_citizen(turn.desk, case, Msg.NOTICE_DECLINED, label="declined", reason=reason)
    turn.say(Msg.OFFICE_DECLINED, code=case.code)
    _unreached(turn, case, reached)


async def _close_info_request(turn: StaffTurn, case: Case) -> None:
    """A question left unanswered when the case moves on is closed, so a late answer is not taken."""
    request = await turn.uow.cases.open_info_request(case.commune_id, case.id)
    if request is not None:
        request.answered_at = turn.now


# -- yêu cầu bổ sung -------------------------------------------------------------------------------------


async def ask_info(turn: StaffTurn, case: Case, question: str | None) -> None:
    if not _allowed(turn, case, BEFORE_RESULT):
        return
    if not await _citizen_online(turn, case):
        turn.say(Msg.OFFICE_NO_CHANNEL, code=case.code)
        return
    if not question:
        await turn.prompt("ask_info", turn.t(Msg.OFFICE_INFO_QUESTION, code=case.code), case=case)
        return
    question = question.strip()
    await turn.uow.cases.add_info_request(
        InfoRequest(
            case_id=case.id,
            commune_id=case.commune_id,
            question=question,
            asked_by=turn.me.id,
            asked_at=turn.now,
        )
    )
    case.resume_status = case.status
    paused = pause(case, turn.desk.today)
    await _move(
        turn, case, S.AWAITING_INFO, CaseAction.INFO_REQUESTED, {"question": question, "paused": paused}
    )
    language = await _citizen_language(turn, case)
    await notify_citizen(
        turn.desk,
        case,
        Msg.NOTICE_INFO_REQUESTED,
        label="info",
        question=question,
        choices=[Choice(f"n:info:{case.id}", turn.desk.t_in(language, Msg.NOTICE_INFO_BUTTON))],
    )
    clock = turn.t(Msg.OFFICE_CLOCK_PAUSED if paused else Msg.OFFICE_CLOCK_RUNS)
    turn.say_text(f"{turn.t(Msg.OFFICE_INFO_REQUESTED, code=case.code)} {clock}")


async def _citizen_online(turn: StaffTurn, case: Case) -> bool:
    if case.citizen_id is None:
        return False
    citizen = await turn.uow.citizens.get(case.commune_id, case.citizen_id)
    return citizen is not None and citizen.unreachable_at is None


async def _citizen_language(turn: StaffTurn, case: Case) -> str:
    if case.citizen_id is not None:
        citizen = await turn.uow.citizens.get(case.commune_id, case.citizen_id)
        if citizen is not None:
            return citizen.language
    return case.language


# -- trùng -----------------------------------------------------------------------------------------------


async def mark_duplicate(turn: StaffTurn, case: Case, original_text: str | None) -> None:
    if not _allowed(turn, case, OPEN_STATUSES):
        return
    if not original_text:
        await turn.prompt("duplicate", turn.t(Msg.OFFICE_DUPLICATE_ASK, code=case.code), case=case)
        return
    original = await _original(turn, original_text)
    if original is None:
        return
    if original.id == case.id:
        turn.say(Msg.OFFICE_DUPLICATE_SELF)
        return
    case.duplicate_of_id = original.id
    case.resume_status = None
    await _close_info_request(turn, case)
    await _move(turn, case, S.DUPLICATE, CaseAction.MERGED, {"original": original.code})
    await turn.record(original, CaseAction.MERGED, {"duplicate": case.code})
    await turn.clear_prompt()
    reached = await notify_citizen(
        turn.desk, case, Msg.NOTICE_DUPLICATE, label="duplicate", original=original.code
    )
    turn.say(Msg.OFFICE_DUPLICATED, code=case.code, original=original.code)
    _unreached(turn, case, reached)


async def _original(turn: StaffTurn, text: str) -> Case | None:
    """The case to follow instead; if that one was itself merged, the case it was merged into."""
    try:
        code = ReceiptCode.find(text)
    except InvalidValue:
        code = None
    if code is None:
        turn.say(Msg.OFFICE_BAD_CODE, text=shorten(text, 40))
        return None
    found = await turn.case_by_code(str(code))
    seen: set[int] = set()
    while found is not None and found.duplicate_of_id is not None and found.id not in seen:
        seen.add(found.id)
        found = await turn.uow.cases.get(found.commune_id, found.duplicate_of_id)
    return found


# -- đổi loại --------------------------------------------------------------------------------------------


def parse_kind(text: str) -> CaseKind | None:
    """``to_cao``, ``tocao``, ``tố cáo``… → CaseKind.TO_CAO."""
    wanted = fold_words(text).replace(" ", "").replace("_", "")
    for kind in CaseKind:
        if wanted == kind.value.replace("_", ""):
            return kind
    return None


async def reclassify(turn: StaffTurn, case: Case, kind: CaseKind | None, reason: str | None) -> None:
    if not _allowed(turn, case, OPEN_STATUSES):
        return
    if kind is None:
        choices = [
            Choice(token("rek", case.id, other.value), turn.t(label))
            for other, label in KIND_LABELS.items()
            if other is not case.kind
        ]
        turn.say_text(
            turn.t(Msg.OFFICE_RECLASSIFY_PICK, code=case.code, kind=turn.desk.kind_label(case.kind).lower()),
            choices,
        )
        return
    if kind is case.kind:
        turn.say(Msg.OFFICE_RECLASSIFY_SAME, code=case.code, kind=turn.desk.kind_label(kind).lower())
        return
    if not reason:
        await turn.prompt(
            "reclassify",
            turn.t(Msg.OFFICE_RECLASSIFY_REASON, code=case.code, kind=turn.desk.kind_label(kind).lower()),
            case=case,
            data={"kind": kind.value},
        )
        return
    old = case.kind
    case.kind = kind
    if case.suggested_kind is kind:
        case.suggested_kind = None
    restage(turn.desk.commune, case)
    await turn.desk.due(case)
    await turn.record(
        case,
        CaseAction.RECLASSIFIED,
        {"from": old.value, "to": kind.value, "reason": reason.strip()},
        public=True,
    )
    await turn.clear_prompt()
    turn.say(
        Msg.OFFICE_RECLASSIFIED,
        code=case.code,
        old=turn.desk.kind_label(old).lower(),
        new=turn.desk.kind_label(kind).lower(),
    )


# -- ghi chú, tiến độ ------------------------------------------------------------------------------------


async def note(turn: StaffTurn, case: Case, text: str | None) -> None:
    if not text:
        await turn.prompt("note", turn.t(Msg.OFFICE_NOTE_ASK, code=case.code), case=case)
        return
    await turn.record(case, CaseAction.NOTE, {"text": text.strip()})
    await turn.clear_prompt()
    turn.say(Msg.OFFICE_NOTED, code=case.code)


async def progress(turn: StaffTurn, case: Case, text: str | None) -> None:
    if not _allowed(turn, case, frozenset({S.ACCEPTED, S.IN_PROGRESS})):
        return
    if not text:
        await turn.prompt("progress", turn.t(Msg.OFFICE_PROGRESS_ASK, code=case.code), case=case)
        return
    await turn.record(case, CaseAction.PROGRESS, {"text": text.strip()})
    await turn.clear_prompt()
    turn.say(Msg.OFFICE_PROGRESS_SAVED, code=case.code)
