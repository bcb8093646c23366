"""In-memory fakes of the ports in ``handlers.ports``, with real commit/rollback semantics."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any, Self, TypeVar

from sqlalchemy import inspect

from handlers.delivery import Outcome, Outgoing, SendResult
from handlers.ports import EventClaim
from handlers.ratelimit import RateLimits
from handlers.replies import Reply
from models.base import LOCAL_TZ
from models.case import Case, CaseAttachment, CaseEvent
from models.citizen import Citizen, ConsentRecord
from models.commune import Commune, Field, Unit, Village
from models.conversation import Conversation
from models.enums import OutboxStatus
from models.outbox import OutboxMessage
from models.processed import ProcessedEvent

T = TypeVar("T")


class ManualClock:
    """A clock that only moves when the test moves it."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 5, 12, 8, 15, tzinfo=LOCAL_TZ)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> None:
        self._now += delta

    def set(self, moment: datetime) -> None:
        self._now = moment


class FakeStore:
    """The "database": rows by class and id, plus receipt sequences. Shared by every fake unit of work."""

    def __init__(self) -> None:
        self.rows: dict[type, dict[int, Any]] = {}
        self.next_id: dict[type, int] = {}
        self.sequences: dict[tuple[int, int], int] = {}
        self.fail_next_commit = False
        self.commits = 0

    def all(self, cls: type[T]) -> list[T]:
        return list(self.rows.get(cls, {}).values())

    def insert(self, obj: Any) -> None:
        cls = type(obj)
        if getattr(obj, "id", None) is None:
            self.next_id[cls] = self.next_id.get(cls, 0) + 1
            obj.id = self.next_id[cls]
        self.rows.setdefault(cls, {})[obj.id] = obj

    def snapshot(self) -> Any:
        state = {cls: {oid: _columns(obj) for oid, obj in table.items()} for cls, table in self.rows.items()}
        return state, dict(self.next_id), dict(self.sequences)

    def restore(self, snap: Any) -> None:
        state, next_id, sequences = snap
        for cls in list(self.rows):
            table = self.rows[cls]
            kept = state.get(cls, {})
            for oid in list(table):
                if oid not in kept:
                    del table[oid]
                else:
                    for key, value in kept[oid].items():
                        setattr(table[oid], key, value)
        self.next_id = next_id
        self.sequences = sequences


def _columns(obj: Any) -> dict[str, Any]:
    return {attr.key: copy.deepcopy(getattr(obj, attr.key)) for attr in inspect(type(obj)).column_attrs}


class _Repo:
    def __init__(self, store: FakeStore) -> None:
        self.store = store


class FakeCommunes(_Repo):
    async def get(self, commune_id: int) -> Commune | None:
        return self.store.rows.get(Commune, {}).get(commune_id)

    async def by_code(self, code: str) -> Commune | None:
        return next((c for c in self.store.all(Commune) if c.code.upper() == code.upper()), None)

    async def list_all(self) -> Sequence[Commune]:
        return sorted(self.store.all(Commune), key=lambda c: c.name)

    async def _scoped(self, cls: type[T], commune_id: int, include_inactive: bool) -> list[T]:
        rows = [r for r in self.store.all(cls) if r.commune_id == commune_id]  # type: ignore[attr-defined]
        if not include_inactive:
            rows = [r for r in rows if r.active]  # type: ignore[attr-defined]
        return sorted(rows, key=lambda r: (r.position, r.id))  # type: ignore[attr-defined]

    async def fields(self, commune_id: int, *, include_inactive: bool = False) -> Sequence[Field]:
        return await self._scoped(Field, commune_id, include_inactive)

    async def villages(self, commune_id: int, *, include_inactive: bool = False) -> Sequence[Village]:
        return await self._scoped(Village, commune_id, include_inactive)

    async def units(self, commune_id: int, *, include_inactive: bool = False) -> Sequence[Unit]:
        return await self._scoped(Unit, commune_id, include_inactive)

    async def add(self, item: Commune | Field | Village | Unit) -> None:
        self.store.insert(item)


