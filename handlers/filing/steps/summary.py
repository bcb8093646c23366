"""The summary of a petition before it is sent: sending it, editing one part, cancelling; and the rest
of a text that was split, offered as the next petition."""

from __future__ import annotations

from handlers.cases.citizen_turn import Turn
from handlers.cases.draft import Draft
from handlers.cases.flow import (
    STEPS,
    Answer,
    Chosen,
    Part,
    Step,
    StepSpec,
    goto,
    wrong_input,
)
from handlers.cases.submission import SubmitPetition, submit_petition
from handlers.filing.steps.navigation import advance, missing_step, number
from handlers.kernel.catalogue.keys import Msg
from handlers.kernel.replies import Choice


async def summary_choices(turn: Turn) -> list[Choice]:
    return [
        Choice("send", turn.t(Msg.SUMMARY_SEND)),
        Choice("edit", turn.t(Msg.SUMMARY_EDIT)),
        Choice("cancel", turn.t(Msg.SUMMARY_CANCEL)),
    ]


async def _location_text(turn: Turn) -> str:
    draft = turn.draft
    parts: list[str] = []
    if draft.location_text:
        parts.append(draft.location_text)
    if draft.latitude is not None and draft.longitude is not None:
        parts.append(f"({draft.latitude:.5f}, {draft.longitude:.5f})")
    village = await turn.village_name(draft.village_id)
    if village:
        parts.append(village)
    return ", ".join(parts) if parts else turn.t(Msg.SUMMARY_NO_LOCATION)


async def ask_summary(turn: Turn) -> None:
    missing = await missing_step(turn)
    if missing is not None:
        await goto(turn, missing)
        return
    draft = turn.draft
    kind = draft.case_kind
    assert kind is not None
    if draft.anonymous:
        sender = turn.t(Msg.SUMMARY_ANONYMOUS)
    else:
        sender = turn.t(Msg.SUMMARY_SENDER, name=draft.name, phone=draft.phone, address=draft.address)
    attachments = (
        turn.t(Msg.SUMMARY_ATTACHMENTS_COUNT, count=len(draft.attachments))
        if draft.attachments
        else turn.t(Msg.SUMMARY_NO_ATTACHMENTS)
    )
    turn.ask(
        turn.t(
            Msg.SUMMARY_ASK,
            kind=turn.kind_label(kind),
            field=await turn.field_label(draft.field),
            content=draft.content,
            location=await _location_text(turn),
            attachments=attachments,
            sender=sender,
        ),
        await summary_choices(turn),
    )


async def answer_summary(turn: Turn, answer: Answer) -> None:
    if answer == Chosen("send"):
        await submit(turn)
    elif answer == Chosen("edit"):
        await goto(turn, Step.EDIT_PART)
    elif answer == Chosen("cancel"):
        await cancel_draft(turn)
    else:
        await wrong_input(turn, answer)


async def submit(turn: Turn) -> None:
    """File the petition. The receipt is only a reply in this turn, so it is committed with the case."""
    missing = await missing_step(turn)
    if missing is not None or turn.commune is None:
        await goto(turn, missing or Step.MENU)
        return
    turn.submitting = True
    draft = turn.draft
    kind = draft.case_kind
    assert kind is not None  # missing_step() returned None
    citizen = await turn.ensure_citizen()
    case = await submit_petition(
        turn.uow,
        SubmitPetition(
            commune=turn.commune,
            channel=turn.event.channel,
            kind=kind,
            field_slug=draft.field or "",
            content=draft.content or "",
            received_at=turn.now,
            citizen_id=citizen.id,
            anonymous=draft.anonymous,
            name=draft.name,
            phone=draft.phone,
            address=draft.address,
            latitude=draft.latitude,
            longitude=draft.longitude,
            location_text=draft.location_text,
            village_id=draft.village_id,
            attachments=tuple(draft.attachments),
            language=turn.language,
            office_pending=turn.office is not None,  # the office takes it in right after this turn
        ),
        now=turn.now,
    )
    turn.case_id = case.id
    if not draft.anonymous:
        citizen.full_name, citizen.phone, citizen.address = draft.name, draft.phone, draft.address
    turn.say(Msg.RECEIPT_TEXT, kind=turn.kind_noun(kind), code=case.code, time=turn.when(case.received_at))
    if draft.carry_over:
        rest = draft.carry_over
        follow_up = Draft(
            kind=draft.kind,
            field=draft.field,
            latitude=draft.latitude,
            longitude=draft.longitude,
            location_text=draft.location_text,
            village_id=draft.village_id,
            location_done=True,
            attachments_done=True,
            anonymous=draft.anonymous,
            anonymous_confirmed=draft.anonymous_confirmed,
            name=draft.name,
            phone=draft.phone,
            address=draft.address,
            carry_over=rest,
        )
        turn.reset_draft(follow_up)
        await goto(turn, Step.CARRY_OVER)
    else:
        turn.reset_draft()
        turn.conversation.step = Step.MENU.value


