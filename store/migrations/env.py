"""Alembic environment. Migrations run on a connection handed in by ``store.migrate`` (async engines),
or, when Alembic's own command line is used, on one opened from ``sqlalchemy.url``."""

from __future__ import annotations

import asyncio
from typing import Any, Literal

from alembic import context
from sqlalchemy import JSON, Enum
from sqlalchemy.engine import Connection

from models.base import AwareDateTime
from models.registry import Base

config = context.config
target_metadata = Base.metadata


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    """Render project column types as plain SQLAlchemy types, so migrations never import the models."""
    if type_ == "type":
        if isinstance(obj, AwareDateTime):
            return "sa.DateTime(timezone=True)"
        if isinstance(obj, Enum) and not obj.native_enum:
            return f"sa.String(length={obj.length})"
        if isinstance(obj, JSON):
            return "sa.JSON().with_variant(postgresql.JSONB(), 'postgresql')"
    return False


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


def _run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    from store.database import create_engine

    async def _go() -> None:
        engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
        async with engine.begin() as conn:
            await conn.run_sync(_run)
        await engine.dispose()

    asyncio.run(_go())


if context.is_offline_mode():
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata)
    with context.begin_transaction():
        context.run_migrations()
else:
    _run_online()