class FakeCitizens(_Repo):
    async def get(self, commune_id: int, citizen_id: int) -> Citizen | None:
        citizen = self.store.rows.get(Citizen, {}).get(citizen_id)
        return citizen if citizen is not None and citizen.commune_id == commune_id else None

    async def by_account(self, commune_id: int, channel: str, account_id: str) -> Citizen | None:
        return next(
            (
                c
                for c in self.store.all(Citizen)
                if (c.commune_id, c.channel, c.account_id) == (commune_id, channel, account_id)
            ),
            None,
        )

    async def add(self, citizen: Citizen) -> None:
        self.store.insert(citizen)

    async def add_consent(self, record: ConsentRecord) -> None:
        self.store.insert(record)

    async def mark_unreachable(self, channel: str, chat_id: str, at: datetime) -> int:
        citizens = [c for c in self.store.all(Citizen) if (c.channel, c.chat_id) == (channel, chat_id)]
        for citizen in citizens:
            citizen.unreachable_at = at
        return len(citizens)

    async def mark_reachable(self, channel: str, chat_id: str) -> None:
        for citizen in self.store.all(Citizen):
            if (citizen.channel, citizen.chat_id) == (channel, chat_id):
                citizen.unreachable_at = None

    async def latest_consent(self, commune_id: int, citizen_id: int) -> ConsentRecord | None:
        records = [
            r
            for r in self.store.all(ConsentRecord)
            if r.commune_id == commune_id and r.citizen_id == citizen_id
        ]
        return max(records, key=lambda r: (r.at, r.id), default=None)


class FakeConversations(_Repo):
    async def get(self, channel: str, chat_id: str) -> Conversation | None:
        return next(
            (c for c in self.store.all(Conversation) if (c.channel, c.chat_id) == (channel, chat_id)), None
        )

    async def save(self, conversation: Conversation) -> None:
        if conversation.id is None:
            conversation.version = 1
            self.store.insert(conversation)
        else:
            conversation.version += 1

    async def mark_unreachable(self, channel: str, chat_id: str) -> None:
        for conversation in self.store.all(Conversation):
            if (conversation.channel, conversation.chat_id) == (channel, chat_id):
                conversation.unreachable = True


class FakeCases(_Repo):
    async def next_sequence(self, commune_id: int, year: int) -> int:
        key = (commune_id, year)
        self.store.sequences[key] = self.store.sequences.get(key, 0) + 1
        return self.store.sequences[key]

    async def add(self, case: Case) -> None:
        if any(c.code == case.code for c in self.store.all(Case)):
            raise AssertionError(f"duplicate case code {case.code}")
        self.store.insert(case)

    async def add_attachment(self, attachment: CaseAttachment) -> None:
        self.store.insert(attachment)

    async def add_event(self, event: CaseEvent) -> None:
        self.store.insert(event)

    async def by_code(self, commune_id: int, code: str) -> Case | None:
        return next(
            (c for c in self.store.all(Case) if c.commune_id == commune_id and c.code == code.upper()), None
        )

    async def for_citizen(self, commune_id: int, citizen_id: int, *, limit: int = 20) -> Sequence[Case]:
        cases = [c for c in self.store.all(Case) if c.commune_id == commune_id and c.citizen_id == citizen_id]
        return sorted(cases, key=lambda c: (c.received_at, c.id), reverse=True)[:limit]

    async def events(self, commune_id: int, case_id: int) -> Sequence[CaseEvent]:
        events = [e for e in self.store.all(CaseEvent) if e.commune_id == commune_id and e.case_id == case_id]
        return sorted(events, key=lambda e: (e.at, e.id))

    async def attachments(self, commune_id: int, case_id: int) -> Sequence[CaseAttachment]:
        return [
            a for a in self.store.all(CaseAttachment) if a.commune_id == commune_id and a.case_id == case_id
        ]


class FakeOutbox(_Repo):
    async def add(self, message: OutboxMessage) -> None:
        if any(m.delivery_key == message.delivery_key for m in self.store.all(OutboxMessage)):
            raise AssertionError(f"duplicate delivery key {message.delivery_key}")
        self.store.insert(message)

    async def add_many(self, messages: Sequence[OutboxMessage]) -> None:
        for message in messages:
            await self.add(message)

    async def get(self, message_id: int) -> OutboxMessage | None:
        return self.store.rows.get(OutboxMessage, {}).get(message_id)

    async def get_many(self, ids: Sequence[int]) -> Sequence[OutboxMessage]:
        table = self.store.rows.get(OutboxMessage, {})
        return [table[i] for i in sorted(ids) if i in table]

    async def mark_sent(self, sent: Sequence[tuple[int, str | None]], at: datetime) -> None:
        table = self.store.rows.get(OutboxMessage, {})
        for message_id, external in sent:
            row = table[message_id]
            row.status, row.sent_at, row.external_id = OutboxStatus.SENT, at, external
            row.attempts += 1
            row.lease_until = row.last_error = None

    async def has_unsent(self, channel: str, chat_id: str) -> bool:
        return any(
            (m.channel, m.chat_id) == (channel, chat_id)
            and m.status in (OutboxStatus.PENDING, OutboxStatus.SENDING)
            for m in self.store.all(OutboxMessage)
        )

    async def claim_due(
        self,
        *,
        now: datetime,
        lease_until: datetime,
        limit: int,
        channel: str | None = None,
        chat_id: str | None = None,
    ) -> Sequence[OutboxMessage]:
        rows = sorted(self.store.all(OutboxMessage), key=lambda m: m.id)
        unsent = (OutboxStatus.PENDING, OutboxStatus.SENDING)
        heads: dict[tuple[str, str], OutboxMessage] = {}
        for row in rows:
            if row.status in unsent:
                heads.setdefault((row.channel, row.chat_id), row)
        due = [
            row
            for row in heads.values()
            if (row.status == OutboxStatus.PENDING and row.next_attempt_at <= now)
            or (row.status == OutboxStatus.SENDING and row.lease_until is not None and row.lease_until < now)
        ]
        due = [r for r in due if channel in (None, r.channel) and chat_id in (None, r.chat_id)]
        claimed = sorted(due, key=lambda m: (m.priority, m.id))[:limit]
        for row in claimed:
            row.status = OutboxStatus.SENDING
            row.lease_until = lease_until
        return claimed

    async def release_leases(self) -> int:
        rows = [m for m in self.store.all(OutboxMessage) if m.status == OutboxStatus.SENDING]
        for row in rows:
            row.status, row.lease_until = OutboxStatus.PENDING, None
        return len(rows)

    async def fail_pending(self, channel: str, chat_id: str, *, reason: str) -> int:
        rows = [
            m
            for m in self.store.all(OutboxMessage)
            if (m.channel, m.chat_id) == (channel, chat_id) and m.status == OutboxStatus.PENDING
        ]
        for row in rows:
            row.status = OutboxStatus.FAILED
            row.last_error = reason
        return len(rows)


