"""``/dangky``: a citizen opts in to the commune's notices — conferences, citizen-reception days,
announcements — for the whole commune or some villages; ``/huydangky`` stops them all.

Consent is explicit and specific (Luật Bảo vệ dữ liệu cá nhân 2025): the citizen is told what is kept and
why, nothing is ticked for them, and what they agreed to is recorded with its text version, time and
channel. A chat that blocks the bot is unsubscribed (``handlers.delivery.reachability``).
"""

from __future__ import annotations

from typing import Final, TypeVar

from handlers.cases.citizen_turn import Turn
from handlers.cases.flow import (
    STEPS,
    Answer,
    Chosen,
    Step,
    StepSpec,
    goto,
    reask,
    return_from_side_step,
    wrong_input,
)
from handlers.kernel.catalogue.keys import Msg
from handlers.kernel.replies import Choice
from models.subscription import Subscription, Topic

CONSENT_VERSION = "dang-ky-nhan-tin/2026-11"  # bump when the wording of subscribe.intro changes
TOPIC_LABELS: Final = {
    Topic.CONFERENCE: Msg.SUBSCRIBE_TOPIC_CONFERENCE,
    Topic.RECEPTION: Msg.SUBSCRIBE_TOPIC_RECEPTION,
    Topic.ANNOUNCEMENT: Msg.SUBSCRIBE_TOPIC_ANNOUNCEMENT,
}
WHOLE_COMMUNE = 0  # the village choice meaning "every village"
T = TypeVar("T")


async def start_subscribing(turn: Turn) -> None:
    """Begin with the citizen's current choices if they are subscribed, else with nothing chosen."""
    current = await _current(turn)
    turn.draft.subscribe_topics = list(current.topics) if current is not None else []
    turn.draft.subscribe_villages = list(current.village_ids) if current is not None else []
    await goto(turn, Step.SUBSCRIBE_TOPICS)


async def unsubscribe(turn: Turn) -> None:
    current = await _current(turn)
    if current is None:
        turn.say(Msg.SUBSCRIBE_NONE)
        return
    current.cancelled_at, current.cancel_reason = turn.now, "citizen"
    turn.say(Msg.SUBSCRIBE_CANCELLED, time=turn.when(turn.now))


async def _current(turn: Turn) -> Subscription | None:
    if turn.commune is None or turn.citizen_id is None:
        return None
    found = await turn.uow.subscriptions.of(turn.commune.id, turn.citizen_id)
    return found if found is not None and found.active else None


def _toggled(items: list[T], item: T) -> list[T]:
    return [other for other in items if other != item] if item in items else [*items, item]


def _in_sentence(label: str) -> str:
    """A button label inside a sentence: only its first letter lowered ("Nhân dân" keeps its capital)."""
    return label[:1].lower() + label[1:]


def _mark(chosen: bool, label: str) -> str:
    return f"{'☑' if chosen else '☐'} {label}"


# -- topics ----------------------------------------------------------------------------------------------


async def topic_choices(turn: Turn) -> list[Choice]:
    chosen = set(turn.draft.subscribe_topics)
    choices = [
        Choice(f"sub:t:{topic.value}", _mark(topic.value in chosen, turn.t(label)))
        for topic, label in TOPIC_LABELS.items()
    ]
    choices.append(Choice("sub:next", turn.t(Msg.SUBSCRIBE_NEXT)))
    choices.append(Choice("sub:stop", turn.t(Msg.SUBSCRIBE_STOP)))
    return choices


async def ask_topics(turn: Turn) -> None:
    turn.ask(turn.t(Msg.SUBSCRIBE_INTRO), await topic_choices(turn))


async def answer_topics(turn: Turn, answer: Answer) -> None:
    if not isinstance(answer, Chosen):
        await wrong_input(turn, answer)
        return
    if answer.token.startswith("sub:t:"):
        topic = answer.token.removeprefix("sub:t:")
        topics = turn.draft.subscribe_topics
        turn.draft.subscribe_topics = (
            [t for t in topics if t != topic] if topic in topics else [*topics, topic]
        )
        await reask(turn)
    elif answer.token == "sub:next":
        if not turn.draft.subscribe_topics:
            turn.say(Msg.SUBSCRIBE_PICK_TOPIC)
            await reask(turn)
            return
        await goto(turn, Step.SUBSCRIBE_VILLAGES)
    else:
        await _stop(turn)


