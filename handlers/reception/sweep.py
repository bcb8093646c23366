"""The reception sweep: a session on a day off flagged to the office; subscribers reminded the day before."""

from __future__ import annotations

from datetime import timedelta

from handlers.broadcasts.engine import Audience
from handlers.broadcasts.engine import create as create_broadcast
from handlers.cases.desk import STAFF_LANGUAGE, Desk
from handlers.cases.reception_sessions import ReceptionSession, sessions
from handlers.cases.sweep import SweepContext
from handlers.kernel.catalogue.keys import Msg
from handlers.kernel.weekdays import WEEKDAYS
from models.broadcast import BroadcastKind
from models.deadlines.duties import due_before
from models.subscription import Topic


async def reception_sweep(sweep: SweepContext) -> None:
    """A session on a day off is flagged to the office a week ahead (to move it); subscribers to reception
    days are reminded on the last working day before each session, in their own language, by a broadcast
    (rate-limited and resumable like every bulk message). In working hours."""
    if not sweep.working:
        return
    desk, calendar, today = sweep.desk, sweep.calendar, sweep.today
    coming = await sessions(desk.uow, desk.commune, today + timedelta(days=1), today + timedelta(days=7))
    for session in coming:
        base = f"reception:{desk.commune.id}:{session.key}"
        reason = calendar.reason_off(session.day)
        if reason is not None:
            text = desk.t(
                Msg.RECEPTION_FLAG,
                weekday=desk.t(WEEKDAYS[session.day.weekday()]),
                reason=reason,
                **_about(desk, session, STAFF_LANGUAGE),
            )
            sweep.report.reception += await sweep.send(
                None, f"{base}:day-off", await sweep.chats.office(), text
            )
            continue  # nobody is reminded of a session that is to be moved
        if due_before(session.day, calendar) != today:
            continue
        texts = {
            language: desk.t_in(
                language,
                Msg.RECEPTION_REMIND,
                weekday=desk.t_in(language, WEEKDAYS[session.day.weekday()]),
                **_about(desk, session, language),
            )
            for language in desk.catalogue.languages
        }
        reminder = await create_broadcast(
            desk.uow,
            commune_id=desk.commune.id,
            key=f"{base}:remind",
            kind=BroadcastKind.RECEPTION_REMINDER,
            audience=Audience(Topic.RECEPTION, None),
            texts=texts,
            now=desk.now,
        )
        sweep.report.reception += reminder is not None


def _about(desk: Desk, session: ReceptionSession, language: str) -> dict[str, str]:
    return {
        "date": desk.day(session.day, language),
        "start": session.start,
        "end": session.end,
        "place": session.place,
        "host": session.host,
    }
