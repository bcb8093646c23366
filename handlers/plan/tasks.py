"""The commune plan's duties: the task list (phụ lục nhiệm vụ) imported from the plan's table, and the units'
recurring reports from the commune file. What is due, for one unit or the whole commune, and marking a task
done. The sweep (``handlers.plan.sweep``) reminds the lead unit before each deadline.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Final

from handlers.cases.communes import ReportSpec
from handlers.kernel.catalogue.keys import Msg
from handlers.kernel.formatting import date_words, read_day
from handlers.kernel.ports import UnitOfWork
from handlers.kernel.text import fold_words
from models.commune import Commune, Unit
from models.deadlines.calendar import WorkCalendar
from models.deadlines.duties import DutyDate, ReportDuty, upcoming
from models.plan import PlanTask

HORIZON_DAYS = 30  # what /nhiemvu and ``nghedan tasks list`` show ahead
MAX_TITLE = 500
SLUG_WORDS = 48  # of a report's title in its reminders' keys (``sent_reminders.key``: 200)
HEADING_SEARCH = 10  # rows looked at for the heading
MAX_PARTNER = 200  # a coordinating partner that is not one of the units is kept as written, up to this
# Column headings, compared folded (no case, no diacritics, no note in brackets), Vietnamese first.
COLUMNS: Final = {
    "title": (
        "nhiem vu",
        "noi dung nhiem vu",
        "ten nhiem vu",
        "noi dung cong viec",  # seed 000's table
        "cong viec",
        "noi dung",
        "task",
        "tasks",
    ),
    "lead": ("don vi chu tri", "co quan chu tri", "chu tri", "lead unit", "lead"),
    "coordinating": (
        "don vi phoi hop",
        "co quan phoi hop",
        "phoi hop",
        "coordinating units",
        "coordinating unit",
        "coordinating",
    ),
    "deadline": (
        "thoi han",
        "thoi han hoan thanh",
        "thoi gian hoan thanh",
        "han",
        "deadline",
        "due",
        "due date",
    ),
}
REQUIRED = ("title", "lead", "deadline")
COLUMN_LABELS: Final = {
    "title": "Nhiệm vụ",
    "lead": "Đơn vị chủ trì",
    "coordinating": "Đơn vị phối hợp",
    "deadline": "Thời hạn",
}
_SEPARATORS = re.compile(r"[,;\n]+")
_NOTE = re.compile(r"\([^)]*\)")  # "Thời hạn (ngày/tháng/năm)"
_PLACE = re.compile(r"\s+(xa|phuong|thi tran)$")  # "Phòng Kinh tế xã" is the commune's "Phòng Kinh tế"
EXCEL_EPOCH = date(1899, 12, 30)  # an .xlsx date stored as a plain number counts days from here
EXCEL_SERIALS = range((date(2000, 1, 1) - EXCEL_EPOCH).days, (date(2100, 1, 1) - EXCEL_EPOCH).days)

Cell = str | int | float | date | datetime | None


def report_duties(commune: Commune) -> list[ReportDuty]:
    """The units' recurring reports, as the commune file sets them (``[[reports]]``, read by the same
    ``ReportSpec`` that checked them at import)."""
    return [ReportSpec.model_validate(item).duty() for item in commune.settings.get("reports") or []]


def report_slug(duty: ReportDuty) -> str:
    """The report's unit and title, short and stable, for reminder keys: two reports of one unit due on the
    same day (seed 000: the yearly dân vận and dân chủ reports, both before 14/11) are told apart."""
    words = fold_words(duty.title).replace(" ", "-")
    if len(words) > SLUG_WORDS:
        digest = hashlib.sha256(duty.title.encode()).hexdigest()[:8]
        words = f"{words[: SLUG_WORDS - 9]}-{digest}"
    return f"{duty.unit}:{words}"


# -- importing the task table -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    key: Msg
    params: dict[str, object]


@dataclass
class TaskImport:
    added: int = 0
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)


def _columns(header: Sequence[Cell]) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, cell in enumerate(header):
        name = fold_words(_NOTE.sub(" ", str(cell or "")))
        for column, names in COLUMNS.items():
            if name in names and column not in found:
                found[column] = index
    return found


def _text(cell: Cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return " ".join(str(cell).split())


def _day(cell: Cell, today: date) -> date | None:
    if isinstance(cell, datetime):
        return cell.date()
    if isinstance(cell, date):
        return cell
    if isinstance(cell, int | float) and not isinstance(cell, bool):  # a date cell formatted as a number
        return EXCEL_EPOCH + timedelta(days=int(cell)) if int(cell) in EXCEL_SERIALS else None
    text = _text(cell)
    return read_day(text, today) if text else None


def _name_key(name: str) -> str:
    return _PLACE.sub("", fold_words(name))


def _unit(units: Sequence[Unit], text: str) -> Unit | None:
    """The unit with this code or name (compared folded, "xã" or "phường" at the end or not)."""
    wanted = _name_key(text)
    return next(
        (unit for unit in units if unit.code.upper() == text.upper() or _name_key(unit.name) == wanted), None
    )


async def import_tasks(
    uow: UnitOfWork, commune: Commune, rows: Sequence[Sequence[Cell]], *, now: datetime, today: date
) -> TaskImport:
    """Import the table (its heading: the first row naming the needed columns). Every row is checked first;
    if any is wrong, nothing is imported and every problem is returned with its row number (as a spreadsheet
    numbers rows). A task already there (same title and deadline) is left as it is. The lead unit must be one
    of the commune's units; a coordinating partner that is not (the plans name "các xóm", "các cơ quan, đơn
    vị liên quan"…) is kept as written."""
    result = TaskImport()
    numbered = [(number, row) for number, row in enumerate(rows, start=1) if any(_text(c) for c in row)]
    if not numbered:
        result.problems.append(Problem(Msg.PLAN_EMPTY, {}))
        return result
    # The heading is the first row naming the needed columns: a plan's table often has a title above it.
    at = next(
        (i for i, (_, row) in enumerate(numbered[:HEADING_SEARCH]) if set(REQUIRED) <= _columns(row).keys()),
        None,
    )
    if at is None:
        columns = _columns(numbered[0][1])
        missing = [column for column in REQUIRED if column not in columns]
        names = ", ".join(COLUMN_LABELS[column] for column in missing)
        result.problems.append(Problem(Msg.PLAN_NO_HEADER, {"missing": names}))
        return result
    columns, body = _columns(numbered[at][1]), numbered[at + 1 :]
    if not body:
        result.problems.append(Problem(Msg.PLAN_EMPTY, {}))
        return result
    units = [unit for unit in await uow.communes.units(commune.id) if unit.active]
    codes = ", ".join(unit.code for unit in units)
    tasks: list[PlanTask] = []
    for number, row in body:

        def cell(column: str, row: Sequence[Cell] = row) -> Cell:
            index = columns.get(column)
            return row[index] if index is not None and index < len(row) else None

        title = _text(cell("title"))
        lead_text = _text(cell("lead"))
        lead = _unit(units, lead_text) if lead_text else None
        due = _day(cell("deadline"), today)
        partners = [part.strip() for part in _SEPARATORS.split(_text(cell("coordinating"))) if part.strip()]
        before = len(result.problems)
        if not title:
            result.problems.append(Problem(Msg.PLAN_ROW_NO_TITLE, {"row": number}))
        elif len(title) > MAX_TITLE:
            result.problems.append(Problem(Msg.PLAN_ROW_TITLE_LONG, {"row": number, "max": MAX_TITLE}))
        leads = [part.strip() for part in _SEPARATORS.split(lead_text) if part.strip()]
        if lead is None and len(leads) > 1 and all(_unit(units, part) for part in leads):
            result.problems.append(Problem(Msg.PLAN_ROW_SEVERAL_LEADS, {"row": number, "unit": lead_text}))
        elif lead is None:
            result.problems.append(
                Problem(Msg.PLAN_ROW_UNKNOWN_UNIT, {"row": number, "unit": lead_text or "—", "units": codes})
            )
        if due is None:
            shown = _text(cell("deadline")) or "—"
            result.problems.append(Problem(Msg.PLAN_ROW_BAD_DATE, {"row": number, "text": shown[:40]}))
        if len(result.problems) > before or lead is None or due is None:
            continue
        tasks.append(
            PlanTask(
                commune_id=commune.id,
                title=title,
                lead_unit_id=lead.id,
                due_on=due,
                imported_at=now,
                coordinating=_partners(units, partners, lead),
            )
        )
    if result.problems:
        return result
    existing = {(task.title, task.due_on) for task in await uow.plan.tasks(commune.id, open_only=False)}
    for task in tasks:
        if (task.title, task.due_on) in existing:
            result.unchanged += 1
            continue
        existing.add((task.title, task.due_on))
        await uow.plan.add(task)
        result.added += 1
    return result


