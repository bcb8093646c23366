"""In-memory fakes of the ports in ``handlers.ports``, with real commit/rollback semantics."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from types import TracebackType
from typing import Any, Self, TypeVar

from sqlalchemy import inspect

from handlers.delivery.ratelimit import RateLimits
from handlers.delivery.worker import Outcome, Outgoing, SendResult
from handlers.kernel.ports import CaseDigest, EventClaim
from handlers.kernel.replies import Reply
from models.base import LOCAL_TZ
from models.broadcast import Broadcast, BroadcastStatus
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
from models.processed import ProcessedEvent
from models.reception import ReceptionChange
from models.reminder import SentReminder
from models.staff import Role, StaffGroup, StaffInvite, StaffMember, StaffPrompt, StaffRole
from models.subscription import Subscription
from models.unhandled import UnhandledMessage

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

    async def fields(self, commune_id: int, *, include_inactive: bool = False) -> Sequence[PetitionField]:
        return await self._scoped(PetitionField, commune_id, include_inactive)

    async def villages(self, commune_id: int, *, include_inactive: bool = False) -> Sequence[Village]:
        return await self._scoped(Village, commune_id, include_inactive)

    async def units(self, commune_id: int, *, include_inactive: bool = False) -> Sequence[Unit]:
        return await self._scoped(Unit, commune_id, include_inactive)

    async def add(self, item: Commune | PetitionField | Village | Unit | RoutingRule) -> None:
        self.store.insert(item)

    async def routing_rules(self, commune_id: int) -> Sequence[RoutingRule]:
        rules = [r for r in self.store.all(RoutingRule) if r.commune_id == commune_id]
        return sorted(rules, key=lambda r: (r.position, r.id))

    async def replace_routing(self, commune_id: int, rules: Sequence[RoutingRule]) -> None:
        table = self.store.rows.setdefault(RoutingRule, {})
        for key in [k for k, r in table.items() if r.commune_id == commune_id]:
            del table[key]
        for rule in rules:
            self.store.insert(rule)


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

    def _mine(self, cls: type[T], commune_id: int) -> list[T]:
        return [row for row in self.store.all(cls) if row.commune_id == commune_id]  # type: ignore[attr-defined]

    async def get(self, commune_id: int, case_id: int) -> Case | None:
        case = self.store.rows.get(Case, {}).get(case_id)
        return case if case is not None and case.commune_id == commune_id else None

    async def queue(
        self,
        commune_id: int,
        *,
        statuses: Sequence[CaseStatus],
        unit_id: int | None = None,
        field_slug: str | None = None,
        limit: int = 200,
    ) -> Sequence[Case]:
        cases = [
            c
            for c in self._mine(Case, commune_id)
            if c.status in statuses and unit_id in (None, c.unit_id) and field_slug in (None, c.field_slug)
        ]
        return sorted(cases, key=lambda c: (c.received_at, c.id))[:limit]

    async def at_reception(self, commune_id: int, day: date) -> Sequence[Case]:
        prefix = f"{day.isoformat()}:"
        cases = [c for c in self._mine(Case, commune_id) if (c.reception_key or "").startswith(prefix)]
        return sorted(cases, key=lambda c: c.id)

    async def search(self, commune_id: int, words: Sequence[str], *, limit: int = 20) -> Sequence[Case]:
        cases = [c for c in self._mine(Case, commune_id) if all(w in c.search_text for w in words)]
        return sorted(cases, key=lambda c: (c.received_at, c.id), reverse=True)[:limit]

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
        def wanted(case: Case) -> bool:
            matter = field_slug is not None or village_id is not None
            same_matter = (
                matter and field_slug in (None, case.field_slug) and village_id in (None, case.village_id)
            )
            same_citizen = citizen_id is not None and case.citizen_id == citizen_id
            return same_matter or same_citizen or (not matter and citizen_id is None)

        cases = [c for c in self._mine(Case, commune_id) if c.received_at >= since and wanted(c)]
        latest = sorted(cases, key=lambda c: (c.received_at, c.id), reverse=True)[:limit]
        return [
            CaseDigest(
                c.id, c.code, c.received_at, c.citizen_id, c.field_slug, c.village_id, c.status, c.search_text
            )
            for c in latest
        ]

    async def office_pending_ids(self, *, limit: int) -> Sequence[int]:
        return [case.id for case in await self.office_pending(limit=limit)]

    async def office_pending(self, *, limit: int, case_id: int | None = None) -> Sequence[Case]:
        waiting = [c for c in self.store.all(Case) if c.office_pending and case_id in (None, c.id)]
        return sorted(waiting, key=lambda c: c.id)[:limit]

    async def by_ids(self, commune_id: int, ids: Sequence[int]) -> Sequence[Case]:
        return sorted((c for c in self._mine(Case, commune_id) if c.id in ids), key=lambda c: c.id)

    async def duplicates_of(self, commune_id: int, case_id: int) -> Sequence[Case]:
        return [c for c in self._mine(Case, commune_id) if c.duplicate_of_id == case_id]

    async def add_result(self, result: CaseResult) -> None:
        self.store.insert(result)

    async def latest_result(self, commune_id: int, case_id: int) -> CaseResult | None:
        results = [r for r in self._mine(CaseResult, commune_id) if r.case_id == case_id]
        return max(results, key=lambda r: r.id, default=None)

    async def get_result(self, commune_id: int, result_id: int) -> CaseResult | None:
        result = self.store.rows.get(CaseResult, {}).get(result_id)
        return result if result is not None and result.commune_id == commune_id else None

    async def add_card(self, card: CaseCard) -> None:
        self.store.insert(card)

    async def cards(self, commune_id: int, case_id: int, purpose: CardPurpose) -> Sequence[CaseCard]:
        return [c for c in self._mine(CaseCard, commune_id) if c.case_id == case_id and c.purpose == purpose]

    async def add_info_request(self, request: InfoRequest) -> None:
        self.store.insert(request)

    async def open_info_request(self, commune_id: int, case_id: int) -> InfoRequest | None:
        open_ = [
            r for r in self._mine(InfoRequest, commune_id) if r.case_id == case_id and r.answered_at is None
        ]
        return max(open_, key=lambda r: r.id, default=None)

    async def add_hot_spot(self, hot_spot: HotSpot) -> None:
        self.store.insert(hot_spot)

    async def hot_spots_since(self, commune_id: int, since: datetime) -> Sequence[HotSpot]:
        return [h for h in self._mine(HotSpot, commune_id) if h.detected_at >= since]

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

    async def mark_sent(self, sent: Sequence[tuple[int, str | None, datetime]]) -> None:
        table = self.store.rows.get(OutboxMessage, {})
        for message_id, external, at in sent:
            row = table[message_id]
            row.status, row.sent_at, row.external_id = OutboxStatus.SENT, at, external
            row.attempts += 1
            row.lease_until = row.last_error = None

    async def latest_to(self, channel: str, chat_id: str, *, limit: int) -> Sequence[OutboxMessage]:
        rows = [m for m in self.store.all(OutboxMessage) if (m.channel, m.chat_id) == (channel, chat_id)]
        return sorted(rows, key=lambda m: m.id, reverse=True)[:limit]

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
        rows = self._pending(channel, chat_id)
        for row in rows:
            row.status = OutboxStatus.FAILED
            row.last_error = reason
        return len(rows)

    async def move_pending(self, channel: str, chat_id: str, new_chat_id: str) -> int:
        rows = self._pending(channel, chat_id)
        for row in rows:
            row.chat_id = new_chat_id
        return len(rows)

    async def broadcast_counts(self, broadcast_id: int) -> dict[OutboxStatus, int]:
        counts: dict[OutboxStatus, int] = {}
        for m in self.store.all(OutboxMessage):
            if m.broadcast_id == broadcast_id:
                counts[m.status] = counts.get(m.status, 0) + 1
        return counts

    async def cancel_broadcast(self, broadcast_id: int, *, reason: str) -> int:
        rows = [
            m
            for m in self.store.all(OutboxMessage)
            if m.broadcast_id == broadcast_id and m.status == OutboxStatus.PENDING
        ]
        for row in rows:
            row.status, row.last_error = OutboxStatus.FAILED, reason
        return len(rows)

    def _pending(self, channel: str, chat_id: str) -> list[OutboxMessage]:
        return [
            m
            for m in self.store.all(OutboxMessage)
            if (m.channel, m.chat_id) == (channel, chat_id)
            and m.status in (OutboxStatus.PENDING, OutboxStatus.WAITING)
        ]

    async def release_waiting(self, channel: str, chat_id: str, now: datetime) -> int:
        rows = [
            m
            for m in self.store.all(OutboxMessage)
            if (m.channel, m.chat_id) == (channel, chat_id) and m.status == OutboxStatus.WAITING
        ]
        for row in rows:
            row.status, row.next_attempt_at = OutboxStatus.PENDING, now
        return len(rows)

    async def count_waiting(self, channel: str, chat_id: str) -> int:
        return sum(
            1
            for m in self.store.all(OutboxMessage)
            if (m.channel, m.chat_id) == (channel, chat_id) and m.status == OutboxStatus.WAITING
        )


class FakeStaff(_Repo):
    async def memberships(self, channel: str, account_id: str) -> Sequence[StaffMember]:
        return [
            m
            for m in self.store.all(StaffMember)
            if (m.channel, m.account_id) == (channel, account_id) and m.active
        ]

    async def get(self, commune_id: int, staff_id: int) -> StaffMember | None:
        member = self.store.rows.get(StaffMember, {}).get(staff_id)
        return member if member is not None and member.commune_id == commune_id else None

    async def members(self, commune_id: int) -> Sequence[StaffMember]:
        members = [m for m in self.store.all(StaffMember) if m.commune_id == commune_id and m.active]
        return sorted(members, key=lambda m: (m.name, m.id))

    async def roles(self, staff_ids: Sequence[int]) -> Sequence[StaffRole]:
        return [r for r in self.store.all(StaffRole) if r.staff_id in staff_ids]

    async def with_role(
        self, commune_id: int, role: Role, unit_id: int | None = None
    ) -> Sequence[StaffMember]:
        ids = {
            r.staff_id for r in self.store.all(StaffRole) if r.role == role and unit_id in (None, r.unit_id)
        }
        return [m for m in await self.members(commune_id) if m.id in ids]

    async def add(self, member: StaffMember) -> None:
        self.store.insert(member)

    async def add_role(self, role: StaffRole) -> None:
        self.store.insert(role)

    async def invite(self, token: str) -> StaffInvite | None:
        return next((i for i in self.store.all(StaffInvite) if i.token == token), None)

    async def add_invite(self, invite: StaffInvite) -> None:
        self.store.insert(invite)

    async def group(self, channel: str, chat_id: str) -> StaffGroup | None:
        return next(
            (g for g in self.store.all(StaffGroup) if (g.channel, g.chat_id) == (channel, chat_id)),
            None,
        )

    async def groups(self, commune_id: int, *, unit_id: int | None) -> Sequence[StaffGroup]:
        return [
            g
            for g in self.store.all(StaffGroup)
            if g.commune_id == commune_id and g.active and g.unit_id == unit_id
        ]

    async def add_group(self, group: StaffGroup) -> None:
        self.store.insert(group)

    async def prompt(self, staff_id: int, channel: str, chat_id: str) -> StaffPrompt | None:
        return next(
            (
                p
                for p in self.store.all(StaffPrompt)
                if (p.staff_id, p.channel, p.chat_id) == (staff_id, channel, chat_id)
            ),
            None,
        )

    async def set_prompt(self, prompt: StaffPrompt) -> None:
        await self.clear_prompt(prompt.staff_id, prompt.channel, prompt.chat_id)
        self.store.insert(prompt)

    async def clear_prompt(self, staff_id: int, channel: str, chat_id: str) -> None:
        table = self.store.rows.get(StaffPrompt, {})
        for key in [
            k for k, p in table.items() if (p.staff_id, p.channel, p.chat_id) == (staff_id, channel, chat_id)
        ]:
            del table[key]


class FakeProcessedEvents(_Repo):
    async def claim(
        self, event_key: str, at: datetime, *, channel: str, chat_id: str, sender_id: str
    ) -> EventClaim:
        table = self.store.rows.setdefault(ProcessedEvent, {})
        if event_key in table:
            return EventClaim(first=False, chat_busy=False)
        table[event_key] = ProcessedEvent(event_key=event_key, processed_at=at)
        busy = await FakeOutbox(self.store).has_unsent(channel, chat_id)
        staff = bool(await FakeStaff(self.store).memberships(channel, sender_id))
        return EventClaim(first=True, chat_busy=busy, staff=staff)


class CommitFailed(Exception):
    """What the fake raises when a test asked the next commit to fail (like a lost database)."""


class FakeCalendar(_Repo):
    async def overrides(self, commune_id: int) -> Sequence[CalendarOverride]:
        return sorted(
            (o for o in self.store.all(CalendarOverride) if o.commune_id == commune_id), key=lambda o: o.day
        )

    async def add(self, override: CalendarOverride) -> None:
        if any(
            (o.commune_id, o.day) == (override.commune_id, override.day)
            for o in self.store.all(CalendarOverride)
        ):
            raise AssertionError("one override per commune and day")
        self.store.insert(override)

    async def remove(self, override: CalendarOverride) -> None:
        del self.store.rows[CalendarOverride][override.id]


class FakeReminders(_Repo):
    async def claim(self, commune_id: int, key: str, at: datetime) -> bool:
        if any(r.key == key for r in self.store.all(SentReminder)):
            return False
        self.store.insert(SentReminder(commune_id=commune_id, key=key, sent_at=at))
        return True


class FakePlan(_Repo):
    async def tasks(self, commune_id: int, *, open_only: bool = True) -> Sequence[PlanTask]:
        tasks = [
            t for t in self.store.all(PlanTask) if t.commune_id == commune_id and (t.is_open or not open_only)
        ]
        return sorted(tasks, key=lambda t: (t.due_on, t.id))

    async def get(self, commune_id: int, task_id: int) -> PlanTask | None:
        task = self.store.rows.get(PlanTask, {}).get(task_id)
        return task if task is not None and task.commune_id == commune_id else None

    async def add(self, task: PlanTask) -> None:
        if any(
            (t.commune_id, t.title, t.due_on) == (task.commune_id, task.title, task.due_on)
            for t in self.store.all(PlanTask)
        ):
            raise AssertionError("one task per commune, title and deadline")
        self.store.insert(task)


class FakeSubscriptions(_Repo):
    async def of(self, commune_id: int, citizen_id: int) -> Subscription | None:
        return next(
            (
                s
                for s in self.store.all(Subscription)
                if (s.commune_id, s.citizen_id) == (commune_id, citizen_id)
            ),
            None,
        )

    async def add(self, subscription: Subscription) -> None:
        if await self.of(subscription.commune_id, subscription.citizen_id) is not None:
            raise AssertionError("one subscription per commune and citizen")
        self.store.insert(subscription)

    async def active(self, commune_id: int) -> Sequence[Subscription]:
        return [s for s in self.store.all(Subscription) if s.commune_id == commune_id and s.active]

    async def recipients(
        self, commune_id: int, *, after: int, limit: int
    ) -> Sequence[tuple[Subscription, Citizen]]:
        citizens = self.store.rows.get(Citizen, {})
        found = [
            (s, citizens[s.citizen_id])
            for s in sorted(self.store.all(Subscription), key=lambda s: s.id)
            if s.commune_id == commune_id
            and s.active
            and s.id > after
            and citizens[s.citizen_id].unreachable_at is None
        ]
        return found[:limit]

    async def cancel_for_chat(self, channel: str, chat_id: str, at: datetime, *, reason: str) -> int:
        citizens = {c.id for c in self.store.all(Citizen) if (c.channel, c.chat_id) == (channel, chat_id)}
        cancelled = 0
        for subscription in self.store.all(Subscription):
            if subscription.citizen_id in citizens and subscription.active:
                subscription.cancelled_at, subscription.cancel_reason = at, reason
                cancelled += 1
        return cancelled


class FakeReception(_Repo):
    async def changes(self, commune_id: int, first: date, last: date) -> Sequence[ReceptionChange]:
        found = [
            c
            for c in self.store.all(ReceptionChange)
            if c.commune_id == commune_id and first <= c.day <= last
        ]
        return sorted(found, key=lambda c: (c.day, c.id))

    async def add(self, change: ReceptionChange) -> None:
        if any(
            (c.commune_id, c.day, c.kind) == (change.commune_id, change.day, change.kind)
            for c in self.store.all(ReceptionChange)
        ):
            raise AssertionError("one change of a kind per commune and day")
        self.store.insert(change)

    async def remove(self, change: ReceptionChange) -> None:
        del self.store.rows[ReceptionChange][change.id]


class FakeConferences(_Repo):
    async def next_number(self, commune_id: int) -> int:
        return 1 + max(
            (d.number for d in self.store.all(Conference) if d.commune_id == commune_id), default=0
        )

    async def add(self, session: Conference) -> None:
        self.store.insert(session)

    async def get(self, commune_id: int, number: int) -> Conference | None:
        return next(
            (d for d in self.store.all(Conference) if (d.commune_id, d.number) == (commune_id, number)),
            None,
        )

    async def by_id(self, conference_id: int) -> Conference | None:
        return self.store.rows.get(Conference, {}).get(conference_id)

    async def starting(self, commune_id: int, first: datetime, last: datetime) -> Sequence[Conference]:
        found = [
            d
            for d in self.store.all(Conference)
            if d.commune_id == commune_id and first <= d.starts_at <= last
        ]
        return sorted(found, key=lambda d: (d.starts_at, d.id))

    async def participants(self, conference_id: int) -> Sequence[ConferenceParticipant]:
        return sorted(
            (p for p in self.store.all(ConferenceParticipant) if p.conference_id == conference_id),
            key=lambda p: p.id,
        )

    async def participant(self, conference_id: int, citizen_id: int) -> ConferenceParticipant | None:
        return next(
            (p for p in await self.participants(conference_id) if p.citizen_id == citizen_id),
            None,
        )

    async def add_participant(self, participant: ConferenceParticipant) -> None:
        if await self.participant(participant.conference_id, participant.citizen_id) is not None:
            raise AssertionError("one registration per session and citizen")
        self.store.insert(participant)

    async def questions(self, conference_id: int) -> Sequence[Case]:
        return sorted(
            (c for c in self.store.all(Case) if c.conference_id == conference_id), key=lambda c: c.id
        )


class FakeBroadcasts(_Repo):
    async def add(self, broadcast: Broadcast) -> None:
        if await self.by_key(broadcast.key) is not None:
            raise AssertionError(f"duplicate broadcast key {broadcast.key}")
        self.store.insert(broadcast)

    async def get(self, broadcast_id: int) -> Broadcast | None:
        return self.store.rows.get(Broadcast, {}).get(broadcast_id)

    async def by_key(self, key: str) -> Broadcast | None:
        return next((b for b in self.store.all(Broadcast) if b.key == key), None)

    async def sending(self) -> Sequence[Broadcast]:
        return sorted(
            (b for b in self.store.all(Broadcast) if b.status is BroadcastStatus.SENDING), key=lambda b: b.id
        )

    async def of_conference(self, conference_id: int) -> Sequence[Broadcast]:
        return sorted(
            (b for b in self.store.all(Broadcast) if b.conference_id == conference_id), key=lambda b: b.id
        )


class FakeUnhandled(_Repo):
    async def add(self, message: UnhandledMessage) -> None:
        if any(m.event_key == message.event_key for m in self.store.all(UnhandledMessage)):
            raise AssertionError("one kept message per event")
        self.store.insert(message)


class FakeChannelTokens(_Repo):
    async def get(self, channel: str, account: str, *, for_update: bool = False) -> ChannelToken | None:
        return next(
            (t for t in self.store.all(ChannelToken) if (t.channel, t.account) == (channel, account)), None
        )

    async def add(self, token: ChannelToken) -> None:
        if await self.get(token.channel, token.account) is not None:
            raise AssertionError("one token row per channel account")
        self.store.insert(token)


class FakeChatContacts(_Repo):
    async def touch(self, channel: str, chat_id: str, at: datetime) -> None:
        found = await self.get(channel, chat_id)
        if found is None:
            self.store.insert(ChatContact(channel=channel, chat_id=chat_id, last_inbound_at=at))
        elif found.last_inbound_at < at:
            found.last_inbound_at = at

    async def get(self, channel: str, chat_id: str) -> ChatContact | None:
        return next(
            (c for c in self.store.all(ChatContact) if (c.channel, c.chat_id) == (channel, chat_id)), None
        )


class FakeUnitOfWork:
    def __init__(self, store: FakeStore) -> None:
        self.store = store
        self.communes = FakeCommunes(store)
        self.citizens = FakeCitizens(store)
        self.conversations = FakeConversations(store)
        self.cases = FakeCases(store)
        self.outbox = FakeOutbox(store)
        self.processed = FakeProcessedEvents(store)
        self.staff = FakeStaff(store)
        self.calendar = FakeCalendar(store)
        self.reminders = FakeReminders(store)
        self.plan = FakePlan(store)
        self.subscriptions = FakeSubscriptions(store)
        self.reception = FakeReception(store)
        self.conferences = FakeConferences(store)
        self.broadcasts = FakeBroadcasts(store)
        self.unhandled = FakeUnhandled(store)
        self.tokens = FakeChannelTokens(store)
        self.contacts = FakeChatContacts(store)
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
