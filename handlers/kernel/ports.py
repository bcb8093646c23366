"""What the core needs from the outside world, as protocols: a clock and a unit of work with repositories.

The SQL implementation lives in ``store``; tests use in-memory fakes of the same protocols.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from types import TracebackType
from typing import Protocol, Self

from models.broadcast import Broadcast
from models.calendar import CalendarOverride
from models.case import (
    CardPurpose,
    Case,
    CaseAttachment,
    CaseCard,
    CaseEvent,
    CaseResult,
    HotSpot,
    InfoRequest,
)
from models.channel import ChannelToken, ChatContact
from models.citizen import Citizen, ConsentRecord
from models.commune import Commune, PetitionField, RoutingRule, Unit, Village
from models.conference import Conference, ConferenceParticipant
from models.conversation import Conversation
from models.enums import CaseStatus, OutboxStatus
from models.outbox import OutboxMessage
from models.plan import PlanTask
from models.reception import ReceptionChange
from models.staff import Role, StaffGroup, StaffInvite, StaffMember, StaffPrompt, StaffRole
from models.subscription import Subscription
from models.unhandled import UnhandledMessage


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware (Asia/Ho_Chi_Minh)."""
        ...


@dataclass(frozen=True)
class CaseDigest:
    """What comparing a case with recent ones needs (duplicates, hot spots)."""

    id: int
    code: str
    received_at: datetime
    citizen_id: int | None
    field_slug: str
    village_id: int | None
    status: CaseStatus
    search_text: str


class ConcurrentUpdate(Exception):
    """Another worker changed the same rows first; the whole unit of work may be retried."""


class DuplicateKey(ConcurrentUpdate):
    """A row with the same unique key is stored already. Every unique key here names one thing (a receipt
    code, a delivery key, a chat's conversation), so the usual cause is a concurrent worker that inserted it
    first: like any concurrent update, the whole unit of work may be retried, and the retry finds the row.
    The store raises it when the unit of work ends; the fakes as soon as the row is added."""

    def __init__(self, table: str = "", columns: tuple[str, ...] = ()) -> None:
        super().__init__(f"duplicate key on {table} ({', '.join(columns)})" if table else "duplicate key")
        self.table = table
        self.columns = columns


class StoreUnavailable(Exception):
    """The database cannot be reached right now (down, restarting, connection lost, locked): nothing was
    stored, and the same work will succeed once it is back. Channels keep the event and try it again."""


class CommuneRepository(Protocol):
    async def get(self, commune_id: int) -> Commune | None: ...
    async def by_code(self, code: str) -> Commune | None: ...
    async def list_all(self) -> Sequence[Commune]: ...
    async def fields(self, commune_id: int, *, include_inactive: bool = False) -> Sequence[PetitionField]: ...
    async def villages(self, commune_id: int, *, include_inactive: bool = False) -> Sequence[Village]: ...
    async def units(self, commune_id: int, *, include_inactive: bool = False) -> Sequence[Unit]: ...
    async def add(self, item: Commune | PetitionField | Village | Unit | RoutingRule) -> None: ...
    async def routing_rules(self, commune_id: int) -> Sequence[RoutingRule]: ...
    async def replace_routing(self, commune_id: int, rules: Sequence[RoutingRule]) -> None: ...


class CitizenRepository(Protocol):
    async def get(self, commune_id: int, citizen_id: int) -> Citizen | None: ...
    async def by_account(self, commune_id: int, channel: str, account_id: str) -> Citizen | None: ...
    async def add(self, citizen: Citizen) -> None: ...
    async def add_consent(self, record: ConsentRecord) -> None: ...
    async def latest_consent(self, commune_id: int, citizen_id: int) -> ConsentRecord | None: ...

    async def mark_unreachable(self, channel: str, chat_id: str, at: datetime) -> int:
        """Flag every citizen reached through this chat (in any commune) as unreachable; their cases stay."""
        ...

    async def mark_reachable(self, channel: str, chat_id: str) -> None: ...


class ConversationRepository(Protocol):
    """Conversations are loaded and saved explicitly (not tracked): they are read and written every turn."""

    async def get(self, channel: str, chat_id: str) -> Conversation | None: ...

    async def save(self, conversation: Conversation) -> None:
        """Insert a new conversation or update it; ``ConcurrentUpdate`` if another turn saved it first."""
        ...

    async def mark_unreachable(self, channel: str, chat_id: str) -> None: ...


