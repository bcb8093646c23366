"""SQLAlchemy implementations of the repository protocols in ``handlers.ports``. Every query is scoped to a
commune except the few keyed by a channel address (conversations, outbox)."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Select, Table, and_, bindparam, delete, func, insert, or_, select, union, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.sql import Executable

from handlers.kernel.ports import CaseDigest, ConcurrentUpdate, EventClaim
from models.base import Base
from models.broadcast import Broadcast, BroadcastStatus
from models.calendar import CalendarOverride
from models.case import (
    CardPurpose,
    Case,
    CaseAttachment,
    CaseCard,
    CaseEvent,
    CaseResult,
    CaseSequence,
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


class ReferenceCache:
    """Communes with their active fields and villages, kept for a short while between units of work.

    They change only when a commune is imported, and the conversation reads them on every turn. Cached
    rows are detached from any session and only ever read; a commune import shows within ``ttl`` seconds.
    """

    def __init__(self, ttl: float = 30.0, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._ttl = ttl
        self._monotonic = monotonic
        self._entries: dict[tuple[str, int], tuple[float, Any]] = {}

    def get(self, key: tuple[str, int]) -> Any:
        entry = self._entries.get(key)
        if entry is None or entry[0] < self._monotonic():
            return _MISSING
        return entry[1]

    def put(self, key: tuple[str, int], value: Any) -> None:
        self._entries[key] = (self._monotonic() + self._ttl, value)

    def clear(self) -> None:
        self._entries.clear()


_MISSING = object()


_ALL_COMMUNES = select(Commune).order_by(Commune.name)


class SqlCommunes:
    def __init__(self, session: AsyncSession, cache: ReferenceCache | None = None) -> None:
        self._s = session
        self._cache = cache

    async def _cached(self, key: tuple[str, int], load: Callable[[], Awaitable[Any]]) -> Any:
        if self._cache is None:
            return await load()
        value = self._cache.get(key)
        if value is _MISSING:
            value = await load()
            for row in value if isinstance(value, list) else [value]:
                if row is not None:
                    self._s.expunge(row)  # detached: a rollback of this session cannot expire it
            self._cache.put(key, value)
        return value

    async def get(self, commune_id: int) -> Commune | None:
        commune: Commune | None = await self._cached(
            ("commune", commune_id), lambda: self._s.get(Commune, commune_id)
        )
        return commune

    async def by_code(self, code: str) -> Commune | None:
        return await self._s.scalar(select(Commune).where(func.upper(Commune.code) == code.upper()))

    async def list_all(self) -> Sequence[Commune]:
        """Every commune by name, from the reference cache: each new chat is settled in its commune by it."""
        communes: list[Commune] = await self._cached(("communes", 0), lambda: self._all(_ALL_COMMUNES))
        return communes

    async def fields(self, commune_id: int, *, include_inactive: bool = False) -> Sequence[PetitionField]:
        rows: list[PetitionField] = await self._reference(PetitionField, commune_id, include_inactive)
        return rows

    async def villages(self, commune_id: int, *, include_inactive: bool = False) -> Sequence[Village]:
        rows: list[Village] = await self._reference(Village, commune_id, include_inactive)
        return rows

    async def units(self, commune_id: int, *, include_inactive: bool = False) -> Sequence[Unit]:
        rows: list[Unit] = await self._reference(Unit, commune_id, include_inactive)
        return rows

    async def _reference(
        self, model: type[PetitionField | Village | Unit], commune_id: int, everything: bool
    ) -> Any:
        """A commune's fields, villages or units in their order. The active ones come from the reference
        cache (they change only when the commune is imported again); with ``everything``, from the session."""

        def query() -> Any:  # built only when the rows are read: not for a cache hit, the usual case
            statement = select(model).where(model.commune_id == commune_id)
            if not everything:
                statement = statement.where(model.active.is_(True))
            return statement.order_by(model.position, model.id)

        if everything:  # live rows: the commune import updates them
            return await self._all(query())
        return await self._cached((model.__tablename__, commune_id), lambda: self._all(query()))

    async def _all(self, query: Any) -> list[Any]:
        return list((await self._s.scalars(query)).all())

    async def add(self, item: Commune | PetitionField | Village | Unit | RoutingRule) -> None:
        self._s.add(item)
        await self._s.flush()
        if self._cache is not None:
            self._cache.clear()  # an import in this process shows at once

    async def routing_rules(self, commune_id: int) -> Sequence[RoutingRule]:
        query = select(RoutingRule).where(RoutingRule.commune_id == commune_id).order_by(RoutingRule.position)
        rules: list[RoutingRule] = await self._cached(("routing", commune_id), lambda: self._all(query))
        return rules

    async def replace_routing(self, commune_id: int, rules: Sequence[RoutingRule]) -> None:
        await self._s.execute(delete(RoutingRule).where(RoutingRule.commune_id == commune_id))
        self._s.add_all(rules)
        await self._s.flush()
        if self._cache is not None:
            self._cache.clear()


class SqlCitizens:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def get(self, commune_id: int, citizen_id: int) -> Citizen | None:
        citizen = await self._s.get(Citizen, citizen_id)
        return citizen if citizen is not None and citizen.commune_id == commune_id else None

    async def by_account(self, commune_id: int, channel: str, account_id: str) -> Citizen | None:
        params = {"commune": commune_id, "channel": channel, "account": account_id}
        return await self._s.scalar(_CITIZEN_BY_ACCOUNT, params)

    async def add(self, citizen: Citizen) -> None:
        self._s.add(citizen)
        await self._s.flush()

    async def add_consent(self, record: ConsentRecord) -> None:
        self._s.add(record)
        await self._s.flush()

    async def latest_consent(self, commune_id: int, citizen_id: int) -> ConsentRecord | None:
        return await self._s.scalar(
            select(ConsentRecord)
            .where(ConsentRecord.commune_id == commune_id, ConsentRecord.citizen_id == citizen_id)
            .order_by(ConsentRecord.at.desc(), ConsentRecord.id.desc())
            .limit(1)
        )

    async def mark_unreachable(self, channel: str, chat_id: str, at: datetime) -> int:
        citizens = (
            await self._s.scalars(
                select(Citizen).where(Citizen.channel == channel, Citizen.chat_id == chat_id)
            )
        ).all()
        for citizen in citizens:
            citizen.unreachable_at = at
        await self._s.flush()
        return len(citizens)

    async def mark_reachable(self, channel: str, chat_id: str) -> None:
        await self._s.execute(
            update(Citizen)
            .where(Citizen.channel == channel, Citizen.chat_id == chat_id)
            .values(unreachable_at=None)
            .execution_options(synchronize_session=False)
        )


class SqlConversations:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def get(self, channel: str, chat_id: str) -> Conversation | None:
        row = (
            (await self._s.execute(_CONVERSATION_ROW, {"channel": channel, "chat": chat_id}))
            .mappings()
            .first()
        )
        if row is None:
            return None
        values = dict(row)
        identity, version = values.pop("id"), values.pop("version")
        conversation = Conversation(**values)
        conversation.id, conversation.version = identity, version
        return conversation

    async def save(self, conversation: Conversation) -> None:
        values = {column: getattr(conversation, column) for column in _CONVERSATION_FIELDS}
        if conversation.id is None:
            result = await self._s.execute(_INSERT_CONVERSATION, {**values, "version": 1})
            conversation.id, conversation.version = result.scalar_one(), 1
            return
        result = await self._s.execute(
            _UPDATE_CONVERSATION,
            {
                **values,
                "cid": conversation.id,
                "seen": conversation.version,
                "version": conversation.version + 1,
            },
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise ConcurrentUpdate()
        conversation.version += 1

    async def mark_unreachable(self, channel: str, chat_id: str) -> None:
        await self._s.execute(_CONVERSATION_UNREACHABLE, {"b_channel": channel, "b_chat": chat_id})


@lru_cache(maxsize=32)
def _received_since(field: bool, village: bool, citizen: bool, limit: int) -> Executable:
    """The recent cases of a commune related by field and village, or by citizen: one statement per shape,
    built once (its SQL and cache key are then reused; the office runs it for every new case).

    Each relation is read newest first along its own index (``ix_cases_commune_field_received``,
    ``ix_cases_commune_citizen``) and only ``limit`` rows of each are merged: with "field OR citizen" in one
    WHERE, the database read and sorted every case of the commune, a cost that grew with its history."""
    columns = (
        Case.id,
        Case.code,
        Case.received_at,
        Case.citizen_id,
        Case.field_slug,
        Case.village_id,
        Case.status,
        Case.search_text,
    )
    recent = (Case.commune_id == bindparam("commune"), Case.received_at >= bindparam("since"))
    newest = (Case.received_at.desc(), Case.id.desc())
    matter = [Case.field_slug == bindparam("field")] if field else []
    if village:
        matter.append(Case.village_id == bindparam("village"))
    by_citizen = Case.citizen_id == bindparam("citizen")
    if not (matter and citizen):
        related = [by_citizen] if citizen else matter  # one relation (or none): no merge needed
        return select(*columns).where(*recent, *related).order_by(*newest).limit(limit)
    branches = [
        select(*columns).where(*recent, relation).order_by(*newest).limit(limit).subquery()
        for relation in (and_(*matter), by_citizen)
    ]
    both = union(*(select(branch) for branch in branches)).subquery()
    return select(both).order_by(both.c.received_at.desc(), both.c.id.desc()).limit(limit)


def _with_role(of_unit: bool) -> Select[Any]:
    query = (
        select(StaffMember)
        .join(StaffRole, StaffRole.staff_id == StaffMember.id)
        .where(
            StaffMember.commune_id == bindparam("commune"),
            StaffMember.active.is_(True),
            StaffRole.role == bindparam("role"),
        )
    )
    if of_unit:
        query = query.where(StaffRole.unit_id == bindparam("unit"))
    return query.order_by(StaffMember.id).distinct()


def _groups(of_unit: bool) -> Select[Any]:
    query = select(StaffGroup).where(
        StaffGroup.commune_id == bindparam("commune"), StaffGroup.active.is_(True)
    )
    query = query.where(StaffGroup.unit_id == bindparam("unit") if of_unit else StaffGroup.unit_id.is_(None))
    return query.order_by(StaffGroup.id)


# Who gets the office's and a unit's traffic is looked up for every new case: built once.
_WITH_ROLE = {of_unit: _with_role(of_unit) for of_unit in (False, True)}
_GROUPS = {of_unit: _groups(of_unit) for of_unit in (False, True)}


class SqlCases:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def next_sequence(self, commune_id: int, year: int) -> int:
        # INSERT … ON CONFLICT DO UPDATE … RETURNING: one statement that creates the counter or takes the row
        # lock and increments it. Concurrent submitters queue on that lock until the holder commits or rolls
        # back, so numbers are unique and, since a rollback undoes the increment, gap-free.
        dialect = self._s.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = (
            insert(CaseSequence)
            .values(commune_id=commune_id, year=year, last_value=1)
            .on_conflict_do_update(
                index_elements=[CaseSequence.commune_id, CaseSequence.year],
                set_={"last_value": CaseSequence.last_value + 1},
            )
            .returning(CaseSequence.last_value)
        )
        value = (await self._s.execute(statement)).scalar_one()
        return int(value)

    async def add(self, case: Case) -> None:
        self._s.add(case)
        await self._s.flush()

    async def add_attachment(self, attachment: CaseAttachment) -> None:
        self._s.add(attachment)
        await self._s.flush()

    async def add_event(self, event: CaseEvent) -> None:
        self._s.add(event)
        await self._s.flush()

    async def by_code(self, commune_id: int, code: str) -> Case | None:
        return await self._s.scalar(
            select(Case).where(Case.commune_id == commune_id, Case.code == code.upper())
        )

    async def for_citizen(self, commune_id: int, citizen_id: int, *, limit: int = 20) -> Sequence[Case]:
        return (
            await self._s.scalars(
                select(Case)
                .where(Case.commune_id == commune_id, Case.citizen_id == citizen_id)
                .order_by(Case.received_at.desc(), Case.id.desc())
                .limit(limit)
            )
        ).all()

    async def events(self, commune_id: int, case_id: int) -> Sequence[CaseEvent]:
        return (
            await self._s.scalars(
                select(CaseEvent)
                .where(CaseEvent.commune_id == commune_id, CaseEvent.case_id == case_id)
                .order_by(CaseEvent.at, CaseEvent.id)
            )
        ).all()

    async def get(self, commune_id: int, case_id: int) -> Case | None:
        case = await self._s.get(Case, case_id)
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
        query = select(Case).where(Case.commune_id == commune_id, Case.status.in_(list(statuses)))
        if unit_id is not None:
            query = query.where(Case.unit_id == unit_id)
        if field_slug is not None:
            query = query.where(Case.field_slug == field_slug)
        return (await self._s.scalars(query.order_by(Case.received_at, Case.id).limit(limit))).all()

    async def at_reception(self, commune_id: int, day: date) -> Sequence[Case]:
        query = select(Case).where(
            Case.commune_id == commune_id,
            Case.reception_key.startswith(f"{day.isoformat()}:", autoescape=True),
        )
        return (await self._s.scalars(query.order_by(Case.id))).all()

    async def search(self, commune_id: int, words: Sequence[str], *, limit: int = 20) -> Sequence[Case]:
        query = select(Case).where(Case.commune_id == commune_id)
        for word in words:
            query = query.where(Case.search_text.contains(word, autoescape=True))
        return (
            await self._s.scalars(query.order_by(Case.received_at.desc(), Case.id.desc()).limit(limit))
        ).all()

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
        query = _received_since(field_slug is not None, village_id is not None, citizen_id is not None, limit)
        params = {
            "commune": commune_id,
            "since": since,
            "field": field_slug,
            "village": village_id,
            "citizen": citizen_id,
        }
        return [CaseDigest(*row) for row in (await self._s.execute(query, params)).all()]

    async def office_pending_ids(self, *, limit: int) -> Sequence[int]:
        query = select(Case.id).where(Case.office_pending.is_(True)).order_by(Case.id).limit(limit)
        return (await self._s.scalars(query)).all()

    async def office_pending(self, *, limit: int, case_id: int | None = None) -> Sequence[Case]:
        query = select(Case).where(Case.office_pending.is_(True)).order_by(Case.id).limit(limit)
        if case_id is not None:
            query = query.where(Case.id == case_id).with_for_update(skip_locked=True)
        return (await self._s.scalars(query)).all()

    async def by_ids(self, commune_id: int, ids: Sequence[int]) -> Sequence[Case]:
        if not ids:
            return []
        query = select(Case).where(Case.commune_id == commune_id, Case.id.in_(list(ids)))
        return (await self._s.scalars(query.order_by(Case.id))).all()

    async def duplicates_of(self, commune_id: int, case_id: int) -> Sequence[Case]:
        query = select(Case).where(Case.commune_id == commune_id, Case.duplicate_of_id == case_id)
        return (await self._s.scalars(query.order_by(Case.id))).all()

    async def add_result(self, result: CaseResult) -> None:
        self._s.add(result)
        await self._s.flush()

    async def latest_result(self, commune_id: int, case_id: int) -> CaseResult | None:
        return await self._s.scalar(
            select(CaseResult)
            .where(CaseResult.commune_id == commune_id, CaseResult.case_id == case_id)
            .order_by(CaseResult.id.desc())
            .limit(1)
        )

    async def get_result(self, commune_id: int, result_id: int) -> CaseResult | None:
        result = await self._s.get(CaseResult, result_id)
        return result if result is not None and result.commune_id == commune_id else None

    async def add_card(self, card: CaseCard) -> None:
        self._s.add(card)
        await self._s.flush()

    async def cards(self, commune_id: int, case_id: int, purpose: CardPurpose) -> Sequence[CaseCard]:
        query = select(CaseCard).where(
            CaseCard.commune_id == commune_id, CaseCard.case_id == case_id, CaseCard.purpose == purpose
        )
        return (await self._s.scalars(query.order_by(CaseCard.id))).all()

    async def add_info_request(self, request: InfoRequest) -> None:
        self._s.add(request)
        await self._s.flush()

    async def open_info_request(self, commune_id: int, case_id: int) -> InfoRequest | None:
        return await self._s.scalar(
            select(InfoRequest)
            .where(
                InfoRequest.commune_id == commune_id,
                InfoRequest.case_id == case_id,
                InfoRequest.answered_at.is_(None),
            )
            .order_by(InfoRequest.id.desc())
            .limit(1)
        )

    async def add_hot_spot(self, hot_spot: HotSpot) -> None:
        self._s.add(hot_spot)
        await self._s.flush()

    async def hot_spots_since(self, commune_id: int, since: datetime) -> Sequence[HotSpot]:
        query = select(HotSpot).where(HotSpot.commune_id == commune_id, HotSpot.detected_at >= since)
        return (await self._s.scalars(query.order_by(HotSpot.id))).all()

    async def attachments(self, commune_id: int, case_id: int) -> Sequence[CaseAttachment]:
        return (
            await self._s.scalars(
                select(CaseAttachment)
                .where(CaseAttachment.commune_id == commune_id, CaseAttachment.case_id == case_id)
                .order_by(CaseAttachment.id)
            )
        ).all()


_EARLIER = aliased(OutboxMessage, name="earlier")
# Hot statements, built once (building a statement costs more than running it on SQLite), on tables
# rather than mapped classes where the ORM's bookkeeping would cost more than the statement.
_CONVERSATIONS = Table(Conversation.__tablename__, Base.metadata)
_CONVERSATION_FIELDS = tuple(
    column.key for column in _CONVERSATIONS.columns if column.key not in ("id", "version")
)
_CONVERSATION_ROW = select(_CONVERSATIONS).where(
    _CONVERSATIONS.c.channel == bindparam("channel"), _CONVERSATIONS.c.chat_id == bindparam("chat")
)
_INSERT_CONVERSATION = insert(_CONVERSATIONS).returning(_CONVERSATIONS.c.id)
_UPDATE_CONVERSATION = (
    update(_CONVERSATIONS)
    .where(_CONVERSATIONS.c.id == bindparam("cid"), _CONVERSATIONS.c.version == bindparam("seen"))
    .values({name: bindparam(name) for name in (*_CONVERSATION_FIELDS, "version")})
)
_CONVERSATION_UNREACHABLE = (
    update(_CONVERSATIONS)
    .where(
        _CONVERSATIONS.c.channel == bindparam("b_channel"), _CONVERSATIONS.c.chat_id == bindparam("b_chat")
    )
    .values(unreachable=True)
)
_CITIZEN_BY_ACCOUNT = select(Citizen).where(
    Citizen.commune_id == bindparam("commune"),
    Citizen.channel == bindparam("channel"),
    Citizen.account_id == bindparam("account"),
)
_OUTBOX_TABLE = Table(OutboxMessage.__tablename__, Base.metadata)
_OUTBOX_FIELDS = tuple(column.key for column in _OUTBOX_TABLE.columns if column.key != "id")
_INSERT_OUTBOX = insert(_OUTBOX_TABLE).returning(_OUTBOX_TABLE.c.id, sort_by_parameter_order=True)
_UNSENT_IN_CHAT = (
    select(_OUTBOX_TABLE.c.id)
    .where(
        _OUTBOX_TABLE.c.channel == bindparam("channel"),
        _OUTBOX_TABLE.c.chat_id == bindparam("chat"),
        # Two comparisons, not IN (…): a literal list is an "expanding" parameter, re-rendered on every
        # execution, and this statement runs for every update.
        or_(_OUTBOX_TABLE.c.status == OutboxStatus.PENDING, _OUTBOX_TABLE.c.status == OutboxStatus.SENDING),
    )
    .limit(1)
)
_PROCESSED = Table(ProcessedEvent.__tablename__, Base.metadata)
_STAFF_TABLE = Table(StaffMember.__tablename__, Base.metadata)
_SENDER_IS_STAFF = (
    select(_STAFF_TABLE.c.id)
    .where(
        _STAFF_TABLE.c.channel == bindparam("channel"),
        _STAFF_TABLE.c.account_id == bindparam("sender"),
        _STAFF_TABLE.c.active.is_(True),
    )
    .limit(1)
)
_CLAIM_EVENT = {
    name: dialect_insert(_PROCESSED)
    .values(event_key=bindparam("key"), processed_at=bindparam("at"))
    .on_conflict_do_nothing(index_elements=[_PROCESSED.c.event_key])
    .returning(_PROCESSED.c.event_key, _UNSENT_IN_CHAT.scalar_subquery(), _SENDER_IS_STAFF.scalar_subquery())
    for name, dialect_insert in (("postgresql", postgresql.insert), ("sqlite", sqlite.insert))
}
_OUTBOX_BY_IDS = (
    select(OutboxMessage)
    .where(OutboxMessage.id.in_(bindparam("ids", expanding=True)))
    .order_by(OutboxMessage.id)
)
_MARK_SENT = (
    update(_OUTBOX_TABLE)
    .where(_OUTBOX_TABLE.c.id == bindparam("message"))
    .values(
        status=OutboxStatus.SENT,
        sent_at=bindparam("at"),
        external_id=bindparam("external"),
        attempts=_OUTBOX_TABLE.c.attempts + 1,
        lease_until=None,
        last_error=None,
    )
)


class SqlOutbox:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(self, message: OutboxMessage) -> None:
        self._s.add(message)
        await self._s.flush()

    async def add_many(self, messages: Sequence[OutboxMessage]) -> None:
        """One INSERT … RETURNING for all, without the ORM's bookkeeping; the messages stay detached."""
        if not messages:
            return
        rows = [{field: getattr(message, field) for field in _OUTBOX_FIELDS} for message in messages]
        ids = (await self._s.execute(_INSERT_OUTBOX, rows)).scalars().all()
        for message, identity in zip(messages, ids, strict=True):
            message.id = identity

    async def get(self, message_id: int) -> OutboxMessage | None:
        return await self._s.get(OutboxMessage, message_id)

    async def get_many(self, ids: Sequence[int]) -> Sequence[OutboxMessage]:
        if not ids:
            return []
        return (await self._s.scalars(_OUTBOX_BY_IDS, {"ids": list(ids)})).all()

    async def mark_sent(self, sent: Sequence[tuple[int, str | None, datetime]]) -> None:
        if sent:
            rows = [{"message": message, "external": external, "at": at} for message, external, at in sent]
            await self._s.execute(_MARK_SENT, rows)

    async def has_unsent(self, channel: str, chat_id: str) -> bool:
        found = (await self._s.execute(_UNSENT_IN_CHAT, {"channel": channel, "chat": chat_id})).first()
        return found is not None

    async def latest_to(self, channel: str, chat_id: str, *, limit: int) -> Sequence[OutboxMessage]:
        query = (
            select(OutboxMessage)
            .where(OutboxMessage.channel == channel, OutboxMessage.chat_id == chat_id)
            .order_by(OutboxMessage.id.desc())
            .limit(limit)
        )
        return (await self._s.scalars(query)).all()

    async def claim_due(
        self,
        *,
        now: datetime,
        lease_until: datetime,
        limit: int,
        channel: str | None = None,
        chat_id: str | None = None,
    ) -> Sequence[OutboxMessage]:
        message, earlier = OutboxMessage, _EARLIER
        unsent = (OutboxStatus.PENDING, OutboxStatus.SENDING)
        earlier_unsent = (
            select(earlier.id)
            .where(
                earlier.channel == message.channel,
                earlier.chat_id == message.chat_id,
                earlier.id < message.id,
                earlier.status.in_(unsent),
            )
            .exists()
        )
        due = or_(
            and_(message.status == OutboxStatus.PENDING, message.next_attempt_at <= now),
            and_(message.status == OutboxStatus.SENDING, message.lease_until < now),
        )
        query = select(message).where(due, ~earlier_unsent)
        if channel is not None:
            query = query.where(message.channel == channel)
        if chat_id is not None:
            query = query.where(message.chat_id == chat_id)
        query = query.order_by(message.priority, message.id).limit(limit)
        if self._s.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True, of=message)
        rows = (await self._s.scalars(query)).all()
        for row in rows:
            row.status = OutboxStatus.SENDING
            row.lease_until = lease_until
        await self._s.flush()
        return rows

    async def release_leases(self) -> int:
        result = await self._s.execute(
            update(OutboxMessage)
            .where(OutboxMessage.status == OutboxStatus.SENDING)
            .values(status=OutboxStatus.PENDING, lease_until=None)
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def fail_pending(self, channel: str, chat_id: str, *, reason: str) -> int:
        return await self._update_pending(
            channel, chat_id, {"status": OutboxStatus.FAILED, "last_error": reason[:500]}
        )

    async def move_pending(self, channel: str, chat_id: str, new_chat_id: str) -> int:
        return await self._update_pending(channel, chat_id, {"chat_id": new_chat_id})

    async def release_waiting(self, channel: str, chat_id: str, now: datetime) -> int:
        result = await self._s.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.channel == channel,
                OutboxMessage.chat_id == chat_id,
                OutboxMessage.status == OutboxStatus.WAITING,
            )
            .values(status=OutboxStatus.PENDING, next_attempt_at=now)
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def count_waiting(self, channel: str, chat_id: str) -> int:
        query = select(func.count()).where(
            OutboxMessage.channel == channel,
            OutboxMessage.chat_id == chat_id,
            OutboxMessage.status == OutboxStatus.WAITING,
        )
        return int(await self._s.scalar(query) or 0)

    async def broadcast_counts(self, broadcast_id: int) -> dict[OutboxStatus, int]:
        query = (
            select(OutboxMessage.status, func.count())
            .where(OutboxMessage.broadcast_id == broadcast_id)
            .group_by(OutboxMessage.status)
        )
        return {OutboxStatus(status): int(count) for status, count in (await self._s.execute(query)).all()}

    async def cancel_broadcast(self, broadcast_id: int, *, reason: str) -> int:
        result = await self._s.execute(
            update(OutboxMessage)
            .where(OutboxMessage.broadcast_id == broadcast_id, OutboxMessage.status == OutboxStatus.PENDING)
            .values(status=OutboxStatus.FAILED, last_error=reason[:500])
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def _update_pending(self, channel: str, chat_id: str, values: dict[str, object]) -> int:
        result = await self._s.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.channel == channel,
                OutboxMessage.chat_id == chat_id,
                or_(
                    OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.status == OutboxStatus.WAITING
                ),
            )
            .values(values)
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]


