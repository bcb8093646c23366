"""Taking new cases into the office, right after the citizen's receipt and in their own transaction.

Filing a petition marks the case ``office_pending`` in the citizen's turn; this worker then does the office's
part (``intake.case_received``: suggestions, duplicates, hot spot, the card) a moment later. The citizen's
receipt never waits for it, and since the mark is in the database, a restart or a crash in between loses
nothing: the next pass picks the case up. With several workers only the leader runs it, like the delivery
of queued messages.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from handlers.cases.desk import Desk
from handlers.cases.intake import case_received
from handlers.cases.services import Office
from handlers.kernel.catalogue import Catalogue
from handlers.kernel.mail import Mailbox
from handlers.kernel.ports import Clock, ConcurrentUpdate, UnitOfWorkFactory
from handlers.kernel.waiting import nap

log = logging.getLogger(__name__)
RETRY_AFTER = timedelta(minutes=1)


class OfficeArrivals:
    def __init__(
        self,
        *,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        catalogue: Catalogue,
        office: Office,
        batch: int = 20,
        poll_interval: float = 1.0,
        settle_delay: float = 0.2,
        on_mail: Callable[[], None] = lambda: None,
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._catalogue = catalogue
        self._office = office
        self._batch = batch
        self._poll_interval = poll_interval
        self._settle_delay = settle_delay
        self._on_mail = on_mail
        self._wake = asyncio.Event()
        self._failed: dict[int, datetime] = {}  # case id → when to try again

    def notify(self) -> None:
        """A case was just filed: take it in now rather than at the next poll."""
        self._wake.set()

    async def drain_once(self) -> int:
        """Take in the waiting cases, each in its own transaction; returns how many were taken in. A case
        that fails is logged and tried again a minute later, without holding up the others."""
        taken = mailed = 0
        while True:
            async with self._uow_factory() as uow:
                waiting = await uow.cases.office_pending_ids(limit=self._batch + len(self._failed))
            now = self._clock.now()
            due = [case_id for case_id in waiting if self._failed.get(case_id, now) <= now][: self._batch]
            for case_id in due:
                try:
                    took, sent = await self._take(case_id)
                    taken, mailed = taken + took, mailed + sent
                    self._failed.pop(case_id, None)
                except ConcurrentUpdate:
                    continue  # another worker changed it first: next pass
                except Exception:
                    log.exception("taking case %d into the office failed; trying again later", case_id)
                    self._failed[case_id] = now + RETRY_AFTER
                await asyncio.sleep(0)  # citizens' turns come first: let them in between two cases
            if mailed:
                self._on_mail()
                mailed = 0
            if len(due) < self._batch:
                return taken

    async def _take(self, case_id: int) -> tuple[int, int]:
        """Take one case in; returns (1 if taken else 0, messages queued)."""
        now = self._clock.now()
        async with self._uow_factory() as uow:
            case = next(iter(await uow.cases.office_pending(limit=1, case_id=case_id)), None)
            if case is None:
                return 0, 0  # taken in meanwhile
            mail = Mailbox(uow, event_key=f"arrival:{case.id}", now=now)
            commune = await uow.communes.get(case.commune_id)
            if commune is None:
                case.office_pending = False  # no office to take it in
            else:
                files = await uow.cases.attachments(case.commune_id, case.id)
                desk = Desk(
                    uow=uow,
                    catalogue=self._catalogue,
                    office=self._office,
                    mail=mail,
                    now=now,
                    commune=commune,
                )
                await case_received(desk, case, attachments=len(files))
            await uow.commit()
        return 1, mail.count

    async def run(self, stop: asyncio.Event, *, is_leader: Callable[[], bool] = lambda: True) -> None:
        """Take cases in until ``stop`` is set. A notice of a new case is acted on ``settle_delay`` seconds
        later: the citizen's receipt, already on its way, goes out first, and the cases filed meanwhile are
        taken in one pass. (Taken in at once, the office's work landed on the receipt's way out and doubled
        its latency under load — measured with bench/intake.py.)"""
        while not stop.is_set():
            if self._wake.is_set() and self._settle_delay > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=self._settle_delay)
            self._wake.clear()
            if is_leader():
                try:
                    await self.drain_once()
                except Exception:  # never let one bad case stop the office; it is retried next pass
                    log.exception("taking new cases into the office failed; retrying")
            await nap(self._wake, stop, self._poll_interval)