class CaseRepository(Protocol):
    async def next_sequence(self, commune_id: int, year: int) -> int:
        """Reserve the next receipt sequence number; a rollback of the transaction gives it back."""
        ...

    async def add(self, case: Case) -> None:
        """Add a case and assign its id at once."""
        ...

    async def add_attachment(self, attachment: CaseAttachment) -> None: ...
    async def add_event(self, event: CaseEvent) -> None: ...
    async def by_code(self, commune_id: int, code: str) -> Case | None: ...
    async def for_citizen(self, commune_id: int, citizen_id: int, *, limit: int = 20) -> Sequence[Case]: ...
    async def events(self, commune_id: int, case_id: int) -> Sequence[CaseEvent]: ...
    async def attachments(self, commune_id: int, case_id: int) -> Sequence[CaseAttachment]: ...
    async def get(self, commune_id: int, case_id: int) -> Case | None: ...

    async def queue(
        self,
        commune_id: int,
        *,
        statuses: Sequence[CaseStatus],
        unit_id: int | None = None,
        field_slug: str | None = None,
        limit: int = 200,
    ) -> Sequence[Case]:
        """Cases in the given statuses, oldest first."""
        ...

    async def search(self, commune_id: int, words: Sequence[str], *, limit: int = 20) -> Sequence[Case]:
        """Cases whose folded text contains every word, newest first."""
        ...

    async def at_reception(self, commune_id: int, day: date) -> Sequence[Case]:
        """Cases entered as received at a citizen-reception session that day, in order of entry."""
        ...

    async def received_since(
        self,
        commune_id: int,
        since: datetime,
        *,
        field_slug: str | None = None,
        village_id: int | None = None,
        citizen_id: int | None = None,
        limit: int = 50,
    ) -> Sequence[CaseDigest]:
        """The latest cases received at or after ``since`` (for duplicates and hot spots), newest first:
        those of ``field_slug`` (and ``village_id``, when given) — or, with ``citizen_id``, also any case of
        that citizen. Only what comparing needs, read without loading whole cases."""
        ...

    async def by_ids(self, commune_id: int, ids: Sequence[int]) -> Sequence[Case]: ...

    async def office_pending_ids(self, *, limit: int) -> Sequence[int]:
        """The ids of the cases the office has not taken in yet, oldest first."""
        ...

    async def office_pending(self, *, limit: int, case_id: int | None = None) -> Sequence[Case]:
        """Cases, in any commune, the office has yet to take in (oldest first); or that one case, if it
        still waits (locked for this transaction where the database can)."""
        ...

    async def duplicates_of(self, commune_id: int, case_id: int) -> Sequence[Case]: ...
    async def add_result(self, result: CaseResult) -> None: ...
    async def latest_result(self, commune_id: int, case_id: int) -> CaseResult | None: ...
    async def get_result(self, commune_id: int, result_id: int) -> CaseResult | None: ...
    async def add_card(self, card: CaseCard) -> None: ...
    async def cards(self, commune_id: int, case_id: int, purpose: CardPurpose) -> Sequence[CaseCard]: ...
    async def add_info_request(self, request: InfoRequest) -> None: ...
    async def open_info_request(self, commune_id: int, case_id: int) -> InfoRequest | None: ...
    async def add_hot_spot(self, hot_spot: HotSpot) -> None: ...
    async def hot_spots_since(self, commune_id: int, since: datetime) -> Sequence[HotSpot]: ...