class SqlCalendar:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def overrides(self, commune_id: int) -> Sequence[CalendarOverride]:
        query = select(CalendarOverride).where(CalendarOverride.commune_id == commune_id)
        return (await self._s.scalars(query.order_by(CalendarOverride.day))).all()

    async def add(self, override: CalendarOverride) -> None:
        self._s.add(override)
        await self._s.flush()

    async def remove(self, override: CalendarOverride) -> None:
        await self._s.delete(override)
        await self._s.flush()


class SqlReminders:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def claim(self, commune_id: int, key: str, at: datetime) -> bool:
        # INSERT … ON CONFLICT DO NOTHING RETURNING: a second sweeper racing for the same key waits on the
        # first one's row lock, then inserts nothing and learns it lost.
        insert = postgresql.insert if self._s.get_bind().dialect.name == "postgresql" else sqlite.insert
        statement = (
            insert(SentReminder)
            .values(commune_id=commune_id, key=key, sent_at=at)
            .on_conflict_do_nothing(index_elements=[SentReminder.key])
            .returning(SentReminder.id)
        )
        return (await self._s.execute(statement)).scalar_one_or_none() is not None


class SqlPlan:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def tasks(self, commune_id: int, *, open_only: bool = True) -> Sequence[PlanTask]:
        query = select(PlanTask).where(PlanTask.commune_id == commune_id)
        if open_only:
            query = query.where(PlanTask.done_at.is_(None))
        return (await self._s.scalars(query.order_by(PlanTask.due_on, PlanTask.id))).all()

    async def get(self, commune_id: int, task_id: int) -> PlanTask | None:
        task = await self._s.get(PlanTask, task_id)
        return task if task is not None and task.commune_id == commune_id else None

    async def add(self, task: PlanTask) -> None:
        self._s.add(task)
        await self._s.flush()


