"""The steps of filing a petition, tracking one, consent and language, registered into ``flow.STEPS``."""

from __future__ import annotations

from pathlib import PurePosixPath

from handlers.cases.citizen_turn import Turn
from handlers.cases.citizen_views import case_status_text, my_cases_text
from handlers.cases.draft import Draft
from handlers.cases.flow import (
    STEPS,
    Answer,
    Chosen,
    Part,
    Step,
    StepSpec,
    dispatch,
    goto,
    reask,
    return_from_side_step,
    wrong_input,
)
from handlers.cases.submission import SubmitPetition, submit_petition
from handlers.cases.tracking import find_own_case, own_cases
from handlers.kernel.catalogue.keys import Msg
from handlers.kernel.config import CONSENT_TEXT_VERSION
from handlers.kernel.events import SharedContact, SharedFile, SharedLocation, Text
from handlers.kernel.labels import KIND_LABELS
from handlers.kernel.names import bare_village_name, valid_name, village_index
from handlers.kernel.replies import Choice, InputRequest
from handlers.kernel.text import fold_words, split_at_boundary
from models.citizen import ConsentRecord
from models.commune import Commune
from models.enums import CaseKind, ConsentDecision
from models.errors import InvalidValue
from models.values import AttachmentInfo, PhoneNumber, ReceiptCode

# -- navigation ----------------------------------------------------------------------------------------


async def advance(turn: Turn, next_step: Step) -> None:
    """Move on in the filing flow. While editing one part, go back to the summary once that part is done;
    and the summary is only shown when nothing required is missing."""
    current = STEPS[Step(turn.step)].part
    if turn.draft.editing and STEPS[next_step].part != current:
        turn.draft.editing = False
        next_step = Step.SUMMARY
    if next_step is Step.SUMMARY:
        next_step = await missing_step(turn) or Step.SUMMARY
    await goto(turn, next_step)


async def missing_step(turn: Turn) -> Step | None:
    """The first step whose required answer the draft still lacks."""
    draft = turn.draft
    kind = draft.case_kind
    if kind is None:
        return Step.KIND
    if draft.anonymous and not kind.allowed_without_consent and not draft.anonymous_confirmed:
        return Step.NEED_CONSENT
    if not draft.field:
        return Step.FIELD
    if not draft.content:
        return Step.CONTENT
    if not draft.anonymous and not draft.has_identity:
        citizen = await turn.citizen()
        return Step.SAVED_IDENTITY if citizen and citizen.has_identity else Step.NAME
    return None


# -- starting and consent ------------------------------------------------------------------------------


async def current_consent(turn: Turn) -> ConsentRecord | None:
    """The consent in force for this citizen and this notice text, if they granted it."""
    citizen = await turn.citizen()
    if citizen is None:
        return None
    record = await turn.uow.citizens.latest_consent(citizen.commune_id, citizen.id)
    if record is None or not record.granted or record.text_version != CONSENT_TEXT_VERSION:
        return None
    return record


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


async def _record_consent(turn: Turn, decision: ConsentDecision) -> None:
    citizen = await turn.ensure_citizen()
    await turn.uow.citizens.add_consent(
        ConsentRecord(
            commune_id=citizen.commune_id,
            citizen_id=citizen.id,
            text_version=CONSENT_TEXT_VERSION,
            decision=decision,
            channel=turn.event.channel,
            at=turn.now,
        )
    )


async def ask_consent(turn: Turn) -> None:
    turn.ask(turn.t(Msg.CONSENT_ASK), await consent_choices(turn))


async def consent_choices(turn: Turn) -> list[Choice]:
    # Never pre-selected: both are plain choices and silence moves nothing forward.
    return [Choice("agree", turn.t(Msg.CONSENT_AGREE)), Choice("disagree", turn.t(Msg.CONSENT_DISAGREE))]


async def answer_consent(turn: Turn, answer: Answer) -> None:
    if answer == Chosen("agree"):
        await _record_consent(turn, ConsentDecision.GRANTED)
        turn.draft.anonymous = False
        turn.draft.anonymous_confirmed = False
        turn.say(Msg.CONSENT_GRANTED)
    elif answer == Chosen("disagree"):
        await _record_consent(turn, ConsentDecision.REFUSED)
        turn.draft.anonymous = True
        turn.draft.clear_identity()
        turn.say(Msg.CONSENT_REFUSED)
    else:
        await wrong_input(turn, answer)
        return
    if turn.draft.kind:
        await after_kind(turn)
    else:
        await goto(turn, Step.KIND)


