"""Who may do what. Every staff command and button is checked here, once, before anything else happens —
in particular before a case is looked up, so a refusal never tells whether a case exists."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Final

from handlers.kernel.ports import UnitOfWork
from handlers.kernel.text import fold
from models.case import Case
from models.enums import CaseKind
from models.staff import Role, StaffMember


class StaffCommand(StrEnum):
    HELP = "help"
    CANCEL = "cancel"
    QUEUE = "queue"
    CASE = "case"
    ACCEPT = "accept"
    ASSIGN = "assign"
    FORWARD = "forward"
    DECLINE = "decline"
    ASK_INFO = "ask_info"
    DUPLICATE = "duplicate"
    RECLASSIFY = "reclassify"
    NOTE = "note"
    SEARCH = "search"
    ENTER = "enter"
    WORK = "work"
    PROGRESS = "progress"
    RESULT = "result"
    APPROVE = "approve"
    RETURN = "return"
    INVITE = "invite"
    STAFF = "staff"
    LINK = "link"
    CALENDAR = "calendar"
    DEADLINE = "deadline"
    EXTEND = "extend"
    COMPLEX = "complex"
    URGENT = "urgent"
    TASKS = "tasks"
    RECEPTION = "reception"
    CONFERENCE = "dialogue"
    CONFERENCE_EXPORT = "dialogue_export"
    ANNOUNCE = "announce"


C = StaffCommand
# Vietnamese names first, English aliases after (compared folded, without underscores).
STAFF_COMMANDS: Final = MappingProxyType(
    {
        "hangdoi": C.QUEUE, "queue": C.QUEUE,
        "hoso": C.CASE, "case": C.CASE,
        "thuly": C.ACCEPT, "accept": C.ACCEPT,
        "phancong": C.ASSIGN, "assign": C.ASSIGN,
        "chuyen": C.FORWARD, "forward": C.FORWARD,
        "tuchoi": C.DECLINE, "decline": C.DECLINE,
        "bosung": C.ASK_INFO, "askinfo": C.ASK_INFO,
        "trung": C.DUPLICATE, "duplicate": C.DUPLICATE,
        "doiloai": C.RECLASSIFY, "reclassify": C.RECLASSIFY,
        "ghichu": C.NOTE, "note": C.NOTE,
        "timkiem": C.SEARCH, "search": C.SEARCH,
        "nhaphoso": C.ENTER, "enter": C.ENTER,
        "viec": C.WORK, "work": C.WORK,
        "tiendo": C.PROGRESS, "progress": C.PROGRESS,
        "ketqua": C.RESULT, "result": C.RESULT,
        "duyet": C.APPROVE, "approve": C.APPROVE,
        "tralai": C.RETURN, "return": C.RETURN,
        "moi": C.INVITE, "invite": C.INVITE,
        "nhansu": C.STAFF, "staff": C.STAFF,
        "ketnoi": C.LINK, "link": C.LINK,
        "lichnghi": C.CALENDAR, "calendar": C.CALENDAR,
        "tinhhan": C.DEADLINE, "deadline": C.DEADLINE,
        "giahan": C.EXTEND, "extend": C.EXTEND,
        "phuctap": C.COMPLEX, "complex": C.COMPLEX,
        "khan": C.URGENT, "urgent": C.URGENT,
        "nhiemvu": C.TASKS, "tasks": C.TASKS,
        "doithoaixuat": C.CONFERENCE_EXPORT, "dialogueexport": C.CONFERENCE_EXPORT,
        "thongbao": C.ANNOUNCE, "announce": C.ANNOUNCE,
    }
)  # fmt: skip
# Shared with citizens: they mean the staff version for staff members.
SHARED_COMMANDS: Final = MappingProxyType(
    {
        "trogiup": C.HELP,
        "help": C.HELP,
        "huy": C.CANCEL,
        "cancel": C.CANCEL,
        "lichtiepdan": C.RECEPTION,
        "receptiondays": C.RECEPTION,
        "doithoai": C.CONFERENCE,
        "dialogue": C.CONFERENCE,
    }
)

TRIAGE = frozenset({Role.CLERK, Role.LEADER})
EVERYONE = frozenset(Role)
PERMISSIONS: Final = MappingProxyType(
    {
        C.HELP: EVERYONE,
        C.CANCEL: EVERYONE,
        C.QUEUE: TRIAGE,
        C.CASE: TRIAGE | {Role.UNIT},
        C.ACCEPT: TRIAGE,
        C.ASSIGN: TRIAGE,
        C.FORWARD: TRIAGE,
        C.DECLINE: TRIAGE,
        C.ASK_INFO: TRIAGE,
        C.DUPLICATE: TRIAGE,
        C.RECLASSIFY: TRIAGE,
        C.NOTE: TRIAGE | {Role.UNIT},
        C.SEARCH: TRIAGE,
        C.ENTER: TRIAGE,
        C.WORK: frozenset({Role.UNIT}),
        C.PROGRESS: frozenset({Role.UNIT}),
        C.RESULT: frozenset({Role.UNIT}),
        C.APPROVE: TRIAGE,
        C.RETURN: TRIAGE,
        C.INVITE: frozenset({Role.ADMIN}),
        C.STAFF: frozenset({Role.ADMIN}),
        C.LINK: frozenset({Role.ADMIN}),
        C.CALENDAR: frozenset({Role.ADMIN}),
        C.DEADLINE: TRIAGE | {Role.UNIT},
        C.EXTEND: TRIAGE,
        C.COMPLEX: TRIAGE,
        C.URGENT: TRIAGE,
        C.TASKS: EVERYONE,
        C.RECEPTION: EVERYONE,  # reading; changes are checked inside
        C.CONFERENCE: EVERYONE,  # the list; changes are checked inside
        C.CONFERENCE_EXPORT: TRIAGE,
        C.ANNOUNCE: TRIAGE,
    }
)

_SLASH = re.compile(r"^/([^\s@]+)(?:@\S+)?(?:\s+(.*))?$", re.DOTALL)


@dataclass(frozen=True)
class ParsedStaffCommand:
    command: StaffCommand
    argument: str


def parse_staff_command(text: str, *, include_shared: bool) -> ParsedStaffCommand | None:
    match = _SLASH.match(text.strip())
    if match is None:
        return None
    name = fold(match.group(1)).replace("_", "")
    command = STAFF_COMMANDS.get(name) or (SHARED_COMMANDS.get(name) if include_shared else None)
    return ParsedStaffCommand(command, (match.group(2) or "").strip()) if command else None


@dataclass(frozen=True)
class Actor:
    """A staff member with the roles they hold, as of this event (a removed member has no actor)."""

    member: StaffMember
    roles: frozenset[Role]
    unit_ids: frozenset[int]

    @property
    def id(self) -> int:
        return self.member.id

    @property
    def commune_id(self) -> int:
        return self.member.commune_id

    def may(self, command: StaffCommand) -> bool:
        return bool(self.roles & PERMISSIONS[command])

    @property
    def handles_triage(self) -> bool:
        return bool(self.roles & TRIAGE)

    def sees(self, case: Case) -> bool:
        """Clerks and leaders see every case of their commune; unit officers, their unit's cases."""
        if case.commune_id != self.commune_id:
            return False
        return self.handles_triage or (Role.UNIT in self.roles and case.unit_id in self.unit_ids)

    def sees_identity(self, case: Case, *, in_group: bool) -> bool:
        """Who sent the case: never in a group; a denouncer only to clerks and leaders (Luật Tố cáo 2018
        Điều 9); otherwise also to the unit resolving it, which may need to call the citizen."""
        if in_group or not self.sees(case):
            return False
        return self.handles_triage or case.kind is not CaseKind.TO_CAO


async def load_actor(uow: UnitOfWork, channel: str, account_id: str, commune_id: int | None) -> Actor | None:
    """The staff member behind a chat account (in ``commune_id``, or their first commune)."""
    members = [
        member
        for member in await uow.staff.memberships(channel, account_id)
        if commune_id is None or member.commune_id == commune_id
    ]
    if not members:
        return None
    member = members[0]
    roles = await uow.staff.roles([member.id])
    return Actor(
        member=member,
        roles=frozenset(role.role for role in roles),
        unit_ids=frozenset(role.unit_id for role in roles if role.unit_id is not None),
    )
