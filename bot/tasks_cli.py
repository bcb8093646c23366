"""``nghedan tasks import FILE`` (the plan's task table, CSV or XLSX) and ``nghedan tasks list``: what the
units must do by when; the lead unit is reminded before each deadline."""

from __future__ import annotations

import argparse
import csv
import io
from pathlib import Path
from typing import TYPE_CHECKING

from bot.exits import EXIT_OK, EXIT_USAGE
from handlers.cases.commune_calendar import commune_calendar
from handlers.kernel.catalogue.keys import Msg
from handlers.kernel.formatting import local
from handlers.kernel.labels import commune_in_sentence
from handlers.plan.tasks import HORIZON_DAYS, Cell, describe, due_work, import_tasks

if TYPE_CHECKING:
    from bot.bootstrap import App
    from bot.cli import Cli
    from handlers.kernel.ports import UnitOfWork
    from models.commune import Commune


class UnreadableTable(Exception):
    """The file is not a CSV or XLSX table we can read; ``str()`` says why, in Vietnamese."""


def read_table(path: Path) -> list[list[Cell]]:
    """The rows of the first sheet of an .xlsx file, or of a UTF-8 CSV file (comma or semicolon)."""
    if not path.is_file():
        raise UnreadableTable("không có tệp này")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return _read_xlsx(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableTable("tệp không phải văn bản UTF-8") from exc
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return [list(row) for row in csv.reader(io.StringIO(text), dialect)]


def _read_xlsx(path: Path) -> list[list[Cell]]:
    from zipfile import BadZipFile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, BadZipFile, OSError, KeyError, ValueError) as exc:
        raise UnreadableTable("tệp .xlsx bị hỏng hoặc không đúng định dạng") from exc
    try:
        sheet = workbook.worksheets[0]
        return [list(row) for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()


async def cmd_tasks_import(cli: Cli, args: argparse.Namespace) -> int:
    path = Path(args.file)
    try:
        rows = read_table(path)
    except UnreadableTable as exc:
        cli.say(Msg.PLAN_UNREADABLE, err=True, path=path.name, reason=str(exc))
        return EXIT_USAGE

    async def work(app: App, uow: UnitOfWork, commune: Commune) -> int:
        now = app.clock.now()
        result = await import_tasks(uow, commune, rows, now=now, today=local(now).date())
        if result.problems:
            for problem in result.problems:
                cli.say(problem.key, err=True, **problem.params)
            cli.say(Msg.PLAN_NOTHING_IMPORTED, err=True)
            return EXIT_USAGE
        await uow.commit()
        cli.say(
            Msg.PLAN_IMPORTED, added=result.added, same=result.unchanged, commune=commune_in_sentence(commune)
        )
        return EXIT_OK

    return await cli.in_commune(args.commune, work)


async def cmd_tasks_list(cli: Cli, args: argparse.Namespace) -> int:
    async def work(app: App, uow: UnitOfWork, commune: Commune) -> int:
        today = local(app.clock.now()).date()
        units = await uow.communes.units(commune.id)
        unit_ids, unit_name = None, cli.catalogue.text("vi", Msg.PLAN_EVERYONE)
        if args.unit:
            wanted = [unit for unit in units if unit.code.upper() == args.unit.upper()]
            if not wanted:
                codes = ", ".join(unit.code for unit in units)
                cli.say(
                    Msg.CLI_STAFF_UNKNOWN_UNIT,
                    err=True,
                    unit=args.unit[:20],
                    commune=commune_in_sentence(commune),
                    codes=codes,
                )
                return EXIT_USAGE
            unit_ids, unit_name = frozenset({wanted[0].id}), wanted[0].name
        work_due = await due_work(
            uow, commune, await commune_calendar(uow, commune.id), today, unit_ids=unit_ids, horizon=args.days
        )
        who = unit_name
        if not work_due.tasks and not work_due.reports:
            cli.say(Msg.PLAN_NONE, days=args.days, who=who)
            return EXIT_OK
        cli.say(Msg.PLAN_HEADER, days=args.days, who=who, date=f"{today:%d/%m/%Y}")
        every_unit = await uow.communes.units(commune.id, include_inactive=True)
        for line in describe(
            lambda key, **params: cli.catalogue.text("vi", key, **params),
            work_due,
            every_unit,
            today,
            by_unit=unit_ids is None,
        ):
            print(line)
        return EXIT_OK

    return await cli.in_commune(args.commune, work)


def add_parsers(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    tasks = commands.add_parser(
        "tasks", help="nhiệm vụ trong kế hoạch của xã (phụ lục nhiệm vụ)"
    ).add_subparsers(dest="tasks_command", required=True)
    load = tasks.add_parser("import", help="nhập bảng nhiệm vụ từ tệp .csv hoặc .xlsx")
    load.add_argument(
        "file", help="tệp .csv (UTF-8) hoặc .xlsx: Nhiệm vụ, Đơn vị chủ trì, Đơn vị phối hợp, Thời hạn"
    )
    load.add_argument("--commune", help="mã xã, phường (mặc định: xã duy nhất)")
    load.set_defaults(handler=cmd_tasks_import)
    show = tasks.add_parser("list", help="nhiệm vụ và báo cáo sắp đến hạn (cả nhiệm vụ quá hạn)")
    show.add_argument("--unit", help="chỉ một bộ phận (mã, ví dụ VP)")
    show.add_argument("--days", type=int, default=HORIZON_DAYS, help="số ngày tới (mặc định 30)")
    show.add_argument("--commune", help="mã xã, phường (mặc định: xã duy nhất)")
    show.set_defaults(handler=cmd_tasks_list)