async def cancel_draft(turn: Turn) -> None:
    had_draft = turn.draft.in_progress
    turn.reset_draft()
    turn.say(Msg.DRAFT_CANCELLED if had_draft else Msg.DRAFT_NOTHING)
    await goto(turn, Step.MENU)


async def edit_choices(turn: Turn) -> list[Choice]:
    parts = [
        (Part.KIND, Msg.SUMMARY_PART_KIND),
        (Part.FIELD, Msg.SUMMARY_PART_FIELD),
        (Part.CONTENT, Msg.SUMMARY_PART_CONTENT),
        (Part.LOCATION, Msg.SUMMARY_PART_LOCATION),
        (Part.ATTACHMENTS, Msg.SUMMARY_PART_ATTACHMENTS),
    ]
    if not turn.draft.anonymous:
        parts.append((Part.IDENTITY, Msg.SUMMARY_PART_IDENTITY))
    return [Choice(f"p:{part.value}", turn.t(label)) for part, label in parts] + [
        Choice("back", turn.t(Msg.COMMON_BACK))
    ]


async def ask_edit(turn: Turn) -> None:
    turn.ask(turn.t(Msg.SUMMARY_EDIT_ASK), await edit_choices(turn))


PART_START: dict[Part, Step] = {
    Part.KIND: Step.KIND,
    Part.FIELD: Step.FIELD,
    Part.CONTENT: Step.CONTENT,
    Part.LOCATION: Step.LOCATION,
    Part.ATTACHMENTS: Step.ATTACHMENTS,
    Part.IDENTITY: Step.NAME,
}


async def answer_edit(turn: Turn, answer: Answer) -> None:
    if answer == Chosen("back"):
        await goto(turn, Step.SUMMARY)
        return
    if not (isinstance(answer, Chosen) and answer.token.startswith("p:")):
        await wrong_input(turn, answer)
        return
    part = Part(answer.token[2:])
    turn.draft.editing = True
    if part is Part.ATTACHMENTS and turn.draft.attachments:
        turn.draft.attachments = []
        turn.say(Msg.SUMMARY_ATTACHMENTS_RESET)
    await goto(turn, PART_START[part])


async def carry_over_choices(turn: Turn) -> list[Choice]:
    return [
        Choice("send", turn.t(Msg.RECEIPT_CARRY_OVER_SEND)),
        Choice("drop", turn.t(Msg.RECEIPT_CARRY_OVER_DROP)),
    ]


async def ask_carry_over(turn: Turn) -> None:
    rest = turn.draft.carry_over or ""
    turn.ask(turn.t(Msg.RECEIPT_CARRY_OVER_ASK, rest=number(len(rest))), await carry_over_choices(turn))


async def answer_carry_over(turn: Turn, answer: Answer) -> None:
    rest = turn.draft.carry_over or ""
    if answer == Chosen("send") and rest:
        turn.draft.carry_over = None
        if len(rest) > turn.config.content_max:
            turn.draft.pending_text = rest
            await goto(turn, Step.CONTENT_TOO_LONG)
        else:
            turn.draft.content = rest
            await advance(turn, Step.SUMMARY)
    elif answer == Chosen("drop") or not rest:
        turn.reset_draft()
        turn.say(Msg.RECEIPT_CARRY_OVER_DROPPED)
        await goto(turn, Step.MENU)
    else:
        await wrong_input(turn, answer)


STEPS.update(
    {
        Step.SUMMARY: StepSpec(
            ask_summary,
            answer_summary,
            Msg.HELP_SUMMARY,
            Msg.COMMON_EXPECTS_CHOICE,
            summary_choices,
            drafting=True,
        ),
        Step.EDIT_PART: StepSpec(
            ask_edit, answer_edit, Msg.HELP_SUMMARY, Msg.COMMON_EXPECTS_CHOICE, edit_choices, drafting=True
        ),
        Step.CARRY_OVER: StepSpec(
            ask_carry_over, answer_carry_over, Msg.HELP_SUMMARY, Msg.COMMON_EXPECTS_CHOICE, carry_over_choices
        ),
    }
)
