"""Driving the office side of the engine: staff members writing in private and in staff groups, citizens,
and reading what every chat received (replies and messages sent from other chats' turns alike)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from handlers.cases.arrivals import OfficeArrivals
from handlers.cases.services import Office
from handlers.dispatch.engine import ConversationEngine
from handlers.kernel.catalogue import Catalogue
from handlers.kernel.events import EVERYTHING, ChatEvent, Payload, Pick, SharedFile, Text
from handlers.kernel.ports import UnitOfWorkFactory
from handlers.kernel.replies import Reply
from handlers.kernel.text import fold
from handlers.staff.admin import grant
from models.base import LOCAL_TZ
from models.case import Case, CaseEvent
from models.commune import Commune
from models.enums import AttachmentKind, CaseAction
from models.outbox import OutboxMessage
from models.staff import Role
from scheduler.sweep import ReminderSweep
from tests.chat import Chat
from tests.fakes import Inspectable, ManualClock

CHANNEL = "console"
OFFICE_GROUP = "-100500"
_keys = itertools.count(1)


@dataclass
class Member:
    """A staff member (or anyone) writing to the bot: in their private chat, or in a group."""

    world: World
    account: str
    name: str = ""
    last: list[Reply] = field(default_factory=list)

    async def _send(self, payload: Payload, *, group: str | None, replying: bool) -> list[Reply]:
        event = ChatEvent(
            channel=CHANNEL,
            chat_id=group or self.account,
            sender_id=self.account,
            payload=payload,
            at=self.world.clock.now(),
            event_key=f"office:{self.account}:{next(_keys)}",
            group=group is not None,
            replying=replying,
            surface=EVERYTHING,
        )
        result = await self.world.engine.handle(event)
        await self.world.settle()
        self.last = list(result.replies)
        return self.last

    async def say(self, text: str, *, group: str | None = None, replying: bool = False) -> str:
        """Send text; returns the text of the replies in that chat."""
        replies = await self._send(Text(text), group=group, replying=replying)
        return "\n".join(reply.text for reply in replies)

    async def answer(self, text: str, *, group: str | None = None) -> str:
        """Answer the bot's question (in a group, as a reply to it)."""
        return await self.say(text, group=group, replying=group is not None)

    async def press(self, label: str, *, group: str | None = None, on: Reply | None = None) -> str:
        """Press the button starting with ``label`` on ``on`` (default: the latest message of the chat that
        has such a button)."""
        message = on or self.world.latest_with_button(group or self.account, label)
        wanted = fold(label)
        matches = [c for c in message.choices if fold(c.label).startswith(wanted)]
        assert len(matches) == 1, f"no single button {label!r} in {[c.label for c in message.choices]}"
        replies = await self._send(Pick(matches[0].token, message.ask_seq), group=group, replying=False)
        return "\n".join(reply.text for reply in replies)

    async def press_token(self, token: str, *, group: str | None = None) -> str:
        replies = await self._send(Pick(token), group=group, replying=False)
        return "\n".join(reply.text for reply in replies)

    async def send_file(self, name: str = "bien-ban.pdf", *, group: str | None = None) -> str:
        kind = AttachmentKind.PHOTO if name.endswith(".jpg") else AttachmentKind.DOCUMENT
        mime = "image/jpeg" if name.endswith(".jpg") else "application/pdf"
        replies = await self._send(
            SharedFile(kind, f"file-{name}", mime, 100_000, name), group=group, replying=False
        )
        return "\n".join(reply.text for reply in replies)


@dataclass
class CitizenChat(Chat):
    """A citizen's chat in a world: after each message, the office takes in what was filed (as its worker
    does a moment later in production)."""

    world: World | None = None

    async def _send(self, payload: Payload, shown: str, *, event_key: str | None = None) -> list[Reply]:
        replies = await super()._send(payload, shown, event_key=event_key)
        if self.world is not None:
            await self.world.settle()
        return replies