async def ask_need_consent(turn: Turn) -> None:
    text = Msg.CONSENT_NEEDED_TO_CAO if turn.draft.kind == CaseKind.TO_CAO else Msg.CONSENT_NEEDED_KHIEU_NAI
    turn.ask(turn.t(text), await need_consent_choices(turn))


async def need_consent_choices(turn: Turn) -> list[Choice]:
    choices = [Choice("give", turn.t(Msg.CONSENT_GIVE_IDENTITY))]
    if turn.draft.kind == CaseKind.TO_CAO:
        # Luật Tố cáo 2018 Điều 25: an anonymous denunciation may still be handled; the clerk decides.
        choices.append(Choice("anonymous", turn.t(Msg.CONSENT_SEND_ANONYMOUS)))
    choices.append(Choice("other", turn.t(Msg.CONSENT_OTHER_KIND)))
    return choices


async def answer_need_consent(turn: Turn, answer: Answer) -> None:
    if answer == Chosen("give"):
        await goto(turn, Step.CONSENT)
    elif answer == Chosen("anonymous"):
        turn.draft.anonymous_confirmed = True
        await advance(turn, Step.FIELD)
    elif answer == Chosen("other"):
        turn.draft.kind = None
        await goto(turn, Step.KIND)
    else:
        await wrong_input(turn, answer)


# -- kind, field, content ------------------------------------------------------------------------------


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
    limits = {"min": turn.config.content_min, "max": _number(turn.config.content_max)}
    if turn.draft.kind == CaseKind.HOI_DAP:
        turn.ask(turn.t(Msg.CONTENT_ASK_QUESTION, **limits))
    else:
        kind = turn.draft.case_kind or CaseKind.PHAN_ANH
        turn.ask(turn.t(Msg.CONTENT_ASK, kind=turn.kind_label(kind).lower(), **limits))


async def answer_content(turn: Turn, answer: Answer) -> None:
    if isinstance(answer, Text):
        await _take_content(turn, answer.text.strip())
    elif isinstance(answer, SharedFile):
        kept = _keep_attachment(turn, answer)
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
        turn.t(Msg.CONTENT_TOO_LONG, length=_number(length), max=_number(turn.config.content_max)),
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
        turn.say(Msg.CONTENT_SPLIT_DONE, head=_number(len(head)), rest=_number(len(rest)))
        await advance(turn, Step.LOCATION)
    elif isinstance(answer, Text) and len(answer.text.strip()) >= turn.config.content_min:
        # The citizen simply sent a shorter text: take it as the new content.
        turn.draft.pending_text = None
        await _take_content(turn, answer.text.strip())
    else:
        await wrong_input(turn, answer)


# -- location and attachments --------------------------------------------------------------------------


async def skip_choice(turn: Turn) -> list[Choice]:
    return [Choice("skip", turn.t(Msg.COMMON_SKIP))]


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


def _keep_attachment(turn: Turn, file: SharedFile) -> bool:
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
        if not _keep_attachment(turn, answer):
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


# -- identity ------------------------------------------------------------------------------------------


async def identity_entry(turn: Turn) -> Step:
    if turn.draft.anonymous:
        return Step.SUMMARY
    citizen = await turn.citizen()
    if citizen is not None and citizen.has_identity:
        return Step.SAVED_IDENTITY
    return Step.NAME


async def saved_identity_choices(turn: Turn) -> list[Choice]:
    return [Choice("use", turn.t(Msg.IDENTITY_USE_SAVED)), Choice("new", turn.t(Msg.IDENTITY_ENTER_NEW))]


async def ask_saved_identity(turn: Turn) -> None:
    citizen = await turn.citizen()
    if citizen is None or not citizen.has_identity:
        await goto(turn, Step.NAME)
        return
    turn.ask(
        turn.t(Msg.IDENTITY_SAVED_ASK, name=citizen.full_name, phone=citizen.phone, address=citizen.address),
        await saved_identity_choices(turn),
    )


async def answer_saved_identity(turn: Turn, answer: Answer) -> None:
    citizen = await turn.citizen()
    if answer == Chosen("use") and citizen is not None:
        turn.draft.name, turn.draft.phone, turn.draft.address = (
            citizen.full_name,
            citizen.phone,
            citizen.address,
        )
        await advance(turn, Step.SUMMARY)
    elif answer == Chosen("new"):
        await goto(turn, Step.NAME)
    else:
        await wrong_input(turn, answer)


async def ask_name(turn: Turn) -> None:
    turn.ask(turn.t(Msg.IDENTITY_NAME_ASK))


