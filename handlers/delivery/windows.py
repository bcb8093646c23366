"""Messaging windows: staff on a channel that may message a person only for a while after they last wrote
(a Zalo Official Account) are asked, before it closes, to write once, or their cards and reminders would
wait."""

from __future__ import annotations

from datetime import time, timedelta

from handlers.cases.sweep import SweepContext
from handlers.kernel.catalogue.keys import Msg
from handlers.kernel.formatting import local

# When staff are asked to write to keep a messaging window open: between 20 and 1 hours before it closes,
# by day (07:00–21:00 local time) — nineteen hours always hold a daytime sweep.
WINDOW_ASK_FROM = timedelta(hours=20)
WINDOW_ASK_UNTIL = timedelta(hours=1)
WINDOW_DAYTIME = (time(7, 0), time(21, 0))


async def window_sweep(sweep: SweepContext) -> None:
    """Staff on a channel with a messaging window are asked, a few hours before it closes on them (by
    day, whatever the day: cards and reminders keep coming at weekends), to write once to keep it
    open. Once per time they last wrote."""
    desk, now = sweep.desk, sweep.now
    if not WINDOW_DAYTIME[0] <= local(now).time() < WINDOW_DAYTIME[1]:
        return
    if not sweep.config.reply_windows:
        return
    members = await desk.uow.staff.members(desk.commune.id)
    for channel, hours in sweep.config.reply_windows:
        for member in members:
            if member.channel != channel or not member.active:
                continue
            contact = await desk.uow.contacts.get(channel, member.chat_id)
            if contact is None:
                continue  # never wrote: nothing can reach them there until they do
            closes = contact.last_inbound_at + timedelta(hours=hours)
            if not closes - WINDOW_ASK_FROM <= now < closes - WINDOW_ASK_UNTIL:
                continue
            key = f"window:{channel}:{member.chat_id}:{contact.last_inbound_at.isoformat()}"
            text = desk.t(Msg.REMINDER_WINDOW, hours=hours, time=desk.when(closes))
            sweep.report.windows += await sweep.send(None, key, [(channel, member.chat_id)], text)