class SqlSubscriptions:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def of(self, commune_id: int, citizen_id: int) -> Subscription | None:
        return await self._s.scalar(
            select(Subscription).where(
                Subscription.commune_id == commune_id, Subscription.citizen_id == citizen_id
            )
        )

    async def add(self, subscription: Subscription) -> None:
        self._s.add(subscription)
        await self._s.flush()

    async def active(self, commune_id: int) -> Sequence[Subscription]:
        query = select(Subscription).where(
            Subscription.commune_id == commune_id, Subscription.cancelled_at.is_(None)
        )
        return (await self._s.scalars(query.order_by(Subscription.id))).all()

    async def recipients(
        self, commune_id: int, *, after: int, limit: int
    ) -> Sequence[tuple[Subscription, Citizen]]:
        query = (
            select(Subscription, Citizen)
            .join(Citizen, Citizen.id == Subscription.citizen_id)
            .where(
                Subscription.commune_id == commune_id,
                Subscription.cancelled_at.is_(None),
                Subscription.id > after,
                Citizen.unreachable_at.is_(None),
            )
            .order_by(Subscription.id)
            .limit(limit)
        )
        return [(row[0], row[1]) for row in (await self._s.execute(query)).all()]

    async def cancel_for_chat(self, channel: str, chat_id: str, at: datetime, *, reason: str) -> int:
        citizens = select(Citizen.id).where(Citizen.channel == channel, Citizen.chat_id == chat_id)
        result = await self._s.execute(
            update(Subscription)
            .where(Subscription.citizen_id.in_(citizens), Subscription.cancelled_at.is_(None))
            .values(cancelled_at=at, cancel_reason=reason)
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]


