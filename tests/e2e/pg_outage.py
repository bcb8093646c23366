"""A database outage on demand: a TCP proxy between the bot and the PostgreSQL server that can be cut.

The bot is given a database URL through the proxy (``through``). ``cut`` closes every connection at once and
refuses new ones — each is accepted and reset straight away, as a server that is restarting does — until
``restore``; meanwhile ``refused`` counts the attempts, so a test can wait until the bot has really tried.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.engine import make_url


class PostgresProxy:
    """Forwards 127.0.0.1:``port`` to the PostgreSQL server; see the module's docstring."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target_host = target_host
        self.target_port = target_port
        self.port = 0
        self.refused = 0  # connections refused while cut
        self.forwarded = 0  # connections forwarded to the server
        self._cut = False
        self._server: asyncio.Server | None = None
        self._links: set[tuple[asyncio.StreamWriter, asyncio.StreamWriter]] = set()
        self._pipes: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        self._drop_all()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        for pipe in list(self._pipes):
            pipe.cancel()
        await asyncio.gather(*self._pipes, return_exceptions=True)

    def through(self, url: str) -> str:
        """``url`` with its host and port replaced by the proxy's."""
        return make_url(url).set(host="127.0.0.1", port=self.port).render_as_string(hide_password=False)

    def cut(self) -> None:
        """The database goes away: every open connection is dropped, new ones are refused."""
        self._cut = True
        self._drop_all()

    def restore(self) -> None:
        """The database is back: new connections are forwarded again."""
        self._cut = False

    def _drop_all(self) -> None:
        for client, server in list(self._links):
            _reset(client)
            _reset(server)
        self._links.clear()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self._cut:
            self.refused += 1
            _reset(writer)
            return
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(
                self.target_host, self.target_port
            )
        except OSError:
            self.refused += 1
            _reset(writer)
            return
        if self._cut:  # cut while connecting
            self.refused += 1
            _reset(writer)
            _reset(upstream_writer)
            return
        self.forwarded += 1
        link = (writer, upstream_writer)
        self._links.add(link)
        for source, target in ((reader, upstream_writer), (upstream_reader, writer)):
            pipe = asyncio.ensure_future(self._pipe(source, target, link))
            self._pipes.add(pipe)
            pipe.add_done_callback(self._pipes.discard)

    async def _pipe(
        self,
        source: asyncio.StreamReader,
        target: asyncio.StreamWriter,
        link: tuple[asyncio.StreamWriter, asyncio.StreamWriter],
    ) -> None:
        """Copy one direction until either side closes; then close both."""
        try:
            while chunk := await source.read(65536):
                target.write(chunk)
                await target.drain()
        except OSError:
            pass
        finally:
            self._links.discard(link)
            for writer in link:
                _reset(writer)


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close at once, without waiting for anything to be flushed (a connection the network dropped)."""
    with contextlib.suppress(Exception):
        writer.transport.abort()


@asynccontextmanager
async def postgres_proxy(url: str) -> AsyncIterator[PostgresProxy]:
    """A proxy in front of the PostgreSQL server that ``url`` names, for the duration of the block."""
    parsed = make_url(url)
    proxy = PostgresProxy(parsed.host or "127.0.0.1", parsed.port or 5432)
    await proxy.start()
    try:
        yield proxy
    finally:
        await proxy.stop()
