"""Deadlines at the office: reading them (``/tinhhan``, the lines of ``/hoso``) and the recorded decisions
that change them — an extension (``/giahan``, tố cáo: at most twice, 30 days each), the longer period for a
complex case (``/phuctap``: khiếu nại 45/60 days, a tố cáo's initial handling 10 working days), and urgency
(``/khan``: a phản ánh, kiến nghị answered within the commune's urgent service level). Every decision is a
timeline entry, and the citizen is told the new date."""

from __future__ import annotations

from handlers.cases.deadline_text import STAGE_OF_RULE, explain, refusal
from handlers.cases.desk import Desk
from handlers.cases.due import Due, first_rule, is_remote, restage, rule_deadline
from handlers.cases.notices import notify_citizen
from handlers.cases.staff_turn import StaffTurn, code_in, split_code
from handlers.kernel.catalogue.keys import Msg
from handlers.kernel.formatting import local, read_day
from handlers.kernel.text import fold_words, shorten
from models.case import Case
from models.deadlines.rules import RULES, DeadlineError, Refusal, compute
from models.enums import CaseAction

MAX_REASON = 500


# -- reading ---------------------------------------------------------------------------------------------


async def deadline_lines(desk: Desk, case: Case) -> list[str]:
    """Each due date of the case with its reasons: a stage already passed (met or late) and the one running
    now — overdue, or paused while waiting for the citizen."""
    due = await desk.due(case)
    if due is None:
        return []
    calendar = await desk.calendar()
    lines = []
    earlier = first_rule(desk.commune, case)
    if case.accepted_at is not None and earlier != due.deadline.rule.id:
        lines.append(await _passed_stage(desk, case, earlier))
    text = explain(desk.t, due.deadline, calendar, stage=due.stage)
    if due.paused_since is not None:
        text = desk.t(Msg.DEADLINE_PAUSED_NOW, since=desk.day(due.paused_since), text=text)
    elif desk.overdue(due):
        text = desk.t(Msg.DEADLINE_OVERDUE, text=text)
    lines.append(text)
    return lines


async def _passed_stage(desk: Desk, case: Case, rule_id: str) -> str:
    """``Hạn thụ lý khiếu nại: 30/01/2026 — nhận đơn 20/01/2026, thụ lý 25/01/2026: đúng hạn.``"""
    assert case.accepted_at is not None
    received = local(case.received_at).date()
    deadline = rule_deadline(desk.commune, case, rule_id, received, await desk.calendar())
    met = local(case.accepted_at).date() <= deadline.due
    return desk.t(
        Msg.DEADLINE_PASSED_MET if met else Msg.DEADLINE_PASSED_LATE,
        stage=desk.t(STAGE_OF_RULE[rule_id]),
        due=desk.day(deadline.due),
        received=desk.day(case.received_at),
        accepted=desk.day(case.accepted_at),
    )


async def compute_command(turn: StaffTurn, argument: str) -> None:
    """``/tinhhan MÃ_HỒ_SƠ``: the case's due dates and why; ``/tinhhan QUY_TẮC NGÀY [phuctap]``: the law's
    date on the commune's calendar, as ``nghedan deadline`` prints it."""
    head, rest = split_code(argument)
    if not head:
        turn.say(Msg.OFFICE_USAGE, usage=turn.t(Msg.OFFICE_USAGE_DEADLINE))
        return
    if head in RULES:
        await _calculate(turn, head, rest)
        return
    code = code_in(head)
    if code is None:
        turn.say(Msg.OFFICE_DEADLINE_UNKNOWN, text=shorten(head, 40), rules=", ".join(RULES))
        return
    case = await turn.case_by_code(str(code))
    if case is None:
        return
    lines = await deadline_lines(turn.desk, case)
    if not lines:
        turn.say(Msg.OFFICE_DEADLINE_CLOSED, code=case.code, status=turn.desk.status_label(case.status))
        return
    turn.say_text("\n".join([turn.t(Msg.OFFICE_DEADLINE_HEADER, code=case.code), *lines]))


async def _calculate(turn: StaffTurn, rule_id: str, rest: str) -> None:
    words = rest.split()
    start = read_day(words[0], turn.desk.today) if words else None
    if start is None:
        turn.say(Msg.OFFICE_USAGE, usage=turn.t(Msg.OFFICE_USAGE_DEADLINE))
        return
    options = {fold_words(word).replace(" ", "") for word in words[1:]}
    calendar = await turn.desk.calendar()
    try:
        deadline = compute(
            RULES[rule_id],
            start,
            calendar,
            complex="phuctap" in options,
            remote=is_remote(turn.desk.commune) or "vungsau" in options,
            extended="morong" in options,
        )
    except DeadlineError as error:
        turn.say_text(refusal(turn.t, error))
        return
    turn.say_text(explain(turn.t, deadline, calendar))


# -- deciding ---------------------------------------------------------------------------------------------


