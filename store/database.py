"""Creating the async engine for SQLite (WAL) or PostgreSQL, and the session factory."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import StaticPool

from store import sqlite_inline


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def create_engine(
    url: str,
    *,
    echo: bool = False,
    pool_size: int = 10,
    max_overflow: int | None = None,
    inline: bool = True,
    **kwargs: Any,
) -> AsyncEngine:
    """An engine that never puts SQL parameters (citizens' data) into error messages or logs.

    ``pool_size`` and ``max_overflow`` (default: as many again) size PostgreSQL's pool. SQLite files are
    opened with ``store.sqlite_inline`` unless ``inline=False`` (then aiosqlite's thread)."""
    options: dict[str, Any] = {"echo": echo, "hide_parameters": True, **kwargs}
    if is_sqlite(url):
        # aiosqlite logs every statement with its parameters at DEBUG: never let citizens' data reach logs.
        _quiet = logging.getLogger("aiosqlite")
        _quiet.setLevel(max(_quiet.level, logging.INFO))
        parsed = make_url(url)
        if inline and parsed.database and parsed.database != ":memory:":
            parsed = sqlite_inline.url_for(parsed)
            options.setdefault("connect_args", {}).setdefault("timeout", 5.0)
            # Units of work on SQLite take turns (store.uow), and inline statements never yield to the loop
            # mid-transaction, so one connection serves the process; a pool would only add checkout work.
            options.setdefault("poolclass", StaticPool)
            busy_ms = 5000
        else:
            options.setdefault("connect_args", {}).setdefault("timeout", 30)
            busy_ms = 30000
        engine = create_async_engine(parsed, **options)
        _configure_sqlite(engine, busy_ms)
        return engine
    options.setdefault("pool_size", pool_size)
    options.setdefault("max_overflow", pool_size if max_overflow is None else max_overflow)
    options.setdefault("pool_pre_ping", True)
    return create_async_engine(url, **options)


def _configure_sqlite(engine: AsyncEngine, busy_ms: int) -> None:
    """WAL for concurrent readers; BEGIN IMMEDIATE so two writers queue instead of deadlocking."""

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_ms)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    if sqlite_inline.is_inline(engine.dialect):

        @event.listens_for(engine.sync_engine, "begin")
        def _on_begin_inline(connection: Any) -> None:
            connection.connection.driver_connection.execute("BEGIN IMMEDIATE")

    else:

        @event.listens_for(engine.sync_engine, "begin")
        def _on_begin(connection: Any) -> None:
            connection.exec_driver_sql("BEGIN IMMEDIATE")


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions for ``engine``; on inline SQLite they run the sync session directly (store.sqlite_inline)."""
    session_class = sqlite_inline.InlineSession if sqlite_inline.is_inline(engine.dialect) else AsyncSession
    return async_sessionmaker(engine, class_=session_class, expire_on_commit=False, autoflush=True)
