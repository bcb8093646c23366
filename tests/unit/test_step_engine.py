"""The kernel's step engine on a tiny flow of its own, with a fake turn: what selects a choice, what is
stale, and what a wrong answer gets."""

from __future__ import annotations

from enum import StrEnum

from handlers.kernel.catalogue.keys import Msg
from handlers.kernel.events import Payload, Pick, SharedLocation, Text
from handlers.kernel.replies import Choice
from handlers.kernel.steps import Answer, Chosen, Flow, StepSpec


class Tea(StrEnum):
    SIZE = "size"
    NAME = "name"


class FakeTurn:
    """Where the tiny flow keeps its step, the question number, and everything said and asked."""

    def __init__(self) -> None:
        self.step = Tea.SIZE.value
        self.asked = 0
        self.said: list[str] = []
        self.answers: list[Answer] = []

    def say(self, key: Msg, **params: object) -> None:
        self.said.append(key.value)

    def ask(self, question: str) -> None:
        self.asked += 1
        self.said.append(question)


async def ask_size(turn: FakeTurn) -> None:
    turn.ask("which size?")


async def size_choices(turn: FakeTurn) -> list[Choice]:
    return [Choice("s:small", "Cốc nhỏ"), Choice("s:large", "Cốc lớn")]


async def answer_size(turn: FakeTurn, answer: Answer) -> None:
    turn.answers.append(answer)
    if isinstance(answer, Chosen):
        await TEA.goto(turn, Tea.NAME)
    else:
        await TEA.wrong_input(turn)


async def ask_name(turn: FakeTurn) -> None:
    turn.ask("your name?")


async def name_choices(turn: FakeTurn) -> list[Choice]:
    return [Choice("n:anonymous", "Giấu tên")]


async def answer_name(turn: FakeTurn, answer: Answer) -> None:
    turn.answers.append(answer)


def move(turn: FakeTurn, step: Tea) -> None:
    turn.step = step.value


STALE: list[Payload] = []


async def stale(turn: FakeTurn, payload: Payload) -> None:
    STALE.append(payload)
    turn.say(Msg.COMMON_STALE_CHOICE)
    await TEA.reask(turn)


SPECS = {
    Tea.SIZE: StepSpec(ask_size, answer_size, Msg.HELP_MENU, Msg.COMMON_EXPECTS_CHOICE, size_choices),
    Tea.NAME: StepSpec(
        ask_name, answer_name, Msg.HELP_IDENTITY, Msg.COMMON_EXPECTS_TEXT, name_choices, free_text=True
    ),
}
TEA: Flow[FakeTurn, Tea] = Flow(
    Tea, SPECS, current=lambda turn: turn.step, move=move, asked=lambda turn: turn.asked, stale=stale
)
LENIENT: Flow[FakeTurn, Tea] = Flow(Tea, SPECS, current=lambda turn: turn.step, move=move)


async def test_a_pressed_button_of_the_current_question_is_chosen() -> None:
    turn = FakeTurn()
    await TEA.reask(turn)
    await TEA.dispatch(turn, Pick("s:large", ask_seq=turn.asked))
    assert turn.answers == [Chosen("s:large")]
    assert turn.step == "name"
    assert turn.said[-1] == "your name?"


async def test_a_typed_number_selects_the_choice_with_that_number() -> None:
    turn = FakeTurn()
    await TEA.dispatch(turn, Text("2"))
    assert turn.answers == [Chosen("s:large")]


async def test_a_typed_label_without_diacritics_selects_the_choice() -> None:
    turn = FakeTurn()
    await TEA.dispatch(turn, Text("coc nho"))
    assert turn.answers == [Chosen("s:small")]


async def test_a_button_of_an_older_question_is_stale_and_the_question_is_asked_again() -> None:
    turn = FakeTurn()
    await TEA.reask(turn)
    await TEA.reask(turn)
    await TEA.dispatch(turn, Pick("s:small", ask_seq=turn.asked - 1))
    assert turn.answers == []
    assert STALE[-1] == Pick("s:small", ask_seq=1)
    assert turn.said[-2:] == [Msg.COMMON_STALE_CHOICE.value, "which size?"]


async def test_a_button_that_is_no_longer_a_choice_is_stale() -> None:
    turn = FakeTurn()
    await TEA.dispatch(turn, Pick("s:huge"))
    assert turn.answers == []
    assert turn.said[-2:] == [Msg.COMMON_STALE_CHOICE.value, "which size?"]


async def test_without_a_stale_handler_a_stale_button_reaches_the_step_as_a_wrong_answer() -> None:
    turn = FakeTurn()
    await LENIENT.dispatch(turn, Pick("s:huge"))
    assert turn.answers == [Pick("s:huge")]
    assert turn.said[-2:] == [Msg.COMMON_EXPECTS_CHOICE.value, "which size?"]


async def test_a_wrong_answer_says_what_the_step_expects_and_asks_again() -> None:
    turn = FakeTurn()
    await TEA.dispatch(turn, SharedLocation(21.0, 105.8))
    assert turn.answers == [SharedLocation(21.0, 105.8)]
    assert turn.said == [Msg.COMMON_EXPECTS_CHOICE.value, "which size?"]
    assert turn.step == "size"


async def test_on_a_free_text_step_text_is_the_answer_and_only_a_whole_label_selects() -> None:
    turn = FakeTurn()
    await TEA.goto(turn, Tea.NAME)
    await TEA.dispatch(turn, Text("giau"))
    await TEA.dispatch(turn, Text("giau ten"))
    assert turn.answers == [Text("giau"), Chosen("n:anonymous")]


async def test_the_flow_tells_the_step_a_turn_is_at() -> None:
    turn = FakeTurn()
    assert TEA.step(turn) is Tea.SIZE
    await TEA.goto(turn, Tea.NAME)
    assert TEA.step(turn) is Tea.NAME
    assert TEA.spec(turn) is SPECS[Tea.NAME]