async def _running(turn: StaffTurn, case: Case) -> Due | None:
    due = await turn.desk.due(case)
    if due is None:
        turn.say(Msg.OFFICE_DEADLINE_CLOSED, code=case.code, status=turn.desk.status_label(case.status))
    return due


def _reason(turn: StaffTurn, text: str, usage: Msg) -> str | None:
    reason = text.strip()[:MAX_REASON]
    if not reason:
        turn.say(Msg.OFFICE_DEADLINE_NEEDS_REASON, usage=turn.t(usage))
        return None
    return reason


async def extend(turn: StaffTurn, case: Case, rest: str) -> None:
    """``/giahan MÃ SỐ_NGÀY lý do``: an extension of the resolution period, where the law allows one."""
    days_text, _, reason_text = rest.partition(" ")
    if not days_text.isdecimal():
        turn.say(Msg.OFFICE_USAGE, usage=turn.t(Msg.OFFICE_USAGE_EXTEND))
        return
    due = await _running(turn, case)
    if due is None:
        return
    rule = due.deadline.rule
    if rule.max_extensions == 0:
        hint = Msg.OFFICE_EXTEND_USE_COMPLEX if rule.complex_days or rule.extended_days else None
        turn.say_text(
            refusal(turn.t, DeadlineError(Refusal.NOT_EXTENDABLE, rule))
            + (" " + turn.t(hint, code=case.code) if hint else "")
        )
        return
    reason = _reason(turn, reason_text, Msg.OFFICE_USAGE_EXTEND)
    if reason is None:
        return
    extensions = (*case.deadline_extensions, int(days_text))
    try:
        compute(rule, due.deadline.start, await turn.desk.calendar(), extensions=extensions)
    except DeadlineError as error:
        turn.say_text(refusal(turn.t, error))
        return
    case.deadline_extensions = list(extensions)
    await _decided(turn, case, due, "extension", reason, days=int(days_text))


async def make_complex(turn: StaffTurn, case: Case, rest: str) -> None:
    """``/phuctap MÃ lý do``: the law's longer period for a complex case."""
    due = await _running(turn, case)
    if due is None:
        return
    rule = due.deadline.rule
    if case.deadline_complex or case.deadline_extended:
        turn.say(Msg.OFFICE_COMPLEX_ALREADY, code=case.code)
        return
    if not rule.complex_days and not rule.extended_days:
        turn.say_text(refusal(turn.t, DeadlineError(Refusal.NOT_COMPLEX, rule)))
        return
    reason = _reason(turn, rest, Msg.OFFICE_USAGE_COMPLEX)
    if reason is None:
        return
    if rule.complex_days:
        case.deadline_complex = True
    else:
        case.deadline_extended = True
    await _decided(turn, case, due, "complex", reason)


async def _decided(
    turn: StaffTurn, case: Case, before: Due, how: str, reason: str, *, days: int | None = None
) -> None:
    after = await turn.desk.due(case)
    assert after is not None
    data: dict[str, object] = {
        "how": how,
        "reason": reason,
        "from": turn.desk.day(before.day),
        "to": turn.desk.day(after.day),
        "stage": after.deadline.rule.id,
    }
    if days is not None:
        data["days"] = days
    event = await turn.record(case, CaseAction.EXTENDED, data, public=True)
    reached = await notify_citizen(
        turn.desk,
        case,
        Msg.NOTICE_EXTENDED,
        label=f"extended:{event.at.isoformat()}",
        stage=turn.desk.t(after.stage).lower(),
        date=turn.desk.day(after.day),
        reason=reason,
    )
    turn.say(Msg.OFFICE_EXTENDED, code=case.code, old=turn.desk.day(before.day), new=turn.desk.day(after.day))
    if not reached:
        turn.say(Msg.OFFICE_NO_CHANNEL, code=case.code)


async def toggle_urgent(turn: StaffTurn, case: Case, rest: str) -> None:
    """``/khan MÃ`` marks a phản ánh, kiến nghị urgent (``/khan MÃ bo`` takes it back): its answer is due
    within the commune's urgent service level."""
    before = await _running(turn, case)
    if before is None:
        return
    urgent = fold_words(rest).replace(" ", "") not in {"bo", "khong", "off", "no"}
    if urgent == case.urgent:
        turn.say(Msg.OFFICE_URGENT_SAME if urgent else Msg.OFFICE_NOT_URGENT_SAME, code=case.code)
        return
    case.urgent = urgent
    restage(turn.desk.commune, case)
    after = await turn.desk.due(case)
    assert after is not None
    await turn.record(
        case,
        CaseAction.URGENCY,
        {"urgent": urgent, "from": turn.desk.day(before.day), "to": turn.desk.day(after.day)},
    )
    turn.say(
        Msg.OFFICE_URGENT if urgent else Msg.OFFICE_NOT_URGENT,
        code=case.code,
        stage=turn.desk.t(after.stage),
        date=turn.desk.day(after.day),
    )
