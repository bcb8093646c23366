"""SQLAlchemy implementations of the repository protocols in ``handlers.ports``. Every query is scoped to a
commune except the few keyed by a channel address (conversations, outbox)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from models.case import Case, CaseAttachment, CaseEvent, CaseSequence
from models.citizen import Citizen, ConsentRecord
from models.commune import Commune, Field, Unit, Village
from models.conversation import Conversation
from models.enums import OutboxStatus
from models.outbox import OutboxMessage
from models.processed import ProcessedEvent


class SqlCommunes:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def get(self, commune_id: int) -> Commune | None:
        return await self._s.get(Commune, commune_id)

    async def by_code(self, code: str) -> Commune | None:
        return await self._s.scalar(select(Commune).where(func.upper(Commune.code) == code.upper()))

    async def list_all(self) -> Sequence[Commune]:
        return (await self._s.scalars(select(Commune).order_by(Commune.name))).all()

    async def fields(self, commune_id: int, *, include_inactive: bool = False) -> Sequence[Field]:
        query = select(Field).where(Field.commune_id == commune_id)
        if not include_inactive:
            query = query.where(Field.active.is_(True))
        return (await self._s.scalars(query.order_by(Field.position, Field.id))).all()

    async def villages(self, commune_id: int, *, include_inactive: bool = False) -> Sequence[Village]:
        query = select(Village).where(Village.commune_id == commune_id)
        if not include_inactive:
            query = query.where(Village.active.is_(True))
        return (await self._s.scalars(query.order_by(Village.position, Village.id))).all()

    async def units(self, commune_id: int, *, include_inactive: bool = False) -> Sequence[Unit]:
        query = select(Unit).where(Unit.commune_id == commune_id)
        if not include_inactive:
            query = query.where(Unit.active.is_(True))
        return (await self._s.scalars(query.order_by(Unit.position, Unit.id))).all()

    async def add(self, item: Commune | Field | Village | Unit) -> None:
        self._s.add(item)
        await self._s.flush()


class SqlCitizens:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def get(self, commune_id: int, citizen_id: int) -> Citizen | None:
        citizen = await self._s.get(Citizen, citizen_id)
        return citizen if citizen is not None and citizen.commune_id == commune_id else None

    async def by_account(self, commune_id: int, channel: str, account_id: str) -> Citizen | None:
        return await self._s.scalar(
            select(Citizen).where(
                Citizen.commune_id == commune_id, Citizen.channel == channel, Citizen.account_id == account_id
            )
        )

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
        return await self._s.scalar(
            select(Conversation).where(Conversation.channel == channel, Conversation.chat_id == chat_id)
        )

    async def add(self, conversation: Conversation) -> None:
        self._s.add(conversation)
        await self._s.flush()


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

    async def attachments(self, commune_id: int, case_id: int) -> Sequence[CaseAttachment]:
        return (
            await self._s.scalars(
                select(CaseAttachment)
                .where(CaseAttachment.commune_id == commune_id, CaseAttachment.case_id == case_id)
                .order_by(CaseAttachment.id)
            )
        ).all()


class SqlOutbox:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(self, message: OutboxMessage) -> None:
        self._s.add(message)
        await self._s.flush()

    async def get(self, message_id: int) -> OutboxMessage | None:
        return await self._s.get(OutboxMessage, message_id)

    async def claim_due(
        self,
        *,
        now: datetime,
        lease_until: datetime,
        limit: int,
        channel: str | None = None,
        chat_id: str | None = None,
    ) -> Sequence[OutboxMessage]:
        message, earlier = OutboxMessage, aliased(OutboxMessage)
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
        result = await self._s.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.channel == channel,
                OutboxMessage.chat_id == chat_id,
                OutboxMessage.status == OutboxStatus.PENDING,
            )
            .values(status=OutboxStatus.FAILED, last_error=reason[:500])
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]


class SqlProcessedEvents:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def seen(self, event_key: str) -> bool:
        return await self._s.get(ProcessedEvent, event_key) is not None

    async def add(self, event_key: str, at: datetime) -> None:
        self._s.add(ProcessedEvent(event_key=event_key, processed_at=at))
        await self._s.flush()
