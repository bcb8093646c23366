"""The codes ``store.uow.driver_code`` reads from the drivers, provoked on real SQLite and PostgreSQL: a
driver that stops carrying them (or moves them) fails here, not in production as an unretried race."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import sqlalchemy
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from handlers.kernel.ports import ConcurrentUpdate, DuplicateKey
from store.database import create_engine, session_factory
from store.uow import (
    DEADLOCK_DETECTED,
    SERIALIZATION_FAILURE,
    SQLITE_CONSTRAINT_PRIMARYKEY,
    SQLITE_CONSTRAINT_UNIQUE,
    UNIQUE_VIOLATION,
    SqlUnitOfWorkFactory,
    as_race,
    driver_code,
    is_outage,
)
from tests.db import postgres_database, sqlite_database

SQLITE_BUSY = 5

TABLES = """
CREATE TABLE probe (id INTEGER PRIMARY KEY, key VARCHAR(20) NOT NULL UNIQUE, counter INTEGER NOT NULL)
"""


@pytest.fixture(params=["sqlite", "sqlite+aiosqlite"])
async def sqlite_engine(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """A SQLite file through the store's inline driver, and through aiosqlite."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'probe.sqlite3'}"
    engine = create_engine(url, inline=request.param == "sqlite")
    async with engine.begin() as connection:
        await connection.execute(text(TABLES))
        await connection.execute(text("INSERT INTO probe (id, key, counter) VALUES (1, 'a', 0), (2, 'b', 0)"))
    yield engine
    await engine.dispose()


@pytest.fixture
async def postgres_engine() -> AsyncIterator[AsyncEngine]:
    async with postgres_database(migrate=False) as (engine, _schema):
        async with engine.begin() as connection:
            await connection.execute(text(TABLES))
            await connection.execute(
                text("INSERT INTO probe (id, key, counter) VALUES (1, 'a', 0), (2, 'b', 0)")
            )
        yield engine


async def failure_of(engine: AsyncEngine, statement: str) -> DBAPIError:
    try:
        async with engine.begin() as connection:
            await connection.execute(text(statement))
    except DBAPIError as exc:
        return exc
    raise AssertionError(f"{statement!r} did not fail")


# -- SQLite ---------------------------------------------------------------------------------------------


async def test_sqlite_reports_a_duplicate_unique_key_by_its_extended_code(sqlite_engine: AsyncEngine) -> None:
    failure = await failure_of(sqlite_engine, "INSERT INTO probe (id, key, counter) VALUES (3, 'a', 0)")
    assert isinstance(failure, IntegrityError)
    assert driver_code(failure).sqlite == SQLITE_CONSTRAINT_UNIQUE
    assert isinstance(as_race(failure), DuplicateKey)


async def test_sqlite_reports_a_duplicate_primary_key_by_its_extended_code(
    sqlite_engine: AsyncEngine,
) -> None:
    failure = await failure_of(sqlite_engine, "INSERT INTO probe (id, key, counter) VALUES (1, 'c', 0)")
    assert driver_code(failure).sqlite == SQLITE_CONSTRAINT_PRIMARYKEY
    assert isinstance(as_race(failure), DuplicateKey)


async def test_sqlite_reports_a_wrong_statement_as_neither_race_nor_outage(
    sqlite_engine: AsyncEngine,
) -> None:
    failure = await failure_of(sqlite_engine, "SELECT nothing FROM no_such_table")
    assert isinstance(failure, OperationalError)
    assert driver_code(failure).sqlite == 1  # SQLITE_ERROR
    assert as_race(failure) is None
    assert not is_outage(failure)


async def test_sqlite_reports_a_file_locked_by_another_writer_as_busy_an_outage(tmp_path: Path) -> None:
    async with sqlite_database(tmp_path) as (_engine, url):
        path = url.split("///", 1)[1]
        holder = sqlalchemy.create_engine(f"sqlite:///{path}", poolclass=sqlalchemy.pool.NullPool)
        waiter = sqlalchemy.create_engine(
            f"sqlite:///{path}", poolclass=sqlalchemy.pool.NullPool, connect_args={"timeout": 0}
        )
        try:
            with holder.connect() as holding:
                holding.exec_driver_sql("BEGIN IMMEDIATE")
                with pytest.raises(OperationalError) as raised, waiter.connect() as waiting:
                    waiting.exec_driver_sql("BEGIN IMMEDIATE")
                holding.rollback()
        finally:
            holder.dispose()
            waiter.dispose()
    assert driver_code(raised.value).sqlite == SQLITE_BUSY
    assert as_race(raised.value) is None
    assert is_outage(raised.value)


