"""Where a conversation starts: the menu, a text typed instead of choosing, resuming a draft, choosing
the commune; and beginning a petition."""

from __future__ import annotations

from handlers.cases.citizen_turn import Turn
from handlers.cases.draft import Draft
from handlers.cases.flow import (
    STEPS,
    Answer,
    Chosen,
    Step,
    StepSpec,
    dispatch,
    goto,
    reask,
    wrong_input,
)
from handlers.filing.steps.consent import current_consent
from handlers.filing.steps.tracking import show_my_cases
from handlers.kernel.catalogue.keys import Msg
from handlers.kernel.events import Text
from handlers.kernel.replies import Choice
from handlers.kernel.text import fold_words
from models.commune import Commune


async def begin_filing(turn: Turn, prefill: str | None = None) -> None:
    """Start a new draft (optionally with content the citizen already typed) and ask what is needed first."""
    draft = Draft()
    if prefill:
        if turn.config.content_min <= len(prefill) <= turn.config.content_max:
            draft.content = prefill
        elif len(prefill) > turn.config.content_max:
            draft.pending_text = prefill
    turn.reset_draft(draft)
    consent = await current_consent(turn)
    if consent is not None:
        turn.say(Msg.CONSENT_ALREADY, date=turn.day(consent.at))
        await goto(turn, Step.KIND)
    else:
        await goto(turn, Step.CONSENT)


async def menu_choices(turn: Turn) -> list[Choice]:
    return [
        Choice("file", turn.t(Msg.COMMON_MENU_FILE)),
        Choice("track", turn.t(Msg.COMMON_MENU_TRACK)),
        Choice("mine", turn.t(Msg.COMMON_MENU_MINE)),
        Choice("help", turn.t(Msg.COMMON_MENU_HELP)),
    ]


async def ask_menu(turn: Turn) -> None:
    turn.ask(turn.t(Msg.COMMON_MENU), await menu_choices(turn))


async def answer_menu(turn: Turn, answer: Answer) -> None:
    if answer == Chosen("file"):
        await begin_filing(turn)
    elif answer == Chosen("track"):
        await goto(turn, Step.TRACK_CODE)
    elif answer == Chosen("mine"):
        await show_my_cases(turn)
        await reask(turn)
    elif answer == Chosen("help"):
        turn.say(Msg.HELP_GENERAL)
        turn.say(Msg.HELP_CHOOSE)
        await reask(turn)
    elif isinstance(answer, Text) and len(answer.text.strip()) >= turn.config.content_min:
        # Someone who just types their problem should not have to learn the menu first.
        turn.draft.pending_text = answer.text.strip()
        await goto(turn, Step.OFFER_TEXT)
    elif isinstance(answer, Text):
        await reask(turn)
    else:
        await wrong_input(turn, answer)


async def offer_choices(turn: Turn) -> list[Choice]:
    return [Choice("send", turn.t(Msg.DRAFT_OFFER_SEND)), Choice("no", turn.t(Msg.DRAFT_OFFER_NO))]


async def ask_offer(turn: Turn) -> None:
    turn.ask(turn.t(Msg.DRAFT_OFFER_TEXT), await offer_choices(turn))


async def answer_offer(turn: Turn, answer: Answer) -> None:
    text = turn.draft.pending_text
    if answer == Chosen("send"):
        await begin_filing(turn, prefill=text)
    elif answer == Chosen("no"):
        turn.reset_draft()
        await goto(turn, Step.MENU)
    elif isinstance(answer, Text) and len(answer.text.strip()) >= turn.config.content_min:
        turn.draft.pending_text = answer.text.strip()
        await reask(turn)
    else:
        await wrong_input(turn, answer)


async def resume_choices(turn: Turn) -> list[Choice]:
    return [
        Choice("continue", turn.t(Msg.DRAFT_RESUME_CONTINUE)),
        Choice("new", turn.t(Msg.DRAFT_RESUME_NEW)),
    ]


