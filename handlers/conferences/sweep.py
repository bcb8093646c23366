"""The conferences' sweep: citizens reminded of a session before it (whatever the day), the office and the
leaders of results not yet published (in working hours)."""

from __future__ import annotations

from handlers.cases.sweep import SweepContext
from handlers.conferences.schedule import remind


async def conference_sweep(sweep: SweepContext) -> None:
    sweep.report.conferences += await remind(
        sweep.desk, sweep.chats.office, sweep.chats.leaders, office_hours=sweep.working
    )