def _partners(units: Sequence[Unit], partners: Sequence[str], lead: Unit) -> list[str]:
    """Unit codes for the commune's units (the lead left out), the others as written; each once."""
    found: list[str] = []
    for part in partners:
        unit = _unit(units, part)
        if unit is not None and unit.id == lead.id:
            continue
        found.append(unit.code if unit is not None else part[:MAX_PARTNER])
    return list(dict.fromkeys(found))


# -- what is due ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DueWork:
    tasks: list[PlanTask]  # open tasks due within the horizon, overdue ones included
    reports: list[DutyDate]  # report due dates within the horizon


async def due_work(
    uow: UnitOfWork,
    commune: Commune,
    calendar: WorkCalendar,
    today: date,
    *,
    unit_ids: frozenset[int] | None = None,
    horizon: int = HORIZON_DAYS,
) -> DueWork:
    """The open tasks and reports due by ``today + horizon`` (tasks overdue too), for some units or all."""
    end = today + timedelta(days=horizon)
    tasks = [
        task
        for task in await uow.plan.tasks(commune.id)
        if task.due_on <= end and (unit_ids is None or task.lead_unit_id in unit_ids)
    ]
    codes: set[str] | None = None
    if unit_ids is not None:
        codes = {unit.code for unit in await uow.communes.units(commune.id) if unit.id in unit_ids}
    reports = sorted(
        (
            when
            for duty in report_duties(commune)
            if codes is None or duty.unit in codes
            for when in upcoming(duty, calendar, today, end)
        ),
        key=lambda when: (when.due, when.duty.title),
    )
    return DueWork(tasks, reports)


