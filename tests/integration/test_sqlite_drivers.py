"""SQLite through the inline connection (default) and through aiosqlite's own thread: same behaviour."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from handlers.cases.communes import CommuneSpec, import_commune
from handlers.dispatch.engine import ConversationEngine
from handlers.kernel.catalogue import Catalogue
from handlers.kernel.config import IntakeConfig
from store.database import create_engine, session_factory
from store.migrate import upgrade
from store.sqlite_inline import InlineSession, is_inline
from store.uow import SqlUnitOfWorkFactory
from tests.chat import Chat
from tests.fakes import ManualClock


@pytest.mark.parametrize("inline", [True, False], ids=["inline", "aiosqlite-thread"])
async def test_a_petition_is_filed_with_either_sqlite_driver(
    tmp_path: Path, inline: bool, demo_spec: CommuneSpec, catalogue: Catalogue, clock: ManualClock
) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'd.sqlite3'}", inline=inline)
    try:
        await upgrade(engine)
        factory = SqlUnitOfWorkFactory(session_factory(engine))
        async with factory() as uow:
            await import_commune(uow, demo_spec, now=clock.now())
            await uow.commit()
        conversation = ConversationEngine(
            uow_factory=factory, clock=clock, catalogue=catalogue, config=IntakeConfig()
        )
        code = await Chat(conversation, clock).file_petition()
        assert code == "PT-26-00001"
    finally:
        await engine.dispose()


@pytest.mark.parametrize("first", ["session", "connection"])
async def test_a_fresh_inline_engine_serves_sessions_and_connections_alike(
    tmp_path: Path, first: str
) -> None:
    """The inline dialect runs a session's calls without SQLAlchemy's greenlet, except the first (a new
    pool's first connection is made under an asyncio lock); AsyncConnection keeps working beside it,
    whichever of the two opens the pool."""
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'd.sqlite3'}")
    try:
        assert is_inline(engine.dialect)
        if first == "connection":
            async with engine.connect() as connection:
                assert (await connection.execute(text("SELECT 1"))).scalar() == 1
        async with session_factory(engine)() as session:
            assert isinstance(session, InlineSession)
            assert await session.scalar(text("SELECT 2")) == 2
            await session.execute(text("CREATE TABLE t (n INTEGER)"))
            await session.execute(text("INSERT INTO t VALUES (3)"))
            await session.commit()
        async with engine.connect() as connection:
            assert (await connection.execute(text("SELECT n FROM t"))).scalar() == 3
    finally:
        await engine.dispose()
