"""``/thongbao``: a commune announcement to the citizens who subscribed to announcements, for the whole
commune or some villages — written, previewed exactly as citizens will read it with the number of people it
will reach, and sent only when the clerk confirms. Sending is the broadcast engine's job."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from handlers.broadcasts.engine import Audience, count_audience, create
from handlers.broadcasts.status import watch
from handlers.cases.commands import StaffCommand
from handlers.cases.staff_flow import FlowTurn, StaffFlow
from handlers.cases.staff_turn import StaffTurn
from handlers.kernel.catalogue.keys import Msg
from handlers.kernel.commands import TRIAGE
from handlers.kernel.events import Text
from handlers.kernel.replies import Choice
from handlers.kernel.steps import Answer, Chosen, StepSpec
from models.broadcast import BroadcastKind
from models.subscription import Topic

ACTION = "announce"
BUTTONS = "ann"
TEXT_MIN, TEXT_MAX = 20, 3500


class AnnounceStep(StrEnum):
    """Writing the announcement, then its preview (where villages are chosen and it is sent)."""

    TEXT = "text"
    PREVIEW = "preview"


@dataclass
class AnnounceDraft:
    """The announcement being written, kept in the clerk's prompt. Its step is not stored: a draft with
    a text is at its preview (as drafts have always been read)."""

    text: str | None = None
    villages: list[int] = dataclasses.field(default_factory=list)  # none: the whole commune
    step: AnnounceStep = AnnounceStep.TEXT

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = {"villages": list(self.villages)}
        if self.text is not None:
            data["text"] = self.text
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> AnnounceDraft:
        text = data.get("text")
        return cls(
            text=str(text) if text is not None else None,
            villages=_ints(data.get("villages")),
            step=AnnounceStep.PREVIEW if text is not None else AnnounceStep.TEXT,
        )


def _ints(value: object) -> list[int]:
    return [v for v in value if isinstance(v, int)] if isinstance(value, list) else []


Turn = FlowTurn[AnnounceDraft]


def _token(value: str) -> str:
    return f"s:{BUTTONS}:{value}"


def _chosen(answer: Answer) -> str | None:
    prefix = f"s:{BUTTONS}:"
    if isinstance(answer, Chosen) and answer.token.startswith(prefix):
        return answer.token.removeprefix(prefix)
    return None


async def announce_command(turn: StaffTurn, argument: str) -> None:
    """``/thongbao [TEXT]`` — the router has checked the roles and the private chat (see ``ANNOUNCE``)."""
    if argument.strip():
        await _take_text(FLOW.turn(turn, AnnounceDraft()), argument)
        return
    await FLOW.start(turn, AnnounceDraft())


# -- the text ----------------------------------------------------------------------------------------------


async def _ask_text(turn: Turn) -> None:
    await turn.ask(turn.t(Msg.ANNOUNCE_ASK_TEXT, min=TEXT_MIN))


async def _answer_text(turn: Turn, answer: Answer) -> None:
    if isinstance(answer, Text):
        await _take_text(turn, answer.text)
    else:
        turn.say(Msg.OFFICE_PROMPT_EXPECTS_TEXT)


async def _take_text(turn: Turn, text: str) -> None:
    """A new wording: the preview, if its length is right; otherwise the question for the text again."""
    text = text.strip()
    if not TEXT_MIN <= len(text) <= TEXT_MAX:
        turn.say(Msg.ANNOUNCE_BAD_TEXT, min=TEXT_MIN, max=TEXT_MAX)
        await _ask_text(turn)
        return
    turn.draft.text = text
    await FLOW.goto(turn, AnnounceStep.PREVIEW)


# -- the preview -------------------------------------------------------------------------------------------


async def _audience_count(turn: Turn) -> int:
    audience = Audience(Topic.ANNOUNCEMENT, frozenset(turn.draft.villages) or None)
    return await count_audience(turn.staff.uow, turn.staff.desk.commune.id, audience)


async def _preview_choices(turn: Turn, count: int | None = None) -> list[Choice]:
    """The whole commune or villages (ticked when chosen), send to so many people, or discard."""
    if count is None:
        count = await _audience_count(turn)
    chosen = set(turn.draft.villages)
    villages = await turn.staff.desk.villages()
    choices = [Choice(_token("v:0"), _mark(not chosen, turn.t(Msg.CONFERENCE_WHOLE_COMMUNE)))]
    choices += [Choice(_token(f"v:{v.id}"), _mark(v.id in chosen, v.name)) for v in villages if v.active]
    choices += [Choice(_token("send"), turn.t(Msg.ANNOUNCE_SEND, count=count))]
    choices += [Choice(_token("cancel"), turn.t(Msg.CONFERENCE_DISCARD))]
    return choices


async def _ask_preview(turn: Turn) -> None:
    chosen = set(turn.draft.villages)
    count = await _audience_count(turn)
    names = [v.name for v in await turn.staff.desk.villages() if v.id in chosen]
    text = turn.t(
        Msg.ANNOUNCE_PREVIEW,
        text=turn.t(Msg.ANNOUNCE_MESSAGE, text=str(turn.draft.text)),
        audience=", ".join(names) if names else turn.t(Msg.CONFERENCE_WHOLE_COMMUNE),
        count=count,
    )
    await turn.ask(text, await _preview_choices(turn, count))


def _mark(chosen: bool, label: str) -> str:
    return f"{'☑' if chosen else '☐'} {label}"


async def _answer_preview(turn: Turn, answer: Answer) -> None:
    picked = _chosen(answer)
    if picked == "cancel":
        await turn.staff.clear_prompt()
        turn.say(Msg.CONFERENCE_DISCARDED)
    elif picked is not None and picked.startswith("v:") and picked[2:].isdecimal():
        village, villages = int(picked[2:]), turn.draft.villages
        if village == 0:
            villages.clear()
        elif village in villages:
            villages.remove(village)
        else:
            villages.append(village)  # one of the choices: an active village
        villages.sort()
        await FLOW.reask(turn)
    elif picked == "send":
        await turn.staff.clear_prompt()
        await _send(turn)
    elif isinstance(answer, Text):  # a new wording replaces the draft's
        await _take_text(turn, answer.text)
    else:
        await FLOW.wrong_input(turn)


async def _send(turn: Turn) -> None:
    staff, chosen = turn.staff, frozenset(turn.draft.villages)
    texts = {
        language: staff.desk.t_in(language, Msg.ANNOUNCE_MESSAGE, text=str(turn.draft.text))
        for language in staff.catalogue.languages
    }
    broadcast = await create(
        staff.uow,
        commune_id=staff.desk.commune.id,
        key=f"announce:{staff.event.event_key}",
        kind=BroadcastKind.ANNOUNCEMENT,
        audience=Audience(Topic.ANNOUNCEMENT, chosen or None),
        texts=texts,
        now=staff.now,
        created_by=staff.me.id,
    )
    await watch(staff, broadcast, Msg.ANNOUNCE_STARTED)


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
ABOUT = Msg.ANNOUNCE_ABOUT
FLOW: StaffFlow[AnnounceDraft, AnnounceStep] = StaffFlow(
    action=ACTION,
    buttons=BUTTONS,
    command=ANNOUNCE,
    steps=AnnounceStep,
    read=AnnounceDraft.from_json,
)


FLOW.register(
    {
        AnnounceStep.TEXT: StepSpec(_ask_text, _answer_text, ABOUT, Msg.OFFICE_PROMPT_EXPECTS_TEXT),
        AnnounceStep.PREVIEW: StepSpec(
            _ask_preview, _answer_preview, ABOUT, Msg.COMMON_EXPECTS_CHOICE, _preview_choices, free_text=True
        ),
    }
)
