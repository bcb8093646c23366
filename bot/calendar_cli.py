"""``nghedan calendar show YEAR | off DATE REASON | work DATE REASON | reset DATE``: a commune's working
calendar, and changing it (the deadlines of open cases follow, and each case that moved records why)."""

from __future__ import annotations

import argparse
from datetime import date
from typing import TYPE_CHECKING

from bot.exits import EXIT_OK, EXIT_USAGE
from handlers.cases.commune_calendar import change_day, year_listing
from handlers.kernel.catalogue.keys import Msg
from handlers.kernel.labels import commune_in_sentence
from handlers.kernel.weekdays import WEEKDAYS
from models.deadlines.calendar import OverrideKind

if TYPE_CHECKING:
    from bot.bootstrap import App
    from bot.cli import Cli
    from handlers.kernel.ports import UnitOfWork
    from models.commune import Commune


async def cmd_calendar_show(cli: Cli, args: argparse.Namespace) -> int:
    if not 1900 <= args.year <= 2200:
        cli.say(Msg.CLI_CALENDAR_BAD_YEAR, err=True, year=args.year)
        return EXIT_USAGE

    async def work(app: App, uow: UnitOfWork, commune: Commune) -> int:
        entries = await year_listing(uow, commune.id, args.year)
        cli.say(Msg.CLI_CALENDAR_HEADER, year=args.year, commune=commune_in_sentence(commune))
        for entry in entries:
            cli.say(
                Msg.CLI_CALENDAR_WORKED if entry.working else Msg.CLI_CALENDAR_OFF,
                day=f"{entry.day:%d/%m/%Y}",
                weekday=cli.catalogue.text("vi", WEEKDAYS[entry.day.weekday()]),
                reason=entry.reason,
                own=cli.catalogue.text("vi", Msg.CLI_CALENDAR_OWN) if entry.own else "",
            )
        return EXIT_OK

    return await cli.in_commune(args.commune, work)


async def cmd_calendar_change(cli: Cli, args: argparse.Namespace) -> int:
    kind = {"off": OverrideKind.OFF, "work": OverrideKind.WORK, "reset": None}[args.calendar_command]
    try:
        day = date.fromisoformat(args.date)
    except ValueError:
        cli.say(Msg.CLI_DEADLINE_BAD_DATE, err=True, text=args.date[:40])
        return EXIT_USAGE
    reason = " ".join((getattr(args, "reason", "") or "").split())[:200]
    if kind is not None and not reason:
        cli.say(Msg.CLI_CALENDAR_NEEDS_REASON, err=True)
        return EXIT_USAGE

    async def work(app: App, uow: UnitOfWork, commune: Commune) -> int:
        change = await change_day(uow, commune, day, kind, reason=reason, by="cli", now=app.clock.now())
        await uow.commit()
        cli.say(
            Msg.CLI_CALENDAR_NOW_WORKING if change.working else Msg.CLI_CALENDAR_NOW_OFF,
            day=f"{day:%d/%m/%Y}",
            reason=change.reason,
            commune=commune_in_sentence(commune),
        )
        cli.say(Msg.CLI_CALENDAR_MOVED, count=change.moved)
        return EXIT_OK

    return await cli.in_commune(args.commune, work)


def add_parsers(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    calendar = commands.add_parser("calendar", help="lịch làm việc: ngày nghỉ, ngày làm bù").add_subparsers(
        dest="calendar_command", required=True
    )
    show = calendar.add_parser("show", help="các ngày nghỉ và ngày làm bù trong năm")
    show.add_argument("year", type=int)
    show.add_argument("--commune", help="mã xã, phường (mặc định: xã duy nhất)")
    show.set_defaults(handler=cmd_calendar_show)
    for name, text in (("off", "đặt một ngày là ngày nghỉ"), ("work", "đặt một ngày là ngày làm việc")):
        change = calendar.add_parser(name, help=text)
        change.add_argument("date", help="YYYY-MM-DD")
        change.add_argument("reason", help="lý do (ví dụ: Làm bù cho ngày 02/01/2026)")
        change.add_argument("--commune", help="mã xã, phường (mặc định: xã duy nhất)")
        change.set_defaults(handler=cmd_calendar_change)
    reset = calendar.add_parser("reset", help="bỏ thay đổi của xã, trở về lịch mặc định cho ngày này")
    reset.add_argument("date", help="YYYY-MM-DD")
    reset.add_argument("--commune", help="mã xã, phường (mặc định: xã duy nhất)")
    reset.set_defaults(handler=cmd_calendar_change)