class SqlReception:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def changes(self, commune_id: int, first: date, last: date) -> Sequence[ReceptionChange]:
        query = select(ReceptionChange).where(
            ReceptionChange.commune_id == commune_id, ReceptionChange.day.between(first, last)
        )
        return (await self._s.scalars(query.order_by(ReceptionChange.day, ReceptionChange.id))).all()

    async def add(self, change: ReceptionChange) -> None:
        self._s.add(change)
        await self._s.flush()

    async def remove(self, change: ReceptionChange) -> None:
        await self._s.delete(change)
        await self._s.flush()


class SqlStaff:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def memberships(self, channel: str, account_id: str) -> Sequence[StaffMember]:
        query = select(StaffMember).where(
            StaffMember.channel == channel, StaffMember.account_id == account_id, StaffMember.active.is_(True)
        )
        return (await self._s.scalars(query.order_by(StaffMember.id))).all()

    async def get(self, commune_id: int, staff_id: int) -> StaffMember | None:
        member = await self._s.get(StaffMember, staff_id)
        return member if member is not None and member.commune_id == commune_id else None

    async def members(self, commune_id: int) -> Sequence[StaffMember]:
        query = select(StaffMember).where(StaffMember.commune_id == commune_id, StaffMember.active.is_(True))
        return (await self._s.scalars(query.order_by(StaffMember.name, StaffMember.id))).all()

    async def roles(self, staff_ids: Sequence[int]) -> Sequence[StaffRole]:
        if not staff_ids:
            return []
        query = select(StaffRole).where(StaffRole.staff_id.in_(list(staff_ids)))
        return (await self._s.scalars(query.order_by(StaffRole.id))).all()

    async def with_role(
        self, commune_id: int, role: Role, unit_id: int | None = None
    ) -> Sequence[StaffMember]:
        params = {"commune": commune_id, "role": role, "unit": unit_id}
        return (await self._s.scalars(_WITH_ROLE[unit_id is not None], params)).all()

    async def add(self, member: StaffMember) -> None:
        self._s.add(member)
        await self._s.flush()

    async def add_role(self, role: StaffRole) -> None:
        self._s.add(role)
        await self._s.flush()

    async def invite(self, token: str) -> StaffInvite | None:
        return await self._s.scalar(select(StaffInvite).where(StaffInvite.token == token))

    async def add_invite(self, invite: StaffInvite) -> None:
        self._s.add(invite)
        await self._s.flush()

    async def group(self, channel: str, chat_id: str) -> StaffGroup | None:
        return await self._s.scalar(
            select(StaffGroup).where(StaffGroup.channel == channel, StaffGroup.chat_id == chat_id)
        )

    async def groups(self, commune_id: int, *, unit_id: int | None) -> Sequence[StaffGroup]:
        params = {"commune": commune_id, "unit": unit_id}
        return (await self._s.scalars(_GROUPS[unit_id is not None], params)).all()

    async def add_group(self, group: StaffGroup) -> None:
        self._s.add(group)
        await self._s.flush()

    async def prompt(self, staff_id: int, channel: str, chat_id: str) -> StaffPrompt | None:
        return await self._s.scalar(
            select(StaffPrompt).where(
                StaffPrompt.staff_id == staff_id,
                StaffPrompt.channel == channel,
                StaffPrompt.chat_id == chat_id,
            )
        )

    async def set_prompt(self, prompt: StaffPrompt) -> None:
        await self.clear_prompt(prompt.staff_id, prompt.channel, prompt.chat_id)
        self._s.add(prompt)
        await self._s.flush()

    async def clear_prompt(self, staff_id: int, channel: str, chat_id: str) -> None:
        await self._s.execute(
            delete(StaffPrompt).where(
                StaffPrompt.staff_id == staff_id,
                StaffPrompt.channel == channel,
                StaffPrompt.chat_id == chat_id,
            )
        )