def mark_done(task: PlanTask, *, by: int | None, now: datetime) -> bool:
    """Record the task as done; False if it already was."""
    if task.done_at is not None:
        return False
    task.done_at, task.done_by = now, by
    return True


Words = Callable[..., str]  # (key, **params) -> the sentence


def describe(t: Words, work: DueWork, units: Sequence[Unit], today: date, *, by_unit: bool) -> list[str]:
    """One line per task and report by due date, overdue tasks marked, dates as dd/mm/yyyy; with ``by_unit``,
    grouped under each lead unit's name (in the commune's order of units)."""

    by_code = {unit.code: unit for unit in units}
    code_of = {unit.id: unit.code for unit in units}
    entries: list[tuple[str, date, int, str]] = []  # the lead unit's code, the due date, task 0 / report 1
    for task in work.tasks:
        partners = ", ".join(by_code[code].name if code in by_code else code for code in task.coordinating)
        line = t(
            Msg.PLAN_TASK_OVERDUE if task.due_on < today else Msg.PLAN_TASK_LINE,
            id=task.id,
            title=task.title,
            coordinating=t(Msg.PLAN_COORDINATING, units=partners) if partners else "",
            date=date_words(t, task.due_on),
        )
        entries.append((code_of.get(task.lead_unit_id, "?"), task.due_on, 0, line))
    for when in work.reports:
        line = t(
            Msg.PLAN_REPORT_LINE,
            title=when.duty.title,
            before=date_words(t, when.before),
            date=date_words(t, when.due),
        )
        entries.append((when.duty.unit, when.due, 1, line))
    order = {unit.code: index for index, unit in enumerate(units)}
    if by_unit:
        entries.sort(key=lambda entry: (order.get(entry[0], len(order)), entry[0], entry[1], entry[2]))
    else:
        entries.sort(key=lambda entry: (entry[1], entry[2]))  # stable: tasks by number, reports by title
    lines: list[str] = []
    for index, (code, _, _, line) in enumerate(entries):
        if by_unit and (index == 0 or entries[index - 1][0] != code):
            name = by_code[code].name if code in by_code else code
            lines += ["", t(Msg.PLAN_UNIT, unit=name)]
        lines.append(line)
    return lines
