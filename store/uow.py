"""The SQL unit of work: one AsyncSession, one transaction, rolled back unless committed."""

from __future__ import annotations

import asyncio
from types import TracebackType
from typing import Self

from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from handlers.kernel.ports import (
    BroadcastRepository,
    CalendarRepository,
    CaseRepository,
    ChannelTokenRepository,
    ChatContactRepository,
    CitizenRepository,
    CommuneRepository,
    ConcurrentUpdate,
    ConferenceRepository,
    ConversationRepository,
    OutboxRepository,
    PlanRepository,
    ProcessedEventRepository,
    ReceptionRepository,
    ReminderRepository,
    StaffRepository,
    StoreUnavailable,
    SubscriptionRepository,
    UnhandledRepository,
)
from store.repositories import (
    ReferenceCache,
    SqlBroadcasts,
    SqlCalendar,
    SqlCases,
    SqlChannelTokens,
    SqlChatContacts,
    SqlCitizens,
    SqlCommunes,
    SqlConferences,
    SqlConversations,
    SqlOutbox,
    SqlPlan,
    SqlProcessedEvents,
    SqlReception,
    SqlReminders,
    SqlStaff,
    SqlSubscriptions,
    SqlUnhandled,
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
    conferences: ConferenceRepository
    broadcasts: BroadcastRepository
    unhandled: UnhandledRepository
    tokens: ChannelTokenRepository
    contacts: ChatContactRepository

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
        self.conferences = SqlConferences(session)
        self.broadcasts = SqlBroadcasts(session)
        self.unhandled = SqlUnhandled(session)
        self.tokens = SqlChannelTokens(session)
        self.contacts = SqlChatContacts(session)
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
            await session.close()
        except Exception as failure:
            if exc is None or not is_outage(failure):
                raise
            # The connection died with the work it was doing: the outage is reported below.
        finally:
            self._session = None
            if self._gate is not None:
                self._gate.release()
        if isinstance(exc, StaleDataError | IntegrityError) and _is_race(exc):
            raise ConcurrentUpdate() from exc
        if exc is not None and not isinstance(exc, StoreUnavailable) and is_outage(exc):
            raise StoreUnavailable(type(exc).__name__) from exc

    async def commit(self) -> None:
        await self.session.commit()

    async def rollback(self) -> None:
        await self.session.rollback()


# SQLite's operational errors that say the schema or the statement is wrong, not that the file is busy.
_NOT_OUTAGES = ("no such table", "no such column", "syntax error", "has no column")


def is_outage(exc: BaseException) -> bool:
    """Whether the error means the database could not be reached or used for now (server down or
    restarting, connection lost, SQLite file locked), rather than that the work itself is wrong."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, DBAPIError) and current.connection_invalidated:
            return True
        if isinstance(current, OperationalError | InterfaceError):
            text = str(current.orig if current.orig is not None else current).lower()
            return not any(marker in text for marker in _NOT_OUTAGES)
        if isinstance(current, OSError | TimeoutError | ConnectionError):
            return True
        if type(current).__module__.startswith("asyncpg") and type(current).__name__ in _ASYNCPG_OUTAGES:
            return True
        current = current.__cause__ or current.__context__
    return False


# asyncpg's errors for a server that is down, restarting or refusing connections (matched by name: the
# store must not need asyncpg installed to run on SQLite).
_ASYNCPG_OUTAGES = frozenset(
    {
        "AdminShutdownError",
        "CannotConnectNowError",
        "ClientCannotConnectError",
        "ConnectionDoesNotExistError",
        "ConnectionFailureError",
        "ConnectionRejectionError",
        "CrashShutdownError",
        "InterfaceError",
        "PostgresConnectionError",
        "TooManyConnectionsError",
    }
)


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
