"""The citizen-reception schedule (lịch tiếp công dân): the regular sessions of the commune file, less the
days the office cancelled, plus the extra sessions it added; and changing it.

Both citizens (``/lichtiepdan``) and staff read it; staff also see a session that falls on a day off, which
the sweep flags to the office a week ahead so it can be moved, and subscribers are reminded the working day
before each session.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from handlers.kernel.catalogue.keys import Msg
from handlers.kernel.formatting import date_words
from handlers.kernel.ports import UnitOfWork
from handlers.kernel.weekdays import WEEKDAYS
from models.commune import Commune
from models.reception import ReceptionChange, ReceptionChangeKind

LOOK_AHEAD_DAYS = 28  # /lichtiepdan shows four weeks
NEXT_SESSIONS = 4

Words = Callable[..., str]


@dataclass(frozen=True)
class Session:
    day: date
    start: str
    end: str
    place: str
    host: str
    extra: bool = False  # added by the office
    note: str = ""

    @property
    def key(self) -> str:
        return f"{self.day.isoformat()}:{self.start}"


def key_parts(key: str) -> tuple[date, str] | None:
    """The day and start of a session from its key (``2026-12-03:07:30``), or None if it is not one."""
    day, _, start = key.partition(":")
    try:
        return date.fromisoformat(day), start
    except ValueError:
        return None


def regular(commune: Commune) -> list[dict[str, object]]:
    return list(commune.settings.get("reception") or [])


async def sessions(uow: UnitOfWork, commune: Commune, first: date, last: date) -> list[Session]:
    """The sessions on days in [first, last], in order."""
    changes = await uow.reception.changes(commune.id, first, last)
    cancelled = {change.day for change in changes if change.kind is ReceptionChangeKind.CANCELLED}
    found: list[Session] = []
    day = first
    while day <= last:
        if day not in cancelled:
            found += [
                Session(day, str(rule["start"]), str(rule["end"]), str(rule["place"]), str(rule["host"]))
                for rule in regular(commune)
                if rule["weekday"] == day.weekday()
            ]
        day += timedelta(days=1)
    host = next((str(rule["host"]) for rule in regular(commune)), "")
    place = next((str(rule["place"]) for rule in regular(commune)), "")
    found += [
        Session(c.day, c.start, c.end, c.place or place, host, extra=True, note=c.note)
        for c in changes
        if c.kind is ReceptionChangeKind.EXTRA
    ]
    return sorted(found, key=lambda session: (session.day, session.start))


def describe(
    t: Words, found: Sequence[Session], *, off: Callable[[date], str | None] | None = None
) -> list[str]:
    """One line per session; with ``off`` (staff), a session on a day off says so."""

    lines = []
    for session in found:
        line = t(
            Msg.RECEPTION_LINE,
            weekday=t(WEEKDAYS[session.day.weekday()]),
            date=date_words(t, session.day),
            start=session.start,
            end=session.end,
            place=session.place,
            host=session.host,
        )
        if session.extra:
            line += t(Msg.RECEPTION_EXTRA, note=session.note) if session.note else ""
        reason = off(session.day) if off is not None else None
        if reason:
            line += t(Msg.RECEPTION_DAY_OFF, reason=reason)
        lines.append(line)
    return lines


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
