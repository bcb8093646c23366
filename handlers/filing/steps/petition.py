"""Writing a petition: its kind, field and content (too long: shorten or split), where it happened
(a shared place, an address, a village) and its attachments."""

from __future__ import annotations

from pathlib import PurePosixPath

from handlers.cases.citizen_turn import Turn
from handlers.cases.flow import (
    STEPS,
    Answer,
    Chosen,
    Part,
    Step,
    StepSpec,
    goto,
    reask,
    wrong_input,
)
from handlers.filing.steps.identity import identity_entry
from handlers.filing.steps.navigation import advance, number, skip_choice
from handlers.kernel.catalogue.keys import Msg
from handlers.kernel.events import SharedFile, SharedLocation, Text
from handlers.kernel.labels import KIND_LABELS
from handlers.kernel.names import bare_village_name, village_index
from handlers.kernel.replies import Choice, InputRequest
from handlers.kernel.text import fold_words, split_at_boundary
from models.enums import CaseKind
from models.values import AttachmentInfo


async def kind_choices(turn: Turn) -> list[Choice]:
    return [Choice(f"k:{kind.value}", turn.t(label)) for kind, label in KIND_LABELS.items()]


async def ask_kind(turn: Turn) -> None:
    turn.ask(turn.t(Msg.KIND_ASK), await kind_choices(turn))


async def answer_kind(turn: Turn, answer: Answer) -> None:
    if not (isinstance(answer, Chosen) and answer.token.startswith("k:")):
        await wrong_input(turn, answer)
        return
    turn.draft.kind = CaseKind(answer.token[2:]).value
    turn.draft.anonymous_confirmed = False
    await after_kind(turn)


async def after_kind(turn: Turn) -> None:
    kind = turn.draft.case_kind
    assert kind is not None
    if turn.draft.anonymous and not kind.allowed_without_consent and not turn.draft.anonymous_confirmed:
        await goto(turn, Step.NEED_CONSENT)
        return
    if kind is CaseKind.TO_CAO and not turn.draft.anonymous:
        turn.say(Msg.KIND_TO_CAO_NOTICE)
    await advance(turn, Step.FIELD)


async def field_choices(turn: Turn) -> list[Choice]:
    return [Choice(f"f:{item.slug}", item.label_for(turn.language)) for item in await turn.fields()]


async def ask_field(turn: Turn) -> None:
    turn.ask(turn.t(Msg.FIELD_ASK), await field_choices(turn))


async def answer_field(turn: Turn, answer: Answer) -> None:
    if not (isinstance(answer, Chosen) and answer.token.startswith("f:")):
        await wrong_input(turn, answer)
        return
    turn.draft.field = answer.token[2:]
    if turn.draft.content and not turn.draft.editing:
        turn.say(Msg.CONTENT_PREFILLED)
        await advance(turn, Step.LOCATION)
    else:
        await advance(turn, Step.CONTENT)


async def ask_content(turn: Turn) -> None:
    if turn.draft.pending_text and len(turn.draft.pending_text) > turn.config.content_max:
        await goto(turn, Step.CONTENT_TOO_LONG)
        return
    limits = {"min": turn.config.content_min, "max": number(turn.config.content_max)}
    if turn.draft.kind == CaseKind.HOI_DAP:
        turn.ask(turn.t(Msg.CONTENT_ASK_QUESTION, **limits))
    else:
        kind = turn.draft.case_kind or CaseKind.PHAN_ANH
        turn.ask(turn.t(Msg.CONTENT_ASK, kind=turn.kind_label(kind).lower(), **limits))


async def answer_content(turn: Turn, answer: Answer) -> None:
    if isinstance(answer, Text):
        await _take_content(turn, answer.text.strip())
    elif isinstance(answer, SharedFile):
        kept = keep_attachment(turn, answer)
        caption = answer.caption.strip()
        if caption and len(caption) >= turn.config.content_min:
            await _take_content(turn, caption)
        elif kept:
            turn.say(Msg.CONTENT_FILE_KEPT, name=answer.file_name or turn.t(Msg.ATTACHMENTS_UNNAMED))
    else:
        await wrong_input(turn, answer)


async def _take_content(turn: Turn, text: str) -> None:
    if len(text) < turn.config.content_min:
        turn.say(Msg.CONTENT_TOO_SHORT, length=len(text), min=turn.config.content_min)
    elif len(text) > turn.config.content_max:
        turn.draft.pending_text = text
        await goto(turn, Step.CONTENT_TOO_LONG)
    else:
        turn.draft.content = text
        turn.draft.pending_text = None
        turn.draft.carry_over = None
        await advance(turn, Step.LOCATION)


