"""``/nhiemvu``: the plan's tasks and the recurring reports due soon — a unit officer sees their unit's; the
office, leaders and administrators the whole commune's, unit by unit — and ``/nhiemvu xong SỐ`` to record a
task as done (its lead unit's officers, a clerk or an administrator)."""

from __future__ import annotations

from handlers.cases.commands import StaffCommand
from handlers.cases.staff_turn import StaffTurn
from handlers.kernel.catalogue.keys import Msg
from handlers.kernel.commands import ADMINS, EVERYONE, TRIAGE
from handlers.kernel.text import fold_words, row_id, shorten
from handlers.plan.tasks import HORIZON_DAYS, describe, due_work, mark_done
from models.staff import Role

DONE_WORDS = frozenset({"xong", "done", "hoanthanh"})


async def tasks_command(turn: StaffTurn, argument: str) -> None:
    words = argument.split()
    if not words:
        await _show(turn)
        return
    if fold_words(words[0]).replace(" ", "") not in DONE_WORDS or len(words) != 2:
        turn.say(Msg.OFFICE_USAGE, usage=turn.t(Msg.PLAN_USAGE))
        return
    await _done(turn, words[1].lstrip("[#").rstrip("]"))


async def _show(turn: StaffTurn) -> None:
    desk, me = turn.desk, turn.me
    everything = me.may(TASKS, "see_all")
    unit_ids = None if everything else me.unit_ids
    work = await due_work(turn.uow, desk.commune, await desk.calendar(), desk.today, unit_ids=unit_ids)
    who = (
        turn.t(Msg.PLAN_EVERYONE)
        if unit_ids is None
        else ", ".join([await desk.unit_name(unit_id) for unit_id in sorted(unit_ids)])
    )
    if not work.tasks and not work.reports:
        turn.say(Msg.PLAN_NONE, days=HORIZON_DAYS, who=who)
        return
    lines = [turn.t(Msg.PLAN_HEADER, days=HORIZON_DAYS, who=who, date=desk.day(desk.today))]
    units = await turn.uow.communes.units(desk.commune.id, include_inactive=True)
    by_unit = unit_ids is None or len(unit_ids) > 1
    lines += describe(turn.t, work, units, desk.today, by_unit=by_unit)
    if work.tasks:
        lines.append(turn.t(Msg.PLAN_FOOTER, id=work.tasks[0].id))
    turn.say_text("\n".join(lines))


async def _done(turn: StaffTurn, number: str) -> None:
    task_id = row_id(number)
    task = await turn.uow.plan.get(turn.me.commune_id, task_id) if task_id is not None else None
    if task is None:
        turn.say(Msg.PLAN_NOT_FOUND, id=shorten(number, 20))
        return
    me = turn.me
    if not (me.may(TASKS, "close") or task.lead_unit_id in me.unit_ids):
        turn.say(Msg.PLAN_NOT_YOURS, id=task.id)
        return
    if not mark_done(task, by=me.id, now=turn.now):
        assert task.done_at is not None
        turn.say(Msg.PLAN_ALREADY_DONE, id=task.id, date=turn.desk.day(task.done_at))
        return
    turn.say(Msg.PLAN_DONE, id=task.id, title=task.title)


TASKS = StaffCommand(
    key="tasks",
    names=("nhiemvu", "tasks"),
    roles=EVERYONE,
    # everyone sees their own unit's work; the office, leaders and administrators see the whole commune's,
    # and the office and administrators (besides the lead unit's officers) mark a task done
    sub_actions={"see_all": TRIAGE | ADMINS, "close": frozenset({Role.CLERK, Role.ADMIN})},
    summary=Msg.PLAN_SUMMARY,
    about=Msg.PLAN_ABOUT,
    run=tasks_command,
)
COMMANDS = (TASKS,)
