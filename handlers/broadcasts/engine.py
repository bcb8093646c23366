"""The broadcast engine: one message to many citizens, through the outbox, resumable and rate-limited.

A broadcast (``models.broadcast``) is expanded into outbox rows a chunk at a time, each chunk in one
transaction with the cursor that records how far it got, under the delivery key ``bc:<id>:<citizen>``: a
crash between chunks resumes at the cursor, and a chunk is never queued twice. The rows are bulk priority, so
the delivery worker sends them under the bulk cap (``RateLimits.bulk_per_second``, 25/s by default) while
replies to citizens' own messages take the free slots of the global cap and go first. Only so many rows are
queued ahead of the sender (``BroadcastConfig.ahead``): a broadcast to 100,000 people does not fill the queue.

A conference's notices carry the session's version: when the session moves, what is still queued for the old
version is given up (``supersede``) and nothing more is expanded for it.

The clerk who sent it watches one status message, edited as it goes (sent, failed, remaining, ETA), and gets
a final delivery report.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from handlers.kernel.catalogue import Catalogue
from handlers.kernel.catalogue.keys import Msg
from handlers.kernel.formatting import local
from handlers.kernel.mail import Mailbox
from handlers.kernel.ports import Clock, UnitOfWork, UnitOfWorkFactory
from handlers.kernel.replies import Reply
from handlers.kernel.waiting import nap
from models.broadcast import Broadcast, BroadcastKind, BroadcastStatus
from models.citizen import Citizen
from models.enums import OutboxPriority, OutboxStatus
from models.outbox import OutboxMessage
from models.subscription import Subscription, Topic

log = logging.getLogger(__name__)

SUPERSEDED = "superseded: the session changed before this notice went out"


@dataclass(frozen=True)
class BroadcastConfig:
    chunk: int = 500  # recipients queued per transaction
    ahead: int = 2000  # at most this many of a broadcast's messages waiting to be sent
    progress_every: timedelta = timedelta(seconds=5)
    poll_interval: float = 1.0
    rate: float = 25.0  # the bulk cap, for the first ETA before a rate is measured


@dataclass(frozen=True)
class Audience:
    topic: Topic
    village_ids: frozenset[int] | None  # None: the whole commune
    citizen_ids: tuple[int, ...] = ()  # named outright, besides the subscribers


@dataclass(frozen=True)
class Progress:
    sent: int
    failed: int
    remaining: int
    eta_seconds: int | None

    @classmethod
    def of(
        cls, broadcast: Broadcast, counts: dict[OutboxStatus, int], now: datetime, rate: float
    ) -> Progress:
        sent, failed = counts.get(OutboxStatus.SENT, 0), counts.get(OutboxStatus.FAILED, 0)
        unsent = counts.get(OutboxStatus.PENDING, 0) + counts.get(OutboxStatus.SENDING, 0)
        remaining = unsent if broadcast.expanded else max(unsent, broadcast.estimate - sent - failed)
        if broadcast.started_at is not None and sent + failed:
            elapsed = (now - broadcast.started_at).total_seconds()
            rate = (sent + failed) / elapsed if elapsed > 0 else rate
        eta = round(remaining / rate) if remaining and rate > 0 else None
        return cls(sent, failed, remaining, eta)


async def count_audience(uow: UnitOfWork, commune_id: int, audience: Audience) -> int:
    """How many reachable citizens a broadcast to ``audience`` would reach now (for the preview)."""
    reached: set[int] = set(audience.citizen_ids)
    after = 0
    while True:
        page = await uow.subscriptions.recipients(commune_id, after=after, limit=5000)
        reached |= {s.citizen_id for s, _ in page if s.covers(audience.topic, audience.village_ids)}
        if len(page) < 5000:
            return len(reached)
        after = page[-1][0].id


async def create(
    uow: UnitOfWork,
    *,
    commune_id: int,
    key: str,
    kind: BroadcastKind,
    audience: Audience,
    texts: dict[str, str],
    now: datetime,
    attachments: Sequence[dict[str, Any]] = (),
    created_by: int | None = None,
    conference: tuple[int, int] | None = None,  # (session id, version)
    draft: bool = False,
) -> Broadcast | None:
    """A broadcast about ``key``; None if one about it exists already (two sweepers, a replayed turn)."""
    if await uow.broadcasts.by_key(key) is not None:
        return None
    broadcast = Broadcast(
        commune_id=commune_id,
        key=key,
        kind=kind,
        topic=audience.topic.value,
        village_ids=sorted(audience.village_ids or ()),
        citizen_ids=list(dict.fromkeys(audience.citizen_ids)),
        texts=texts,
        attachments=list(attachments),
        created_at=now,
        status=BroadcastStatus.DRAFT if draft else BroadcastStatus.SENDING,
        created_by=created_by,
        conference_id=conference[0] if conference else None,
        conference_version=conference[1] if conference else None,
        estimate=await count_audience(uow, commune_id, audience),
        started_at=None if draft else now,
    )
    await uow.broadcasts.add(broadcast)
    return broadcast


async def supersede(uow: UnitOfWork, conference_id: int, version: int) -> int:
    """Give up what is still queued of a conference's notices written for another version; how many."""
    given_up = 0
    for broadcast in await uow.broadcasts.of_conference(conference_id):
        if broadcast.status is BroadcastStatus.SENDING and broadcast.conference_version != version:
            broadcast.status = BroadcastStatus.CANCELLED
            given_up += await uow.outbox.cancel_broadcast(broadcast.id, reason=SUPERSEDED)
    return given_up


