"""The SQL unit of work: one AsyncSession, one transaction, rolled back unless committed."""

from __future__ import annotations

import asyncio
import sqlite3
from dataclasses import dataclass
from types import TracebackType
from typing import Self

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
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
    DuplicateKey,
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
        if exc is not None:
            race = as_race(exc)
            if race is not None:
                raise race from exc
        if exc is not None and not isinstance(exc, StoreUnavailable) and is_outage(exc):
            raise StoreUnavailable(type(exc).__name__) from exc

    async def commit(self) -> None:
        await self.session.commit()

    async def rollback(self) -> None:
        await self.session.rollback()


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
            # On SQLite, SQLITE_ERROR says the statement or the schema is wrong ("no such table"), not
            # that the file is busy, locked or unreadable.
            code = driver_code(current).sqlite
            return code is None or code & 0xFF != SQLITE_ERROR
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


@dataclass(frozen=True)
class DriverCode:
    """What the database itself said went wrong, in its own documented codes (never its words)."""

    sqlstate: str | None = None  # PostgreSQL's SQLSTATE, e.g. "23505"
    sqlite: int | None = None  # SQLite's extended result code, e.g. 2067 (SQLITE_CONSTRAINT_UNIQUE)


def driver_code(exc: BaseException) -> DriverCode:
    """The database's code for a driver error, read from the driver's exception: the one place that knows
    where the drivers keep it. SQLAlchemy wraps a driver's error in ``DBAPIError`` with the original in
    ``.orig``: for asyncpg, SQLAlchemy's adapter of it, which copies asyncpg's ``sqlstate``; for SQLite
    (pysqlite, the inline driver, aiosqlite), the ``sqlite3.Error`` itself, whose ``sqlite_errorcode``
    (Python 3.11+) is the extended result code. ``tests/integration/test_driver_codes.py`` provokes each
    code on real databases, so a driver that moves them fails there."""
    original = exc.orig if isinstance(exc, DBAPIError) else exc
    if isinstance(original, sqlite3.Error):
        code = getattr(original, "sqlite_errorcode", None)
        return DriverCode(sqlite=code if isinstance(code, int) else None)
    sqlstate = getattr(original, "sqlstate", None)
    return DriverCode(sqlstate=sqlstate if isinstance(sqlstate, str) else None)


# PostgreSQL (appendix A of its manual): the transaction lost a race and was rolled back; doing it again is
# safe. A unique violation is a race too: every unique key names one thing, so the other insert won.
SERIALIZATION_FAILURE, DEADLOCK_DETECTED, UNIQUE_VIOLATION = "40001", "40P01", "23505"
# SQLite's extended result codes (https://sqlite.org/rescode.html) for a duplicate unique key or primary key.
SQLITE_CONSTRAINT_PRIMARYKEY, SQLITE_CONSTRAINT_UNIQUE = 1555, 2067
# SQLITE_ERROR, the primary code of a wrong statement or schema ("no such table", "syntax error").
SQLITE_ERROR = 1


def as_race(exc: BaseException) -> ConcurrentUpdate | None:
    """The ``ConcurrentUpdate`` to raise for an error that means a concurrent worker got there first (a
    stale version, a duplicate key from a concurrent insert, a serialization failure or deadlock): the
    whole unit of work may be retried. None for any other error."""
    if isinstance(exc, StaleDataError):
        return ConcurrentUpdate()
    if not isinstance(exc, DBAPIError):
        return None
    code = driver_code(exc)
    if code.sqlstate == UNIQUE_VIOLATION or code.sqlite in (
        SQLITE_CONSTRAINT_UNIQUE,
        SQLITE_CONSTRAINT_PRIMARYKEY,
    ):
        return DuplicateKey()
    if code.sqlstate in (SERIALIZATION_FAILURE, DEADLOCK_DETECTED):
        return ConcurrentUpdate()
    return None


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
