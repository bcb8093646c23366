"""SQLite run inline on the event loop's thread, without a worker thread and without greenlet hops.

Why: SQLite answers a statement on a local file in microseconds, so on SQLite the cost of a turn was the
machinery around it: aiosqlite sends every cursor call to a worker thread and back (~0.2 ms a hop), and
SQLAlchemy's asyncio layer runs each session call in a greenlet that switches out and back for every cursor
call. For a driver that never waits, both are pure overhead (bench/intake.py; a unit of work of four
statements: ~420 µs through the asyncio layer, ~285 µs through the sync session).

How:
- ``InlineDialect`` is SQLAlchemy's own pysqlite dialect (the one aiosqlite's dialect builds on, so types
  and SQL are the same), declared async-capable so that ``create_async_engine`` accepts it.
- ``InlineSession`` is the ``AsyncSession`` used with it: the methods the repositories call run the sync
  ``Session`` directly, as nothing in them ever has to wait. Other paths (``AsyncConnection``,
  ``run_sync``) keep working through SQLAlchemy's greenlet; there a statement awaits once (a coroutine that
  is already done), as ``AsyncConnection`` requires of an async driver.

Safety: a statement blocks the loop only for its own duration. Writers from other processes (the CLI) can
make a statement wait for SQLite's lock, bounded by ``busy_timeout``. Within the process, units of work on
SQLite are serialised by an asyncio lock (``store.uow``), so one never waits in SQLite for another.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy.dialects import registry
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session
from sqlalchemy.util.concurrency import await_, greenlet_spawn, in_greenlet

DRIVER = "nghedan_inline"


async def _ready() -> None:
    return None


def _await_once_in_greenlet() -> None:
    """Inside SQLAlchemy's greenlet (AsyncConnection, run_sync), await a finished coroutine: AsyncConnection
    insists that an async driver awaited something. Outside it (InlineSession's direct calls), nothing."""
    if in_greenlet():
        await_(_ready())


class InlineCursor(sqlite3.Cursor):
    def execute(self, sql: str, parameters: Any = (), /) -> InlineCursor:
        _await_once_in_greenlet()
        return super().execute(sql, parameters)

    def executemany(self, sql: str, parameters: Iterable[Any], /) -> InlineCursor:
        _await_once_in_greenlet()
        return super().executemany(sql, parameters)

    async def _async_soft_close(self) -> None:
        """Called by SQLAlchemy's asyncio results on an async driver's cursor; rows stay readable here."""


class InlineConnection(sqlite3.Connection):
    def cursor(self, factory: Any = InlineCursor) -> Any:
        return super().cursor(factory)


class InlineDialect(SQLiteDialect_pysqlite):
    driver = DRIVER
    is_async = True
    supports_statement_cache = True

    def create_connect_args(self, url: URL) -> Any:
        args, options = super().create_connect_args(url)
        options["factory"] = InlineConnection
        return args, options


registry.register(f"sqlite.{DRIVER}", __name__, "InlineDialect")


class InlineSession(AsyncSession):
    """An AsyncSession for ``InlineDialect``: what the repositories call runs the sync session directly.

    Only a session's first database call goes through SQLAlchemy's greenlet: a new pool's first connection
    initialises the dialect under an asyncio lock, which must be awaited there."""

    _connected = False

    async def _direct(self) -> Session:
        if not self._connected:
            await greenlet_spawn(self.sync_session.connection)
            self._connected = True
        return self.sync_session

    async def execute(self, statement: Any, params: Any = None, **kw: Any) -> Any:
        return (await self._direct()).execute(statement, params, **kw)

    async def scalar(self, statement: Any, params: Any = None, **kw: Any) -> Any:
        return (await self._direct()).scalar(statement, params, **kw)

    async def scalars(self, statement: Any, params: Any = None, **kw: Any) -> Any:
        return (await self._direct()).scalars(statement, params, **kw)

    async def get(self, entity: Any, ident: Any, **kw: Any) -> Any:
        return (await self._direct()).get(entity, ident, **kw)

    async def flush(self, objects: Sequence[Any] | None = None) -> None:
        (await self._direct()).flush(objects)

    async def delete(self, instance: object) -> None:
        (await self._direct()).delete(instance)

    async def commit(self) -> None:
        self.sync_session.commit()

    async def rollback(self) -> None:
        self.sync_session.rollback()

    async def close(self) -> None:
        self.sync_session.close()


def url_for(url: URL) -> URL:
    """The same SQLite database, opened with ``InlineDialect``."""
    return url.set(drivername=f"sqlite+{DRIVER}")


def is_inline(dialect: Any) -> bool:
    return isinstance(dialect, InlineDialect)
