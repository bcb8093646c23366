"""The reminder sweep: every commune in its own transaction, each feature's sweep run in turn on it.

Which sweeps run, in this order, is ``SWEEPS``: a feature with something to remind people of adds its own
there (each lives in its feature's folder, ``handlers/<feature>/sweep.py``, and counts in ``SweepReport``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from handlers.cases.desk import Desk
from handlers.cases.services import Office
from handlers.cases.sweep import Recipients, ReminderConfig, Sweep, SweepContext, SweepReport, case_sweep
from handlers.conferences.sweep import conference_sweep
from handlers.delivery.windows import window_sweep
from handlers.kernel.catalogue import Catalogue
from handlers.kernel.formatting import local
from handlers.kernel.mail import Mailbox
from handlers.kernel.ports import UnitOfWork, UnitOfWorkFactory
from handlers.plan.sweep import plan_sweep
from handlers.reception.sweep import reception_sweep
from models.commune import Commune

log = logging.getLogger(__name__)
# Citizens are reminded of a conference at its time, whatever the day; staff only at work (each sweep checks).
SWEEPS: tuple[Sweep, ...] = (conference_sweep, window_sweep, case_sweep, plan_sweep, reception_sweep)


class ReminderSweep:
    def __init__(
        self,
        *,
        uow_factory: UnitOfWorkFactory,
        catalogue: Catalogue,
        office: Office,
        config: ReminderConfig | None = None,
        sweeps: Sequence[Sweep] = SWEEPS,
    ) -> None:
        self._uow_factory = uow_factory
        self._catalogue = catalogue
        self._office = office
        self.config = config or ReminderConfig()
        self._sweeps = tuple(sweeps)

    async def run(self, now: datetime) -> SweepReport:
        """One sweep at ``now``: every commune in its own transaction; a failing commune does not stop the
        others (it is swept again next time; nothing it claimed was committed)."""
        report = SweepReport()
        async with self._uow_factory() as uow:
            communes = [commune.id for commune in await uow.communes.list_all()]
        for commune_id in communes:
            try:
                async with self._uow_factory() as uow:
                    commune = await uow.communes.get(commune_id)
                    if commune is not None:
                        await self._sweep_commune(uow, commune, now, report)
                    await uow.commit()
            except Exception:
                log.exception("reminder sweep of commune %d failed; retrying next sweep", commune_id)
        return report

    async def _sweep_commune(
        self, uow: UnitOfWork, commune: Commune, now: datetime, report: SweepReport
    ) -> None:
        desk = Desk(
            uow=uow,
            catalogue=self._catalogue,
            office=self._office,
            mail=Mailbox(uow, event_key="reminder", now=now),
            now=now,
            commune=commune,
        )
        calendar = await desk.calendar()
        at = local(now)
        today = at.date()
        working = (
            calendar.is_working_day(today) and self.config.work_start <= at.time() < self.config.work_end
        )
        sweep = SweepContext(desk, self.config, calendar, now, today, working, Recipients(desk), report)
        for feature_sweep in self._sweeps:
            await feature_sweep(sweep)