async def too_long_choices(turn: Turn) -> list[Choice]:
    return [Choice("shorten", turn.t(Msg.CONTENT_SHORTEN)), Choice("split", turn.t(Msg.CONTENT_SPLIT))]


async def ask_too_long(turn: Turn) -> None:
    length = len(turn.draft.pending_text or "")
    turn.ask(
        turn.t(Msg.CONTENT_TOO_LONG, length=number(length), max=number(turn.config.content_max)),
        await too_long_choices(turn),
    )


async def answer_too_long(turn: Turn, answer: Answer) -> None:
    pending = turn.draft.pending_text or ""
    if answer == Chosen("shorten") or not pending:
        turn.draft.pending_text = None
        await goto(turn, Step.CONTENT)
    elif answer == Chosen("split"):
        head, rest = split_at_boundary(pending, turn.config.content_max)
        turn.draft.content = head
        turn.draft.carry_over = rest or None
        turn.draft.pending_text = None
        turn.say(Msg.CONTENT_SPLIT_DONE, head=number(len(head)), rest=number(len(rest)))
        await advance(turn, Step.LOCATION)
    elif isinstance(answer, Text) and len(answer.text.strip()) >= turn.config.content_min:
        # The citizen simply sent a shorter text: take it as the new content.
        turn.draft.pending_text = None
        await _take_content(turn, answer.text.strip())
    else:
        await wrong_input(turn, answer)


async def ask_location(turn: Turn) -> None:
    turn.ask(
        turn.t(Msg.LOCATION_ASK),
        await skip_choice(turn),
        request=InputRequest.LOCATION,
        request_label=turn.t(Msg.LOCATION_SHARE),
    )


async def answer_location(turn: Turn, answer: Answer) -> None:
    draft = turn.draft
    if answer == Chosen("skip"):
        draft.latitude = draft.longitude = None
        draft.location_text = None
        draft.village_id = None
        draft.location_done = True
        await advance(turn, Step.ATTACHMENTS)
        return
    if isinstance(answer, SharedLocation):
        draft.latitude, draft.longitude = answer.latitude, answer.longitude
        turn.say(Msg.LOCATION_RECEIVED)
    elif isinstance(answer, Text):
        text = " ".join(answer.text.split())
        if len(text) < turn.config.address_min:
            turn.say(Msg.LOCATION_TOO_SHORT)
            return
        if len(text) > turn.config.address_max:
            turn.say(Msg.LOCATION_TOO_LONG, max=turn.config.address_max)
            return
        draft.location_text = text
        turn.say(Msg.LOCATION_TEXT_RECEIVED, text=text)
        village_id = await village_named_in(turn, text)
        if village_id is not None:
            draft.village_id = village_id
            draft.location_done = True
            await advance(turn, Step.ATTACHMENTS)
            return
    else:
        await wrong_input(turn, answer)
        return
    if await turn.villages():
        await goto(turn, Step.VILLAGE)
    else:
        draft.location_done = True
        await advance(turn, Step.ATTACHMENTS)


async def village_choices(turn: Turn) -> list[Choice]:
    choices = [Choice(f"v:{village.id}", village.name) for village in await turn.villages()]
    return [*choices, Choice("skip", turn.t(Msg.COMMON_SKIP))]


async def match_village(turn: Turn, text: str) -> str | None:
    villages = await turn.villages()
    index = village_index([v.name for v in villages], text)
    return f"v:{villages[index].id}" if index is not None else None


async def village_named_in(turn: Turn, text: str) -> int | None:
    """The one village whose name appears (as whole words) in a typed address, if exactly one does."""
    padded = f" {fold_words(text)} "
    found = [v.id for v in await turn.villages() if f" {bare_village_name(v.name)} " in padded]
    return found[0] if len(found) == 1 else None


async def ask_village(turn: Turn) -> None:
    turn.ask(turn.t(Msg.LOCATION_VILLAGE_ASK), await village_choices(turn))


async def answer_village(turn: Turn, answer: Answer) -> None:
    if isinstance(answer, Chosen) and (answer.token == "skip" or answer.token.startswith("v:")):
        turn.draft.village_id = None if answer.token == "skip" else int(answer.token[2:])
        turn.draft.location_done = True
        await advance(turn, Step.ATTACHMENTS)
    elif isinstance(answer, Text):
        turn.say(Msg.LOCATION_VILLAGE_UNKNOWN, text=answer.text.strip()[:60])
        await reask(turn)
    else:
        await wrong_input(turn, answer)


def attachment_problem(turn: Turn, file: SharedFile) -> Msg | None:
    if file.size > turn.config.max_attachment_bytes:
        return Msg.ATTACHMENTS_TOO_BIG
    if file.kind == "photo":
        return None
    suffix = PurePosixPath(file.file_name.lower()).suffix
    if file.mime_type in turn.config.accepted_mime_types or suffix in turn.config.accepted_extensions:
        return None
    return Msg.ATTACHMENTS_BAD_TYPE