async def test_a_duplicate_key_through_the_unit_of_work_ends_it_in_duplicate_key(
    sqlite_engine: AsyncEngine,
) -> None:
    await _duplicate_through_the_unit_of_work(sqlite_engine)


async def _duplicate_through_the_unit_of_work(engine: AsyncEngine) -> None:
    units = SqlUnitOfWorkFactory(session_factory(engine))
    with pytest.raises(DuplicateKey):
        async with units() as uow:
            await uow.session.execute(text("INSERT INTO probe (id, key, counter) VALUES (3, 'a', 0)"))
    async with units() as uow:  # the unit of work was rolled back; the next one works
        await uow.session.execute(text("INSERT INTO probe (id, key, counter) VALUES (3, 'c', 0)"))
        await uow.commit()


# -- PostgreSQL -----------------------------------------------------------------------------------------


@pytest.mark.postgres
async def test_postgres_reports_a_duplicate_key_by_its_sqlstate(postgres_engine: AsyncEngine) -> None:
    failure = await failure_of(postgres_engine, "INSERT INTO probe (id, key, counter) VALUES (3, 'a', 0)")
    assert isinstance(failure, IntegrityError)
    assert driver_code(failure).sqlstate == UNIQUE_VIOLATION
    assert isinstance(as_race(failure), DuplicateKey)


@pytest.mark.postgres
async def test_a_duplicate_key_through_the_postgres_unit_of_work_ends_it_in_duplicate_key(
    postgres_engine: AsyncEngine,
) -> None:
    await _duplicate_through_the_unit_of_work(postgres_engine)


@pytest.mark.postgres
async def test_postgres_reports_a_serialization_failure_by_its_sqlstate(postgres_engine: AsyncEngine) -> None:
    async with postgres_engine.connect() as late, postgres_engine.connect() as early:
        await late.execute(text("BEGIN ISOLATION LEVEL REPEATABLE READ"))
        await late.execute(text("SELECT counter FROM probe WHERE id = 1"))  # the snapshot is taken
        await early.execute(text("UPDATE probe SET counter = counter + 1 WHERE id = 1"))
        await early.commit()
        with pytest.raises(DBAPIError) as raised:
            await late.execute(text("UPDATE probe SET counter = counter + 1 WHERE id = 1"))
        await late.rollback()
    assert driver_code(raised.value).sqlstate == SERIALIZATION_FAILURE
    assert type(as_race(raised.value)) is ConcurrentUpdate


@pytest.mark.postgres
async def test_postgres_reports_a_deadlock_by_its_sqlstate(postgres_engine: AsyncEngine) -> None:
    async with postgres_engine.connect() as first, postgres_engine.connect() as second:
        for connection in (first, second):  # found at once rather than after the default second
            await connection.execute(text("SET deadlock_timeout = '20ms'"))
        await first.execute(text("UPDATE probe SET counter = 1 WHERE id = 1"))
        await second.execute(text("UPDATE probe SET counter = 1 WHERE id = 2"))
        # The first now waits for the second's row; the second asking for the first's closes the circle,
        # and PostgreSQL ends one of them. A cross-wait needs both at once: one runs as a task.
        waiting = asyncio.ensure_future(first.execute(text("UPDATE probe SET counter = 2 WHERE id = 2")))
        failures: list[BaseException] = []
        try:
            await second.execute(text("UPDATE probe SET counter = 2 WHERE id = 1"))
        except DBAPIError as exc:
            failures.append(exc)
        try:
            await waiting
        except DBAPIError as exc:
            failures.append(exc)
        await first.rollback()
        await second.rollback()
    [failure] = failures
    assert driver_code(failure).sqlstate == DEADLOCK_DETECTED
    assert type(as_race(failure)) is ConcurrentUpdate
