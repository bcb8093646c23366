"""Managing the office: staff members and their roles, one-time invitations, and the groups the office
and units work in. The first admin comes from the command line (``nghedan staff add``); everyone else joins by
an invitation link an admin makes with ``/moi``."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from handlers.cases.access import load_actor
from handlers.cases.cards import token
from handlers.cases.commands import StaffCommand
from handlers.cases.staff_turn import StaffTurn
from handlers.kernel.catalogue.keys import Msg
from handlers.kernel.commands import ADMINS, Listing, Menu
from handlers.kernel.names import valid_name
from handlers.kernel.ports import UnitOfWork
from handlers.kernel.replies import Choice
from handlers.kernel.text import fold_words, shorten
from models.commune import Commune, Unit
from models.enums import OPEN_STATUSES
from models.staff import Role, StaffGroup, StaffInvite, StaffMember, StaffRole

INVITE_PREFIX = "inv_"
# Invitation codes are typed by hand on channels without deep links: no letters that look alike (I/1,
# O/0). Twelve of these 32 symbols are 60 random bits, far beyond guessing within the 72 hours they live.
CODE_SYMBOLS = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 12


def invite_code() -> str:
    return "".join(secrets.choice(CODE_SYMBOLS) for _ in range(CODE_LENGTH))


def shown_code(code: str) -> str:
    """``K7QMX2PA9TRC`` → ``K7QM-X2PA-9TRC``: easier to read out and type."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def looks_like_code(code: str) -> bool:
    """Whether typed text is shaped like an invitation code (so "thamgia" without a slash is one)."""
    return len(code) == CODE_LENGTH and all(ch in CODE_SYMBOLS for ch in code)


def typed_code(text: str) -> str:
    """What someone typed as a code, as it is stored: dashes and spaces dropped, capitals."""
    return "".join(ch for ch in text if ch.isalnum()).upper()


ROLE_WORDS: dict[str, Role] = {
    "admin": Role.ADMIN,
    "quantri": Role.ADMIN,
    "clerk": Role.CLERK,
    "vanphong": Role.CLERK,
    "canbo": Role.CLERK,
    "leader": Role.LEADER,
    "lanhdao": Role.LEADER,
    "unit": Role.UNIT,
    "bophan": Role.UNIT,
}


class StaffError(ValueError):
    """A staff change that cannot be made; ``key`` says why, in the catalogue."""

    def __init__(self, key: Msg, **params: object) -> None:
        super().__init__(key.value)
        self.key = key
        self.params = params


@dataclass(frozen=True)
class StaffEntry:
    member: StaffMember
    roles: tuple[StaffRole, ...]


def parse_role(text: str) -> Role | None:
    return ROLE_WORDS.get(fold_words(text).replace(" ", ""))


async def role_label(turn_or_units: StaffTurn, role: StaffRole) -> str:
    if role.role is Role.UNIT:
        return turn_or_units.t(Msg.ROLE_UNIT, unit=await turn_or_units.desk.unit_code(role.unit_id))
    return turn_or_units.t(Msg(f"role.{role.role.value}"))


# -- used by the command line and by invitations ----------------------------------------------------------


async def grant(
    uow: UnitOfWork,
    commune: Commune,
    *,
    channel: str,
    account_id: str,
    chat_id: str,
    name: str,
    roles: Sequence[tuple[Role, Unit | None]],
    now: datetime,
) -> StaffMember:
    """Make the account a staff member of the commune with these roles (added to any it holds already)."""
    for role, unit in roles:
        if (role is Role.UNIT) != (unit is not None):
            raise StaffError(Msg.CLI_STAFF_UNIT_NEEDED)
    member = next(
        (m for m in await uow.staff.memberships(channel, account_id) if m.commune_id == commune.id), None
    )
    if member is None:
        member = StaffMember(
            commune_id=commune.id,
            channel=channel,
            account_id=account_id,
            chat_id=chat_id,
            name=name,
            created_at=now,
        )
        await uow.staff.add(member)
    elif name:
        member.name = name
    held = {(r.role, r.unit_id) for r in await uow.staff.roles([member.id])}
    for role, unit in roles:
        unit_id = unit.id if unit is not None else None
        if (role, unit_id) not in held:
            await uow.staff.add_role(
                StaffRole(staff_id=member.id, commune_id=commune.id, role=role, unit_id=unit_id)
            )
            held.add((role, unit_id))
    return member


