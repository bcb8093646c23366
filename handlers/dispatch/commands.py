"""Recognising commands: slash commands in any case or diacritics, and a few typed phrases."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from handlers.kernel.text import fold, fold_words
from models.values import ReceiptCode


class Command(StrEnum):
    START = "start"
    MENU = "menu"
    FILE = "file"
    CANCEL = "cancel"
    HELP = "help"
    TRACK = "track"
    MINE = "mine"
    WITHDRAW_CONSENT = "withdraw_consent"
    LANGUAGE = "language"
    ANSWER = "answer"  # send the information the office asked for
    SUBSCRIBE = "subscribe"
    UNSUBSCRIBE = "unsubscribe"
    RECEPTION = "reception"
    CONFERENCE = "dialogue"
    WHOAMI = "whoami"  # the person's account id on this channel, which an admin needs to make them staff
    UNKNOWN = "unknown"


# Vietnamese names first, English aliases after. Names are compared folded and without underscores.
SLASH_COMMANDS: dict[str, Command] = {
    "start": Command.START,
    "batdau": Command.START,
    "menu": Command.MENU,
    "guidon": Command.FILE,
    "new": Command.FILE,
    "file": Command.FILE,
    "huy": Command.CANCEL,
    "cancel": Command.CANCEL,
    "trogiup": Command.HELP,
    "help": Command.HELP,
    "tracuu": Command.TRACK,
    "status": Command.TRACK,
    "track": Command.TRACK,
    "cuatoi": Command.MINE,
    "mycases": Command.MINE,
    "rutdongy": Command.WITHDRAW_CONSENT,
    "withdrawconsent": Command.WITHDRAW_CONSENT,
    "ngonngu": Command.LANGUAGE,
    "language": Command.LANGUAGE,
    "lang": Command.LANGUAGE,
    "traloi": Command.ANSWER,
    "answer": Command.ANSWER,
    "dangky": Command.SUBSCRIBE,
    "subscribe": Command.SUBSCRIBE,
    "huydangky": Command.UNSUBSCRIBE,
    "unsubscribe": Command.UNSUBSCRIBE,
    "lichtiepdan": Command.RECEPTION,
    "receptiondays": Command.RECEPTION,
    "doithoai": Command.CONFERENCE,
    "dialogue": Command.CONFERENCE,
    "maso": Command.WHOAMI,
    "whoami": Command.WHOAMI,
}

# Whole messages that mean a command without a slash. Only used where the step does not expect free
# text: at a name step "Huy" is a person, not "cancel".
KEYWORD_COMMANDS: dict[str, Command] = {
    "huy": Command.CANCEL,
    "huy don": Command.CANCEL,
    "cancel": Command.CANCEL,
    "tro giup": Command.HELP,
    "huong dan": Command.HELP,
    "giup do": Command.HELP,
    "help": Command.HELP,
    "gui don": Command.FILE,
    "gui y kien": Command.FILE,
    "ho so cua toi": Command.MINE,
    "don cua toi": Command.MINE,
    "tra cuu": Command.TRACK,
    "tracuu": Command.TRACK,
    "menu": Command.MENU,
    "ngon ngu": Command.LANGUAGE,
    "language": Command.LANGUAGE,
    "tieng viet": Command.LANGUAGE,
    "english": Command.LANGUAGE,
    "lich tiep dan": Command.RECEPTION,
    "lich tiep cong dan": Command.RECEPTION,
}

_SLASH = re.compile(r"^/([^\s@]+)(?:@\S+)?(?:\s+(.*))?$", re.DOTALL)
_TRACK_PHRASE = re.compile(r"^(?:tra\s*cuu|xem)\s+(.+)$")


@dataclass(frozen=True)
class ParsedCommand:
    command: Command
    argument: str = ""


def parse_command(text: str, *, keywords: bool) -> ParsedCommand | None:
    """The command a message asks for, or None when it is an ordinary message."""
    stripped = text.strip()
    slash = _SLASH.match(stripped)
    if slash:
        name = fold(slash.group(1)).replace("_", "")
        command = SLASH_COMMANDS.get(name)
        if command is None:
            return ParsedCommand(Command.UNKNOWN, slash.group(1)[:32])
        return ParsedCommand(command, (slash.group(2) or "").strip())
    folded = fold_words(stripped)
    # "tra cuu PT-26-00042" is unambiguous anywhere: it carries a receipt code.
    phrase = _TRACK_PHRASE.match(fold(stripped))
    if phrase and ReceiptCode.find(phrase.group(1)) is not None:
        return ParsedCommand(Command.TRACK, phrase.group(1).strip())
    if keywords and folded in KEYWORD_COMMANDS:
        return ParsedCommand(KEYWORD_COMMANDS[folded])
    return None
