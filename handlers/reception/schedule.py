"""Changing the citizen-reception schedule (lịch tiếp công dân): a regular session cancelled, an extra one
added, a day back to the regular schedule. Reading it is ``handlers.cases.reception_sessions``.
"""

from __future__ import annotations

from datetime import date, datetime

from handlers.kernel.ports import UnitOfWork
from models.commune import Commune
from models.reception import ReceptionChange, ReceptionChangeKind


async def cancel(
    uow: UnitOfWork, commune: Commune, day: date, note: str, *, by: int | None, now: datetime
) -> bool:
    """No regular session that day; False if it was already cancelled."""
    existing = await uow.reception.changes(commune.id, day, day)
    if any(change.kind is ReceptionChangeKind.CANCELLED for change in existing):
        return False
    await uow.reception.add(
        ReceptionChange(
            commune_id=commune.id,
            day=day,
            kind=ReceptionChangeKind.CANCELLED,
            note=note,
            set_by=by,
            set_at=now,
        )
    )
    return True


async def add_extra(
    uow: UnitOfWork,
    commune: Commune,
    day: date,
    start: str,
    end: str,
    place: str,
    *,
    by: int | None,
    now: datetime,
    note: str = "",
) -> None:
    """A session that day (replacing an extra one already set for it)."""
    for change in await uow.reception.changes(commune.id, day, day):
        if change.kind is ReceptionChangeKind.EXTRA:
            await uow.reception.remove(change)
    await uow.reception.add(
        ReceptionChange(
            commune_id=commune.id,
            day=day,
            kind=ReceptionChangeKind.EXTRA,
            note=note,
            set_by=by,
            set_at=now,
            start=start,
            end=end,
            place=place,
        )
    )


async def reset(uow: UnitOfWork, commune: Commune, day: date) -> int:
    """Back to the regular schedule that day; how many changes were removed."""
    changes = await uow.reception.changes(commune.id, day, day)
    for change in changes:
        await uow.reception.remove(change)
    return len(changes)
