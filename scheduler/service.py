"""The reminder sweep on an APScheduler ``AsyncIOScheduler``: one interval job, leader only."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from handlers.cases.sweep import SweepReport
from handlers.kernel.ports import Clock
from models.base import LOCAL_TZ
from scheduler.sweep import ReminderSweep

log = logging.getLogger(__name__)
JOB_ID = "reminder-sweep"


class ReminderScheduler:
    def __init__(
        self,
        sweep: ReminderSweep,
        *,
        clock: Clock,
        every: timedelta = timedelta(minutes=5),
        is_leader: Callable[[], bool] = lambda: True,
        on_mail: Callable[[], None] = lambda: None,
    ) -> None:
        self.sweep = sweep
        self._clock = clock
        self._every = every
        self._is_leader = is_leader
        self._on_mail = on_mail
        self._scheduler: AsyncIOScheduler | None = None

    async def tick(self) -> SweepReport | None:
        """One sweep, if this process leads; wakes delivery when it queued anything."""
        if not self._is_leader():
            return None
        try:
            report = await self.sweep.run(self._clock.now())
        except Exception:
            log.exception("reminder sweep failed; trying again at the next tick")
            return None
        if report.messages:
            self._on_mail()
        return report

    def start(self) -> AsyncIOScheduler:
        """Start ticking on the running event loop: at once, then every ``every``."""
        scheduler = AsyncIOScheduler(timezone=LOCAL_TZ)
        scheduler.add_job(
            self.tick,
            IntervalTrigger(seconds=self._every.total_seconds(), timezone=LOCAL_TZ),
            id=JOB_ID,
            max_instances=1,  # a slow sweep is never overlapped by the next
            coalesce=True,  # ticks missed while the machine slept run once
            next_run_time=self._clock.now(),
        )
        scheduler.start()
        self._scheduler = scheduler
        return scheduler

    def shutdown(self) -> None:
        if self._scheduler is not None and self._scheduler.running:
            self._scheduler.shutdown(wait=False)
        self._scheduler = None