def audience_of(broadcast: Broadcast) -> Audience:
    villages = frozenset(broadcast.village_ids) if broadcast.village_ids else None
    return Audience(Topic(broadcast.topic), villages, tuple(broadcast.citizen_ids))


class BroadcastRunner:
    """Expands sending broadcasts into the outbox and keeps their clerks informed. Leader only."""

    def __init__(
        self,
        *,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        catalogue: Catalogue,
        config: BroadcastConfig | None = None,
        on_mail: Callable[[], None] = lambda: None,
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._catalogue = catalogue
        self.config = config or BroadcastConfig()
        self._on_mail = on_mail
        self._wake = asyncio.Event()

    def notify(self) -> None:
        self._wake.set()

    async def drain_once(self) -> int:
        """One step of every broadcast being sent; how many outbox rows were written."""
        async with self._uow_factory() as uow:
            ids = [broadcast.id for broadcast in await uow.broadcasts.sending()]
        written = 0
        for broadcast_id in ids:
            try:
                written += await self._step(broadcast_id)
            except Exception:
                log.exception("broadcast %d step failed; retrying", broadcast_id)
        if written:
            self._on_mail()
        return written

    async def run(self, stop: asyncio.Event, *, is_leader: Callable[[], bool] = lambda: True) -> None:
        while not stop.is_set():
            self._wake.clear()
            if is_leader():
                await self.drain_once()
            await nap(self._wake, stop, self.config.poll_interval)

    async def _step(self, broadcast_id: int) -> int:
        now = self._clock.now()
        async with self._uow_factory() as uow:
            broadcast = await uow.broadcasts.get(broadcast_id)
            if broadcast is None or broadcast.status is not BroadcastStatus.SENDING:
                return 0
            mail = Mailbox(uow, event_key=f"bc:{broadcast.id}", now=now)
            if await self._stale(uow, broadcast):
                broadcast.status = BroadcastStatus.CANCELLED
                await uow.outbox.cancel_broadcast(broadcast.id, reason=SUPERSEDED)
                await uow.commit()
                return 0
            counts = await uow.outbox.broadcast_counts(broadcast.id)
            waiting = counts.get(OutboxStatus.PENDING, 0) + counts.get(OutboxStatus.SENDING, 0)
            written = 0
            while not broadcast.expanded and waiting + written < self.config.ahead:
                written += await self._expand(uow, broadcast, now)
            if written:
                await uow.commit()
                return written
            progress = Progress.of(broadcast, counts, now, self.config.rate)
            if broadcast.expanded and progress.remaining == 0:
                broadcast.status, broadcast.finished_at = BroadcastStatus.DONE, now
                await self._report(mail, broadcast, progress, now, final=True)
            elif broadcast.progress_at is None or now - broadcast.progress_at >= self.config.progress_every:
                await self._report(mail, broadcast, progress, now, final=False)
            await uow.commit()
            return mail.count

    async def _stale(self, uow: UnitOfWork, broadcast: Broadcast) -> bool:
        if broadcast.conference_id is None:
            return False
        session = await uow.conferences.by_id(broadcast.conference_id)
        if session is None or session.version != broadcast.conference_version:
            return True
        return not session.active and broadcast.kind is not BroadcastKind.CONFERENCE_CANCELLED

    async def _expand(self, uow: UnitOfWork, broadcast: Broadcast, now: datetime) -> int:
        """Queue the next chunk of recipients (the named citizens first); mark it expanded at the end."""
        audience = audience_of(broadcast)
        named = set(broadcast.citizen_ids)
        recipients: list[Citizen] = []
        if broadcast.cursor == 0 and named:
            for citizen_id in broadcast.citizen_ids:
                citizen = await uow.citizens.get(broadcast.commune_id, citizen_id)
                if citizen is not None and citizen.unreachable_at is None:
                    recipients.append(citizen)
            broadcast.cursor = -1  # the named ones are queued; subscribers follow
        else:
            page = await uow.subscriptions.recipients(
                broadcast.commune_id, after=max(broadcast.cursor, 0), limit=self.config.chunk
            )
            recipients = [
                citizen
                for subscription, citizen in page
                if subscription.citizen_id not in named and _covers(subscription, audience)
            ]
            if page:
                broadcast.cursor = page[-1][0].id
            if len(page) < self.config.chunk:
                broadcast.expanded = True
        rows = [self._row(broadcast, citizen, now) for citizen in recipients]
        await uow.outbox.add_many(rows)
        broadcast.queued += len(rows)
        return max(len(rows), 1)  # an empty chunk still moved the cursor: count it as progress

    def _row(self, broadcast: Broadcast, citizen: Citizen, now: datetime) -> OutboxMessage:
        language = citizen.language if citizen.language in broadcast.texts else "vi"
        reply = Reply(broadcast.texts[language], attachments=tuple(broadcast.attachments), language=language)
        return OutboxMessage(
            channel=citizen.channel,
            chat_id=citizen.chat_id,
            delivery_key=f"bc:{broadcast.id}:{citizen.id}",
            payload=reply.to_payload(),
            created_at=now,
            next_attempt_at=now,
            commune_id=broadcast.commune_id,
            citizen_id=citizen.id,
            priority=OutboxPriority.BULK,
            broadcast_id=broadcast.id,
        )

    async def _report(
        self, mail: Mailbox, broadcast: Broadcast, progress: Progress, now: datetime, *, final: bool
    ) -> None:
        """Edit the clerk's status message; at the end, also send the delivery report as a new message."""
        broadcast.progress_at = now
        if broadcast.status_chat_id is None or broadcast.status_channel is None:
            return
        broadcast.progress_seq += 1
        text = status_text(self._catalogue, broadcast, progress, final=final)
        await mail.send(
            broadcast.status_channel,
            broadcast.status_chat_id,
            Reply(text, edit_of=broadcast.status_outbox_id),
            key=f"progress:{broadcast.progress_seq}",
            commune_id=broadcast.commune_id,
        )
        if final:
            report = self._catalogue.text(
                "vi",
                Msg.BROADCAST_REPORT,
                title=title_of(self._catalogue, broadcast),
                sent=progress.sent,
                failed=progress.failed,
                started=local(broadcast.started_at or now).strftime("%H:%M %d/%m/%Y"),
                finished=local(now).strftime("%H:%M %d/%m/%Y"),
            )
            await mail.send(
                broadcast.status_channel,
                broadcast.status_chat_id,
                Reply(report),
                key="report",
                commune_id=broadcast.commune_id,
            )


def _covers(subscription: Subscription, audience: Audience) -> bool:
    return subscription.covers(audience.topic, audience.village_ids)


TITLES = {
    BroadcastKind.ANNOUNCEMENT: Msg.BROADCAST_KIND_ANNOUNCEMENT,
    BroadcastKind.CONFERENCE_NOTICE: Msg.BROADCAST_KIND_CONFERENCE_NOTICE,
    BroadcastKind.CONFERENCE_REMINDER: Msg.BROADCAST_KIND_CONFERENCE_REMINDER,
    BroadcastKind.CONFERENCE_CORRECTION: Msg.BROADCAST_KIND_CONFERENCE_CORRECTION,
    BroadcastKind.CONFERENCE_CANCELLED: Msg.BROADCAST_KIND_CONFERENCE_CANCELLED,
    BroadcastKind.CONFERENCE_RESULTS: Msg.BROADCAST_KIND_CONFERENCE_RESULTS,
    BroadcastKind.RECEPTION_REMINDER: Msg.BROADCAST_KIND_RECEPTION_REMINDER,
}


def title_of(catalogue: Catalogue, broadcast: Broadcast) -> str:
    return catalogue.text("vi", TITLES[broadcast.kind])


def status_text(catalogue: Catalogue, broadcast: Broadcast, progress: Progress, *, final: bool) -> str:
    """The clerk's status message: what is being sent, how far it got, and when it should end."""
    if final:
        return catalogue.text(
            "vi",
            Msg.BROADCAST_STATUS_DONE,
            title=title_of(catalogue, broadcast),
            sent=progress.sent,
            failed=progress.failed,
        )
    eta = progress.eta_seconds
    return catalogue.text(
        "vi",
        Msg.BROADCAST_STATUS,
        title=title_of(catalogue, broadcast),
        sent=progress.sent,
        failed=progress.failed,
        remaining=progress.remaining,
        eta=catalogue.text("vi", Msg.BROADCAST_ETA_UNKNOWN)
        if eta is None
        else catalogue.text("vi", Msg.BROADCAST_ETA, minutes=eta // 60, seconds=eta % 60),
    )
