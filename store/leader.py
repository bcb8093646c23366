"""Electing one process for singleton work (bulk delivery, the scheduler sweep) among several workers.

On PostgreSQL the leader holds a session-level advisory lock on a dedicated connection; if that connection
dies, the lock is released by the server and another worker takes over. SQLite runs in one process, which
is always the leader.
"""

from __future__ import annotations

import hashlib
import logging

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

log = logging.getLogger(__name__)


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for ``pg_try_advisory_lock`` derived from a readable name."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


class Leadership:
    def __init__(self, engine: AsyncEngine, name: str) -> None:
        self._engine = engine
        self._key = lock_key(f"nghedan:{name}")
        self._connection: AsyncConnection | None = None
        self._always = engine.dialect.name != "postgresql"

    @property
    def is_leader(self) -> bool:
        return self._always or self._connection is not None

    async def refresh(self) -> bool:
        """Try to become (or check we still are) the leader; call this periodically."""
        if self._always:
            return True
        if self._connection is not None:
            try:
                await self._connection.execute(text("SELECT 1"))
                await self._connection.commit()  # never sit idle in a transaction
                return True
            except Exception:
                log.warning("lost the leadership connection; standing down")
                await self._drop()
        try:
            connection = await self._engine.connect()
            taken = await connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": self._key})
            await connection.commit()
        except Exception:
            log.warning("could not reach the database to elect a leader")
            return False
        if taken:
            self._connection = connection
            log.info("this process is now the leader")
            return True
        await connection.close()
        return False

    async def release(self) -> None:
        if self._connection is not None:
            try:
                await self._connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self._key})
                await self._connection.commit()
            finally:
                await self._drop()

    async def _drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                await connection.close()
            except Exception:
                log.debug("closing the leadership connection failed", exc_info=True)