class SqlProcessedEvents:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def claim(
        self, event_key: str, at: datetime, *, channel: str, chat_id: str, sender_id: str
    ) -> EventClaim:
        statement = _CLAIM_EVENT[self._s.get_bind().dialect.name]
        params = {"key": event_key, "at": at, "channel": channel, "chat": chat_id, "sender": sender_id}
        row = (await self._s.execute(statement, params)).first()
        if row is None:
            return EventClaim(first=False, chat_busy=False)
        return EventClaim(first=True, chat_busy=row[1] is not None, staff=row[2] is not None)


class SqlConferences:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def next_number(self, commune_id: int) -> int:
        query = select(func.max(Conference.number)).where(Conference.commune_id == commune_id)
        return int(await self._s.scalar(query) or 0) + 1

    async def add(self, session: Conference) -> None:
        self._s.add(session)
        await self._s.flush()

    async def get(self, commune_id: int, number: int) -> Conference | None:
        return await self._s.scalar(
            select(Conference).where(Conference.commune_id == commune_id, Conference.number == number)
        )

    async def by_id(self, conference_id: int) -> Conference | None:
        return await self._s.get(Conference, conference_id)

    async def starting(self, commune_id: int, first: datetime, last: datetime) -> Sequence[Conference]:
        query = select(Conference).where(
            Conference.commune_id == commune_id, Conference.starts_at.between(first, last)
        )
        return (await self._s.scalars(query.order_by(Conference.starts_at, Conference.id))).all()

    async def participants(self, conference_id: int) -> Sequence[ConferenceParticipant]:
        query = select(ConferenceParticipant).where(ConferenceParticipant.conference_id == conference_id)
        return (await self._s.scalars(query.order_by(ConferenceParticipant.id))).all()

    async def participant(self, conference_id: int, citizen_id: int) -> ConferenceParticipant | None:
        return await self._s.scalar(
            select(ConferenceParticipant).where(
                ConferenceParticipant.conference_id == conference_id,
                ConferenceParticipant.citizen_id == citizen_id,
            )
        )

    async def add_participant(self, participant: ConferenceParticipant) -> None:
        self._s.add(participant)
        await self._s.flush()

    async def questions(self, conference_id: int) -> Sequence[Case]:
        query = select(Case).where(Case.conference_id == conference_id).order_by(Case.id)
        return (await self._s.scalars(query)).all()


