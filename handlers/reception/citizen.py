"""``/lichtiepdan`` for citizens: the citizen-reception sessions of the coming weeks, where and by whom."""

from __future__ import annotations

from datetime import timedelta

from handlers.cases.citizen_turn import Turn
from handlers.cases.reception_sessions import LOOK_AHEAD_DAYS, describe, sessions
from handlers.kernel.catalogue.keys import Msg
from models.base import LOCAL_TZ


async def reception_text(turn: Turn) -> str:
    """The citizen-reception sessions of the coming weeks, where and by whom."""
    if turn.commune is None:
        return turn.t(Msg.RECEPTION_NONE, days=LOOK_AHEAD_DAYS)
    today = turn.now.astimezone(LOCAL_TZ).date()
    found = await sessions(turn.uow, turn.commune, today, today + timedelta(days=LOOK_AHEAD_DAYS))
    if not found:
        return turn.t(Msg.RECEPTION_NONE, days=LOOK_AHEAD_DAYS)
    lines = [turn.t(Msg.RECEPTION_HEADER, days=LOOK_AHEAD_DAYS), *describe(turn.t, found)]
    return "\n".join([*lines, turn.t(Msg.RECEPTION_FOOTER)])
