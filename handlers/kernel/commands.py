"""The command table: one declaration per slash command, from which everything else about it is derived.

A ``CommandSpec`` says, once, a command's names (Vietnamese first, English aliases after), which staff roles
may use it (and its sub-actions, such as changing a schedule rather than reading it), whether it may be used
in a group, what a citizen typing it gets, the catalogue keys of its help, its place in each command menu, and
the function that runs it. Features declare their commands next to their handlers; the dispatcher collects
them into one ``CommandTable``, which parses typed commands, answers who may use what, lists ``/trogiup`` for
a role and builds the menus of channels that have one (Telegram). A new staff command is one declaration.

The kernel knows nothing of turns: the function that runs a command is a type parameter (``H``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Final, Generic, TypeVar

from handlers.kernel.catalogue.keys import Msg
from handlers.kernel.text import fold
from models.staff import Role

H = TypeVar("H")

TRIAGE: Final = frozenset({Role.CLERK, Role.LEADER})  # the office (Văn phòng) and the leaders
EVERYONE: Final = frozenset(Role)
ADMINS: Final = frozenset({Role.ADMIN})
UNITS: Final = frozenset({Role.UNIT})


class CitizenCommand(StrEnum):
    """What a command means to the citizen conversation (values are never stored)."""

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
    CONFERENCE = "conference"
    WHOAMI = "whoami"  # the person's account id on this channel, which an admin needs to make them staff
    UNKNOWN = "unknown"


class Menu(StrEnum):
    """The command menus a channel may publish (Telegram: one for private chats, one for groups)."""

    PRIVATE = "private"  # citizens, and staff writing as citizens
    GROUP = "group"  # the office's and units' groups


@dataclass(frozen=True)
class Listing:
    """A command's line in one menu: its description and its place (lower first)."""

    description: Msg
    rank: int


@dataclass(frozen=True, eq=False)
class CommandSpec(Generic[H]):
    key: str  # a stable name for logs and tests
    names: tuple[str, ...]  # Vietnamese first, English aliases after; compared folded, without underscores
    roles: frozenset[Role] = frozenset()  # staff roles that may use it; empty: not a staff command
    sub_actions: Mapping[str, frozenset[Role]] = field(default_factory=dict)
    private_only: bool = False  # holds a citizen's identity or a secret: never in a group
    citizen: CitizenCommand | None = None  # what a citizen typing it gets (staff outside office business too)
    summary: Msg | None = None  # its line in the staff's /trogiup
    about: Msg | None = None  # /trogiup NAME
    menus: Mapping[Menu, Listing] = field(default_factory=dict)
    run: H | None = None  # the staff side; None when the office router answers it itself (help, cancel)

    @property
    def name(self) -> str:
        return self.names[0]

    @property
    def for_staff(self) -> bool:
        return bool(self.roles)

    @property
    def shared(self) -> bool:
        """Both citizens and staff use it: a citizen (or staff outside office business) gets the citizen
        version, so typing it is no sign of staff business."""
        return self.for_staff and self.citizen is not None

    def allows(self, roles: frozenset[Role], sub_action: str | None = None) -> bool:
        """Whether someone holding ``roles`` may use the command (or one of its sub-actions)."""
        if sub_action is not None:
            return bool(roles & self.sub_actions[sub_action])
        return bool(roles & self.roles)


@dataclass(frozen=True)
class ParsedCommand(Generic[H]):
    spec: CommandSpec[H]
    argument: str


SLASH: Final = re.compile(r"^/([^\s@]+)(?:@\S+)?(?:\s+(.*))?$", re.DOTALL)


def command_name(typed: str) -> str:
    """How names are compared: folded (no case, no diacritics) and without underscores."""
    return fold(typed).replace("_", "")


class CommandTable(Generic[H]):
    """Every command of the application, in declaration order; names are unique once folded."""

    def __init__(self, specs: Iterable[CommandSpec[H]]) -> None:
        self.specs: tuple[CommandSpec[H], ...] = tuple(specs)
        by_name: dict[str, CommandSpec[H]] = {}
        keys: set[str] = set()
        for spec in self.specs:
            if spec.key in keys:
                raise ValueError(f"two commands are keyed {spec.key!r}")
            keys.add(spec.key)
            for name in spec.names:
                folded = command_name(name)
                if fold(name) != name or folded in by_name:
                    raise ValueError(f"command name {name!r} is not folded or is taken")
                by_name[folded] = spec
            if any(not allowed <= spec.roles for allowed in spec.sub_actions.values()):
                raise ValueError(f"a sub-action of {spec.key!r} allows a role the command does not")
        self._by_name: Mapping[str, CommandSpec[H]] = MappingProxyType(by_name)

    def __iter__(self) -> Iterator[CommandSpec[H]]:
        return iter(self.specs)

    def named(self, typed: str) -> CommandSpec[H] | None:
        """The command a name means (``/HÀNGĐỢI``, ``hang_doi`` and ``queue`` alike), or None."""
        return self._by_name.get(command_name(typed.lstrip("/")))

    def parse(self, text: str) -> ParsedCommand[H] | None:
        """A slash command of the table and its argument; None for anything else."""
        match = SLASH.match(text.strip())
        if match is None:
            return None
        spec = self.named(match.group(1))
        return ParsedCommand(spec, (match.group(2) or "").strip()) if spec is not None else None

    def for_roles(self, roles: frozenset[Role], *, in_group: bool) -> list[CommandSpec[H]]:
        """The staff commands someone holding ``roles`` may use here, in table order (their /trogiup)."""
        return [
            spec
            for spec in self.specs
            if spec.summary is not None and spec.allows(roles) and not (in_group and spec.private_only)
        ]

    def menu(self, menu: Menu) -> list[tuple[str, Msg]]:
        """A channel's command menu: (name, description key) by rank."""
        listed = sorted(
            (spec.menus[menu].rank, index) for index, spec in enumerate(self.specs) if menu in spec.menus
        )
        return [(self.specs[index].name, self.specs[index].menus[menu].description) for _, index in listed]
