"""The staff commands of casework, each declared once (see ``handlers.kernel.commands``): the queue, one case,
the triage decisions, the unit's work and results, and the deadline decisions."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from handlers.cases import casework, results
from handlers.cases import deadline_decisions as timing
from handlers.cases import staff_views as views
from handlers.cases.staff_turn import StaffTurn, split_code
from handlers.kernel.catalogue.keys import Msg
from handlers.kernel.commands import TRIAGE, UNITS, CommandSpec, Listing, Menu
from models.case import Case

StaffRun = Callable[[StaffTurn, str], Awaitable[None]]
StaffCommand = CommandSpec[StaffRun]
CaseRun = Callable[[StaffTurn, Case, str], Awaitable[None]]


def on_case(run: CaseRun, usage: Msg) -> StaffRun:
    """A command about one case (``/thuly MÃ …``): without a code it shows its usage; a case the actor may
    not see answers exactly like one that does not exist."""

    async def command(turn: StaffTurn, argument: str) -> None:
        code, rest = split_code(argument)
        if not code:
            turn.say(Msg.OFFICE_USAGE, usage=turn.t(usage))
            return
        case = await turn.case_by_code(code)
        if case is not None:
            await run(turn, case, rest)

    return command


async def _assign(turn: StaffTurn, case: Case, rest: str) -> None:
    unit = None
    if rest:
        unit = await turn.desk.unit_by_code(rest.split()[0])
        if unit is None:
            codes = ", ".join(u.code for u in await turn.desk.active_units())
            turn.say(Msg.OFFICE_UNKNOWN_UNIT, text=rest.split()[0][:20], codes=codes)
            return
    await casework.assign(turn, case, unit)


async def _forward(turn: StaffTurn, case: Case, rest: str) -> None:
    destination, separator, reason = rest.partition(";")
    await casework.forward(turn, case, destination.strip() or None, reason.strip() if separator else None)


async def _decline(turn: StaffTurn, case: Case, rest: str) -> None:
    if rest:
        await casework.decline(turn, case, rest)
    else:
        await casework.offer_decline(turn, case)


async def _reclassify(turn: StaffTurn, case: Case, rest: str) -> None:
    if not rest:
        await casework.reclassify(turn, case, None, None)
        return
    word, _, reason = rest.partition(" ")
    kind = casework.parse_kind(word)
    if kind is None:
        turn.say(Msg.OFFICE_UNKNOWN_KIND, text=word[:20])
        return
    await casework.reclassify(turn, case, kind, reason.strip() or None)


async def _show_case(turn: StaffTurn, case: Case, rest: str) -> None:
    await views.show_case(turn, case)


async def _accept(turn: StaffTurn, case: Case, rest: str) -> None:
    await casework.accept(turn, case)


async def _ask_info(turn: StaffTurn, case: Case, rest: str) -> None:
    await casework.ask_info(turn, case, rest or None)


async def _duplicate(turn: StaffTurn, case: Case, rest: str) -> None:
    await casework.mark_duplicate(turn, case, rest or None)


async def _note(turn: StaffTurn, case: Case, rest: str) -> None:
    await casework.note(turn, case, rest or None)


async def _progress(turn: StaffTurn, case: Case, rest: str) -> None:
    await casework.progress(turn, case, rest or None)


async def _result(turn: StaffTurn, case: Case, rest: str) -> None:
    await results.start_result(turn, case)


async def _approve(turn: StaffTurn, case: Case, rest: str) -> None:
    await results.approve(turn, case, None)


async def _return(turn: StaffTurn, case: Case, rest: str) -> None:
    await results.send_back(turn, case, None, rest or None)


async def _work(turn: StaffTurn, argument: str) -> None:
    await views.show_work(turn)


def _group_menu(description: Msg, rank: int) -> dict[Menu, Listing]:
    return {Menu.GROUP: Listing(description, rank)}


TRIAGE_AND_UNITS = TRIAGE | UNITS

QUEUE = StaffCommand(
    key="queue",
    names=("hangdoi", "queue"),
    roles=TRIAGE,
    summary=Msg.OFFICE_SUMMARY_QUEUE,
    about=Msg.OFFICE_ABOUT_QUEUE,
    menus=_group_menu(Msg.COMMANDS_HANGDOI, rank=10),
    run=views.show_queue,
)
CASE = StaffCommand(
    key="case",
    names=("hoso", "case"),
    roles=TRIAGE_AND_UNITS,
    summary=Msg.OFFICE_SUMMARY_CASE,
    about=Msg.OFFICE_ABOUT_CASE,
    menus=_group_menu(Msg.COMMANDS_HOSO, rank=20),
    run=on_case(_show_case, Msg.OFFICE_USAGE_CASE),
)
ACCEPT = StaffCommand(
    key="accept",
    names=("thuly", "accept"),
    roles=TRIAGE,
    summary=Msg.OFFICE_SUMMARY_ACCEPT,
    about=Msg.OFFICE_ABOUT_ACCEPT,
    run=on_case(_accept, Msg.OFFICE_USAGE_ACCEPT),
)
ASSIGN = StaffCommand(
    key="assign",
    names=("phancong", "assign"),
    roles=TRIAGE,
    summary=Msg.OFFICE_SUMMARY_ASSIGN,
    about=Msg.OFFICE_ABOUT_ASSIGN,
    menus=_group_menu(Msg.COMMANDS_PHANCONG, rank=30),
    run=on_case(_assign, Msg.OFFICE_USAGE_ASSIGN),
)
FORWARD = StaffCommand(
    key="forward",
    names=("chuyen", "forward"),
    roles=TRIAGE,
    summary=Msg.OFFICE_SUMMARY_FORWARD,
    about=Msg.OFFICE_ABOUT_FORWARD,
    run=on_case(_forward, Msg.OFFICE_USAGE_FORWARD),
)
DECLINE = StaffCommand(
    key="decline",
    names=("tuchoi", "decline"),
    roles=TRIAGE,
    summary=Msg.OFFICE_SUMMARY_DECLINE,
    about=Msg.OFFICE_ABOUT_DECLINE,
    run=on_case(_decline, Msg.OFFICE_USAGE_DECLINE),
)
ASK_INFO = StaffCommand(
    key="ask_info",
    names=("bosung", "ask_info"),
    roles=TRIAGE,
    summary=Msg.OFFICE_SUMMARY_ASK_INFO,
    about=Msg.OFFICE_ABOUT_ASK_INFO,
    run=on_case(_ask_info, Msg.OFFICE_USAGE_ASK_INFO),
)
DUPLICATE = StaffCommand(
    key="duplicate",
    names=("trung", "duplicate"),
    roles=TRIAGE,
    summary=Msg.OFFICE_SUMMARY_DUPLICATE,
    about=Msg.OFFICE_ABOUT_DUPLICATE,
    run=on_case(_duplicate, Msg.OFFICE_USAGE_DUPLICATE),
)
RECLASSIFY = StaffCommand(
    key="reclassify",
    names=("doiloai", "reclassify"),
    roles=TRIAGE,
    summary=Msg.OFFICE_SUMMARY_RECLASSIFY,
    about=Msg.OFFICE_ABOUT_RECLASSIFY,
    run=on_case(_reclassify, Msg.OFFICE_USAGE_RECLASSIFY),
)
NOTE = StaffCommand(
    key="note",
    names=("ghichu", "note"),
    roles=TRIAGE_AND_UNITS,
    summary=Msg.OFFICE_SUMMARY_NOTE,
    about=Msg.OFFICE_ABOUT_NOTE,
    run=on_case(_note, Msg.OFFICE_USAGE_NOTE),
)
SEARCH = StaffCommand(
    key="search",
    names=("timkiem", "search"),
    roles=TRIAGE,
    summary=Msg.OFFICE_SUMMARY_SEARCH,
    about=Msg.OFFICE_ABOUT_SEARCH,
    menus=_group_menu(Msg.COMMANDS_TIMKIEM, rank=40),
    run=views.search,
)
WORK = StaffCommand(
    key="work",
    names=("viec", "work"),
    roles=UNITS,
    summary=Msg.OFFICE_SUMMARY_WORK,
    about=Msg.OFFICE_ABOUT_WORK,
    menus=_group_menu(Msg.COMMANDS_VIEC, rank=50),
    run=_work,
)
PROGRESS = StaffCommand(
    key="progress",
    names=("tiendo", "progress"),
    roles=UNITS,
    summary=Msg.OFFICE_SUMMARY_PROGRESS,
    about=Msg.OFFICE_ABOUT_PROGRESS,
    run=on_case(_progress, Msg.OFFICE_USAGE_PROGRESS),
)
RESULT = StaffCommand(
    key="result",
    names=("ketqua", "result"),
    roles=UNITS,
    summary=Msg.OFFICE_SUMMARY_RESULT,
    about=Msg.OFFICE_ABOUT_RESULT,
    run=on_case(_result, Msg.OFFICE_USAGE_RESULT),
)
APPROVE = StaffCommand(
    key="approve",
    names=("duyet", "approve"),
    roles=TRIAGE,
    summary=Msg.OFFICE_SUMMARY_APPROVE,
    about=Msg.OFFICE_ABOUT_APPROVE,
    menus=_group_menu(Msg.COMMANDS_DUYET, rank=60),
    run=on_case(_approve, Msg.OFFICE_USAGE_APPROVE),
)
RETURN = StaffCommand(
    key="return",
    names=("tralai", "return"),
    roles=TRIAGE,
    summary=Msg.OFFICE_SUMMARY_RETURN,
    about=Msg.OFFICE_ABOUT_RETURN,
    run=on_case(_return, Msg.OFFICE_USAGE_RETURN),
)
DEADLINE = StaffCommand(
    key="deadline",
    names=("tinhhan", "deadline"),
    roles=TRIAGE_AND_UNITS,
    summary=Msg.OFFICE_SUMMARY_DEADLINE,
    about=Msg.OFFICE_ABOUT_DEADLINE,
    run=timing.compute_command,
)
EXTEND = StaffCommand(
    key="extend",
    names=("giahan", "extend"),
    roles=TRIAGE,
    summary=Msg.OFFICE_SUMMARY_EXTEND,
    about=Msg.OFFICE_ABOUT_EXTEND,
    run=on_case(timing.extend, Msg.OFFICE_USAGE_EXTEND),
)
COMPLEX = StaffCommand(
    key="complex",
    names=("phuctap", "complex"),
    roles=TRIAGE,
    summary=Msg.OFFICE_SUMMARY_COMPLEX,
    about=Msg.OFFICE_ABOUT_COMPLEX,
    run=on_case(timing.make_complex, Msg.OFFICE_USAGE_COMPLEX),
)
URGENT = StaffCommand(
    key="urgent",
    names=("khan", "urgent"),
    roles=TRIAGE,
    summary=Msg.OFFICE_SUMMARY_URGENT,
    about=Msg.OFFICE_ABOUT_URGENT,
    run=on_case(timing.toggle_urgent, Msg.OFFICE_USAGE_URGENT),
)

# In the order of the staff's /trogiup: the office's triage, then its later decisions, then the units' work.
TRIAGE_COMMANDS: tuple[StaffCommand, ...] = (
    QUEUE,
    CASE,
    ACCEPT,
    ASSIGN,
    FORWARD,
    DECLINE,
    ASK_INFO,
    DUPLICATE,
    RECLASSIFY,
    NOTE,
    SEARCH,
)
DECISION_COMMANDS: tuple[StaffCommand, ...] = (APPROVE, RETURN, DEADLINE, EXTEND, COMPLEX, URGENT)
UNIT_COMMANDS: tuple[StaffCommand, ...] = (WORK, PROGRESS, RESULT)
