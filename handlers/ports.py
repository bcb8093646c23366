"""What the core needs from the outside world, as protocols: a clock and a unit of work with repositories.

The SQL implementation lives in ``store``; tests use in-memory fakes of the same protocols.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

from models.case import Case, CaseAttachment, CaseEvent
from models.citizen import Citizen, ConsentRecord
from models.commune import Commune, Field, Unit, Village
from models.conversation import Conversation
from models.outbox import OutboxMessage


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware (Asia/Ho_Chi_Minh)."""
        ...


class ConcurrentUpdate(Exception):
    """Another worker changed the same rows first; the whole unit of work may be retried."""


class CommuneRepository(Protocol):
    async def get(self, commune_id: int) -> Commune | None: ...
    async def by_code(self, code: str) -> Commune | None: ...
    async def list_all(self) -> Sequence[Commune]: ...
    async def fields(self, commune_id: int, *, include_inactive: bool = False) -> Sequence[Field]: ...
    async def villages(self, commune_id: int, *, include_inactive: bool = False) -> Sequence[Village]: ...
    async def units(self, commune_id: int, *, include_inactive: bool = False) -> Sequence[Unit]: ...
    async def add(self, item: Commune | Field | Village | Unit) -> None: ...


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


class OutboxRepository(Protocol):
    async def add(self, message: OutboxMessage) -> None:
        """Add a message and assign its id at once."""
        ...

    async def add_many(self, messages: Sequence[OutboxMessage]) -> None:
        """Add messages in one statement and assign their ids."""
        ...

    async def get(self, message_id: int) -> OutboxMessage | None: ...

    async def get_many(self, ids: Sequence[int]) -> Sequence[OutboxMessage]: ...

    async def mark_sent(self, sent: Sequence[tuple[int, str | None]], at: datetime) -> None:
        """Record messages as delivered (id, channel's message id) in one statement."""
        ...

    async def has_unsent(self, channel: str, chat_id: str) -> bool:
        """Whether the chat still has a message waiting or being sent."""
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
        """Give up every unsent message to a chat (the recipient blocked the bot)."""
        ...


@dataclass(frozen=True)
class EventClaim:
    first: bool  # this transaction is the first to handle the event
    chat_busy: bool  # the event's chat still has outbox messages waiting or being sent


class ProcessedEventRepository(Protocol):
    async def claim(self, event_key: str, at: datetime, *, channel: str, chat_id: str) -> EventClaim:
        """Record the event as handled by this transaction (``first`` is False if it was handled already; a
        concurrent transaction claiming the same key waits for this one). It also tells whether the chat has
        messages waiting: both are needed at the start of every turn, so one statement answers both."""
        ...


class UnitOfWork(Protocol):
    """One transaction. Leaving the block without ``commit()`` rolls everything back."""

    communes: CommuneRepository
    citizens: CitizenRepository
    conversations: ConversationRepository
    cases: CaseRepository
    outbox: OutboxRepository
    processed: ProcessedEventRepository

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
