"""One staff event: who acts, where (a private chat or a staff group), and the replies it produces."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from handlers.cases.access import Actor
from handlers.cases.cards import refresh_cards
from handlers.cases.desk import STAFF_LANGUAGE, Desk
from handlers.cases.services import Office
from handlers.kernel.catalogue import Catalogue
from handlers.kernel.catalogue.keys import Msg
from handlers.kernel.events import ChatEvent
from handlers.kernel.mail import Mailbox
from handlers.kernel.ports import UnitOfWork
from handlers.kernel.replies import Choice, Reply
from handlers.kernel.text import shorten
from models.case import Case, CaseEvent
from models.commune import Commune
from models.enums import ActorKind, CaseAction
from models.errors import InvalidValue
from models.staff import StaffGroup, StaffPrompt
from models.values import ReceiptCode


def code_in(text: str) -> ReceiptCode | None:
    """The receipt code a staff command starts with (``pt-26-42`` is fine), or None."""
    words = text.split()
    if not words:
        return None
    try:
        return ReceiptCode.find(words[0])
    except InvalidValue:
        return None


def split_code(argument: str) -> tuple[str, str]:
    """``"PT-26-00042 lý do dài"`` → (``"PT-26-00042"``, ``"lý do dài"``)."""
    head, _, rest = argument.strip().partition(" ")
    return head, rest.strip()


class StaffTurn:
    def __init__(
        self,
        *,
        uow: UnitOfWork,
        event: ChatEvent,
        now: datetime,
        catalogue: Catalogue,
        office: Office,
        actor: Actor | None,
        commune: Commune | None,
        group: StaffGroup | None,
    ) -> None:
        self.uow = uow
        self.event = event
        self.now = now
        self.catalogue = catalogue
        self.office = office
        self.actor = actor
        self.commune = commune
        self.group = group
        self.replies: list[Reply] = []
        self.mail = Mailbox(uow, event_key=event.event_key, now=now)
        self.case_id: int | None = None
        self.arrived = False  # a case was entered: the office takes it in right after this event
        self._touched: dict[int, Case] = {}
        self._desk: Desk | None = None

    # -- where and who -----------------------------------------------------------------------------------
    @property
    def in_group(self) -> bool:
        return self.event.group

    @property
    def language(self) -> str:
        return STAFF_LANGUAGE

    @property
    def desk(self) -> Desk:
        """The office desk of the actor's commune (only for a staff member: guards run first)."""
        if self._desk is None:
            if self.commune is None:
                raise RuntimeError("no commune for this staff event")
            self._desk = Desk(
                uow=self.uow,
                catalogue=self.catalogue,
                office=self.office,
                mail=self.mail,
                now=self.now,
                commune=self.commune,
            )
        return self._desk

    @property
    def me(self) -> Actor:
        if self.actor is None:
            raise RuntimeError("no staff member behind this event")
        return self.actor

    # -- replies -----------------------------------------------------------------------------------------
    def t(self, key: Msg, **params: object) -> str:
        if self.commune is not None:
            return self.desk.t(key, **params)
        return self.catalogue.text(STAFF_LANGUAGE, key, **params)

    def say(self, key: Msg, **params: object) -> None:
        self.replies.append(Reply(self.t(key, **params), language=STAFF_LANGUAGE))

    def say_text(self, text: str, choices: Sequence[Choice] = ()) -> None:
        self.replies.append(Reply(text, tuple(choices), language=STAFF_LANGUAGE))

    def refuse(self) -> None:
        """The one refusal, whatever was asked and whether or not the case exists."""
        self.say(Msg.OFFICE_REFUSED)

    # -- cases -------------------------------------------------------------------------------------------
    async def case_by_code(self, text: str) -> Case | None:
        """The case with the code in ``text`` if the actor may see it; otherwise says why not. A case the
        actor may not see is answered exactly like a code that does not exist."""
        code = code_in(text)
        if code is None:
            self.say(Msg.OFFICE_BAD_CODE, text=shorten(text, 40))
            return None
        case = await self.uow.cases.by_code(self.me.commune_id, str(code))
        if case is None or not self.me.sees(case):
            self.say(Msg.OFFICE_NOT_FOUND, code=str(code))
            return None
        self.case_id = case.id
        return case

    async def case_by_id(self, case_id: int) -> Case | None:
        case = await self.uow.cases.get(self.me.commune_id, case_id)
        if case is None or not self.me.sees(case):
            self.say(Msg.OFFICE_NOT_FOUND_BUTTON)
            return None
        self.case_id = case.id
        return case

    async def record(
        self, case: Case, action: CaseAction, data: dict[str, object], *, public: bool = False
    ) -> CaseEvent:
        """A timeline entry by this staff member that changes no status; the case's cards are refreshed."""
        event = case.record(
            action, at=self.now, actor_kind=ActorKind.STAFF, actor_id=self.me.id, data=data, public=public
        )
        await self.uow.cases.add_event(event)
        self.touch(case)
        return event

    def touch(self, *cases: Case) -> None:
        """These cases changed: their cards are edited once, at the end of the event."""
        for case in cases:
            self._touched[case.id] = case

    async def finish(self) -> None:
        if self._touched:
            await refresh_cards(self.desk, list(self._touched.values()))

    # -- questions waiting for an answer ----------------------------------------------------------------
    async def prompt(
        self,
        action: str,
        text: str,
        *,
        case: Case | None = None,
        data: dict[str, object] | None = None,
        choices: Sequence[Choice] = (),
    ) -> None:
        """Ask the actor something and remember what the answer is for. In a group the question asks for
        a reply to it: the bot only reads group messages that answer its own."""
        await self.uow.staff.set_prompt(
            StaffPrompt(
                commune_id=self.me.commune_id,
                staff_id=self.me.id,
                channel=self.event.channel,
                chat_id=self.event.chat_id,
                action=action,
                created_at=self.now,
                case_id=case.id if case is not None else None,
                data=dict(data or {}),
                asked_in=self.event.event_key,
            )
        )
        if self.in_group and not choices:
            text = f"{text}\n{self.t(Msg.OFFICE_REPLY_HINT)}"
        self.replies.append(
            Reply(text, tuple(choices), language=STAFF_LANGUAGE, force_reply=self.in_group and not choices)
        )

    async def clear_prompt(self) -> None:
        await self.uow.staff.clear_prompt(self.me.id, self.event.channel, self.event.chat_id)
