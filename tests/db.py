"""Test databases: a SQLite file, or a private schema on the PostgreSQL server, migrated to head."""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import pytest
import sqlalchemy
from sqlalchemy import inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from store.database import create_engine
from store.migrate import upgrade
from store.uow import SqlUnitOfWork, SqlUnitOfWorkFactory
from tests.fakes import CommitFailed

T = TypeVar("T")

POSTGRES_URL = os.environ.get(
    "NGHEDAN_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
REQUIRE_POSTGRES = os.environ.get("NGHEDAN_TEST_REQUIRE_POSTGRES") == "1"


def sqlite_url(folder: Path) -> str:
    return f"sqlite+aiosqlite:///{folder / 'nghedan-test.sqlite3'}"


@asynccontextmanager
async def sqlite_database(
    folder: Path, *, migrate: bool = True, template: Path | None = None
) -> AsyncIterator[tuple[AsyncEngine, str]]:
    """A SQLite file in ``folder``, migrated to head, or a copy of ``template`` (a file migrated once, see
    ``migrated_sqlite_template``: migrating takes about a second, copying a millisecond)."""
    url = sqlite_url(folder)
    if template is not None:
        shutil.copyfile(template, folder / "nghedan-test.sqlite3")
    engine = create_engine(url)
    try:
        if migrate and template is None:
            await upgrade(engine)
        yield engine, url
    finally:
        await engine.dispose()


def migrated_sqlite_template(folder: Path) -> Path:
    """A SQLite file migrated to head, to be copied for each test; call it outside a running event loop."""

    async def migrate() -> None:
        async with sqlite_database(folder):
            pass  # disposing the engine checkpoints the WAL into the file

    asyncio.run(migrate())
    return folder / "nghedan-test.sqlite3"


def _skip_or_fail(reason: str) -> None:
    if REQUIRE_POSTGRES:
        pytest.fail(f"PostgreSQL is required here but {reason}")
    pytest.skip(f"PostgreSQL not available: {reason}")


@asynccontextmanager
async def postgres_database(
    *, migrate: bool = True, pool_size: int = 10
) -> AsyncIterator[tuple[AsyncEngine, str]]:
    """A fresh schema on the PostgreSQL server, dropped afterwards."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL, pool_size=1)
    try:
        async with admin.begin() as connection:
            await connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:
        await admin.dispose()
        _skip_or_fail(str(exc).splitlines()[0])
    engine = create_engine(
        POSTGRES_URL, pool_size=pool_size, connect_args={"server_settings": {"search_path": schema}}
    )
    try:
        if migrate:
            await upgrade(engine)
        yield engine, schema
    finally:
        await engine.dispose()
        async with admin.begin() as connection:
            await connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()


@asynccontextmanager
async def postgres_empty_database() -> AsyncIterator[str]:
    """A brand-new, empty PostgreSQL database (for start-up and CLI tests); yields its URL."""
    name = f"nghedan_t_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_URL, pool_size=1, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        await admin.dispose()
        _skip_or_fail(str(exc).splitlines()[0])
    base = POSTGRES_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        await admin.dispose()


class SqliteRows:
    """The committed rows of a SQLite test database, read through a connection of their own: what a test
    inspects after the work is done (``store.all(Case)``), as it does on the fake's ``FakeStore``. The rows
    are detached copies; changing them changes nothing stored."""

    def __init__(self, url: str) -> None:
        self._engine = sqlalchemy.create_engine(make_url(url).set(drivername="sqlite"), poolclass=NullPool)
        self.fail_next_commit = False

    def all(self, cls: type[T]) -> list[T]:
        with Session(self._engine) as session:
            return list(session.scalars(select(cls).order_by(*inspect(cls).primary_key)))

    @property
    def rows(self) -> _Tables:
        return _Tables(self)

    def close(self) -> None:
        self._engine.dispose()


class _Tables:
    """``rows[cls][id]``, as on ``FakeStore``."""

    def __init__(self, reader: SqliteRows) -> None:
        self._reader = reader

    def __getitem__(self, cls: type[Any]) -> dict[Any, Any]:
        key = inspect(cls).primary_key[0].key
        return {getattr(row, key): row for row in self._reader.all(cls)}


class _FailableSqlUnitOfWork(SqlUnitOfWork):
    def __init__(self, rows: SqliteRows, *args: Any) -> None:
        super().__init__(*args)
        self._rows = rows

    async def commit(self) -> None:
        if self._rows.fail_next_commit:
            self._rows.fail_next_commit = False
            raise CommitFailed("database went away")
        await super().commit()


class InspectableSqlUnitOfWorkFactory(SqlUnitOfWorkFactory):
    """The real units of work on a SQLite test file, plus what tests read on the fake: ``store.all(cls)``,
    ``store.rows[cls][id]`` and ``store.fail_next_commit``."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], *, url: str) -> None:
        super().__init__(sessions)
        self.store = SqliteRows(url)

    def __call__(self) -> SqlUnitOfWork:
        return _FailableSqlUnitOfWork(self.store, self._sessions, self._gate, self.cache)