async def answer_name(turn: Turn, answer: Answer) -> None:
    if not isinstance(answer, Text):
        await wrong_input(turn, answer)
        return
    name = valid_name(answer.text)
    if name is None:
        turn.say(Msg.IDENTITY_NAME_INVALID)
        return
    turn.draft.name = name
    await advance(turn, Step.PHONE)


async def ask_phone(turn: Turn) -> None:
    turn.ask(
        turn.t(Msg.IDENTITY_PHONE_ASK),
        request=InputRequest.CONTACT,
        request_label=turn.t(Msg.IDENTITY_PHONE_SHARE),
    )


async def answer_phone(turn: Turn, answer: Answer) -> None:
    if isinstance(answer, SharedContact):
        raw = answer.phone
    elif isinstance(answer, Text):
        raw = answer.text
    else:
        await wrong_input(turn, answer)
        return
    try:
        phone = PhoneNumber.parse(raw)
    except InvalidValue:
        turn.say(Msg.IDENTITY_PHONE_INVALID, text=raw.strip()[:30])
        return
    turn.draft.phone = phone.national
    turn.say(Msg.IDENTITY_PHONE_RECEIVED, phone=phone.national)
    address = valid_address(turn, answer.address) if isinstance(answer, SharedContact) else None
    if address is not None:
        # Shared with the phone (a Zalo OA's form): kept, and shown in the summary, where it can be changed.
        turn.draft.address = address
        await advance(turn, Step.SUMMARY)
        return
    await advance(turn, Step.ADDRESS)


async def ask_address(turn: Turn) -> None:
    turn.ask(turn.t(Msg.IDENTITY_ADDRESS_ASK))


def valid_address(turn: Turn, text: str) -> str | None:
    """An address: within the length limits, with letters in it."""
    address = " ".join(text.split())
    if not turn.config.address_min <= len(address) <= turn.config.address_max:
        return None
    return address if any(ch.isalpha() for ch in address) else None


async def answer_address(turn: Turn, answer: Answer) -> None:
    if not isinstance(answer, Text):
        await wrong_input(turn, answer)
        return
    address = valid_address(turn, answer.text)
    if address is None:
        turn.say(Msg.IDENTITY_ADDRESS_INVALID)
        return
    turn.draft.address = address
    await advance(turn, Step.SUMMARY)


# -- summary, edit, submit -----------------------------------------------------------------------------


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
    turn.ask(turn.t(Msg.RECEIPT_CARRY_OVER_ASK, rest=_number(len(rest))), await carry_over_choices(turn))


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


# -- menu, resume, commune -----------------------------------------------------------------------------


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


# -- looking up cases, consent withdrawal --------------------------------------------------------------


async def show_case(turn: Turn, text: str) -> None:
    assert turn.commune is not None
    try:
        case = await find_own_case(turn.uow, turn.commune.id, turn.citizen_id, text)
    except InvalidValue:
        turn.say(Msg.TRACK_BAD_CODE, text=text.strip()[:40])
        return
    if case is None:
        code = ReceiptCode.find(text)
        turn.say(Msg.TRACK_NOT_FOUND, code=str(code) if code else text.strip()[:40])
        return
    turn.say_text(await case_status_text(turn, case))


async def show_my_cases(turn: Turn) -> None:
    assert turn.commune is not None
    cases = await own_cases(turn.uow, turn.commune.id, turn.citizen_id)
    turn.say_text(await my_cases_text(turn, cases))


async def track_choices(turn: Turn) -> list[Choice]:
    assert turn.commune is not None
    cases = await own_cases(turn.uow, turn.commune.id, turn.citizen_id, limit=5)
    return [Choice(f"c:{case.code}", case.code) for case in cases] + [Choice("back", turn.t(Msg.COMMON_BACK))]


async def ask_track(turn: Turn) -> None:
    turn.ask(turn.t(Msg.TRACK_ASK), await track_choices(turn))


async def answer_track(turn: Turn, answer: Answer) -> None:
    if answer == Chosen("back"):
        await return_from_side_step(turn)
    elif isinstance(answer, Chosen) and answer.token.startswith("c:"):
        await show_case(turn, answer.token[2:])
        await return_from_side_step(turn)
    elif isinstance(answer, Text):
        if ReceiptCode.find(answer.text) is None:
            turn.say(Msg.TRACK_BAD_CODE, text=answer.text.strip()[:40])
            await reask(turn)
            return
        await show_case(turn, answer.text)
        await return_from_side_step(turn)
    else:
        await wrong_input(turn, answer)


