"""One way in for every chat channel. An event from Telegram, Zalo or any other channel goes through the same
steps here:

* one turn at a time per chat (a chat's events in order), any number of chats at once;
* acknowledged (polling offset advanced, webhook answered 2xx) only once its turn is committed;
* while the database is unreachable, not acknowledged at all: the channel hands it in again, for as long as
  the outage lasts, and the sender is told nothing (nothing was lost);
* when it fails for any other reason, tried again a few times, then let go — with the person's words kept
  for the office and a polite answer saying so, so that one broken message can never stop a chat or the
  channel;
* its replies delivered at once, after the commit.

Work that is not a turn (a citizen blocking the bot, a group the bot left) goes through ``guarded``, with the
same rules for outages and failures.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from bot.bootstrap import App
from bot.webhooks import Pause
from bot.webhooks import pause as _pause
from handlers.delivery.worker import Outgoing, Sender
from handlers.dispatch.engine import TurnResult
from handlers.dispatch.unhandled import keep_unhandled
from handlers.kernel.events import ChatEvent, checked
from handlers.kernel.ports import StoreUnavailable, UnitOfWork

log = logging.getLogger(__name__)


# Work a channel does in its own transaction before each turn (a Zalo OA records that the person wrote, so
# what waited for them goes out first).
Prepare = Callable[[UnitOfWork, ChatEvent], Awaitable[None]]


class KeyedLocks:
    """One asyncio lock per key, forgotten when nobody holds or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @contextlib.asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users <= 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)


@dataclass(frozen=True)
class Taken:
    """What became of one event."""

    done: bool  # the channel may acknowledge it
    unavailable: bool = False  # the database is unreachable: hand the event in again later
    result: TurnResult | None = None


class Activity:
    """When a channel last took something in and whether it is stuck: read by ``/healthz``."""

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._monotonic = monotonic
        self.started = monotonic()
        self.last_done: float | None = None
        self.last_polled: float | None = None
        self.waiting_since: float | None = None  # the first event still waiting for the database
        self.handled = 0
        self.kept = 0

    def polled(self) -> None:
        self.last_polled = self._monotonic()

    def done(self) -> None:
        self.last_done = self._monotonic()
        self.waiting_since = None
        self.handled += 1

    def waiting(self) -> None:
        if self.waiting_since is None:
            self.waiting_since = self._monotonic()

    def seconds_since(self, moment: float | None) -> float | None:
        return None if moment is None else round(self._monotonic() - moment, 1)


