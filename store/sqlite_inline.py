"""An aiosqlite-compatible connection that runs sqlite3 calls inline, on the event loop's thread.

Why: aiosqlite sends every cursor call to a worker thread and back (~0.2 ms a hop, three hops a statement),
while SQLite answers a statement on a local file in microseconds. A turn of the conversation runs about a
dozen statements, so the hops, not SQLite, were the cost (measured in bench/intake.py). Handed to SQLAlchemy
through the public ``create_async_engine(async_creator=...)`` hook; the aiosqlite dialect drives it.

Safety: a statement blocks the loop only for its own duration. Writers from other processes (the CLI)
can make a statement wait for SQLite's lock, bounded by ``busy_timeout``. Within the process, units of work
on SQLite are serialised by an asyncio lock (``store.uow``), so one never waits in SQLite for another.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Self


class InlineCursor:
    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._cursor.close()

    async def execute(self, sql: str, parameters: Sequence[Any] | dict[str, Any] = ()) -> Self:
        self._cursor.execute(sql, parameters)
        return self

    async def executemany(self, sql: str, parameters: Iterable[Sequence[Any] | dict[str, Any]]) -> Self:
        self._cursor.executemany(sql, parameters)
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(size) if size is not None else self._cursor.fetchmany()

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value


class _ImmediateQueue:
    """Stands in for aiosqlite's request queue, which SQLAlchemy uses to set the isolation level."""

    def put_nowait(self, item: tuple[asyncio.Future[Any], Callable[[], Any]]) -> None:
        future, function = item
        try:
            future.set_result(function())
        except Exception as error:  # handed back to the caller through the future
            future.set_exception(error)


class InlineConnection:
    def __init__(self, connection: sqlite3.Connection) -> None:
        self._conn: sqlite3.Connection | None = connection
        self._tx = _ImmediateQueue()

    @property
    def _connection(self) -> sqlite3.Connection | None:
        return self._conn

    def _live(self) -> sqlite3.Connection:
        if self._conn is None:
            raise ValueError("Connection closed")
        return self._conn

    def cursor(self) -> InlineCursor:
        return InlineCursor(self._live().cursor())

    async def execute(self, sql: str, parameters: Sequence[Any] | dict[str, Any] = ()) -> InlineCursor:
        return await self.cursor().execute(sql, parameters)

    async def commit(self) -> None:
        self._live().commit()

    async def rollback(self) -> None:
        self._live().rollback()

    async def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def stop(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._live().create_function(*args, **kwargs)

    @property
    def isolation_level(self) -> str | None:
        return self._live().isolation_level

    @isolation_level.setter
    def isolation_level(self, value: str | None) -> None:
        self._live().isolation_level = value  # type: ignore[assignment]


def creator(database: str, *, busy_timeout: float = 5.0) -> Callable[[], Any]:
    """An ``async_creator`` for SQLAlchemy: opens a connection to the SQLite file ``database``."""

    async def connect() -> InlineConnection:
        return InlineConnection(sqlite3.connect(database, timeout=busy_timeout))

    return connect