def keep_attachment(turn: Turn, file: SharedFile) -> bool:
    """Add the file to the draft if it is acceptable and there is room; say why not otherwise."""
    name = file.file_name or turn.t(Msg.ATTACHMENTS_UNNAMED)
    if len(turn.draft.attachments) >= turn.config.max_attachments:
        turn.say(Msg.ATTACHMENTS_FULL, max=turn.config.max_attachments)
        return False
    error = attachment_problem(turn, file)
    if error is not None:
        turn.say(
            error,
            name=name,
            size_mb=f"{file.size / 1024 / 1024:.1f}",
            max_mb=turn.config.max_attachment_bytes // (1024 * 1024),
        )
        return False
    turn.draft.attachments.append(
        AttachmentInfo(
            kind=file.kind.value,
            file_id=file.file_id,
            mime_type=file.mime_type,
            size=file.size,
            file_name=file.file_name,
        )
    )
    return True


async def attachment_choices(turn: Turn) -> list[Choice]:
    if turn.draft.attachments:
        return [Choice("done", turn.t(Msg.ATTACHMENTS_DONE))]
    return await skip_choice(turn)


async def ask_attachments(turn: Turn) -> None:
    turn.ask(
        turn.t(
            Msg.ATTACHMENTS_ASK,
            max=turn.config.max_attachments,
            max_mb=turn.config.max_attachment_bytes // (1024 * 1024),
        ),
        await attachment_choices(turn),
        request=InputRequest.FILE,
    )


async def answer_attachments(turn: Turn, answer: Answer) -> None:
    if isinstance(answer, SharedFile):
        if not keep_attachment(turn, answer):
            if len(turn.draft.attachments) >= turn.config.max_attachments:
                turn.draft.attachments_done = True
                await advance(turn, await identity_entry(turn))
            return
        count = len(turn.draft.attachments)
        if count >= turn.config.max_attachments:
            turn.say(Msg.ATTACHMENTS_FULL, max=turn.config.max_attachments)
            turn.draft.attachments_done = True
            await advance(turn, await identity_entry(turn))
        else:
            turn.ask(
                turn.t(Msg.ATTACHMENTS_RECEIVED, count=count, max=turn.config.max_attachments),
                await attachment_choices(turn),
                request=InputRequest.FILE,
            )
    elif answer in (Chosen("done"), Chosen("skip")):
        turn.draft.attachments_done = True
        await advance(turn, await identity_entry(turn))
    else:
        await wrong_input(turn, answer)


STEPS.update(
    {
        Step.KIND: StepSpec(
            ask_kind,
            answer_kind,
            Msg.HELP_KIND,
            Msg.COMMON_EXPECTS_CHOICE,
            kind_choices,
            drafting=True,
            part=Part.KIND,
        ),
        Step.FIELD: StepSpec(
            ask_field,
            answer_field,
            Msg.HELP_FIELD,
            Msg.COMMON_EXPECTS_CHOICE,
            field_choices,
            drafting=True,
            part=Part.FIELD,
        ),
        Step.CONTENT: StepSpec(
            ask_content,
            answer_content,
            Msg.HELP_CONTENT,
            Msg.COMMON_EXPECTS_TEXT,
            free_text=True,
            drafting=True,
            part=Part.CONTENT,
        ),
        Step.CONTENT_TOO_LONG: StepSpec(
            ask_too_long,
            answer_too_long,
            Msg.HELP_CONTENT,
            Msg.COMMON_EXPECTS_CHOICE,
            too_long_choices,
            free_text=True,
            drafting=True,
            part=Part.CONTENT,
        ),
        Step.LOCATION: StepSpec(
            ask_location,
            answer_location,
            Msg.HELP_LOCATION,
            Msg.COMMON_EXPECTS_LOCATION,
            skip_choice,
            free_text=True,
            drafting=True,
            part=Part.LOCATION,
            keyboard=True,
        ),
        Step.VILLAGE: StepSpec(
            ask_village,
            answer_village,
            Msg.HELP_VILLAGE,
            Msg.COMMON_EXPECTS_CHOICE,
            village_choices,
            drafting=True,
            part=Part.LOCATION,
            match=match_village,
        ),
        Step.ATTACHMENTS: StepSpec(
            ask_attachments,
            answer_attachments,
            Msg.HELP_ATTACHMENTS,
            Msg.COMMON_EXPECTS_FILE,
            attachment_choices,
            drafting=True,
            part=Part.ATTACHMENTS,
        ),
    }
)