class SqlBroadcasts:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(self, broadcast: Broadcast) -> None:
        self._s.add(broadcast)
        await self._s.flush()

    async def get(self, broadcast_id: int) -> Broadcast | None:
        return await self._s.get(Broadcast, broadcast_id)

    async def by_key(self, key: str) -> Broadcast | None:
        return await self._s.scalar(select(Broadcast).where(Broadcast.key == key))

    async def sending(self) -> Sequence[Broadcast]:
        query = select(Broadcast).where(Broadcast.status == BroadcastStatus.SENDING).order_by(Broadcast.id)
        return (await self._s.scalars(query)).all()

    async def of_conference(self, conference_id: int) -> Sequence[Broadcast]:
        query = select(Broadcast).where(Broadcast.conference_id == conference_id).order_by(Broadcast.id)
        return (await self._s.scalars(query)).all()


class SqlUnhandled:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(self, message: UnhandledMessage) -> None:
        self._s.add(message)
        await self._s.flush()


class SqlChannelTokens:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def get(self, channel: str, account: str, *, for_update: bool = False) -> ChannelToken | None:
        query = select(ChannelToken).where(ChannelToken.channel == channel, ChannelToken.account == account)
        if for_update:
            # PostgreSQL: other workers wait here until this transaction ends. SQLite ignores it: its
            # transactions already write one at a time (BEGIN IMMEDIATE).
            query = query.with_for_update()
        return await self._s.scalar(query.execution_options(populate_existing=True))

    async def add(self, token: ChannelToken) -> None:
        self._s.add(token)
        await self._s.flush()


_CONTACTS = Table(ChatContact.__tablename__, Base.metadata)
_TOUCH_CONTACT = {
    name: dialect_insert(_CONTACTS)
    .values(channel=bindparam("channel"), chat_id=bindparam("chat"), last_inbound_at=bindparam("at"))
    .on_conflict_do_update(
        index_elements=[_CONTACTS.c.channel, _CONTACTS.c.chat_id],
        set_={"last_inbound_at": bindparam("at")},
        where=_CONTACTS.c.last_inbound_at < bindparam("at"),
    )
    for name, dialect_insert in (("postgresql", postgresql.insert), ("sqlite", sqlite.insert))
}


class SqlChatContacts:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def touch(self, channel: str, chat_id: str, at: datetime) -> None:
        statement = _TOUCH_CONTACT[self._s.get_bind().dialect.name]
        await self._s.execute(statement, {"channel": channel, "chat": chat_id, "at": at})

    async def get(self, channel: str, chat_id: str) -> ChatContact | None:
        query = select(ChatContact).where(ChatContact.channel == channel, ChatContact.chat_id == chat_id)
        return await self._s.scalar(query.execution_options(populate_existing=True))
