"""/lichnghi — the commune's working calendar from the chat (admins): see a year, make a day off or a working
day, or go back to the shipped calendar. Same effect as ``nghedan calendar``: open deadlines are recomputed
and each case that moved records why."""

from __future__ import annotations

from handlers.cases.commands import StaffCommand
from handlers.cases.commune_calendar import change_day, year_listing
from handlers.cases.staff_turn import StaffTurn
from handlers.kernel.catalogue.keys import Msg
from handlers.kernel.commands import ADMINS
from handlers.kernel.formatting import local, read_day
from handlers.kernel.text import fold_words, shorten
from handlers.kernel.weekdays import WEEKDAYS
from models.deadlines.calendar import OverrideKind

ACTIONS: dict[str, OverrideKind | None] = {
    "nghi": OverrideKind.OFF,
    "off": OverrideKind.OFF,
    "lam": OverrideKind.WORK,
    "work": OverrideKind.WORK,
    "bo": None,
    "reset": None,
}


async def calendar_command(turn: StaffTurn, argument: str) -> None:
    words = argument.split()
    if not words or words[0].isdecimal():
        year = int(words[0]) if words else local(turn.now).year
        if not 1900 <= year <= 2200:
            turn.say(Msg.OFFICE_USAGE, usage=turn.t(Msg.OFFICE_USAGE_CALENDAR))
            return
        await _show(turn, year)
        return
    action = fold_words(words[0]).replace(" ", "")
    day = read_day(words[1], local(turn.now).date()) if len(words) > 1 else None
    reason = " ".join(words[2:])[:200]
    if action not in ACTIONS or day is None:
        if len(words) > 1 and day is None and action in ACTIONS:
            turn.say(Msg.OFFICE_CALENDAR_BAD_DATE, text=shorten(words[1], 30))
        else:
            turn.say(Msg.OFFICE_USAGE, usage=turn.t(Msg.OFFICE_USAGE_CALENDAR))
        return
    kind = ACTIONS[action]
    if kind is not None and not reason:
        turn.say(Msg.OFFICE_CALENDAR_NEEDS_REASON)
        return
    change = await change_day(
        turn.uow,
        turn.desk.commune,
        day,
        kind,
        reason=reason,
        by=f"staff:{turn.me.id}",
        now=turn.now,
        actor_id=turn.me.id,
    )
    turn.say(
        Msg.CLI_CALENDAR_NOW_WORKING if change.working else Msg.CLI_CALENDAR_NOW_OFF,
        day=turn.desk.day(day),
        reason=change.reason,
    )
    turn.say(Msg.CLI_CALENDAR_MOVED, count=change.moved)


async def _show(turn: StaffTurn, year: int) -> None:
    lines = [turn.t(Msg.CLI_CALENDAR_HEADER, year=year)]
    for entry in await year_listing(turn.uow, turn.desk.commune.id, year):
        lines.append(
            turn.t(
                Msg.CLI_CALENDAR_WORKED if entry.working else Msg.CLI_CALENDAR_OFF,
                day=turn.desk.day(entry.day),
                weekday=turn.t(WEEKDAYS[entry.day.weekday()]),
                reason=entry.reason,
                own=turn.t(Msg.CLI_CALENDAR_OWN) if entry.own else "",
            )
        )
    turn.say_text("\n".join(lines))


CALENDAR = StaffCommand(
    key="calendar",
    names=("lichnghi", "calendar"),
    roles=ADMINS,
    summary=Msg.OFFICE_SUMMARY_CALENDAR,
    about=Msg.OFFICE_ABOUT_CALENDAR,
    run=calendar_command,
)
COMMANDS = (CALENDAR,)