class ChatIntake:
    """Runs one channel's events through the conversation engine (see the module's docstring)."""

    def __init__(
        self,
        app: App,
        channel: str,
        sender: Sender,
        *,
        max_failures: int = 3,
        monotonic: Callable[[], float] = time.monotonic,
        prepare: Prepare | None = None,
    ) -> None:
        self.app = app
        self.channel = channel
        self.sender = sender
        self.max_failures = max_failures
        self._prepare = prepare
        self.activity = Activity(monotonic)
        self._locks = KeyedLocks()
        self._failures: dict[str, int] = {}
        self._background: set[asyncio.Task[None]] = set()

    async def take(
        self,
        event: ChatEvent,
        *,
        after: Callable[[TurnResult], Coroutine[Any, Any, None]] | None = None,
    ) -> Taken:
        """Run one event's turn. Its replies go out in the background, then ``after`` runs (a Telegram
        button is settled only once its answer is on its way)."""
        clean = checked(event)  # what the core may store; None: the engine drops it (a button still settles)
        async with self._locks.hold(event.chat_id):
            if self._prepare is not None and clean is not None:
                try:
                    async with self.app.uow_factory() as uow:
                        await self._prepare(uow, clean)
                        await uow.commit()
                except StoreUnavailable:
                    self.activity.waiting()
                    return Taken(False, unavailable=True)
                except Exception:
                    log.exception(
                        "preparing event %s on %s failed; it is handled all the same",
                        event.event_key,
                        self.channel,
                    )
            result = await self.app.conversation.handle(event)
        if result.unavailable:
            self.activity.waiting()
            return Taken(False, unavailable=True, result=result)
        if not result.committed:
            failures = self._failures.get(event.event_key, 0) + 1
            self._failures[event.event_key] = failures
            if failures < self.max_failures:
                log.warning("event %s failed (attempt %d); it will be tried again", event.event_key, failures)
                return Taken(False, result=result)
            self._failures.pop(event.event_key, None)
            return await self._let_go(event, result)
        self._failures.pop(event.event_key, None)
        self.activity.done()
        if result.mailed:  # cards and notices for other chats: the worker sends them now
            self.app.delivery.notify()
        if result.arrived:  # a new case: the office takes it in now
            self.app.arrivals.notify()
        self.spawn(self._deliver(event.chat_id, result, after))
        return Taken(True, result=result)

    async def _let_go(self, event: ChatEvent, result: TurnResult) -> Taken:
        """An event that failed every time: keep the person's words for the office and tell them so; if even
        that cannot be stored, apologise directly. Either way the event is acknowledged."""
        try:
            async with self.app.uow_factory() as uow:
                kept = await keep_unhandled(
                    uow, event, now=self.app.clock.now(), catalogue=self.app.catalogue
                )
                await uow.commit()
        except StoreUnavailable:
            self.activity.waiting()
            return Taken(False, unavailable=True, result=result)
        except Exception:
            log.exception("event %s could not be kept for the office", event.event_key)
            for reply in result.replies:  # nothing was stored: tell the sender directly
                await self.sender.send(Outgoing(0, self.channel, event.chat_id, reply, 0, 0))
            self.activity.done()
            return Taken(True, result=result)
        self.activity.kept += 1
        self.activity.done()
        if kept:
            self.app.delivery.notify()
        self.spawn(self._deliver_chat(event.chat_id))
        return Taken(True, result=result)

    async def _deliver_chat(self, chat_id: str) -> None:
        await self.app.delivery.deliver_chat(self.channel, chat_id)

    async def _deliver(
        self,
        chat_id: str,
        result: TurnResult,
        after: Callable[[TurnResult], Coroutine[Any, Any, None]] | None,
    ) -> None:
        if result.claimed:
            await self.app.delivery.send_claimed(self.channel, chat_id, result.outbox_ids, result.replies)
        else:
            await self.app.delivery.deliver_chat(self.channel, chat_id)
        if after is not None:
            await after(result)

    async def guarded(self, what: str, work: Callable[[], Awaitable[bool]]) -> Taken:
        """Run work that is not a turn (a block, a group change). ``work`` returns whether it queued
        messages. An outage leaves the event to be handed in again; any other failure is logged and the
        event let go (it changes no case)."""
        try:
            mailed = await work()
        except StoreUnavailable:
            self.activity.waiting()
            return Taken(False, unavailable=True)
        except Exception:
            log.exception("%s on %s failed; the update is let go", what, self.channel)
            self.activity.done()
            return Taken(True)
        self.activity.done()
        if mailed:
            self.app.delivery.notify()
        return Taken(True)

    def spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(coroutine)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def wait_background(self) -> None:
        """Let replies already on their way finish (used at shutdown and by tests)."""
        while self._background:
            await asyncio.gather(*list(self._background), return_exceptions=True)


class Backlog:
    """Events of a channel that will not bring them again (Zalo sends a message once: no redelivery to
    rely on, and the Bot Platform drops what arrives while nobody polls), held in this process until they
    are handled — while the database is unreachable, and between the tries of a failing event. Each chat's
    events stay in order; the channel keeps receiving meanwhile. Lost only if the process dies during an
    outage (logged at shutdown)."""

    def __init__(self, intake: ChatIntake, *, pause: Pause | None = None, limit: int = 10_000) -> None:
        self.intake = intake
        self._pause: Pause = pause or _pause
        self._limit = limit
        self._queues: dict[str, deque[ChatEvent]] = {}
        self._worker: asyncio.Task[None] | None = None
        self._stop = asyncio.Event()

    def __len__(self) -> int:
        return sum(len(queue) for queue in self._queues.values())

    async def put(self, event: ChatEvent) -> Taken:
        """Handle the event now if its chat has nothing waiting; otherwise (or if it cannot be handled now)
        hold it behind the chat's earlier events."""
        queue = self._queues.get(event.chat_id)
        if queue is None:
            taken = await self.intake.take(event)
            if taken.done:
                return taken
            queue = self._queues.setdefault(event.chat_id, deque())
        if len(self) >= self._limit:
            log.error("%s backlog is full (%d events): an event is dropped", self.intake.channel, self._limit)
            return Taken(True)
        queue.append(event)
        if self._worker is None or self._worker.done():
            self._worker = asyncio.ensure_future(self._work())
        return Taken(False, unavailable=True)

    async def _work(self) -> None:
        backoff = 0.5
        while self._queues and not self._stop.is_set():
            progressed = False
            for chat_id in list(self._queues):
                queue = self._queues[chat_id]
                taken = await self.intake.take(queue[0])
                if taken.unavailable:
                    break  # the database is away: every chat waits for it
                if taken.done:
                    queue.popleft()
                    progressed = True
                    if not queue:
                        del self._queues[chat_id]
            if progressed:
                backoff = 0.5
            else:
                await self._pause(self._stop, backoff)
                backoff = min(backoff * 2, 30.0)

    async def close(self) -> None:
        self._stop.set()
        if self._worker is not None:
            await asyncio.gather(self._worker, return_exceptions=True)
        if self._queues:
            log.error(
                "%s: %d event(s) were still waiting for the database at shutdown",
                self.intake.channel,
                len(self),
            )