class FakeProcessedEvents(_Repo):
    async def claim(self, event_key: str, at: datetime, *, channel: str, chat_id: str) -> EventClaim:
        table = self.store.rows.setdefault(ProcessedEvent, {})
        if event_key in table:
            return EventClaim(first=False, chat_busy=False)
        table[event_key] = ProcessedEvent(event_key=event_key, processed_at=at)
        busy = await FakeOutbox(self.store).has_unsent(channel, chat_id)
        return EventClaim(first=True, chat_busy=busy)


class CommitFailed(Exception):
    """What the fake raises when a test asked the next commit to fail (like a lost database)."""


class FakeUnitOfWork:
    def __init__(self, store: FakeStore) -> None:
        self.store = store
        self.communes = FakeCommunes(store)
        self.citizens = FakeCitizens(store)
        self.conversations = FakeConversations(store)
        self.cases = FakeCases(store)
        self.outbox = FakeOutbox(store)
        self.processed = FakeProcessedEvents(store)
        self._snapshot: Any = None
        self._committed = False

    async def __aenter__(self) -> Self:
        self._snapshot = self.store.snapshot()
        self._committed = False
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if not self._committed:
            await self.rollback()

    async def commit(self) -> None:
        if self.store.fail_next_commit:
            self.store.fail_next_commit = False
            raise CommitFailed("database went away")
        self._committed = True
        self._snapshot = self.store.snapshot()
        self.store.commits += 1

    async def rollback(self) -> None:
        if self._snapshot is not None:
            self.store.restore(self._snapshot)


class FakeUnitOfWorkFactory:
    def __init__(self, store: FakeStore | None = None) -> None:
        self.store = store or FakeStore()

    def __call__(self) -> FakeUnitOfWork:
        return FakeUnitOfWork(self.store)


class RecordingSender:
    """A channel sender that records what it was asked to send; scripted outcomes can be queued per chat."""

    def __init__(self, limits: RateLimits | None = None) -> None:
        self.limits = limits
        self.sent: list[Outgoing] = []
        self.attempts: list[Outgoing] = []
        self.scripted: dict[str, list[SendResult]] = {}

    def is_group(self, chat_id: str) -> bool:
        return chat_id.startswith("-")

    async def send(self, message: Outgoing) -> SendResult:
        self.attempts.append(message)
        queue = self.scripted.get(message.chat_id)
        if queue:
            result = queue.pop(0)
            if result.outcome is not Outcome.SENT:
                return result
        self.sent.append(message)
        return SendResult(Outcome.SENT, external_id=str(len(self.sent)))


class FakeTimer:
    """Monotonic time that only moves when someone sleeps: rate limits without real waiting."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept = 0.0

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        self.slept += seconds


def outbox_message(
    clock: ManualClock, chat_id: str, text: str, *, channel: str = "telegram", priority: int = 0
) -> OutboxMessage:
    """A message queued now for ``chat_id``, keyed by its chat and text."""
    return OutboxMessage(
        channel=channel,
        chat_id=chat_id,
        delivery_key=f"test:{channel}:{chat_id}:{text}",
        payload=Reply(text).to_payload(),
        created_at=clock.now(),
        next_attempt_at=clock.now(),
        priority=priority,
    )
