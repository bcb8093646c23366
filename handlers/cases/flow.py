"""The citizen conversation on the kernel's step engine: its steps, their table, and moving between them.

A step asks one question (``ask``) and handles the answer (``answer``). Choices are computed by the step,
so a typed number or label selects the same choice as a button. Every step has a "wrong input" reply
(its ``expects`` sentence, then the question again) and the same cancel path (``/huy``). The citizen's
step is kept on the conversation row, and its buttons carry the number of the question they belong to,
so a button of an older question is stale. The steps themselves live with their features (filing,
supplement, subscriptions, conferences); each registers into ``STEPS``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from handlers.cases.citizen_turn import Turn
from handlers.kernel import steps as engine
from handlers.kernel.catalogue.keys import Msg
from handlers.kernel.events import Payload, Unsupported
from handlers.kernel.steps import Answer, Chosen

__all__ = ["Answer", "Chosen"]  # the kernel's, named here too: what every citizen step receives


class Step(StrEnum):
    MENU = "menu"
    OFFER_TEXT = "offer_text"
    CHOOSE_COMMUNE = "choose_commune"
    RESUME = "resume"
    CONSENT = "consent"
    NEED_CONSENT = "need_consent"
    KIND = "kind"
    FIELD = "field"
    CONTENT = "content"
    CONTENT_TOO_LONG = "content_too_long"
    LOCATION = "location"
    VILLAGE = "village"
    ATTACHMENTS = "attachments"
    SAVED_IDENTITY = "saved_identity"
    NAME = "name"
    PHONE = "phone"
    ADDRESS = "address"
    SUMMARY = "summary"
    EDIT_PART = "edit_part"
    CARRY_OVER = "carry_over"
    TRACK_CODE = "track_code"
    WITHDRAW_CONSENT = "withdraw_consent"
    LANGUAGE = "language"
    SUPPLEMENT = "supplement"
    SUBSCRIBE_TOPICS = "subscribe_topics"
    SUBSCRIBE_VILLAGES = "subscribe_villages"
    CONFERENCE_LIST = "dialogue_list"
    CONFERENCE_QUESTION = "dialogue_question"
    CONFERENCE_NAME = "dialogue_name"
    CONFERENCE_PHONE = "dialogue_phone"
    CONFERENCE_ADDRESS = "dialogue_address"


class Part(StrEnum):
    """Parts of a petition the citizen can edit from the summary."""

    KIND = "kind"
    FIELD = "field"
    CONTENT = "content"
    LOCATION = "location"
    ATTACHMENTS = "attachments"
    IDENTITY = "identity"


@dataclass(frozen=True)
class StepSpec(engine.StepSpec[Turn]):
    """A citizen step: the engine's, and what the conversation needs to know besides."""

    drafting: bool = False  # part of writing a petition
    part: Part | None = None
    keyboard: bool = False  # the question shows a reply keyboard (share location / phone)


STEPS: dict[Step, StepSpec] = {}


def _move(turn: Turn, step: Step) -> None:
    turn.conversation.step = step.value


async def _stale(turn: Turn, payload: Payload) -> None:
    """A button of an older question: say so and ask the current one again."""
    turn.say(Msg.COMMON_STALE_CHOICE)
    await reask(turn)


CITIZEN: engine.Flow[Turn, Step] = engine.Flow(
    Step,
    STEPS,
    current=lambda turn: turn.step,
    move=_move,
    asked=lambda turn: turn.conversation.ask_seq,
    stale=_stale,
)


async def goto(turn: Turn, step: Step) -> None:
    """Enter ``step`` and ask its question."""
    await CITIZEN.goto(turn, step)


async def reask(turn: Turn) -> None:
    await CITIZEN.reask(turn)


async def return_from_side_step(turn: Turn) -> None:
    """After a look-up or a consent change, go back to where the citizen was."""
    back = turn.draft.return_step
    turn.draft.return_step = None
    if back and back in Step.__members__.values():
        await goto(turn, Step(back))
    else:
        await goto(turn, Step.MENU)


async def wrong_input(turn: Turn, answer: Answer) -> None:
    """Say what was expected at this step, then ask again; first, for what the bot cannot read, that it
    cannot (and, for a voice message, to type instead)."""
    if isinstance(answer, Unsupported):
        turn.say(Msg.COMMON_UNSUPPORTED, what=turn.t(_what_key(answer.what)))
        if answer.what in SPOKEN:
            turn.say(Msg.COMMON_TYPE_INSTEAD)
    await CITIZEN.wrong_input(turn)


SPOKEN = frozenset({"voice", "audio", "video", "video_note"})  # what many elderly people send instead of text


def _what_key(what: str) -> Msg:
    try:
        return Msg(f"what.{what}")
    except ValueError:
        return Msg.WHAT_OTHER


async def dispatch(turn: Turn, payload: Payload) -> None:
    """Hand the payload to the current step, after matching it against the step's choices."""
    await CITIZEN.dispatch(turn, payload)