class OutboxRepository(Protocol):
    async def add(self, message: OutboxMessage) -> None:
        """Add a message and assign its id at once."""
        ...

    async def add_many(self, messages: Sequence[OutboxMessage]) -> None:
        """Add messages in one statement and assign their ids."""
        ...

    async def get(self, message_id: int) -> OutboxMessage | None: ...

    async def get_many(self, ids: Sequence[int]) -> Sequence[OutboxMessage]: ...

    async def mark_sent(self, sent: Sequence[tuple[int, str | None, datetime]]) -> None:
        """Record messages as delivered (id, channel's message id, when) in one statement."""
        ...

    async def has_unsent(self, channel: str, chat_id: str) -> bool:
        """Whether the chat still has a message waiting or being sent."""
        ...

    async def latest_to(self, channel: str, chat_id: str, *, limit: int) -> Sequence[OutboxMessage]:
        """The chat's latest messages (sent or not), newest first."""
        ...

    async def claim_due(
        self,
        *,
        now: datetime,
        lease_until: datetime,
        limit: int,
        channel: str | None = None,
        chat_id: str | None = None,
    ) -> Sequence[OutboxMessage]:
        """Claim due messages that are the oldest unsent one of their chat, so each chat receives its messages
        in order; mark them ``sending`` until ``lease_until``. A message whose lease ran out (its sender died)
        is claimable again. With ``channel``/``chat_id``, only that chat. Ordered by priority, then age."""
        ...

    async def release_leases(self) -> int:
        """Make every message marked ``sending`` claimable again (only safe when no other sender runs)."""
        ...

    async def fail_pending(self, channel: str, chat_id: str, *, reason: str) -> int:
        """Give up every unsent message to a chat, waiting ones included (the recipient blocked the bot)."""
        ...

    async def release_waiting(self, channel: str, chat_id: str, now: datetime) -> int:
        """Make the chat's waiting messages due now (its recipient wrote again); how many."""
        ...

    async def count_waiting(self, channel: str, chat_id: str) -> int: ...

    async def move_pending(self, channel: str, chat_id: str, new_chat_id: str) -> int:
        """Readdress every unsent message of a chat that changed its id (a group became a supergroup)."""
        ...

    async def broadcast_counts(self, broadcast_id: int) -> dict[OutboxStatus, int]:
        """How many of a broadcast's messages are in each delivery state."""
        ...

    async def cancel_broadcast(self, broadcast_id: int, *, reason: str) -> int:
        """Give up a broadcast's messages not yet claimed by a sender; how many."""
        ...


@dataclass(frozen=True)
class EventClaim:
    first: bool  # this transaction is the first to handle the event
    chat_busy: bool  # the event's chat still has outbox messages waiting or being sent
    staff: bool = False  # the sender is an active staff member (of some commune)


class StaffRepository(Protocol):
    async def memberships(self, channel: str, account_id: str) -> Sequence[StaffMember]:
        """Active staff records of one channel account, in any commune."""
        ...

    async def get(self, commune_id: int, staff_id: int) -> StaffMember | None: ...
    async def members(self, commune_id: int) -> Sequence[StaffMember]: ...
    async def roles(self, staff_ids: Sequence[int]) -> Sequence[StaffRole]: ...
    async def with_role(
        self, commune_id: int, role: Role, unit_id: int | None = None
    ) -> Sequence[StaffMember]: ...
    async def add(self, member: StaffMember) -> None: ...
    async def add_role(self, role: StaffRole) -> None: ...
    async def invite(self, token: str) -> StaffInvite | None: ...
    async def add_invite(self, invite: StaffInvite) -> None: ...
    async def group(self, channel: str, chat_id: str) -> StaffGroup | None:
        """The group linked under this chat, active or not (a group can be linked again)."""
        ...

    async def groups(self, commune_id: int, *, unit_id: int | None) -> Sequence[StaffGroup]:
        """Linked active groups: the office's (``unit_id`` None) or one unit's."""
        ...

    async def add_group(self, group: StaffGroup) -> None: ...
    async def prompt(self, staff_id: int, channel: str, chat_id: str) -> StaffPrompt | None: ...

    async def set_prompt(self, prompt: StaffPrompt) -> None:
        """Store the prompt, replacing any other pending one of that person in that chat."""
        ...

    async def clear_prompt(self, staff_id: int, channel: str, chat_id: str) -> None: ...


class ProcessedEventRepository(Protocol):
    async def claim(
        self, event_key: str, at: datetime, *, channel: str, chat_id: str, sender_id: str
    ) -> EventClaim:
        """Record the event as handled by this transaction (``first`` is False if it was handled already; a
        concurrent transaction claiming the same key waits for this one). It also tells whether the chat has
        messages waiting and whether the sender is staff: all are needed at the start of every turn, so one
        statement answers them."""
        ...


class CalendarRepository(Protocol):
    async def overrides(self, commune_id: int) -> Sequence[CalendarOverride]:
        """The commune's own changes to the calendar, by day."""
        ...

    async def add(self, override: CalendarOverride) -> None: ...
    async def remove(self, override: CalendarOverride) -> None: ...


class ReminderRepository(Protocol):
    async def claim(self, commune_id: int, key: str, at: datetime) -> bool:
        """Record that the reminder ``key`` is being sent; False when it was already (by anyone)."""
        ...


