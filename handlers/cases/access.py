"""Who is acting: the staff member behind a chat, with the roles they hold. Which roles may use a command is
said by the command's declaration (``handlers.kernel.commands``); the router asks ``Actor.may`` once, before
anything else happens — in particular before a case is looked up, so a refusal never tells whether a case
exists."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from handlers.kernel.commands import TRIAGE, CommandSpec
from handlers.kernel.ports import UnitOfWork
from models.case import Case
from models.enums import CaseKind
from models.staff import Role, StaffMember


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

    def may(self, command: CommandSpec[Any], sub_action: str | None = None) -> bool:
        """Whether this person may use ``command`` (or one of its sub-actions), by the command table."""
        return command.allows(self.roles, sub_action)

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
