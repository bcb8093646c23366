"""Migrations reach head and match the models; start-up migrates SQLite itself and refuses an un-migrated
server database with a message saying what to run."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.engine import Connection

from bot.bootstrap import SchemaNotReady, bootstrap
from bot.settings import Settings
from models.registry import Base
from store.database import create_engine
from store.migrate import head_revision, schema_state
from tests.db import postgres_database, postgres_empty_database, sqlite_database


def _differences(connection: Connection) -> list[object]:
    return list(compare_metadata(MigrationContext.configure(connection), Base.metadata))


async def test_migrations_on_sqlite_reach_head_and_match_the_models(tmp_path: Path) -> None:
    async with sqlite_database(tmp_path) as (engine, _url):
        assert (await schema_state(engine)).current == head_revision()
        async with engine.connect() as connection:
            assert await connection.run_sync(_differences) == []


async def test_migrations_on_postgres_reach_head_and_match_the_models() -> None:
    async with postgres_database() as (engine, _schema):
        assert (await schema_state(engine)).current == head_revision()
        async with engine.connect() as connection:
            assert await connection.run_sync(_differences) == []


async def test_sqlite_runs_in_wal_mode(tmp_path: Path) -> None:
    async with sqlite_database(tmp_path) as (engine, _url), engine.connect() as connection:
        assert (await connection.execute(text("PRAGMA journal_mode"))).scalar() == "wal"


async def test_the_embedded_sqlite_database_migrates_itself_at_start(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'fresh.sqlite3'}"
    app = await bootstrap(Settings(database_url=url))
    try:
        assert (await schema_state(app.engine)).up_to_date
    finally:
        await app.aclose()


async def test_an_unmigrated_postgres_database_stops_start_up() -> None:
    async with postgres_empty_database() as url:
        with pytest.raises(SchemaNotReady) as refused:
            await bootstrap(Settings(database_url=url))
        assert refused.value.state.current is None
        engine = create_engine(url)
        try:
            assert not (await schema_state(engine)).up_to_date  # and start-up changed nothing
        finally:
            await engine.dispose()
