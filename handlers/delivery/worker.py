"""Delivering outbox messages through each channel's sender, recording every outcome on the outbox row.

How nothing is lost and nothing is sent twice:

* A message is written to the outbox in the same transaction as the change that causes it, under a unique
  ``delivery_key`` derived from what it is about: enqueuing the same thing twice (a redelivered update, two
  schedulers racing, a restart) cannot create two rows.
* A sender claims a message (``sending``, with a lease) in one short transaction, calls the channel, and
  records the outcome in another. Only the oldest unsent message of a chat can be claimed, so each chat gets
  its messages in order and never two at once.
* If the process dies between the channel accepting a message and the outcome being recorded, the message
  is sent again when its lease runs out (or at once when a single-process deployment restarts): delivery is
  at-least-once. That instant is the only way to get a duplicate, and only for the messages on the wire when
  the process died — at most one per chat, since a chat never has two in flight. A clean shutdown
  (SIGTERM) lets messages on the wire finish and be recorded, so it loses and repeats nothing.

Commands fail loudly, notifications fail softly: a failed delivery never rolls back the case behind it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from handlers.delivery.ratelimit import RateLimiter, RateLimits
from handlers.delivery.reachability import chat_blocked
from handlers.kernel.ports import Clock, UnitOfWork, UnitOfWorkFactory
from handlers.kernel.replies import Reply
from handlers.kernel.waiting import nap
from models.enums import OutboxPriority, OutboxStatus
from models.outbox import OutboxMessage

log = logging.getLogger(__name__)
CHANNEL_DOWN_WAIT = 300.0  # seconds between tries while a channel's credentials do not work


@dataclass(frozen=True)
class Outgoing:
    """One claimed outbox message, detached from the database session."""

    id: int
    channel: str
    chat_id: str
    reply: Reply
    attempts: int
    priority: int
    # For a reply that edits an earlier message (``reply.edit_of``): that message's id on the channel, when
    # it was delivered; None means send it as a new message.
    edit_target: str | None = None


class Outcome(StrEnum):
    SENT = "sent"
    RETRY = "retry"  # temporary failure: rate limit, server error, timeout
    BLOCKED = "blocked"  # the recipient blocked the bot: stop sending to them
    REJECTED = "rejected"  # the request itself is wrong: never retry
    # The channel may not send to the recipient now (a Zalo OA's messaging window has closed): the message
    # waits until they write again; bulk traffic (announcements) is not held for weeks but given up.
    WAITING = "waiting"


@dataclass(frozen=True)
class SendResult:
    outcome: Outcome
    external_id: str | None = None
    retry_after: float | None = None
    error: str = ""
    # The channel itself cannot send now (its credentials were refused or are missing): the message is not
    # at fault, so the attempt is not counted against it — it waits for the channel to be mended.
    channel_down: bool = False


class Sender(Protocol):
    """A channel's way of sending one message. It must not raise: failures are outcomes.

    ``limits`` are the channel's sending limits (None: unlimited, e.g. a terminal)."""

    @property
    def limits(self) -> RateLimits | None: ...

    def is_group(self, chat_id: str) -> bool: ...

    async def send(self, message: Outgoing) -> SendResult: ...


# Told when a message starts waiting for its recipient (handlers.delivery.reachability.could_not_tell, bound
# to the catalogue at bootstrap): returns how many messages it queued.
OnWaiting = Callable[[UnitOfWork, OutboxMessage, datetime], Awaitable[int]]


@dataclass(frozen=True)
class DeliveryConfig:
    lease: timedelta = timedelta(seconds=60)  # longer than a send may take (the HTTP timeout is 30 s)
    batch: int = 200
    concurrency: int = 16
    max_attempts: int = 12
    max_backoff: timedelta = timedelta(minutes=10)
    poll_interval: float = 1.0