async def staff_list(uow: UnitOfWork, commune_id: int) -> list[StaffEntry]:
    members = await uow.staff.members(commune_id)
    roles = await uow.staff.roles([member.id for member in members])
    return [StaffEntry(m, tuple(r for r in roles if r.staff_id == m.id)) for m in members]


async def remove(uow: UnitOfWork, member: StaffMember, now: datetime) -> None:
    """Nobody is deleted: the member stops being active, which takes effect at their next action."""
    member.active = False
    member.removed_at = now


# -- /moi and joining ------------------------------------------------------------------------------------


async def invite(turn: StaffTurn, argument: str) -> None:
    """``/moi`` — private only: the router refuses it in a group (see ``INVITE``)."""
    words = argument.split()
    role = parse_role(words[0]) if words else None
    unit = None
    if role is Role.UNIT:
        unit = await turn.desk.unit_by_code(words[1]) if len(words) > 1 else None
        if unit is None:
            codes = ", ".join(u.code for u in await turn.desk.active_units())
            turn.say(Msg.OFFICE_UNKNOWN_UNIT, text=words[1] if len(words) > 1 else "", codes=codes)
            return
    if role is None:
        turn.say(Msg.OFFICE_USAGE, usage=turn.t(Msg.OFFICE_USAGE_INVITE))
        return
    ttl = turn.office.config.invite_ttl
    invitation = StaffInvite(
        commune_id=turn.me.commune_id,
        token=invite_code(),
        role=role,
        created_by=turn.me.id,
        created_at=turn.now,
        expires_at=turn.now + ttl,
        unit_id=unit.id if unit is not None else None,
    )
    await turn.uow.staff.add_invite(invitation)
    label = turn.t(Msg.ROLE_UNIT, unit=unit.code) if unit is not None else turn.t(Msg(f"role.{role.value}"))
    hours = int(ttl.total_seconds() // 3600)
    code = shown_code(invitation.token)
    link = turn.office.links.start_link(turn.event.channel, INVITE_PREFIX + invitation.token)
    if link is None:
        turn.say(Msg.OFFICE_INVITE_CODE, role=label, hours=hours, code=code)
    else:
        turn.say(Msg.OFFICE_INVITE_MADE, role=label, hours=hours, link=link, code=code)


async def join(uow: UnitOfWork, turn: StaffTurn, invite_token: str) -> None:
    """``/start inv_<token>``: a valid, unused, unexpired invitation makes the sender a staff member (their
    name is asked next); anything else gets one answer that reveals nothing."""
    invitation = await uow.staff.invite(invite_token)
    if (
        invitation is None
        or invitation.used_at is not None
        or invitation.expires_at <= turn.now
        or turn.event.group
    ):
        turn.say(Msg.OFFICE_INVITE_INVALID)
        return
    commune = await uow.communes.get(invitation.commune_id)
    if commune is None:
        turn.say(Msg.OFFICE_INVITE_INVALID)
        return
    unit = None
    if invitation.unit_id is not None:
        unit = next((u for u in await uow.communes.units(commune.id) if u.id == invitation.unit_id), None)
    member = await grant(
        uow,
        commune,
        channel=turn.event.channel,
        account_id=turn.event.sender_id,
        chat_id=turn.event.chat_id,
        name="",
        roles=[(invitation.role, unit)],
        now=turn.now,
    )
    invitation.used_at = turn.now
    invitation.used_by = member.id
    turn.commune = commune
    turn.actor = await load_actor(uow, turn.event.channel, turn.event.sender_id, commune.id)
    if member.name:
        turn.say(Msg.OFFICE_INVITE_DONE, name=member.name, role=await _roles_text(turn, member))
        return
    await turn.prompt("name", turn.t(Msg.OFFICE_INVITE_NAME))


async def take_name(turn: StaffTurn, text: str) -> None:
    name = valid_name(text)
    if name is None:
        turn.say(Msg.IDENTITY_NAME_INVALID)
        return
    turn.me.member.name = name
    await turn.clear_prompt()
    turn.say(Msg.OFFICE_INVITE_DONE, name=name, role=await _roles_text(turn, turn.me.member))


async def _roles_text(turn: StaffTurn, member: StaffMember) -> str:
    return ", ".join([await role_label(turn, role) for role in await turn.uow.staff.roles([member.id])])


# -- /nhansu ---------------------------------------------------------------------------------------------


async def show_staff(turn: StaffTurn) -> None:
    lines = [turn.t(Msg.OFFICE_STAFF_HEADER)]
    choices = []
    for entry in await staff_list(turn.uow, turn.me.commune_id):
        roles = ", ".join([await role_label(turn, role) for role in entry.roles])
        name = entry.member.name or turn.t(Msg.OFFICE_STAFF_NO_NAME)
        lines.append(turn.t(Msg.OFFICE_STAFF_LINE, name=name, roles=roles))
        if entry.member.id != turn.me.id:
            choices.append(
                Choice(token("rm", entry.member.id), turn.t(Msg.OFFICE_STAFF_REMOVE, name=shorten(name, 30)))
            )
    turn.say_text("\n".join(lines), choices)


async def _removable(turn: StaffTurn, staff_id: int) -> StaffMember | None:
    """The active colleague ``staff_id`` of this commune, or None after saying why they cannot be removed."""
    member = await turn.uow.staff.get(turn.me.commune_id, staff_id)
    if member is None or not member.active:
        turn.say(Msg.OFFICE_STAFF_GONE)
        return None
    if member.id == turn.me.id:
        turn.say(Msg.OFFICE_STAFF_SELF)
        return None
    return member


async def confirm_removal(turn: StaffTurn, staff_id: int) -> None:
    member = await _removable(turn, staff_id)
    if member is None:
        return
    name = member.name or turn.t(Msg.OFFICE_STAFF_NO_NAME)
    turn.say_text(
        turn.t(Msg.OFFICE_STAFF_REMOVE_CONFIRM, name=name),
        [Choice(token("rmok", member.id), turn.t(Msg.OFFICE_STAFF_REMOVE_YES))],
    )


async def remove_member(turn: StaffTurn, staff_id: int) -> None:
    member = await _removable(turn, staff_id)
    if member is None:
        return
    await remove(turn.uow, member, turn.now)
    turn.say(Msg.OFFICE_STAFF_REMOVED, name=member.name or turn.t(Msg.OFFICE_STAFF_NO_NAME))


# -- /ketnoi ---------------------------------------------------------------------------------------------


async def link_group(turn: StaffTurn, argument: str) -> None:
    if not turn.in_group:
        turn.say(Msg.OFFICE_LINK_PRIVATE)
        return
    unit = None
    if argument.strip():
        unit = await turn.desk.unit_by_code(argument.split()[0])
        if unit is None:
            codes = ", ".join(u.code for u in await turn.desk.active_units())
            turn.say(Msg.OFFICE_UNKNOWN_UNIT, text=shorten(argument, 20), codes=codes)
            return
    group = await turn.uow.staff.group(turn.event.channel, turn.event.chat_id)
    if group is None:
        group = StaffGroup(
            commune_id=turn.me.commune_id,
            channel=turn.event.channel,
            chat_id=turn.event.chat_id,
            linked_by=turn.me.id,
            linked_at=turn.now,
            unit_id=unit.id if unit is not None else None,
        )
        await turn.uow.staff.add_group(group)
    else:
        group.active = True
        group.commune_id = turn.me.commune_id
        group.unit_id = unit.id if unit is not None else None
        group.linked_by = turn.me.id
        group.linked_at = turn.now
    turn.group = group
    if unit is not None:
        turn.say(Msg.OFFICE_LINK_UNIT, unit=unit.name)
        return
    turn.say(Msg.OFFICE_LINK_OFFICE)
    waiting = await turn.uow.cases.queue(turn.me.commune_id, statuses=sorted(OPEN_STATUSES), limit=1000)
    if waiting:
        turn.say(Msg.OFFICE_LINK_PENDING, count=len(waiting))


async def _show_staff(turn: StaffTurn, argument: str) -> None:
    await show_staff(turn)


INVITE = StaffCommand(
    key="invite",
    names=("moi", "invite"),
    roles=ADMINS,
    private_only=True,  # a link posted in a group could be used by anyone in it
    summary=Msg.OFFICE_SUMMARY_INVITE,
    about=Msg.OFFICE_ABOUT_INVITE,
    run=invite,
)
STAFF = StaffCommand(
    key="staff",
    names=("nhansu", "staff"),
    roles=ADMINS,
    private_only=True,
    summary=Msg.OFFICE_SUMMARY_STAFF,
    about=Msg.OFFICE_ABOUT_STAFF,
    run=_show_staff,
)
LINK = StaffCommand(
    key="link",
    names=("ketnoi", "link"),
    roles=ADMINS,
    summary=Msg.OFFICE_SUMMARY_LINK,
    about=Msg.OFFICE_ABOUT_LINK,
    menus={Menu.GROUP: Listing(Msg.COMMANDS_KETNOI, rank=70)},
    run=link_group,
)
COMMANDS = (INVITE, STAFF, LINK)