class PlanRepository(Protocol):
    async def tasks(self, commune_id: int, *, open_only: bool = True) -> Sequence[PlanTask]:
        """The commune's plan tasks, by deadline."""
        ...

    async def get(self, commune_id: int, task_id: int) -> PlanTask | None: ...
    async def add(self, task: PlanTask) -> None: ...


class SubscriptionRepository(Protocol):
    async def of(self, commune_id: int, citizen_id: int) -> Subscription | None:
        """The citizen's subscription in the commune, active or cancelled."""
        ...

    async def add(self, subscription: Subscription) -> None: ...

    async def active(self, commune_id: int) -> Sequence[Subscription]:
        """Every active subscription of the commune, oldest first."""
        ...

    async def recipients(
        self, commune_id: int, *, after: int, limit: int
    ) -> Sequence[tuple[Subscription, Citizen]]:
        """Active subscriptions with id > ``after`` whose citizen is reachable, by id, with the citizen."""
        ...

    async def cancel_for_chat(self, channel: str, chat_id: str, at: datetime, *, reason: str) -> int:
        """Cancel the active subscriptions of the citizens behind a chat; how many."""
        ...


class ReceptionRepository(Protocol):
    async def changes(self, commune_id: int, first: date, last: date) -> Sequence[ReceptionChange]:
        """The commune's changes to its reception schedule on days in [first, last], by day."""
        ...

    async def add(self, change: ReceptionChange) -> None: ...
    async def remove(self, change: ReceptionChange) -> None: ...


class ConferenceRepository(Protocol):
    async def next_number(self, commune_id: int) -> int: ...
    async def add(self, session: Conference) -> None: ...
    async def get(self, commune_id: int, number: int) -> Conference | None: ...
    async def by_id(self, conference_id: int) -> Conference | None: ...

    async def starting(self, commune_id: int, first: datetime, last: datetime) -> Sequence[Conference]:
        """Sessions (cancelled ones too) starting in [first, last], by start."""
        ...

    async def participants(self, conference_id: int) -> Sequence[ConferenceParticipant]: ...
    async def participant(self, conference_id: int, citizen_id: int) -> ConferenceParticipant | None: ...
    async def add_participant(self, participant: ConferenceParticipant) -> None: ...

    async def questions(self, conference_id: int) -> Sequence[Case]:
        """The cases sent as questions ahead of the session, oldest first."""
        ...


class BroadcastRepository(Protocol):
    async def add(self, broadcast: Broadcast) -> None: ...
    async def get(self, broadcast_id: int) -> Broadcast | None: ...
    async def by_key(self, key: str) -> Broadcast | None: ...

    async def sending(self) -> Sequence[Broadcast]:
        """Every broadcast of every commune still being sent, oldest first."""
        ...

    async def of_conference(self, conference_id: int) -> Sequence[Broadcast]: ...


class UnhandledRepository(Protocol):
    async def add(self, message: UnhandledMessage) -> None: ...


class ChannelTokenRepository(Protocol):
    async def get(self, channel: str, account: str, *, for_update: bool = False) -> ChannelToken | None:
        """The account's tokens; ``for_update`` locks the row until the transaction ends (PostgreSQL), so
        workers that want to rotate the tokens take turns."""
        ...

    async def add(self, token: ChannelToken) -> None: ...


class ChatContactRepository(Protocol):
    async def touch(self, channel: str, chat_id: str, at: datetime) -> None:
        """Record that the chat wrote to us at ``at`` (never moving the time back)."""
        ...

    async def get(self, channel: str, chat_id: str) -> ChatContact | None: ...


class UnitOfWork(Protocol):
    """One transaction. Leaving the block without ``commit()`` rolls everything back."""

    communes: CommuneRepository
    citizens: CitizenRepository
    conversations: ConversationRepository
    cases: CaseRepository
    outbox: OutboxRepository
    processed: ProcessedEventRepository
    staff: StaffRepository
    calendar: CalendarRepository
    reminders: ReminderRepository
    plan: PlanRepository
    subscriptions: SubscriptionRepository
    reception: ReceptionRepository
    conferences: ConferenceRepository
    broadcasts: BroadcastRepository
    unhandled: UnhandledRepository
    tokens: ChannelTokenRepository
    contacts: ChatContactRepository

    async def commit(self) -> None: ...
    async def rollback(self) -> None: ...
    async def __aenter__(self) -> Self: ...
    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self) -> UnitOfWork: ...
