"""``/lichtiepdan`` for staff: the coming citizen-reception sessions, those on a day off marked, and changing
the schedule (clerks, leaders, admins): cancel a day's regular session, add a session, or go back to the
regular schedule."""

from __future__ import annotations

import re
from datetime import date, timedelta

from handlers.cases.commands import StaffCommand
from handlers.cases.reception_sessions import LOOK_AHEAD_DAYS, describe, regular, sessions
from handlers.cases.staff_turn import StaffTurn
from handlers.cases.staff_views import queue_line
from handlers.kernel.catalogue.keys import Msg
from handlers.kernel.commands import ADMINS, EVERYONE, TRIAGE, CitizenCommand, Listing, Menu
from handlers.kernel.formatting import read_day
from handlers.kernel.text import fold_words, shorten
from handlers.reception.schedule import add_extra, cancel, reset

_HOURS = re.compile(r"^([01]?[0-9]|2[0-3])[:h.]([0-5][0-9])\s*[-–]\s*([01]?[0-9]|2[0-3])[:h.]([0-5][0-9])$")
ACTIONS = {"huy": "cancel", "cancel": "cancel", "them": "add", "add": "add", "bo": "reset", "reset": "reset"}


async def reception_command(turn: StaffTurn, argument: str) -> None:
    words = argument.split()
    if not words:
        await _show(turn)
        return
    action = ACTIONS.get(fold_words(words[0]).replace(" ", ""))
    if action is None and len(words) == 1 and (day := read_day(words[0], turn.desk.today)) is not None:
        await _show_day(turn, day)
        return
    if action is None or len(words) < 2:
        turn.say(Msg.OFFICE_USAGE, usage=turn.t(Msg.RECEPTION_USAGE))
        return
    me = turn.me
    if not me.may(RECEPTION, "change"):
        turn.say(Msg.RECEPTION_NOT_YOURS)
        return
    day = read_day(words[1], turn.desk.today)
    if day is None:
        turn.say(Msg.RECEPTION_BAD_DATE, text=shorten(words[1], 30))
        return
    desk, rest = turn.desk, words[2:]
    shown = desk.day(day)
    if action == "reset":
        turn.say(Msg.RECEPTION_RESET, date=shown, count=await reset(turn.uow, desk.commune, day))
    elif action == "cancel":
        note = " ".join(rest)[:300]
        if not note:
            turn.say(Msg.RECEPTION_NEEDS_REASON)
        elif not any(rule["weekday"] == day.weekday() for rule in regular(desk.commune)):
            turn.say(Msg.RECEPTION_NO_REGULAR, date=shown)
        elif await cancel(turn.uow, desk.commune, day, note, by=me.id, now=turn.now):
            turn.say(Msg.RECEPTION_CANCELLED, date=shown, note=note)
        else:
            turn.say(Msg.RECEPTION_ALREADY_CANCELLED, date=shown)
    else:
        hours = _HOURS.match(rest[0]) if rest else None
        if hours is None:
            turn.say(Msg.RECEPTION_BAD_TIME, text=shorten(rest[0] if rest else "", 30))
            return
        start = f"{int(hours.group(1)):02d}:{hours.group(2)}"
        end = f"{int(hours.group(3)):02d}:{hours.group(4)}"
        if start >= end:
            turn.say(Msg.RECEPTION_BAD_TIME, text=shorten(rest[0], 30))
            return
        place = " ".join(rest[1:])[:300] or next((str(r["place"]) for r in regular(desk.commune)), "")
        await add_extra(turn.uow, desk.commune, day, start, end, place, by=me.id, now=turn.now)
        turn.say(Msg.RECEPTION_ADDED, date=shown, start=start, end=end, place=place)


async def _show_day(turn: StaffTurn, day: date) -> None:
    """A day's sessions, each with the cases a clerk entered as received there (``/nhaphoso``); a case the
    reader may not see is left out, as in every list."""
    desk = turn.desk
    found = await sessions(turn.uow, desk.commune, day, day)
    cases = [case for case in await turn.uow.cases.at_reception(desk.commune.id, day) if turn.me.sees(case)]
    if not found and not cases:
        turn.say(Msg.RECEPTION_DAY_NONE, date=desk.day(day))
        return
    lines = [turn.t(Msg.RECEPTION_DAY_HEADER, date=desk.day(day))]
    calendar = await desk.calendar()
    by_key = {session.key: session for session in found}
    # A case whose session was cancelled or moved afterwards still shows, under its recorded start.
    orphans = sorted({str(case.reception_key) for case in cases} - set(by_key))
    for key in [*by_key, *orphans]:
        if key in by_key:
            lines += describe(turn.t, [by_key[key]], off=calendar.reason_off)
        else:
            lines.append(desk.received_label(next(case for case in cases if case.reception_key == key)))
        mine = [case for case in cases if case.reception_key == key]
        if mine:
            lines.append(turn.t(Msg.RECEPTION_DAY_CASES, count=len(mine)))
            lines += [await queue_line(turn, case) for case in mine]
        else:
            lines.append(turn.t(Msg.RECEPTION_DAY_NO_CASES))
    turn.say_text("\n".join(lines))


async def _show(turn: StaffTurn) -> None:
    desk = turn.desk
    calendar = await desk.calendar()
    found = await sessions(turn.uow, desk.commune, desk.today, desk.today + timedelta(days=LOOK_AHEAD_DAYS))
    if not found:
        turn.say(Msg.RECEPTION_NONE, days=LOOK_AHEAD_DAYS)
        return
    lines = [turn.t(Msg.RECEPTION_HEADER, days=LOOK_AHEAD_DAYS)]
    lines += describe(turn.t, found, off=calendar.reason_off)
    lines.append(turn.t(Msg.RECEPTION_FOOTER_STAFF))
    turn.say_text("\n".join(lines))


RECEPTION = StaffCommand(
    key="reception",
    names=("lichtiepdan", "receptiondays"),
    roles=EVERYONE,  # reading; changing the schedule is the office's, the leaders' and administrators'
    sub_actions={"change": TRIAGE | ADMINS},
    citizen=CitizenCommand.RECEPTION,
    summary=Msg.RECEPTION_SUMMARY,
    about=Msg.RECEPTION_ABOUT,
    menus={Menu.PRIVATE: Listing(Msg.COMMANDS_LICHTIEPDAN, rank=120)},
    run=reception_command,
)
COMMANDS = (RECEPTION,)
