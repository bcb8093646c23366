"""Test databases: a SQLite file, or a private schema on the PostgreSQL server, migrated to head."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from store.database import create_engine
from store.migrate import upgrade

POSTGRES_URL = os.environ.get(
    "NGHEDAN_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
REQUIRE_POSTGRES = os.environ.get("NGHEDAN_TEST_REQUIRE_POSTGRES") == "1"


def sqlite_url(folder: Path) -> str:
    return f"sqlite+aiosqlite:///{folder / 'nghedan-test.sqlite3'}"


@asynccontextmanager
async def sqlite_database(folder: Path, *, migrate: bool = True) -> AsyncIterator[tuple[AsyncEngine, str]]:
    url = sqlite_url(folder)
    engine = create_engine(url)
    try:
        if migrate:
            await upgrade(engine)
        yield engine, url
    finally:
        await engine.dispose()


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
