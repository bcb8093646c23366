"""``/thongbao``: a commune announcement to the citizens who subscribed to announcements, for the whole
commune or some villages — written, previewed exactly as citizens will read it with the number of people it
will reach, and sent only when the clerk confirms. Sending is the broadcast engine's job."""

from __future__ import annotations

from handlers.broadcasts.engine import Audience, count_audience, create
from handlers.broadcasts.status import watch
from handlers.cases.commands import StaffCommand
from handlers.cases.staff_turn import StaffTurn
from handlers.kernel.catalogue.keys import Msg
from handlers.kernel.commands import TRIAGE
from handlers.kernel.events import Payload, Pick, Text
from handlers.kernel.replies import Choice
from models.broadcast import BroadcastKind
from models.subscription import Topic

ACTION = "announce"
TEXT_MIN, TEXT_MAX = 20, 3500


def _token(value: str) -> str:
    return f"s:ann:{value}"


def _picked(payload: Payload) -> str | None:
    if isinstance(payload, Pick) and payload.token.startswith("s:ann:"):
        return payload.token.removeprefix("s:ann:")
    return None


def _ints(value: object) -> list[int]:
    return [v for v in value if isinstance(v, int)] if isinstance(value, list) else []


async def announce_command(turn: StaffTurn, argument: str) -> None:
    if not turn.me.handles_triage:
        turn.say(Msg.ANNOUNCE_NOT_YOURS)
        return
    if turn.in_group:
        turn.say(Msg.OFFICE_PRIVATE_ONLY)
        return
    draft: dict[str, object] = {"villages": []}
    if argument.strip():
        await _take_text(turn, draft, argument)
        return
    await turn.prompt(ACTION, turn.t(Msg.ANNOUNCE_ASK_TEXT, min=TEXT_MIN), data=draft)


async def _take_text(turn: StaffTurn, draft: dict[str, object], text: str) -> None:
    text = text.strip()
    if not TEXT_MIN <= len(text) <= TEXT_MAX:
        turn.say(Msg.ANNOUNCE_BAD_TEXT, min=TEXT_MIN, max=TEXT_MAX)
        await turn.prompt(ACTION, turn.t(Msg.ANNOUNCE_ASK_TEXT, min=TEXT_MIN), data=draft)
        return
    draft["text"] = text
    await _preview(turn, draft)


async def _preview(turn: StaffTurn, draft: dict[str, object]) -> None:
    chosen = set(_ints(draft.get("villages")))
    audience = Audience(Topic.ANNOUNCEMENT, frozenset(chosen) or None)
    count = await count_audience(turn.uow, turn.desk.commune.id, audience)
    names = [v.name for v in await turn.desk.villages() if v.id in chosen]
    choices = [Choice(_token("v:0"), _mark(not chosen, turn.t(Msg.CONFERENCE_WHOLE_COMMUNE)))]
    choices += [
        Choice(_token(f"v:{v.id}"), _mark(v.id in chosen, v.name))
        for v in await turn.desk.villages()
        if v.active
    ]
    choices += [Choice(_token("send"), turn.t(Msg.ANNOUNCE_SEND, count=count))]
    choices += [Choice(_token("cancel"), turn.t(Msg.CONFERENCE_DISCARD))]
    text = turn.t(
        Msg.ANNOUNCE_PREVIEW,
        text=_as_sent(turn, str(draft["text"])),
        audience=", ".join(names) if names else turn.t(Msg.CONFERENCE_WHOLE_COMMUNE),
        count=count,
    )
    await turn.prompt(ACTION, text, data=draft, choices=choices)


def _as_sent(turn: StaffTurn, text: str) -> str:
    return turn.t(Msg.ANNOUNCE_MESSAGE, text=text)


def _mark(chosen: bool, label: str) -> str:
    return f"{'☑' if chosen else '☐'} {label}"


async def answer(turn: StaffTurn, draft: dict[str, object], payload: Payload) -> None:
    picked = _picked(payload)
    if "text" not in draft:
        if isinstance(payload, Text):
            await _take_text(turn, draft, payload.text)
        else:
            turn.say(Msg.OFFICE_PROMPT_EXPECTS_TEXT)
        return
    if picked == "cancel":
        await turn.clear_prompt()
        turn.say(Msg.CONFERENCE_DISCARDED)
        return
    if picked is not None and picked.startswith("v:") and picked[2:].isdecimal():
        village = int(picked[2:])
        villages = _ints(draft.get("villages"))
        active = [v.id for v in await turn.desk.villages() if v.active]
        if village == 0:
            villages = []
        elif village in villages:
            villages.remove(village)
        elif village in active:
            villages.append(village)
        draft["villages"] = sorted(villages)
        await _preview(turn, draft)
        return
    if picked == "send":
        await turn.clear_prompt()
        await _send(turn, draft)
        return
    if isinstance(payload, Text):  # a new wording replaces the draft's
        await _take_text(turn, draft, payload.text)
        return
    turn.say(Msg.COMMON_EXPECTS_CHOICE)
    await _preview(turn, draft)


async def _send(turn: StaffTurn, draft: dict[str, object]) -> None:
    chosen = frozenset(_ints(draft.get("villages")))
    texts = {
        language: turn.desk.t_in(language, Msg.ANNOUNCE_MESSAGE, text=str(draft["text"]))
        for language in turn.catalogue.languages
    }
    broadcast = await create(
        turn.uow,
        commune_id=turn.desk.commune.id,
        key=f"announce:{turn.event.event_key}",
        kind=BroadcastKind.ANNOUNCEMENT,
        audience=Audience(Topic.ANNOUNCEMENT, chosen or None),
        texts=texts,
        now=turn.now,
        created_by=turn.me.id,
    )
    await watch(turn, broadcast, Msg.ANNOUNCE_STARTED)


ANNOUNCE = StaffCommand(
    key="announce",
    names=("thongbao", "announce"),
    roles=TRIAGE,
    private_only=True,
    summary=Msg.ANNOUNCE_SUMMARY,
    about=Msg.ANNOUNCE_ABOUT,
    run=announce_command,
)
COMMANDS = (ANNOUNCE,)
