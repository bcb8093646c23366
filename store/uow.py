"""The SQL unit of work: one AsyncSession, one transaction, rolled back unless committed."""

from __future__ import annotations

import asyncio
from types import TracebackType
from typing import Self

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from handlers.ports import (
    BroadcastRepository,
    CalendarRepository,
    CaseRepository,
    CitizenRepository,
    CommuneRepository,
    ConcurrentUpdate,
    ConversationRepository,
    DialogueRepository,
    OutboxRepository,
    PlanRepository,
    ProcessedEventRepository,
    ReceptionRepository,
    ReminderRepository,
    StaffRepository,
    SubscriptionRepository,
)
from store.repositories import (
    ReferenceCache,
    SqlBroadcasts,
    SqlCalendar,
    SqlCases,
    SqlCitizens,
    SqlCommunes,
    SqlConversations,
    SqlDialogues,
    SqlOutbox,
    SqlPlan,
    SqlProcessedEvents,
    SqlReception,
    SqlReminders,
    SqlStaff,
    SqlSubscriptions,
)


class SqlUnitOfWork:
    """One AsyncSession and its transaction. On SQLite, units of work of this process take turns (``gate``):
    SQLite has one writer at a time, and waiting here yields to the loop instead of blocking in SQLite."""

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
    dialogues: DialogueRepository
    broadcasts: BroadcastRepository

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        gate: asyncio.Lock | None = None,
        cache: ReferenceCache | None = None,
    ) -> None:
        self._sessions = sessions
        self._gate = gate
        self._cache = cache
        self._session: AsyncSession | None = None

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("unit of work used outside its 'async with' block")
        return self._session

    async def __aenter__(self) -> Self:
        if self._gate is not None:
            await self._gate.acquire()
        self._session = self._sessions()
        session = self._session
        self.communes = SqlCommunes(session, self._cache)
        self.citizens = SqlCitizens(session)
        self.conversations = SqlConversations(session)
        self.cases = SqlCases(session)
        self.outbox = SqlOutbox(session)
        self.processed = SqlProcessedEvents(session)
        self.staff = SqlStaff(session)
        self.calendar = SqlCalendar(session)
        self.reminders = SqlReminders(session)
        self.plan = SqlPlan(session)
        self.subscriptions = SqlSubscriptions(session)
        self.reception = SqlReception(session)
        self.dialogues = SqlDialogues(session)
        self.broadcasts = SqlBroadcasts(session)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session = self.session
        try:
            await session.rollback()
        finally:
            await session.close()
            self._session = None
            if self._gate is not None:
                self._gate.release()
        if isinstance(exc, StaleDataError | IntegrityError) and _is_race(exc):
            raise ConcurrentUpdate() from exc

    async def commit(self) -> None:
        await self.session.commit()

    async def rollback(self) -> None:
        await self.session.rollback()


def _is_race(exc: BaseException) -> bool:
    """A stale version or a duplicate key from a concurrent insert: retrying the unit of work is safe."""
    if isinstance(exc, StaleDataError):
        return True
    text = str(getattr(exc, "orig", exc)).lower()
    return "unique" in text or "duplicate key" in text


class SqlUnitOfWorkFactory:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], *, cache: ReferenceCache | None = None
    ) -> None:
        self._sessions = sessions
        self.cache = cache
        bind = sessions.kw.get("bind")
        self._gate = asyncio.Lock() if bind is not None and bind.dialect.name == "sqlite" else None

    def __call__(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self._sessions, self._gate, self.cache)
