"""``nghedan deadline RULE START``: a legal due date, as ``YYYY-MM-DD`` on the first line, explained after.

Pure: no database and no network. It counts on the shipped civil-service calendar (public holidays and the
official swaps of ``deadlines.calendar.DEFAULT_OVERRIDES``).
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from typing import TYPE_CHECKING

from bot.exits import EXIT_OK, EXIT_USAGE
from handlers.cases.deadline_text import explain, refusal
from handlers.kernel.catalogue.keys import Msg
from models.deadlines.calendar import DEFAULT_OVERRIDES, WorkCalendar
from models.deadlines.rules import RULES, DeadlineError, compute

if TYPE_CHECKING:
    from bot.cli import Cli


async def cmd_deadline(cli: Cli, args: argparse.Namespace) -> int:
    def t(key: Msg, **params: object) -> str:
        return cli.catalogue.text("vi", key, **params)

    rule = RULES.get(args.rule)
    if rule is None:
        print(t(Msg.CLI_DEADLINE_UNKNOWN_RULE, rule=args.rule[:40], rules=", ".join(RULES)), file=sys.stderr)
        return EXIT_USAGE
    try:
        start = date.fromisoformat(args.start)
    except ValueError:
        print(t(Msg.CLI_DEADLINE_BAD_DATE, text=args.start[:40]), file=sys.stderr)
        return EXIT_USAGE
    if args.extensions < 0:
        print(t(Msg.CLI_DEADLINE_BAD_COUNT), file=sys.stderr)
        return EXIT_USAGE
    length = args.extension_days if args.extension_days is not None else rule.max_extension_days
    calendar = WorkCalendar.with_overrides(DEFAULT_OVERRIDES)
    try:
        deadline = compute(
            rule,
            start,
            calendar,
            complex=args.complex,
            remote=args.remote,
            extended=args.extended,
            extensions=(length,) * args.extensions,
        )
    except DeadlineError as error:
        print(refusal(t, error), file=sys.stderr)
        return EXIT_USAGE
    print(deadline.due.isoformat())
    print(explain(t, deadline, calendar))
    return EXIT_OK


def add_parsers(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    deadline = commands.add_parser(
        "deadline",
        help="tính hạn theo luật: dòng đầu là ngày đến hạn (YYYY-MM-DD), sau đó là giải thích",
    )
    deadline.add_argument("rule", help="mã quy tắc: " + ", ".join(RULES))
    deadline.add_argument("start", help="ngày bắt đầu tính (nhận đơn hoặc thụ lý), dạng YYYY-MM-DD")
    deadline.add_argument("--complex", action="store_true", help="vụ việc phức tạp")
    deadline.add_argument("--remote", action="store_true", help="vùng sâu, vùng xa")
    deadline.add_argument("--extended", action="store_true", help="gia hạn xử lý ban đầu (tố cáo)")
    deadline.add_argument(
        "--extensions", type=int, default=0, help="số lần gia hạn giải quyết (tố cáo: tối đa 2)"
    )
    deadline.add_argument(
        "--extension-days", type=int, help="số ngày mỗi lần gia hạn (mặc định: tối đa luật cho phép)"
    )
    deadline.set_defaults(handler=cmd_deadline)
