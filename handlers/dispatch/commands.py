"""The command table of the application, collected from the features' declarations, and how the citizen
conversation recognises commands: slash commands in any case or diacritics, and a few typed phrases."""

from __future__ import annotations

import re
from dataclasses import dataclass

from handlers.broadcasts import announce
from handlers.calendar import staff as calendar
from handlers.cases import commands as casework_commands
from handlers.cases.commands import StaffCommand, StaffRun
from handlers.conferences import staff as conferences
from handlers.filing import paper
from handlers.kernel.catalogue.keys import Msg
from handlers.kernel.commands import EVERYONE, SLASH, CitizenCommand, CommandTable, Listing, Menu
from handlers.kernel.text import fold, fold_words
from handlers.plan import staff as plan
from handlers.reception import staff as reception
from handlers.staff import admin
from models.values import ReceiptCode

C = CitizenCommand


def _citizen(key: CitizenCommand, *names: str, menu: Listing | None = None) -> StaffCommand:
    """A command of the citizen conversation only (staff typing it are citizens too)."""
    return StaffCommand(
        key=key.value, names=names, citizen=key, menus={Menu.PRIVATE: menu} if menu is not None else {}
    )


HELP = StaffCommand(
    key="help",
    names=("trogiup", "help"),
    roles=EVERYONE,
    citizen=C.HELP,
    menus={
        Menu.PRIVATE: Listing(Msg.COMMANDS_TROGIUP, rank=60),
        Menu.GROUP: Listing(Msg.COMMANDS_TROGIUP_STAFF, rank=90),
    },
)
CANCEL = StaffCommand(
    key="cancel",
    names=("huy", "cancel"),
    roles=EVERYONE,
    citizen=C.CANCEL,
    summary=Msg.OFFICE_SUMMARY_CANCEL,
    about=Msg.OFFICE_ABOUT_CANCEL,
    menus={Menu.PRIVATE: Listing(Msg.COMMANDS_HUY, rank=50)},
)
# The citizen conversation's own commands (help and cancel are shared with the office: see the table).
CITIZEN_COMMANDS: tuple[StaffCommand, ...] = (
    _citizen(C.START, "start", "batdau", menu=Listing(Msg.COMMANDS_START, rank=10)),
    _citizen(C.MENU, "menu"),
    _citizen(C.FILE, "guidon", "new", "file", menu=Listing(Msg.COMMANDS_GUIDON, rank=20)),
    _citizen(C.TRACK, "tracuu", "status", "track", menu=Listing(Msg.COMMANDS_TRACUU, rank=30)),
    _citizen(C.MINE, "cuatoi", "mycases", menu=Listing(Msg.COMMANDS_CUATOI, rank=40)),
    _citizen(C.LANGUAGE, "ngonngu", "language", "lang", menu=Listing(Msg.COMMANDS_NGONNGU, rank=70)),
    _citizen(
        C.WITHDRAW_CONSENT, "rutdongy", "withdraw_consent", menu=Listing(Msg.COMMANDS_RUTDONGY, rank=80)
    ),
    _citizen(C.ANSWER, "traloi", "answer", menu=Listing(Msg.COMMANDS_TRALOI, rank=90)),
    _citizen(C.SUBSCRIBE, "dangky", "subscribe", menu=Listing(Msg.COMMANDS_DANGKY, rank=100)),
    _citizen(C.UNSUBSCRIBE, "huydangky", "unsubscribe", menu=Listing(Msg.COMMANDS_HUYDANGKY, rank=110)),
    _citizen(C.WHOAMI, "maso", "whoami"),
)
# Every command, once. Its order is the order of the staff's /trogiup; menus are ordered by their ranks.
TABLE: CommandTable[StaffRun] = CommandTable(
    [
        *CITIZEN_COMMANDS,
        HELP,
        *casework_commands.TRIAGE_COMMANDS,
        *paper.COMMANDS,
        *casework_commands.DECISION_COMMANDS,
        *plan.COMMANDS,
        *reception.COMMANDS,
        *conferences.COMMANDS,
        *announce.COMMANDS,
        *casework_commands.UNIT_COMMANDS,
        *admin.COMMANDS,
        *calendar.COMMANDS,
        CANCEL,
    ]
)

# Whole messages that mean a command without a slash. Only used where the step does not expect free
# text: at a name step "Huy" is a person, not "cancel".
KEYWORD_COMMANDS: dict[str, CitizenCommand] = {
    "huy": C.CANCEL,
    "huy don": C.CANCEL,
    "cancel": C.CANCEL,
    "tro giup": C.HELP,
    "huong dan": C.HELP,
    "giup do": C.HELP,
    "help": C.HELP,
    "gui don": C.FILE,
    "gui y kien": C.FILE,
    "ho so cua toi": C.MINE,
    "don cua toi": C.MINE,
    "tra cuu": C.TRACK,
    "tracuu": C.TRACK,
    "menu": C.MENU,
    "ngon ngu": C.LANGUAGE,
    "language": C.LANGUAGE,
    "tieng viet": C.LANGUAGE,
    "english": C.LANGUAGE,
    "lich tiep dan": C.RECEPTION,
    "lich tiep cong dan": C.RECEPTION,
}

_TRACK_PHRASE = re.compile(r"^(?:tra\s*cuu|xem)\s+(.+)$")


@dataclass(frozen=True)
class ParsedCommand:
    command: CitizenCommand
    argument: str = ""


def parse_command(text: str, *, keywords: bool) -> ParsedCommand | None:
    """The command a message asks for, or None when it is an ordinary message."""
    stripped = text.strip()
    slash = SLASH.match(stripped)
    if slash:
        spec = TABLE.named(slash.group(1))
        if spec is None or spec.citizen is None:
            return ParsedCommand(C.UNKNOWN, slash.group(1)[:32])
        return ParsedCommand(spec.citizen, (slash.group(2) or "").strip())
    folded = fold_words(stripped)
    # "tra cuu PT-26-00042" is unambiguous anywhere: it carries a receipt code.
    phrase = _TRACK_PHRASE.match(fold(stripped))
    if phrase and ReceiptCode.find(phrase.group(1)) is not None:
        return ParsedCommand(C.TRACK, phrase.group(1).strip())
    if keywords and folded in KEYWORD_COMMANDS:
        return ParsedCommand(KEYWORD_COMMANDS[folded])
    return None
