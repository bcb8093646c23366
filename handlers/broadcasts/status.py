"""The status message a clerk watches while a broadcast goes out (sent, failed, remaining), kept up to date
by the broadcast engine."""

from __future__ import annotations

from handlers.cases.staff_turn import StaffTurn
from handlers.kernel.catalogue.keys import Msg
from handlers.kernel.replies import Reply
from models.broadcast import Broadcast
from models.enums import OutboxPriority


async def watch(turn: StaffTurn, broadcast: Broadcast | None, key: Msg, **params: object) -> None:
    """Tell the clerk what was done, in the status message the broadcast will keep up to date."""
    text = turn.t(key, count=broadcast.estimate if broadcast else 0, **params)
    if broadcast is None:
        turn.say_text(text)
        return
    status = await turn.mail.send(
        turn.event.channel,
        turn.event.chat_id,
        Reply(text),
        key=f"broadcast:{broadcast.id}:status",
        commune_id=turn.desk.commune.id,
        priority=OutboxPriority.REPLY,
    )
    broadcast.status_channel, broadcast.status_chat_id = turn.event.channel, turn.event.chat_id
    broadcast.status_outbox_id = status.id