async def ask_resume(turn: Turn) -> None:
    started = turn.conversation.draft_started_at or turn.conversation.updated_at
    turn.ask(turn.t(Msg.DRAFT_RESUME_ASK, time=turn.when(started)), await resume_choices(turn))


async def answer_resume(turn: Turn, answer: Answer) -> None:
    held = turn.draft.held_text
    back = turn.draft.return_step
    turn.draft.held_text = None
    if answer == Chosen("continue") and back:
        turn.draft.return_step = None
        turn.conversation.step = back
        if held:
            await dispatch(turn, Text(held))
        else:
            await reask(turn)
    elif answer == Chosen("new") or (answer == Chosen("continue") and not back):
        await begin_filing(turn, prefill=held)
    else:
        await wrong_input(turn, answer)


async def commune_choices(turn: Turn) -> list[Choice]:
    return [Choice(f"c:{commune.code}", commune.name) for commune in await turn.uow.communes.list_all()]


_COMMUNE_WORDS = ("xa ", "phuong ", "thi tran ", "dac khu ")


def _bare_commune_name(name: str) -> str:
    folded = fold_words(name)
    for word in _COMMUNE_WORDS:
        if folded.startswith(word):
            return folded[len(word) :]
    return folded


async def match_commune(turn: Turn, text: str) -> str | None:
    """A commune by its code, its name, or its name without "xã"/"phường" ("phu thinh"), if only one fits."""
    typed = _bare_commune_name(text)
    found = [
        commune.code
        for commune in await turn.uow.communes.list_all()
        if typed in (fold_words(commune.code), _bare_commune_name(commune.name))
        or (len(typed) >= 3 and _bare_commune_name(commune.name).startswith(typed))
    ]
    return f"c:{found[0]}" if len(found) == 1 else None


async def _commune_by_code(turn: Turn, code: str) -> Commune | None:
    wanted = code.upper()
    return next((c for c in await turn.uow.communes.list_all() if c.code.upper() == wanted), None)


async def ask_commune(turn: Turn) -> None:
    turn.ask(turn.t(Msg.COMMON_CHOOSE_COMMUNE), await commune_choices(turn))


async def answer_commune(turn: Turn, answer: Answer) -> None:
    if not (isinstance(answer, Chosen) and answer.token.startswith("c:")):
        await wrong_input(turn, answer)
        return
    commune = await _commune_by_code(turn, answer.token[2:])
    if commune is None:
        await reask(turn)
        return
    await choose_commune(turn, commune.code)
    turn.greet()
    await goto(turn, Step.MENU)


async def choose_commune(turn: Turn, code: str) -> bool:
    """Attach the conversation to the commune with ``code``; loads the citizen there if known."""
    commune = await _commune_by_code(turn, code)
    if commune is None:
        return False
    turn.commune = commune
    turn.conversation.commune_id = commune.id
    turn.use_citizen(await turn.uow.citizens.by_account(commune.id, turn.event.channel, turn.event.sender_id))
    return True


STEPS.update(
    {
        Step.MENU: StepSpec(ask_menu, answer_menu, Msg.HELP_MENU, Msg.COMMON_EXPECTS_CHOICE, menu_choices),
        Step.OFFER_TEXT: StepSpec(
            ask_offer, answer_offer, Msg.HELP_MENU, Msg.COMMON_EXPECTS_CHOICE, offer_choices
        ),
        Step.CHOOSE_COMMUNE: StepSpec(
            ask_commune,
            answer_commune,
            Msg.HELP_MENU,
            Msg.COMMON_EXPECTS_CHOICE,
            commune_choices,
            match=match_commune,
        ),
        Step.RESUME: StepSpec(
            ask_resume, answer_resume, Msg.HELP_MENU, Msg.COMMON_EXPECTS_CHOICE, resume_choices
        ),
    }
)
