"""In-memory fakes of the ports in ``handlers.kernel.ports`` that behave as the SQL store does.

What SQL does here, and the fakes therefore do too:

- Rows are copied in and out. The store keeps private copies; callers hold others.
- A unit of work is a session with an identity map (``store.repositories`` on an ``AsyncSession``): an
  object a repository hands out, or one given to an ``add``, is tracked, and what was changed on it is
  written back before the next query and at ``commit`` (SQLAlchemy's autoflush). Changes are found by
  SQLAlchemy's own attribute history, so in-place changes of a JSON value are lost on both.
- A few repository calls work on rows directly, as the SQL adapter does with Core statements: a
  conversation is read detached and only ``save()`` stores it; outbox ``add_many`` does not track its
  messages; bulk updates change stored rows and leave objects already loaded as they were.
- Optimistic locking columns (the mapper's ``version_id_col``) are checked and bumped on every write;
  a stale one raises ``ConcurrentUpdate``, as ``StaleDataError`` does through the SQL unit of work.
- Unique keys are read from the mapped tables (``models``): a duplicate raises ``DuplicateKey``, the error
  the SQL unit of work raises for a unique violation. NULLs never collide, as in SQL.
- Leaving a unit of work without ``commit()`` undoes its writes; objects it handed out are detached.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from types import TracebackType
from typing import Any, Protocol, Self, TypeVar, runtime_checkable

from sqlalchemy import Integer, UniqueConstraint, inspect
from sqlalchemy.orm import Mapper
from sqlalchemy.orm.attributes import set_committed_value

from handlers.delivery.ratelimit import RateLimits
from handlers.delivery.worker import Outcome, Outgoing, SendResult
from handlers.kernel.ports import CaseDigest, ConcurrentUpdate, DuplicateKey, EventClaim
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


# -- what the mapped tables declare ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Table:
    """What the fakes need to know of a mapped class, read from its SQLAlchemy mapping (never by hand)."""

    name: str
    mapper: Mapper[Any]
    columns: tuple[str, ...]  # attribute keys of the mapped columns
    primary_key: tuple[str, ...]
    autoincrement: bool  # a single integer primary key that the database numbers
    version: str | None  # the optimistic locking column, if any
    unique_keys: tuple[tuple[str, ...], ...]  # primary key first, then UNIQUE constraints and indexes


@cache
def table_of(cls: type) -> _Table:
    """The mapped table of ``cls`` as the fakes use it. Unique keys are those the models declare; the
    contract tests check that the migrations create exactly these."""
    mapper = inspect(cls)
    table = mapper.local_table

    def keys(columns: Iterable[Any]) -> tuple[str, ...]:
        return tuple(mapper.get_property_by_column(column).key for column in columns)

    primary_key = keys(mapper.primary_key)
    unique_keys = [primary_key]
    unique_keys += [keys(c.columns) for c in table.constraints if isinstance(c, UniqueConstraint)]
    unique_keys += [keys(index.columns) for index in table.indexes if index.unique]
    [first, *_] = mapper.primary_key
    version = mapper.version_id_col
    return _Table(
        name=table.name,
        mapper=mapper,
        columns=tuple(attr.key for attr in mapper.column_attrs),
        primary_key=primary_key,
        autoincrement=len(primary_key) == 1 and isinstance(first.type, Integer),
        version=None if version is None else mapper.get_property_by_column(version).key,
        unique_keys=tuple(dict.fromkeys(unique_keys)),
    )


def _key_of(obj: Any) -> Any:
    values = tuple(getattr(obj, key) for key in table_of(type(obj)).primary_key)
    return values[0] if len(values) == 1 else values


def _value(value: Any) -> Any:
    return copy.deepcopy(value) if isinstance(value, dict | list) else value


def _copy(obj: T) -> T:
    """A new instance with the same column values and no history: what loading a row gives (SQLAlchemy's
    loader, too, fills the instance's ``__dict__`` directly)."""
    table = table_of(type(obj))
    new: T = table.mapper.class_manager.new_instance()
    new.__dict__.update({key: _value(getattr(obj, key)) for key in table.columns})
    return new


def _changed(obj: Any) -> dict[str, Any]:
    """The columns set on a tracked object since it was loaded or last written (SQLAlchemy's history)."""
    state = inspect(obj)
    if not state.committed_state:  # nothing was set since
        return {}
    columns = table_of(type(obj)).columns
    return {
        key: getattr(obj, key)
        for key in list(state.committed_state)
        if key in columns and state.attrs[key].history.has_changes()
    }


def _loaded(obj: Any, key: str) -> Any:
    """The value an attribute had when the object was loaded or last written, before any change since."""
    history = inspect(obj).attrs[key].history
    return history.deleted[0] if history.deleted else getattr(obj, key)


def _expire(obj: Any) -> None:
    """Expire every attribute, as a session's rollback does: read without a session, they raise
    ``DetachedInstanceError``. (SQLAlchemy has no public call for an object outside a session.)"""
    state = inspect(obj)
    state._expire(state.dict, set())


def _mark_clean(obj: Any, values: dict[str, Any] | None = None) -> None:
    for key in table_of(type(obj)).columns if values is None else values:
        value = getattr(obj, key) if values is None else values[key]
        set_committed_value(obj, key, value)


# -- the "database" -------------------------------------------------------------------------------------


class FakeStore:
    """The "database": committed rows by class and primary key, each a private copy no caller holds, plus
    the receipt sequences. Shared by every fake unit of work. Tests read it with ``all`` and ``rows``,
    which hand out copies (changing them changes nothing stored)."""

    def __init__(self) -> None:
        self.tables: dict[type, dict[Any, Any]] = {}
        self.sequences: dict[tuple[int, int], int] = {}
        self.fail_next_commit = False
        self.commits = 0

    def all(self, cls: type[T]) -> list[T]:
        """Copies of the stored rows of ``cls``, by primary key."""
        table = self.tables.get(cls, {})
        return [_copy(table[key]) for key in sorted(table)]

    @property
    def rows(self) -> _Rows:
        """``rows[cls][id]``: copies of the stored rows."""
        return _Rows(self)

    def _next_id(self, cls: type) -> int:
        return max(self.tables.get(cls, {}), default=0) + 1  # SQLite's rowid: the largest one plus one


class _Rows:
    def __init__(self, store: FakeStore) -> None:
        self._store = store

    def __getitem__(self, cls: type[T]) -> dict[Any, T]:
        return {_key_of(row): row for row in self._store.all(cls)}


_ABSENT = object()


class FakeSession:
    """One unit of work's view of the store: an identity map of tracked objects, written back on flush
    (before every query and at commit), and an undo log of this transaction's writes."""

    def __init__(self, store: FakeStore) -> None:
        self.store = store
        self._tracked: dict[tuple[type, Any], Any] = {}
        self._undo: dict[tuple[type, Any], Any] = {}
        self._undo_sequences: dict[tuple[int, int], int | None] = {}
        self.begun = False  # a transaction is open: any read or write since the last commit begins one

    # reading
    def rows(self, cls: type[T]) -> list[T]:
        """The stored rows of ``cls`` (private: filter them, then hand out ``track``ed or ``detached``
        copies), after writing back what was changed on tracked objects, as autoflush does."""
        self.flush()
        self.begun = True
        return list(self.store.tables.get(cls, {}).values())

    def row(self, cls: type[T], key: Any) -> T | None:
        self.flush()
        self.begun = True
        found: T | None = self.store.tables.get(cls, {}).get(key)
        return found

    def track(self, row: T, *, refresh: bool = False) -> T:
        """The session's object for a stored row: the one already handed out in this unit of work (as it
        is, or reloaded with ``refresh`` like ``populate_existing``), else a new tracked copy."""
        identity = (type(row), _key_of(row))
        tracked = self._tracked.get(identity)
        if tracked is None:
            tracked = self._tracked[identity] = _copy(row)
        elif refresh:
            for key in table_of(type(row)).columns:
                set_committed_value(tracked, key, _value(getattr(row, key)))
        result: T = tracked
        return result

    def track_all(self, rows: Iterable[T]) -> list[T]:
        return [self.track(row) for row in rows]

    @staticmethod
    def detached(row: T) -> T:
        return _copy(row)

    # writing
    def add(self, obj: Any, *, track: bool = True) -> None:
        """INSERT: number the row, check its unique keys, store a copy; the object itself is tracked (ORM
        ``session.add``) unless ``track`` is false (a Core insert)."""
        self.flush()
        cls, table = type(obj), table_of(type(obj))
        if table.autoincrement and getattr(obj, table.primary_key[0]) is None:
            setattr(obj, table.primary_key[0], self.store._next_id(cls))
        if table.version is not None:
            setattr(obj, table.version, 1)  # as SQLAlchemy's version counter starts
        if _key_of(obj) in self.store.tables.get(cls, {}):
            raise DuplicateKey(table.name, table.primary_key)
        self._check_unique(obj)
        self._write(cls, _key_of(obj), _copy(obj))
        _mark_clean(obj)
        if track:
            self._tracked[(cls, _key_of(obj))] = obj

    def update(self, row: Any, **values: Any) -> None:
        """A Core UPDATE of one stored row: objects already handed out keep what they hold."""
        new = _copy(row)
        for key, value in values.items():
            set_committed_value(new, key, _value(value))
        self._check_unique(new)
        self._write(type(row), _key_of(row), new)

    def delete(self, row: Any) -> None:
        cls, key = type(row), _key_of(row)
        if key in self.store.tables.get(cls, {}):
            self._write(cls, key, _ABSENT)

    def forget(self, obj: Any) -> None:
        self._tracked.pop((type(obj), _key_of(obj)), None)

    def next_sequence(self, key: tuple[int, int]) -> int:
        self.begun = True
        self._undo_sequences.setdefault(key, self.store.sequences.get(key))
        self.store.sequences[key] = self.store.sequences.get(key, 0) + 1
        return self.store.sequences[key]

    def flush(self) -> None:
        """Write back the columns set on tracked objects; a versioned row must still hold the version the
        object was loaded with (else ``ConcurrentUpdate``), and each write bumps it."""
        for (cls, key), obj in list(self._tracked.items()):
            changes = _changed(obj)
            if not changes:
                continue
            table = table_of(cls)
            stored = self.store.tables.get(cls, {}).get(key)
            if stored is None:
                raise ConcurrentUpdate()  # deleted meanwhile: SQL's UPDATE matches no row (StaleDataError)
            if table.version is not None:
                if getattr(stored, table.version) != _loaded(obj, table.version):
                    raise ConcurrentUpdate()
                changes[table.version] = getattr(stored, table.version) + 1
            self.update(stored, **changes)
            _mark_clean(obj, changes)

    def commit(self) -> None:
        self.flush()
        self._undo.clear()
        self._undo_sequences.clear()
        self.begun = False

    def rollback(self) -> None:
        """Undo this transaction's writes. As SQL's rollback does, every object handed out is expired: read
        after the unit of work, it raises ``DetachedInstanceError`` (the fake cannot reload it within the
        unit of work either, as SQL would; nothing here reads after a rollback). Objects added in this
        transaction keep their values, as SQL's rollback leaves them."""
        inserted = {identity for identity, before in self._undo.items() if before is _ABSENT}
        for (cls, key), before in self._undo.items():
            table = self.store.tables.setdefault(cls, {})
            if before is _ABSENT:
                table.pop(key, None)
            else:
                table[key] = before
        for key, value in self._undo_sequences.items():
            if value is None:
                self.store.sequences.pop(key, None)
            else:
                self.store.sequences[key] = value
        self._undo.clear()
        self._undo_sequences.clear()
        self.begun = False
        for identity, obj in self._tracked.items():
            if identity not in inserted:
                _expire(obj)
        self._tracked.clear()

    def close(self) -> None:
        """The end of the unit of work: what it handed out is detached, later changes go nowhere."""
        self._tracked.clear()

    def _write(self, cls: type, key: Any, row: Any) -> None:
        self.begun = True
        table = self.store.tables.setdefault(cls, {})
        self._undo.setdefault((cls, key), table.get(key, _ABSENT))
        if row is _ABSENT:
            del table[key]
        else:
            table[key] = row

    def _check_unique(self, obj: Any) -> None:
        cls, table = type(obj), table_of(type(obj))
        me = _key_of(obj)
        stored = self.store.tables.get(cls, {})
        for columns in table.unique_keys:
            wanted = tuple(getattr(obj, column) for column in columns)
            if any(value is None for value in wanted):
                continue  # NULLs are never equal in a unique key
            for other_key, other in stored.items():
                if other_key != me and tuple(getattr(other, c) for c in columns) == wanted:
                    raise DuplicateKey(table.name, columns)


# -- the repositories -----------------------------------------------------------------------------------


class _Repo:
    def __init__(self, session: FakeSession) -> None:
        self.s = session


class FakeCommunes(_Repo):
    async def get(self, commune_id: int) -> Commune | None:
        row = self.s.row(Commune, commune_id)
        return None if row is None else self.s.track(row)

    async def by_code(self, code: str) -> Commune | None:
        found = [c for c in self.s.rows(Commune) if c.code.upper() == code.upper()]
        return self.s.track(found[0]) if found else None

    async def list_all(self) -> Sequence[Commune]:
        return self.s.track_all(sorted(self.s.rows(Commune), key=lambda c: c.name))

    def _scoped(self, cls: type[T], commune_id: int, include_inactive: bool) -> list[T]:
        rows = [r for r in self.s.rows(cls) if r.commune_id == commune_id]  # type: ignore[attr-defined]
        if not include_inactive:
            rows = [r for r in rows if r.active]  # type: ignore[attr-defined]
        return self.s.track_all(sorted(rows, key=lambda r: (r.position, r.id)))  # type: ignore[attr-defined]

    async def fields(self, commune_id: int, *, include_inactive: bool = False) -> Sequence[PetitionField]:
        return self._scoped(PetitionField, commune_id, include_inactive)

    async def villages(self, commune_id: int, *, include_inactive: bool = False) -> Sequence[Village]:
        return self._scoped(Village, commune_id, include_inactive)

    async def units(self, commune_id: int, *, include_inactive: bool = False) -> Sequence[Unit]:
        return self._scoped(Unit, commune_id, include_inactive)

    async def add(self, item: Commune | PetitionField | Village | Unit | RoutingRule) -> None:
        self.s.add(item)

    async def routing_rules(self, commune_id: int) -> Sequence[RoutingRule]:
        rules = [r for r in self.s.rows(RoutingRule) if r.commune_id == commune_id]
        return self.s.track_all(sorted(rules, key=lambda r: (r.position, r.id)))

    async def replace_routing(self, commune_id: int, rules: Sequence[RoutingRule]) -> None:
        for rule in self.s.rows(RoutingRule):
            if rule.commune_id == commune_id:
                self.s.delete(rule)
        for rule in rules:
            self.s.add(rule)


class FakeCitizens(_Repo):
    async def get(self, commune_id: int, citizen_id: int) -> Citizen | None:
        citizen = self.s.row(Citizen, citizen_id)
        return self.s.track(citizen) if citizen is not None and citizen.commune_id == commune_id else None

    async def by_account(self, commune_id: int, channel: str, account_id: str) -> Citizen | None:
        wanted = (commune_id, channel, account_id)
        found = [c for c in self.s.rows(Citizen) if (c.commune_id, c.channel, c.account_id) == wanted]
        return self.s.track(found[0]) if found else None

    async def add(self, citizen: Citizen) -> None:
        self.s.add(citizen)

    async def add_consent(self, record: ConsentRecord) -> None:
        self.s.add(record)

    async def mark_unreachable(self, channel: str, chat_id: str, at: datetime) -> int:
        rows = [c for c in self.s.rows(Citizen) if (c.channel, c.chat_id) == (channel, chat_id)]
        for citizen in self.s.track_all(rows):  # loaded and changed, as the SQL adapter does
            citizen.unreachable_at = at
        self.s.flush()
        return len(rows)

    async def mark_reachable(self, channel: str, chat_id: str) -> None:
        for citizen in self.s.rows(Citizen):
            if (citizen.channel, citizen.chat_id) == (channel, chat_id):
                self.s.update(citizen, unreachable_at=None)

    async def latest_consent(self, commune_id: int, citizen_id: int) -> ConsentRecord | None:
        records = [
            r for r in self.s.rows(ConsentRecord) if r.commune_id == commune_id and r.citizen_id == citizen_id
        ]
        latest = max(records, key=lambda r: (r.at, r.id), default=None)
        return None if latest is None else self.s.track(latest)


class FakeConversations(_Repo):
    """Conversations are read detached and written by ``save`` alone, as ``SqlConversations`` does."""

    async def get(self, channel: str, chat_id: str) -> Conversation | None:
        found = [c for c in self.s.rows(Conversation) if (c.channel, c.chat_id) == (channel, chat_id)]
        return self.s.detached(found[0]) if found else None

    async def save(self, conversation: Conversation) -> None:
        if conversation.id is None:
            self.s.add(conversation, track=False)
            return
        stored = self.s.row(Conversation, conversation.id)
        if stored is None or stored.version != conversation.version:
            raise ConcurrentUpdate()
        values = {key: getattr(conversation, key) for key in table_of(Conversation).columns}
        self.s.update(stored, **{**values, "version": conversation.version + 1})
        conversation.version += 1

    async def mark_unreachable(self, channel: str, chat_id: str) -> None:
        for conversation in self.s.rows(Conversation):
            if (conversation.channel, conversation.chat_id) == (channel, chat_id):
                self.s.update(conversation, unreachable=True)


class FakeCases(_Repo):
    async def next_sequence(self, commune_id: int, year: int) -> int:
        return self.s.next_sequence((commune_id, year))

    async def add(self, case: Case) -> None:
        self.s.add(case)

    async def add_attachment(self, attachment: CaseAttachment) -> None:
        self.s.add(attachment)

    async def add_event(self, event: CaseEvent) -> None:
        self.s.add(event)

    def _mine(self, cls: type[T], commune_id: int) -> list[T]:
        return [row for row in self.s.rows(cls) if row.commune_id == commune_id]  # type: ignore[attr-defined]

    async def by_code(self, commune_id: int, code: str) -> Case | None:
        found = [c for c in self._mine(Case, commune_id) if c.code == code.upper()]
        return self.s.track(found[0]) if found else None

    async def for_citizen(self, commune_id: int, citizen_id: int, *, limit: int = 20) -> Sequence[Case]:
        cases = [c for c in self._mine(Case, commune_id) if c.citizen_id == citizen_id]
        return self.s.track_all(sorted(cases, key=lambda c: (c.received_at, c.id), reverse=True)[:limit])

    async def events(self, commune_id: int, case_id: int) -> Sequence[CaseEvent]:
        events = [e for e in self._mine(CaseEvent, commune_id) if e.case_id == case_id]
        return self.s.track_all(sorted(events, key=lambda e: (e.at, e.id)))

    async def get(self, commune_id: int, case_id: int) -> Case | None:
        case = self.s.row(Case, case_id)
        return self.s.track(case) if case is not None and case.commune_id == commune_id else None

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
        return self.s.track_all(sorted(cases, key=lambda c: (c.received_at, c.id))[:limit])

    async def at_reception(self, commune_id: int, day: date) -> Sequence[Case]:
        prefix = f"{day.isoformat()}:"
        cases = [c for c in self._mine(Case, commune_id) if (c.reception_key or "").startswith(prefix)]
        return self.s.track_all(sorted(cases, key=lambda c: c.id))

    async def search(self, commune_id: int, words: Sequence[str], *, limit: int = 20) -> Sequence[Case]:
        cases = [c for c in self._mine(Case, commune_id) if all(w in c.search_text for w in words)]
        return self.s.track_all(sorted(cases, key=lambda c: (c.received_at, c.id), reverse=True)[:limit])

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
        waiting = sorted(c.id for c in self.s.rows(Case) if c.office_pending)
        return waiting[:limit]

    async def office_pending(self, *, limit: int, case_id: int | None = None) -> Sequence[Case]:
        waiting = [c for c in self.s.rows(Case) if c.office_pending and case_id in (None, c.id)]
        return self.s.track_all(sorted(waiting, key=lambda c: c.id)[:limit])

    async def by_ids(self, commune_id: int, ids: Sequence[int]) -> Sequence[Case]:
        return self.s.track_all(sorted((c for c in self._mine(Case, commune_id) if c.id in ids), key=_by_id))

    async def duplicates_of(self, commune_id: int, case_id: int) -> Sequence[Case]:
        found = [c for c in self._mine(Case, commune_id) if c.duplicate_of_id == case_id]
        return self.s.track_all(sorted(found, key=_by_id))

    async def add_result(self, result: CaseResult) -> None:
        self.s.add(result)

    async def latest_result(self, commune_id: int, case_id: int) -> CaseResult | None:
        results = [r for r in self._mine(CaseResult, commune_id) if r.case_id == case_id]
        latest = max(results, key=_by_id, default=None)
        return None if latest is None else self.s.track(latest)

    async def get_result(self, commune_id: int, result_id: int) -> CaseResult | None:
        result = self.s.row(CaseResult, result_id)
        return self.s.track(result) if result is not None and result.commune_id == commune_id else None

    async def add_card(self, card: CaseCard) -> None:
        self.s.add(card)

    async def cards(self, commune_id: int, case_id: int, purpose: CardPurpose) -> Sequence[CaseCard]:
        found = [c for c in self._mine(CaseCard, commune_id) if c.case_id == case_id and c.purpose == purpose]
        return self.s.track_all(sorted(found, key=_by_id))

    async def add_info_request(self, request: InfoRequest) -> None:
        self.s.add(request)

    async def open_info_request(self, commune_id: int, case_id: int) -> InfoRequest | None:
        open_ = [
            r for r in self._mine(InfoRequest, commune_id) if r.case_id == case_id and r.answered_at is None
        ]
        latest = max(open_, key=_by_id, default=None)
        return None if latest is None else self.s.track(latest)

    async def add_hot_spot(self, hot_spot: HotSpot) -> None:
        self.s.add(hot_spot)

    async def hot_spots_since(self, commune_id: int, since: datetime) -> Sequence[HotSpot]:
        found = [h for h in self._mine(HotSpot, commune_id) if h.detected_at >= since]
        return self.s.track_all(sorted(found, key=_by_id))

    async def attachments(self, commune_id: int, case_id: int) -> Sequence[CaseAttachment]:
        found = [a for a in self._mine(CaseAttachment, commune_id) if a.case_id == case_id]
        return self.s.track_all(sorted(found, key=_by_id))


def _by_id(row: Any) -> int:
    identity: int = row.id
    return identity


_UNSENT = (OutboxStatus.PENDING, OutboxStatus.SENDING)


class FakeOutbox(_Repo):
    async def add(self, message: OutboxMessage) -> None:
        self.s.add(message)

    async def add_many(self, messages: Sequence[OutboxMessage]) -> None:
        for message in messages:  # one Core INSERT in SQL: numbered, not tracked
            self.s.add(message, track=False)

    async def get(self, message_id: int) -> OutboxMessage | None:
        row = self.s.row(OutboxMessage, message_id)
        return None if row is None else self.s.track(row)

    async def get_many(self, ids: Sequence[int]) -> Sequence[OutboxMessage]:
        wanted = set(ids)
        return self.s.track_all(sorted((m for m in self.s.rows(OutboxMessage) if m.id in wanted), key=_by_id))

    async def mark_sent(self, sent: Sequence[tuple[int, str | None, datetime]]) -> None:
        for message_id, external, at in sent:
            row = self.s.row(OutboxMessage, message_id)
            if row is not None:
                self.s.update(
                    row,
                    status=OutboxStatus.SENT,
                    sent_at=at,
                    external_id=external,
                    attempts=row.attempts + 1,
                    lease_until=None,
                    last_error=None,
                )

    async def latest_to(self, channel: str, chat_id: str, *, limit: int) -> Sequence[OutboxMessage]:
        rows = [m for m in self.s.rows(OutboxMessage) if (m.channel, m.chat_id) == (channel, chat_id)]
        return self.s.track_all(sorted(rows, key=_by_id, reverse=True)[:limit])

    async def has_unsent(self, channel: str, chat_id: str) -> bool:
        return any(
            (m.channel, m.chat_id) == (channel, chat_id) and m.status in _UNSENT
            for m in self.s.rows(OutboxMessage)
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
        heads: dict[tuple[str, str], OutboxMessage] = {}
        for row in sorted(self.s.rows(OutboxMessage), key=_by_id):
            if row.status in _UNSENT:
                heads.setdefault((row.channel, row.chat_id), row)
        due = [
            row
            for row in heads.values()
            if (row.status == OutboxStatus.PENDING and row.next_attempt_at <= now)
            or (row.status == OutboxStatus.SENDING and row.lease_until is not None and row.lease_until < now)
        ]
        due = [r for r in due if channel in (None, r.channel) and chat_id in (None, r.chat_id)]
        claimed = self.s.track_all(sorted(due, key=lambda m: (m.priority, m.id))[:limit])
        for message in claimed:  # loaded and changed, as the SQL adapter does
            message.status = OutboxStatus.SENDING
            message.lease_until = lease_until
        self.s.flush()
        return claimed

    async def release_leases(self) -> int:
        rows = [m for m in self.s.rows(OutboxMessage) if m.status == OutboxStatus.SENDING]
        for row in rows:
            self.s.update(row, status=OutboxStatus.PENDING, lease_until=None)
        return len(rows)

    async def fail_pending(self, channel: str, chat_id: str, *, reason: str) -> int:
        rows = self._pending(channel, chat_id)
        for row in rows:
            self.s.update(row, status=OutboxStatus.FAILED, last_error=reason[:500])
        return len(rows)

    async def move_pending(self, channel: str, chat_id: str, new_chat_id: str) -> int:
        rows = self._pending(channel, chat_id)
        for row in rows:
            self.s.update(row, chat_id=new_chat_id)
        return len(rows)

    async def broadcast_counts(self, broadcast_id: int) -> dict[OutboxStatus, int]:
        counts: dict[OutboxStatus, int] = {}
        for m in self.s.rows(OutboxMessage):
            if m.broadcast_id == broadcast_id:
                counts[m.status] = counts.get(m.status, 0) + 1
        return counts

    async def cancel_broadcast(self, broadcast_id: int, *, reason: str) -> int:
        rows = [
            m
            for m in self.s.rows(OutboxMessage)
            if m.broadcast_id == broadcast_id and m.status == OutboxStatus.PENDING
        ]
        for row in rows:
            self.s.update(row, status=OutboxStatus.FAILED, last_error=reason[:500])
        return len(rows)

    def _pending(self, channel: str, chat_id: str) -> list[OutboxMessage]:
        return [
            m
            for m in self.s.rows(OutboxMessage)
            if (m.channel, m.chat_id) == (channel, chat_id)
            and m.status in (OutboxStatus.PENDING, OutboxStatus.WAITING)
        ]

    async def release_waiting(self, channel: str, chat_id: str, now: datetime) -> int:
        rows = [
            m
            for m in self.s.rows(OutboxMessage)
            if (m.channel, m.chat_id) == (channel, chat_id) and m.status == OutboxStatus.WAITING
        ]
        for row in rows:
            self.s.update(row, status=OutboxStatus.PENDING, next_attempt_at=now)
        return len(rows)

    async def count_waiting(self, channel: str, chat_id: str) -> int:
        return sum(
            1
            for m in self.s.rows(OutboxMessage)
            if (m.channel, m.chat_id) == (channel, chat_id) and m.status == OutboxStatus.WAITING
        )


class FakeStaff(_Repo):
    async def memberships(self, channel: str, account_id: str) -> Sequence[StaffMember]:
        found = [
            m
            for m in self.s.rows(StaffMember)
            if (m.channel, m.account_id) == (channel, account_id) and m.active
        ]
        return self.s.track_all(sorted(found, key=_by_id))

    async def get(self, commune_id: int, staff_id: int) -> StaffMember | None:
        member = self.s.row(StaffMember, staff_id)
        return self.s.track(member) if member is not None and member.commune_id == commune_id else None

    def _members(self, commune_id: int) -> list[StaffMember]:
        return [m for m in self.s.rows(StaffMember) if m.commune_id == commune_id and m.active]

    async def members(self, commune_id: int) -> Sequence[StaffMember]:
        return self.s.track_all(sorted(self._members(commune_id), key=lambda m: (m.name, m.id)))

    async def roles(self, staff_ids: Sequence[int]) -> Sequence[StaffRole]:
        return self.s.track_all(
            sorted((r for r in self.s.rows(StaffRole) if r.staff_id in staff_ids), key=_by_id)
        )

    async def with_role(
        self, commune_id: int, role: Role, unit_id: int | None = None
    ) -> Sequence[StaffMember]:
        ids = {r.staff_id for r in self.s.rows(StaffRole) if r.role == role and unit_id in (None, r.unit_id)}
        found = [m for m in self._members(commune_id) if m.id in ids]
        return self.s.track_all(sorted(found, key=_by_id))

    async def add(self, member: StaffMember) -> None:
        self.s.add(member)

    async def add_role(self, role: StaffRole) -> None:
        self.s.add(role)

    async def invite(self, token: str) -> StaffInvite | None:
        found = [i for i in self.s.rows(StaffInvite) if i.token == token]
        return self.s.track(found[0]) if found else None

    async def add_invite(self, invite: StaffInvite) -> None:
        self.s.add(invite)

    async def group(self, channel: str, chat_id: str) -> StaffGroup | None:
        found = [g for g in self.s.rows(StaffGroup) if (g.channel, g.chat_id) == (channel, chat_id)]
        return self.s.track(found[0]) if found else None

    async def groups(self, commune_id: int, *, unit_id: int | None) -> Sequence[StaffGroup]:
        found = [
            g
            for g in self.s.rows(StaffGroup)
            if g.commune_id == commune_id and g.active and g.unit_id == unit_id
        ]
        return self.s.track_all(sorted(found, key=_by_id))

    async def add_group(self, group: StaffGroup) -> None:
        self.s.add(group)

    async def prompt(self, staff_id: int, channel: str, chat_id: str) -> StaffPrompt | None:
        wanted = (staff_id, channel, chat_id)
        found = [p for p in self.s.rows(StaffPrompt) if (p.staff_id, p.channel, p.chat_id) == wanted]
        return self.s.track(found[0]) if found else None

    async def set_prompt(self, prompt: StaffPrompt) -> None:
        await self.clear_prompt(prompt.staff_id, prompt.channel, prompt.chat_id)
        self.s.add(prompt)

    async def clear_prompt(self, staff_id: int, channel: str, chat_id: str) -> None:
        for prompt in self.s.rows(StaffPrompt):
            if (prompt.staff_id, prompt.channel, prompt.chat_id) == (staff_id, channel, chat_id):
                self.s.delete(prompt)


class FakeProcessedEvents(_Repo):
    async def claim(
        self, event_key: str, at: datetime, *, channel: str, chat_id: str, sender_id: str
    ) -> EventClaim:
        if self.s.row(ProcessedEvent, event_key) is not None:
            return EventClaim(first=False, chat_busy=False)
        self.s.add(ProcessedEvent(event_key=event_key, processed_at=at), track=False)
        busy = await FakeOutbox(self.s).has_unsent(channel, chat_id)
        staff = bool(await FakeStaff(self.s).memberships(channel, sender_id))
        return EventClaim(first=True, chat_busy=busy, staff=staff)


class CommitFailed(Exception):
    """What the fake raises when a test asked the next commit to fail (like a lost database)."""


class FakeCalendar(_Repo):
    async def overrides(self, commune_id: int) -> Sequence[CalendarOverride]:
        found = [o for o in self.s.rows(CalendarOverride) if o.commune_id == commune_id]
        return self.s.track_all(sorted(found, key=lambda o: o.day))

    async def add(self, override: CalendarOverride) -> None:
        self.s.add(override)

    async def remove(self, override: CalendarOverride) -> None:
        self.s.flush()
        self.s.delete(override)
        self.s.forget(override)


class FakeReminders(_Repo):
    async def claim(self, commune_id: int, key: str, at: datetime) -> bool:
        if any(r.key == key for r in self.s.rows(SentReminder)):
            return False
        self.s.add(SentReminder(commune_id=commune_id, key=key, sent_at=at), track=False)
        return True


class FakePlan(_Repo):
    async def tasks(self, commune_id: int, *, open_only: bool = True) -> Sequence[PlanTask]:
        tasks = [
            t for t in self.s.rows(PlanTask) if t.commune_id == commune_id and (t.is_open or not open_only)
        ]
        return self.s.track_all(sorted(tasks, key=lambda t: (t.due_on, t.id)))

    async def get(self, commune_id: int, task_id: int) -> PlanTask | None:
        task = self.s.row(PlanTask, task_id)
        return self.s.track(task) if task is not None and task.commune_id == commune_id else None

    async def add(self, task: PlanTask) -> None:
        self.s.add(task)


class FakeSubscriptions(_Repo):
    async def of(self, commune_id: int, citizen_id: int) -> Subscription | None:
        wanted = (commune_id, citizen_id)
        found = [s for s in self.s.rows(Subscription) if (s.commune_id, s.citizen_id) == wanted]
        return self.s.track(found[0]) if found else None

    async def add(self, subscription: Subscription) -> None:
        self.s.add(subscription)

    async def active(self, commune_id: int) -> Sequence[Subscription]:
        found = [s for s in self.s.rows(Subscription) if s.commune_id == commune_id and s.active]
        return self.s.track_all(sorted(found, key=_by_id))

    async def recipients(
        self, commune_id: int, *, after: int, limit: int
    ) -> Sequence[tuple[Subscription, Citizen]]:
        citizens = {c.id: c for c in self.s.rows(Citizen)}
        found = [
            (s, citizens[s.citizen_id])
            for s in sorted(self.s.rows(Subscription), key=_by_id)
            if s.commune_id == commune_id
            and s.active
            and s.id > after
            and citizens[s.citizen_id].unreachable_at is None
        ]
        return [(self.s.track(s), self.s.track(c)) for s, c in found[:limit]]

    async def cancel_for_chat(self, channel: str, chat_id: str, at: datetime, *, reason: str) -> int:
        citizens = {c.id for c in self.s.rows(Citizen) if (c.channel, c.chat_id) == (channel, chat_id)}
        cancelled = [s for s in self.s.rows(Subscription) if s.citizen_id in citizens and s.active]
        for subscription in cancelled:
            self.s.update(subscription, cancelled_at=at, cancel_reason=reason)
        return len(cancelled)


class FakeReception(_Repo):
    async def changes(self, commune_id: int, first: date, last: date) -> Sequence[ReceptionChange]:
        found = [
            c for c in self.s.rows(ReceptionChange) if c.commune_id == commune_id and first <= c.day <= last
        ]
        return self.s.track_all(sorted(found, key=lambda c: (c.day, c.id)))

    async def add(self, change: ReceptionChange) -> None:
        self.s.add(change)

    async def remove(self, change: ReceptionChange) -> None:
        self.s.flush()
        self.s.delete(change)
        self.s.forget(change)


class FakeConferences(_Repo):
    async def next_number(self, commune_id: int) -> int:
        numbers = [d.number for d in self.s.rows(Conference) if d.commune_id == commune_id]
        return 1 + max(numbers, default=0)

    async def add(self, session: Conference) -> None:
        self.s.add(session)

    async def get(self, commune_id: int, number: int) -> Conference | None:
        found = [d for d in self.s.rows(Conference) if (d.commune_id, d.number) == (commune_id, number)]
        return self.s.track(found[0]) if found else None

    async def by_id(self, conference_id: int) -> Conference | None:
        row = self.s.row(Conference, conference_id)
        return None if row is None else self.s.track(row)

    async def starting(self, commune_id: int, first: datetime, last: datetime) -> Sequence[Conference]:
        found = [
            d for d in self.s.rows(Conference) if d.commune_id == commune_id and first <= d.starts_at <= last
        ]
        return self.s.track_all(sorted(found, key=lambda d: (d.starts_at, d.id)))

    async def participants(self, conference_id: int) -> Sequence[ConferenceParticipant]:
        found = [p for p in self.s.rows(ConferenceParticipant) if p.conference_id == conference_id]
        return self.s.track_all(sorted(found, key=_by_id))

    async def participant(self, conference_id: int, citizen_id: int) -> ConferenceParticipant | None:
        found = [
            p
            for p in self.s.rows(ConferenceParticipant)
            if (p.conference_id, p.citizen_id) == (conference_id, citizen_id)
        ]
        return self.s.track(found[0]) if found else None

    async def add_participant(self, participant: ConferenceParticipant) -> None:
        self.s.add(participant)

    async def questions(self, conference_id: int) -> Sequence[Case]:
        found = [c for c in self.s.rows(Case) if c.conference_id == conference_id]
        return self.s.track_all(sorted(found, key=_by_id))


class FakeBroadcasts(_Repo):
    async def add(self, broadcast: Broadcast) -> None:
        self.s.add(broadcast)

    async def get(self, broadcast_id: int) -> Broadcast | None:
        row = self.s.row(Broadcast, broadcast_id)
        return None if row is None else self.s.track(row)

    async def by_key(self, key: str) -> Broadcast | None:
        found = [b for b in self.s.rows(Broadcast) if b.key == key]
        return self.s.track(found[0]) if found else None

    async def sending(self) -> Sequence[Broadcast]:
        found = [b for b in self.s.rows(Broadcast) if b.status is BroadcastStatus.SENDING]
        return self.s.track_all(sorted(found, key=_by_id))

    async def of_conference(self, conference_id: int) -> Sequence[Broadcast]:
        found = [b for b in self.s.rows(Broadcast) if b.conference_id == conference_id]
        return self.s.track_all(sorted(found, key=_by_id))


class FakeUnhandled(_Repo):
    async def add(self, message: UnhandledMessage) -> None:
        self.s.add(message)


class FakeChannelTokens(_Repo):
    async def get(self, channel: str, account: str, *, for_update: bool = False) -> ChannelToken | None:
        found = [t for t in self.s.rows(ChannelToken) if (t.channel, t.account) == (channel, account)]
        return self.s.track(found[0], refresh=True) if found else None

    async def add(self, token: ChannelToken) -> None:
        self.s.add(token)


class FakeChatContacts(_Repo):
    async def touch(self, channel: str, chat_id: str, at: datetime) -> None:
        found = [c for c in self.s.rows(ChatContact) if (c.channel, c.chat_id) == (channel, chat_id)]
        if not found:
            self.s.add(ChatContact(channel=channel, chat_id=chat_id, last_inbound_at=at), track=False)
        elif found[0].last_inbound_at < at:
            self.s.update(found[0], last_inbound_at=at)

    async def get(self, channel: str, chat_id: str) -> ChatContact | None:
        found = [c for c in self.s.rows(ChatContact) if (c.channel, c.chat_id) == (channel, chat_id)]
        return self.s.track(found[0], refresh=True) if found else None


class FakeUnitOfWork:
    """One transaction on the shared ``FakeStore``, through its own ``FakeSession``."""

    def __init__(self, store: FakeStore) -> None:
        self.store = store
        self._session: FakeSession | None = None

    async def __aenter__(self) -> Self:
        session = self._session = FakeSession(self.store)
        self.communes = FakeCommunes(session)
        self.citizens = FakeCitizens(session)
        self.conversations = FakeConversations(session)
        self.cases = FakeCases(session)
        self.outbox = FakeOutbox(session)
        self.processed = FakeProcessedEvents(session)
        self.staff = FakeStaff(session)
        self.calendar = FakeCalendar(session)
        self.reminders = FakeReminders(session)
        self.plan = FakePlan(session)
        self.subscriptions = FakeSubscriptions(session)
        self.reception = FakeReception(session)
        self.conferences = FakeConferences(session)
        self.broadcasts = FakeBroadcasts(session)
        self.unhandled = FakeUnhandled(session)
        self.tokens = FakeChannelTokens(session)
        self.contacts = FakeChatContacts(session)
        return self

    @property
    def session(self) -> FakeSession:
        if self._session is None:
            raise RuntimeError("unit of work used outside its 'async with' block")
        return self._session

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session = self.session
        try:
            if session.begun:  # what was not committed is undone, as SQL's rollback on leaving
                session.rollback()
        finally:
            session.close()
            self._session = None

    async def commit(self) -> None:
        session = self.session
        session.flush()
        if self.store.fail_next_commit:
            self.store.fail_next_commit = False
            raise CommitFailed("database went away")
        session.commit()
        self.store.commits += 1

    async def rollback(self) -> None:
        self.session.rollback()


class FakeUnitOfWorkFactory:
    def __init__(self, store: FakeStore | None = None) -> None:
        self.store = store or FakeStore()

    def __call__(self) -> FakeUnitOfWork:
        return FakeUnitOfWork(self.store)


@runtime_checkable
class Inspectable(Protocol):
    """A test's unit-of-work factory whose stored rows the test can read (``store.all(cls)``): the fake's
    ``FakeUnitOfWorkFactory``, or ``tests.db.InspectableSqlUnitOfWorkFactory`` on a SQLite file."""

    store: Any


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
