"""The citizen-reception sessions (buổi tiếp công dân) on given days: the regular sessions of the commune
file, less the days the office cancelled, plus the extra sessions it added.

The cases core reads them (a petition a clerk enters may have been raised at a session); the reception
feature (``handlers.reception``) shows them to citizens and staff, changes them and reminds people of them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from handlers.kernel.catalogue.keys import Msg
from handlers.kernel.formatting import date_words
from handlers.kernel.ports import UnitOfWork
from handlers.kernel.weekdays import WEEKDAYS
from models.commune import Commune
from models.reception import ReceptionChangeKind

LOOK_AHEAD_DAYS = 28  # /lichtiepdan shows four weeks
NEXT_SESSIONS = 4

Words = Callable[..., str]


@dataclass(frozen=True)
class ReceptionSession:
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


async def sessions(uow: UnitOfWork, commune: Commune, first: date, last: date) -> list[ReceptionSession]:
    """The sessions on days in [first, last], in order."""
    changes = await uow.reception.changes(commune.id, first, last)
    cancelled = {change.day for change in changes if change.kind is ReceptionChangeKind.CANCELLED}
    found: list[ReceptionSession] = []
    day = first
    while day <= last:
        if day not in cancelled:
            found += [
                ReceptionSession(
                    day, str(rule["start"]), str(rule["end"]), str(rule["place"]), str(rule["host"])
                )
                for rule in regular(commune)
                if rule["weekday"] == day.weekday()
            ]
        day += timedelta(days=1)
    host = next((str(rule["host"]) for rule in regular(commune)), "")
    place = next((str(rule["place"]) for rule in regular(commune)), "")
    found += [
        ReceptionSession(c.day, c.start, c.end, c.place or place, host, extra=True, note=c.note)
        for c in changes
        if c.kind is ReceptionChangeKind.EXTRA
    ]
    return sorted(found, key=lambda session: (session.day, session.start))


def describe(
    t: Words, found: Sequence[ReceptionSession], *, off: Callable[[date], str | None] | None = None
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