async def withdraw_choices(turn: Turn) -> list[Choice]:
    return [
        Choice("withdraw", turn.t(Msg.CONSENT_WITHDRAW_CONFIRM)),
        Choice("keep", turn.t(Msg.CONSENT_WITHDRAW_KEEP)),
    ]


async def ask_withdraw(turn: Turn) -> None:
    turn.ask(turn.t(Msg.CONSENT_WITHDRAW_ASK), await withdraw_choices(turn))


async def answer_withdraw(turn: Turn, answer: Answer) -> None:
    if answer == Chosen("withdraw"):
        await _record_consent(turn, ConsentDecision.WITHDRAWN)
        citizen = await turn.ensure_citizen()
        citizen.forget_identity()
        turn.draft.anonymous = True
        turn.draft.clear_identity()
        turn.say(Msg.CONSENT_WITHDRAWN, time=turn.when(turn.now))
        await return_from_side_step(turn)
    elif answer == Chosen("keep"):
        turn.say(Msg.CONSENT_WITHDRAW_KEPT)
        await return_from_side_step(turn)
    else:
        await wrong_input(turn, answer)


async def language_choices(turn: Turn) -> list[Choice]:
    return [Choice("lang:vi", turn.t(Msg.LANGUAGE_VI)), Choice("lang:en", turn.t(Msg.LANGUAGE_EN))]


async def ask_language(turn: Turn) -> None:
    turn.ask(turn.t(Msg.LANGUAGE_ASK), await language_choices(turn))


async def answer_language(turn: Turn, answer: Answer) -> None:
    """Language rule 1: the citizen's own choice wins over detection and the client's setting."""
    if isinstance(answer, Chosen) and answer.token in ("lang:vi", "lang:en"):
        turn.set_language(answer.token[5:], "chosen")
        turn.say(Msg.LANGUAGE_SET)
        await return_from_side_step(turn)
    else:
        await wrong_input(turn, answer)


def _number(value: int) -> str:
    """Vietnamese thousands separator: 4000 → 4.000."""
    return f"{value:,}".replace(",", ".")


# -- the table -----------------------------------------------------------------------------------------

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
        Step.CONSENT: StepSpec(
            ask_consent,
            answer_consent,
            Msg.HELP_CONSENT,
            Msg.COMMON_EXPECTS_CHOICE,
            consent_choices,
            drafting=True,
            part=Part.KIND,
        ),
        Step.NEED_CONSENT: StepSpec(
            ask_need_consent,
            answer_need_consent,
            Msg.HELP_CONSENT,
            Msg.COMMON_EXPECTS_CHOICE,
            need_consent_choices,
            drafting=True,
            part=Part.KIND,
        ),
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
        Step.SAVED_IDENTITY: StepSpec(
            ask_saved_identity,
            answer_saved_identity,
            Msg.HELP_IDENTITY,
            Msg.COMMON_EXPECTS_CHOICE,
            saved_identity_choices,
            drafting=True,
            part=Part.IDENTITY,
        ),
        Step.NAME: StepSpec(
            ask_name,
            answer_name,
            Msg.HELP_IDENTITY,
            Msg.COMMON_EXPECTS_TEXT,
            free_text=True,
            drafting=True,
            part=Part.IDENTITY,
        ),
        Step.PHONE: StepSpec(
            ask_phone,
            answer_phone,
            Msg.HELP_IDENTITY,
            Msg.COMMON_EXPECTS_PHONE,
            free_text=True,
            drafting=True,
            part=Part.IDENTITY,
            keyboard=True,
        ),
        Step.ADDRESS: StepSpec(
            ask_address,
            answer_address,
            Msg.HELP_IDENTITY,
            Msg.COMMON_EXPECTS_TEXT,
            free_text=True,
            drafting=True,
            part=Part.IDENTITY,
        ),
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
        Step.TRACK_CODE: StepSpec(
            ask_track, answer_track, Msg.HELP_TRACK, Msg.COMMON_EXPECTS_TEXT, track_choices, free_text=True
        ),
        Step.WITHDRAW_CONSENT: StepSpec(
            ask_withdraw, answer_withdraw, Msg.HELP_CONSENT, Msg.COMMON_EXPECTS_CHOICE, withdraw_choices
        ),
        Step.LANGUAGE: StepSpec(
            ask_language, answer_language, Msg.HELP_MENU, Msg.COMMON_EXPECTS_CHOICE, language_choices
        ),
    }
)