class OutboxDelivery:
    def __init__(
        self,
        *,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        senders: Mapping[str, Sender],
        config: DeliveryConfig | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        on_waiting: OnWaiting | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._on_waiting = on_waiting
        self._clock = clock
        self._monotonic = monotonic
        self._sleep = sleep
        self._senders: dict[str, Sender] = {}
        self._limiters: dict[str, RateLimiter] = {}
        for channel, sender in senders.items():
            self.add_sender(channel, sender)
        self.config = config or DeliveryConfig()
        self._wake = asyncio.Event()
        self._in_flight = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._marks = SentMarks(uow_factory)

    def add_sender(self, channel: str, sender: Sender) -> None:
        self._senders[channel] = sender
        self._limiters.pop(channel, None)
        if sender.limits is not None:
            self._limiters[channel] = RateLimiter(sender.limits, monotonic=self._monotonic, sleep=self._sleep)

    def notify(self) -> None:
        """New messages were committed: look for due work now rather than at the next poll."""
        self._wake.set()

    async def release_orphans(self) -> int:
        """At start-up of a single-process deployment, messages still marked ``sending`` belong to a process
        that died: release them now instead of letting their chats wait for the lease to run out."""
        async with self._uow_factory() as uow:
            released = await uow.outbox.release_leases()
            await uow.commit()
        if released:
            log.warning(
                "%d message(s) were on the wire when the last process stopped; sending them again", released
            )
        return released

    async def send_claimed(
        self, channel: str, chat_id: str, ids: Sequence[int], replies: Sequence[Reply]
    ) -> None:
        """Send a turn's replies that were written already leased to this process, in order, and record
        every outcome in one transaction. After a failure the rest go back to the queue, still in order."""
        results: list[tuple[Outgoing, SendResult | None]] = []
        failed = False
        for message_id, reply in zip(ids, replies, strict=True):
            message = Outgoing(message_id, channel, chat_id, reply, 0, OutboxPriority.REPLY)
            if failed:
                results.append((message, None))
                continue
            result = await self._transmit(message)
            results.append((message, result))
            failed = result.outcome is not Outcome.SENT
        await self.record_many(results)

    # -- the fast path -------------------------------------------------------------------------------------
    async def deliver_chat(self, channel: str, chat_id: str, *, limit: int = 50) -> int:
        """Send what is due for one chat right now, oldest first (a citizen's replies right after their turn
        commits). Stops at the first message that cannot go now; the worker retries it later."""
        sent = 0
        for _ in range(limit):
            claimed = await self._claim(channel=channel, chat_id=chat_id, limit=1)
            if not claimed:
                break
            result = await self._send(claimed[0])
            sent += 1
            if result.outcome is not Outcome.SENT:
                break
        return sent

    # -- the worker ----------------------------------------------------------------------------------------
    async def drain_once(self) -> int:
        """Claim a batch of due messages (the head of each chat) and send them, concurrently across chats."""
        claimed = await self._claim(limit=self.config.batch)
        if not claimed:
            return 0
        gate = asyncio.Semaphore(self.config.concurrency)

        async def one(message: Outgoing) -> None:
            async with gate:
                await self._send(message)

        await asyncio.gather(*(one(message) for message in claimed))
        return len(claimed)

    async def run(self, stop: asyncio.Event, *, is_leader: Callable[[], bool] = lambda: True) -> None:
        """Deliver until ``stop`` is set. Only the leader sends queued traffic; every process keeps its fast
        path. On stop, messages already on the wire finish and are recorded before returning."""
        while not stop.is_set():
            self._wake.clear()
            sent = 0
            if is_leader():
                try:
                    sent = await self.drain_once()
                except Exception:
                    log.exception("outbox delivery pass failed; retrying")
            if sent:
                continue
            await nap(self._wake, stop, self.config.poll_interval)
        await self._idle.wait()
        await self._marks.settled()

    # -- internals -----------------------------------------------------------------------------------------
    async def _claim(
        self, *, limit: int, channel: str | None = None, chat_id: str | None = None
    ) -> list[Outgoing]:
        now = self._clock.now()
        async with self._uow_factory() as uow:
            rows = await uow.outbox.claim_due(
                now=now, lease_until=now + self.config.lease, limit=limit, channel=channel, chat_id=chat_id
            )
            replies = [Reply.from_payload(row.payload) for row in rows]
            targets = await self._edit_targets(uow, [reply.edit_of for reply in replies if reply.edit_of])
            claimed = [
                Outgoing(
                    id=row.id,
                    channel=row.channel,
                    chat_id=row.chat_id,
                    reply=reply,
                    attempts=row.attempts,
                    priority=row.priority,
                    edit_target=targets.get(reply.edit_of) if reply.edit_of else None,
                )
                for row, reply in zip(rows, replies, strict=True)
            ]
            await uow.commit()
        return claimed

    @staticmethod
    async def _edit_targets(uow: UnitOfWork, ids: Sequence[int]) -> dict[int, str]:
        """The channel's ids of the messages to edit. The original is older in the same chat, so it was
        sent (or given up) before its edit can be claimed."""
        if not ids:
            return {}
        return {
            row.id: row.external_id
            for row in await uow.outbox.get_many(list(dict.fromkeys(ids)))
            if row.status is OutboxStatus.SENT and row.external_id
        }

    async def _send(self, message: Outgoing) -> SendResult:
        result = await self._transmit(message)
        await self.record_many([(message, result)])
        return result

    async def _transmit(self, message: Outgoing) -> SendResult:
        """Wait for the rate limits, then hand the message to its channel."""
        sender = self._senders.get(message.channel)
        if sender is None:
            return SendResult(Outcome.RETRY, error=f"no sender for channel {message.channel}")
        limiter = self._limiters.get(message.channel)
        if limiter is not None:
            group = sender.is_group(message.chat_id)
            bulk = message.priority >= OutboxPriority.BULK
            await limiter.acquire(message.chat_id, group=group, bulk=bulk)
        self._in_flight += 1
        self._idle.clear()
        try:
            return await sender.send(message)
        except Exception as exc:  # a sender must not raise; if it does, treat it as temporary
            log.exception("sender for %s raised on outbox %d", message.channel, message.id)
            return SendResult(Outcome.RETRY, error=type(exc).__name__)
        finally:
            self._in_flight -= 1
            if self._in_flight == 0:
                self._idle.set()

    async def record(self, message: Outgoing, result: SendResult) -> None:
        """Write the outcome of one attempt on the outbox row (and on the citizen, if they blocked us)."""
        await self.record_many([(message, result)])

    async def record_many(self, outcomes: Sequence[tuple[Outgoing, SendResult | None]]) -> None:
        """Record outcomes in one transaction; ``None`` puts a message back in the queue untried."""
        now = self._clock.now()
        if all(result is not None and result.outcome is Outcome.SENT for _, result in outcomes):
            # The usual case: committed together with the other deliveries recorded meanwhile.
            await self._marks.mark([(m.id, r.external_id if r else None, now) for m, r in outcomes])
            return
        async with self._uow_factory() as uow:
            rows = {row.id: row for row in await uow.outbox.get_many([message.id for message, _ in outcomes])}
            blocked: set[tuple[str, str]] = set()
            told = 0
            for message, result in outcomes:
                row = rows.get(message.id)
                if row is None:
                    continue
                row.lease_until = None
                if result is None:
                    row.status = OutboxStatus.PENDING
                    continue
                if result.outcome is Outcome.WAITING and message.priority < OutboxPriority.BULK:
                    row.status = OutboxStatus.WAITING
                    row.last_error = f"waiting: {result.error}"[:500]
                    if self._on_waiting is not None:
                        told += await self._on_waiting(uow, row, now)
                    continue
                if result.outcome is Outcome.RETRY and result.channel_down:
                    row.status = OutboxStatus.PENDING
                    row.next_attempt_at = now + timedelta(seconds=result.retry_after or CHANNEL_DOWN_WAIT)
                    row.last_error = f"channel: {result.error}"[:500]
                    continue
                row.attempts += 1
                if result.outcome is Outcome.SENT:
                    row.status = OutboxStatus.SENT
                    row.sent_at = now
                    row.external_id = result.external_id
                    row.last_error = None
                elif result.outcome is Outcome.RETRY and row.attempts < self.config.max_attempts:
                    row.status = OutboxStatus.PENDING
                    if result.retry_after is not None:
                        delay = result.retry_after
                        self._hold(message, delay)
                    else:
                        delay = min(2.0**row.attempts, self.config.max_backoff.total_seconds())
                    row.next_attempt_at = now + timedelta(seconds=delay)
                    row.last_error = result.error[:500]
                else:
                    row.status = OutboxStatus.FAILED
                    row.last_error = f"{result.outcome.value}: {result.error}"[:500]
                    if result.outcome is Outcome.BLOCKED:
                        blocked.add((message.channel, message.chat_id))
            for channel, chat_id in blocked:  # last: it also drops what was just put back in the queue
                await chat_blocked(uow, channel, chat_id, now)
            await uow.commit()
        if told:
            self.notify()

    def _hold(self, message: Outgoing, seconds: float) -> None:
        limiter, sender = self._limiters.get(message.channel), self._senders.get(message.channel)
        if limiter is not None and sender is not None:
            limiter.hold_chat(message.chat_id, seconds, group=sender.is_group(message.chat_id))


Mark = tuple[int, str | None, datetime]  # outbox id, the channel's message id, when it was sent


class SentMarks:
    """Group commit of successful deliveries. A delivery's "sent" mark joins the transaction on its way if
    one is still gathering, else starts one; under load many deliveries (replies of concurrent turns, a
    broadcast's messages) share a commit instead of one each. Every caller still returns only once its own
    mark is committed, so the window in which a crash can repeat a message is not widened: it is still only
    the time between Telegram's answer and that commit."""

    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory
        self._waiting: list[tuple[Sequence[Mark], asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def mark(self, sent: Sequence[Mark]) -> None:
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((sent, done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.ensure_future(self._write())
        await asyncio.shield(done)  # a cancelled caller does not cancel the others' commit

    async def settled(self) -> None:
        """Wait until every mark handed in so far is committed (or failed)."""
        while self._writer is not None and not self._writer.done():
            await asyncio.shield(self._writer)

    async def _write(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, []
            try:
                async with self._uow_factory() as uow:
                    await uow.outbox.mark_sent([mark for sent, _ in batch for mark in sent])
                    await uow.commit()
            except Exception as error:
                for _, done in batch:
                    if not done.done():
                        done.set_exception(error)
                        done.exception()  # retrieved here too: a caller that went away logs nothing
            else:
                for _, done in batch:
                    if not done.done():
                        done.set_result(None)
