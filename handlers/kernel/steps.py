"""The step engine every guided conversation runs on: the citizen's, and the office's guided flows.

A flow is a set of steps. A step asks one question (``ask``) and handles the answer (``answer``). Its
choices are computed by the step, so a pressed button, a typed number ("2") or a typed label (with or
without diacritics) all select the same choice and reach ``answer`` as a ``Chosen``. A button that is not
one of the current question's choices is stale: what then happens is the flow's own (the citizen is told
the button is old; a staff flow treats it as a wrong answer). Each step says what it expects, so a wrong
answer gets that sentence and the question again.

The engine knows nothing of cases or of who is talking: it is generic over the turn (whatever one event's
state and replies are) and the step enum; the flow says where its current step is kept.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, Protocol, TypeVar

from handlers.kernel.catalogue.keys import Msg
from handlers.kernel.events import Payload, Pick, Text
from handlers.kernel.replies import Choice
from handlers.kernel.text import match_choice


class Speaking(Protocol):
    """What a step engine needs of a turn: a way to say a sentence of the catalogue."""

    def say(self, key: Msg, **params: object) -> None: ...


TurnT = TypeVar("TurnT", bound=Speaking)
StepT = TypeVar("StepT", bound=StrEnum)


@dataclass(frozen=True)
class Chosen:
    """One of the current question's choices was selected (by button, number or label)."""

    token: str


Answer = Chosen | Payload


@dataclass(frozen=True)
class StepSpec(Generic[TurnT]):
    """One step: its question, what it does with the answer, and how an answer is recognised."""

    ask: Callable[[TurnT], Awaitable[None]]
    answer: Callable[[TurnT, Answer], Awaitable[None]]
    help: Msg  # what the step is about, for a person who asks for help in the middle of it
    expects: Msg  # said on a wrong answer, before the question again
    choices: Callable[[TurnT], Awaitable[list[Choice]]] | None = None
    free_text: bool = False  # text is a valid answer, so only whole labels or numbers select a choice
    match: Callable[[TurnT, str], Awaitable[str | None]] | None = None  # more ways typed text selects


class Flow(Generic[TurnT, StepT]):
    """A registry of steps and the moves between them, for one kind of turn.

    ``current`` and ``move`` say where the turn keeps its step (a conversation row, a staff prompt's
    draft); ``asked`` gives the number of the question last asked, when buttons carry one, so a button of
    an older question is known to be stale. ``stale`` handles a button that is no longer a choice: by
    default it reaches the step's ``answer`` as it is, to be refused there as a wrong answer."""

    def __init__(
        self,
        steps: type[StepT],
        specs: Mapping[StepT, StepSpec[TurnT]],
        *,
        current: Callable[[TurnT], str],
        move: Callable[[TurnT, StepT], None],
        asked: Callable[[TurnT], int | None] | None = None,
        stale: Callable[[TurnT, Payload], Awaitable[None]] | None = None,
    ) -> None:
        self.steps = steps
        self.specs = specs
        self._current = current
        self._move = move
        self._asked = asked
        self._stale = stale

    def step(self, turn: TurnT) -> StepT:
        """The step the turn is at."""
        return self.steps(self._current(turn))

    def spec(self, turn: TurnT) -> StepSpec[TurnT]:
        return self.specs[self.step(turn)]

    async def goto(self, turn: TurnT, step: StepT) -> None:
        """Enter ``step`` and ask its question."""
        self._move(turn, step)
        await self.specs[step].ask(turn)

    async def reask(self, turn: TurnT) -> None:
        """Ask the current step's question again."""
        await self.spec(turn).ask(turn)

    async def wrong_input(self, turn: TurnT) -> None:
        """Say what was expected at this step, then ask again."""
        turn.say(self.spec(turn).expects)
        await self.reask(turn)

    async def resolve(self, turn: TurnT, payload: Payload) -> Answer | None:
        """The payload as an answer to the current step: a choice it selects, or the payload itself;
        None when a pressed button is stale (of an older question, or no longer one of the choices)."""
        spec = self.spec(turn)
        choices: Sequence[Choice] = await spec.choices(turn) if spec.choices else []
        tokens = [choice.token for choice in choices]
        if isinstance(payload, Pick):
            if (
                self._asked is not None
                and payload.ask_seq is not None
                and payload.ask_seq != self._asked(turn)
            ):
                return None
            return Chosen(payload.token) if payload.token in tokens else None
        if isinstance(payload, Text) and choices:
            index = match_choice(
                payload.text, [choice.label for choice in choices], allow_prefix=not spec.free_text
            )
            if index is not None:
                return Chosen(tokens[index])
            if spec.match is not None:
                token = await spec.match(turn, payload.text)
                if token is not None:
                    return Chosen(token)
        return payload

    async def dispatch(self, turn: TurnT, payload: Payload) -> None:
        """Hand the payload to the current step, after matching it against the step's choices."""
        answer = await self.resolve(turn, payload)
        if answer is None:
            if self._stale is not None:
                await self._stale(turn, payload)
            else:
                await self.spec(turn).answer(turn, payload)
            return
        await self.spec(turn).answer(turn, answer)
