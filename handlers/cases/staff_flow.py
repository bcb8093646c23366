"""The office's guided flows on the kernel's step engine: ``/nhaphoso``, ``/doithoai``, ``/thongbao``.

A guided flow asks a staff member one question after another in their chat. Between events its state is
the staff member's pending prompt: the prompt's ``action`` names the flow, its ``data`` holds the flow's
draft (a typed dataclass, written to and read from that JSON dict, step included). Each flow's module
declares the flow (its action, the prefix of its buttons' tokens, the command that guards it) and
registers its steps; the office router finds the flow of a pending prompt or a pressed button here.

Unlike the citizen's, a staff button carries no question number: a button that is not one of the current
question's choices reaches the step as it is, and the step answers it as a wrong answer.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Generic, Protocol, TypeVar

from handlers.cases.access import Actor
from handlers.cases.commands import StaffCommand
from handlers.cases.staff_turn import StaffTurn
from handlers.kernel.catalogue.keys import Msg
from handlers.kernel.events import Payload
from handlers.kernel.replies import Choice
from handlers.kernel.steps import Flow, StepSpec

StepT = TypeVar("StepT", bound=StrEnum)


class StaffDraft(Protocol[StepT]):
    """What a guided flow keeps between events: the step it is at, and a JSON form for the prompt."""

    step: StepT

    def to_json(self) -> dict[str, object]: ...


DraftT = TypeVar("DraftT", bound=StaffDraft[Any])  # any flow's draft, whatever its steps


class FlowTurn(Generic[DraftT]):
    """One staff event inside a guided flow: the staff turn, and the flow's draft as this event left it."""

    def __init__(self, staff: StaffTurn, draft: DraftT, action: str) -> None:
        self.staff = staff
        self.draft = draft
        self.action = action

    def t(self, key: Msg, **params: object) -> str:
        return self.staff.t(key, **params)

    def say(self, key: Msg, **params: object) -> None:
        self.staff.say(key, **params)

    def say_text(self, text: str) -> None:
        self.staff.say_text(text)

    async def ask(self, text: str, choices: Sequence[Choice] = ()) -> None:
        """Ask the question and keep the draft (its step included) in the prompt waiting for the answer."""
        await self.staff.prompt(self.action, text, data=self.draft.to_json(), choices=choices)


FlowAnswer = Callable[[StaffTurn, Mapping[str, object], Payload], Awaitable[None]]


@dataclass(frozen=True)
class GuidedFlow:
    """A guided flow as the office router sees it."""

    action: str  # the pending prompt's action while the flow waits for an answer
    buttons: str  # its buttons' tokens start with ``s:<buttons>:``
    command: StaffCommand  # who may use the flow at all
    answer: FlowAnswer  # the answer to the pending prompt (its data as stored), or a pressed button
    sub_action: str | None = None  # the command's sub-action the flow needs, when not the command itself

    def allows(self, actor: Actor) -> bool:
        """Whether ``actor`` may answer the flow's pending question (by the command table)."""
        return actor.may(self.command, self.sub_action)


GUIDED_FLOWS: dict[str, GuidedFlow] = {}  # by prompt action


def flow_of(action: str) -> GuidedFlow | None:
    """The guided flow whose prompt has this action, if any."""
    return GUIDED_FLOWS.get(action)


def flows_with_buttons(prefix: str) -> list[GuidedFlow]:
    """The guided flows whose buttons' tokens start with ``s:<prefix>:`` (one command's flows share it)."""
    return [flow for flow in GUIDED_FLOWS.values() if flow.buttons == prefix]


class StaffFlow(Generic[DraftT, StepT]):
    """One guided flow: its steps (registered by its module) on the kernel's engine, and its draft type."""

    def __init__(
        self,
        *,
        action: str,
        buttons: str,
        command: StaffCommand,
        steps: type[StepT],
        read: Callable[[Mapping[str, object]], DraftT],
        sub_action: str | None = None,
    ) -> None:
        self.action = action
        self.read = read
        self.specs: dict[StepT, StepSpec[FlowTurn[DraftT]]] = {}
        self.engine: Flow[FlowTurn[DraftT], StepT] = Flow(
            steps, self.specs, current=lambda turn: turn.draft.step, move=_move
        )
        if action in GUIDED_FLOWS:
            raise ValueError(f"two guided flows answer the prompt action {action!r}")
        GUIDED_FLOWS[action] = GuidedFlow(action, buttons, command, self.answer, sub_action)

    def register(self, specs: Mapping[StepT, StepSpec[FlowTurn[DraftT]]]) -> None:
        """Add steps to the flow (its module registers them once, when it is imported)."""
        self.specs.update(specs)

    def turn(self, staff: StaffTurn, draft: DraftT) -> FlowTurn[DraftT]:
        return FlowTurn(staff, draft, self.action)

    async def start(self, staff: StaffTurn, draft: DraftT) -> FlowTurn[DraftT]:
        """Ask the question of the draft's step (its first, for a new draft)."""
        turn = self.turn(staff, draft)
        await self.engine.reask(turn)
        return turn

    async def goto(self, turn: FlowTurn[DraftT], step: StepT) -> None:
        await self.engine.goto(turn, step)

    async def reask(self, turn: FlowTurn[DraftT]) -> None:
        await self.engine.reask(turn)

    async def wrong_input(self, turn: FlowTurn[DraftT]) -> None:
        await self.engine.wrong_input(turn)

    async def choices(self, turn: FlowTurn[DraftT]) -> list[Choice]:
        """The current step's choices."""
        spec = self.engine.spec(turn)
        return await spec.choices(turn) if spec.choices else []

    def question(self, key: Msg) -> Callable[[FlowTurn[DraftT]], Awaitable[None]]:
        """A step's ``ask`` when its question is one sentence: the sentence, with the step's choices."""

        async def ask(turn: FlowTurn[DraftT]) -> None:
            await turn.ask(turn.t(key), await self.choices(turn))

        return ask

    async def complain(self, turn: FlowTurn[DraftT], text: str) -> None:
        """Say what is wrong with the answer (a sentence with details), then ask again."""
        turn.say_text(text)
        await self.engine.reask(turn)

    async def answer(self, staff: StaffTurn, data: Mapping[str, object], payload: Payload) -> None:
        """The answer to the flow's pending question: its draft is read from the prompt's data."""
        await self.engine.dispatch(self.turn(staff, self.read(data)), payload)


def _move(turn: FlowTurn[DraftT], step: StrEnum) -> None:
    turn.draft.step = step