@dataclass
class World:
    engine: ConversationEngine
    clock: ManualClock
    uow_factory: UnitOfWorkFactory
    commune: Commune
    arrivals: OfficeArrivals
    catalogue: Catalogue
    office: Office

    async def settle(self) -> None:
        """Let the office take in new cases, as its worker does right after a receipt."""
        await self.arrivals.drain_once()

    async def staff(self, account: str, name: str, *roles: Role | tuple[Role, str]) -> Member:
        """A staff member made directly (as ``nghedan staff add`` does); unit roles as (Role.UNIT, "KT")."""
        async with self.uow_factory() as uow:
            commune = await uow.communes.by_code("PT")
            assert commune is not None
            units = {unit.code: unit for unit in await uow.communes.units(commune.id)}
            wanted = [(r[0], units[r[1]]) if isinstance(r, tuple) else (r, None) for r in roles]
            await grant(
                uow,
                commune,
                channel=CHANNEL,
                account_id=account,
                chat_id=account,
                name=name,
                roles=wanted,
                now=self.clock.now(),
            )
            await uow.commit()
        return Member(self, account, name)

    def person(self, account: str) -> Member:
        return Member(self, account)

    def citizen(self, chat_id: str) -> CitizenChat:
        return CitizenChat(self.engine, self.clock, chat_id=chat_id, world=self)

    # -- what chats received ------------------------------------------------------------------------
    def _rows(self) -> list[OutboxMessage]:
        assert isinstance(self.uow_factory, Inspectable), "inbox reading needs a store the test can read"
        rows: Sequence[OutboxMessage] = self.uow_factory.store.all(OutboxMessage)
        return sorted(rows, key=lambda row: row.id)

    def inbox(self, chat_id: str) -> list[Reply]:
        """Everything sent to the chat, in order (edits of cards included, marked by ``edit_of``)."""
        return [Reply.from_payload(row.payload) for row in self._rows() if row.chat_id == chat_id]

    def texts(self, chat_id: str) -> str:
        return "\n---\n".join(reply.text for reply in self.inbox(chat_id))

    def latest_with_button(self, chat_id: str, label: str) -> Reply:
        wanted = fold(label)
        for reply in reversed(self.inbox(chat_id)):
            if any(fold(choice.label).startswith(wanted) for choice in reply.choices):
                return reply
        raise AssertionError(f"no message with a {label!r} button in chat {chat_id}")

    def card(self, chat_id: str, code: str) -> Reply:
        """The card of a case as the chat shows it now (its latest edit)."""
        for reply in reversed(self.inbox(chat_id)):
            if reply.text.startswith(code):
                return reply
        raise AssertionError(f"no card for {code} in chat {chat_id}")


def case_of(world: World, code: str) -> Case:
    """The case with this receipt code, as the in-memory store holds it now."""
    assert isinstance(world.uow_factory, Inspectable)
    return next(c for c in world.uow_factory.store.all(Case) if c.code == code)


def events_of(world: World, code: str, action: CaseAction | None = None) -> list[CaseEvent]:
    """The case's timeline, or only its entries of one kind."""
    assert isinstance(world.uow_factory, Inspectable)
    case = case_of(world, code)
    return [
        e
        for e in world.uow_factory.store.all(CaseEvent)
        if e.case_id == case.id and (action is None or e.action is action)
    ]


def morning(day: date, hour: int = 8, minute: int = 0) -> datetime:
    """A local time on ``day`` (08:00 by default: inside working hours)."""
    return datetime.combine(day, time(hour, minute), tzinfo=LOCAL_TZ)


async def sweep_each_morning(world: World, sweep: ReminderSweep, first: date, last: date) -> None:
    """Run the reminder sweep at 08:00 every day from ``first`` to ``last``, the clock moving along."""
    day = first
    while day <= last:
        world.clock.set(morning(day))
        await sweep.run(world.clock.now())
        day += timedelta(days=1)


def lines_with(world: World, chat: str, marker: str) -> list[str]:
    """The messages to ``chat`` that start with ``marker``."""
    return [reply.text for reply in world.inbox(chat) if reply.text.startswith(marker)]