async def _stop(turn: Turn) -> None:
    turn.draft.subscribe_topics, turn.draft.subscribe_villages = [], []
    turn.say(Msg.SUBSCRIBE_NOT_SAVED)
    await return_from_side_step(turn)


# -- villages --------------------------------------------------------------------------------------------


async def village_choices(turn: Turn) -> list[Choice]:
    chosen = set(turn.draft.subscribe_villages)
    choices = [Choice(f"sub:v:{WHOLE_COMMUNE}", _mark(not chosen, turn.t(Msg.SUBSCRIBE_WHOLE_COMMUNE)))]
    choices += [
        Choice(f"sub:v:{village.id}", _mark(village.id in chosen, village.name))
        for village in await turn.villages()
        if village.active
    ]
    choices.append(Choice("sub:save", turn.t(Msg.SUBSCRIBE_SAVE)))
    choices.append(Choice("sub:stop", turn.t(Msg.SUBSCRIBE_STOP)))
    return choices


async def ask_villages(turn: Turn) -> None:
    turn.ask(turn.t(Msg.SUBSCRIBE_VILLAGES_ASK), await village_choices(turn))


async def answer_villages(turn: Turn, answer: Answer) -> None:
    if not isinstance(answer, Chosen):
        await wrong_input(turn, answer)
        return
    if answer.token.startswith("sub:v:"):
        village = int(answer.token.removeprefix("sub:v:"))
        villages = turn.draft.subscribe_villages
        turn.draft.subscribe_villages = [] if village == WHOLE_COMMUNE else _toggled(villages, village)
        await reask(turn)
    elif answer.token == "sub:save":
        await _save(turn)
    else:
        await _stop(turn)


async def _save(turn: Turn) -> None:
    citizen = await turn.ensure_citizen()
    topics: list[str] = [topic.value for topic in TOPIC_LABELS if topic.value in turn.draft.subscribe_topics]
    villages = sorted(turn.draft.subscribe_villages)
    existing = await turn.uow.subscriptions.of(citizen.commune_id, citizen.id)
    if existing is None:
        existing = Subscription(
            commune_id=citizen.commune_id,
            citizen_id=citizen.id,
            topics=topics,
            village_ids=villages,
            consent_version=CONSENT_VERSION,
            channel=turn.event.channel,
            subscribed_at=turn.now,
        )
        await turn.uow.subscriptions.add(existing)
    else:
        existing.topics, existing.village_ids = topics, villages
        existing.consent_version, existing.channel, existing.subscribed_at = (
            CONSENT_VERSION,
            turn.event.channel,
            turn.now,
        )
        existing.cancelled_at = existing.cancel_reason = None
    names = [await turn.village_name(village) or "" for village in villages]
    turn.say(
        Msg.SUBSCRIBE_SAVED,
        topics=", ".join(_in_sentence(turn.t(TOPIC_LABELS[Topic(topic)])) for topic in topics),
        villages=", ".join(names) if names else _in_sentence(turn.t(Msg.SUBSCRIBE_WHOLE_COMMUNE)),
        time=turn.when(turn.now),
    )
    turn.draft.subscribe_topics, turn.draft.subscribe_villages = [], []
    await return_from_side_step(turn)


STEPS[Step.SUBSCRIBE_TOPICS] = StepSpec(
    ask_topics, answer_topics, Msg.HELP_SUBSCRIBE, Msg.COMMON_EXPECTS_CHOICE, topic_choices
)
STEPS[Step.SUBSCRIBE_VILLAGES] = StepSpec(
    ask_villages, answer_villages, Msg.HELP_SUBSCRIBE, Msg.COMMON_EXPECTS_CHOICE, village_choices
)
