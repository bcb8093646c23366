"""Submitting a petition: allocate its receipt code, store it with attachments and a first timeline entry."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from handlers.cases.due import begin_stage, first_rule
from handlers.kernel.formatting import local
from handlers.kernel.ports import UnitOfWork
from models.case import Case, CaseAttachment, CaseEvent
from models.commune import Commune
from models.enums import ActorKind, AttachmentKind, CaseAction, CaseKind, CaseStatus
from models.errors import InvalidValue
from models.values import AttachmentInfo, ReceiptCode

# Petitions a clerk enters on a citizen's behalf (paper, phone, a reception session) come through the office.
OFFICE_CHANNEL = "office"


@dataclass(frozen=True)
class SubmitPetition:
    """Everything needed to file one petition, from whatever channel it came."""

    commune: Commune
    channel: str
    kind: CaseKind
    field_slug: str
    content: str
    received_at: datetime
    citizen_id: int | None = None
    anonymous: bool = False
    name: str | None = None
    phone: str | None = None
    address: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    location_text: str | None = None
    village_id: int | None = None
    attachments: Sequence[AttachmentInfo] = field(default=())
    language: str = "vi"
    actor_kind: ActorKind = ActorKind.CITIZEN
    actor_id: int | None = None
    source: str = "chat"  # for OFFICE_CHANNEL: paper, phone or reception
    office_pending: bool = False  # the office takes it in after the turn (handlers.cases.arrivals)
    reception_key: str | None = None  # the reception session it was raised at (cases.reception_sessions)


async def submit_petition(uow: UnitOfWork, command: SubmitPetition, *, now: datetime) -> Case:
    """File the petition inside the caller's unit of work; the caller commits.

    The receipt sequence is reserved in the same transaction, so a failed commit gives the number back.
    """
    if not command.content.strip():
        raise InvalidValue("empty content")
    fields = {f.slug for f in await uow.communes.fields(command.commune.id)}
    if command.field_slug not in fields:
        raise InvalidValue(f"unknown field {command.field_slug!r}")
    if not command.anonymous and not (command.name and command.address):
        raise InvalidValue("identity required unless anonymous")
    if not command.anonymous and command.channel != OFFICE_CHANNEL and not command.phone:
        raise InvalidValue("a chat petition needs a phone number")
    year = local(command.received_at).year
    sequence = await uow.cases.next_sequence(command.commune.id, year)
    code = ReceiptCode(command.commune.code, year, sequence)
    identity = (None, None, None) if command.anonymous else (command.name, command.phone, command.address)
    case = Case(
        commune_id=command.commune.id,
        code=str(code),
        year=year,
        sequence=sequence,
        kind=command.kind,
        field_slug=command.field_slug,
        content=command.content.strip(),
        status=CaseStatus.RECEIVED,
        channel=command.channel,
        received_at=command.received_at,
        created_at=now,
        updated_at=now,
        citizen_id=command.citizen_id,
        is_anonymous=command.anonymous,
        petitioner_name=identity[0],
        petitioner_phone=identity[1],
        petitioner_address=identity[2],
        latitude=command.latitude,
        longitude=command.longitude,
        location_text=command.location_text,
        village_id=command.village_id,
        language=command.language,
        source=command.source,
        office_pending=command.office_pending,
        reception_key=command.reception_key,
    )
    begin_stage(
        case, first_rule(command.commune, case)
    )  # its due date is computed when the office takes it in
    await uow.cases.add(case)
    for info in command.attachments:
        await uow.cases.add_attachment(
            CaseAttachment(
                case_id=case.id,
                commune_id=case.commune_id,
                channel=command.channel,
                file_id=info.file_id,
                kind=AttachmentKind(info.kind),
                mime_type=info.mime_type,
                size=info.size,
                file_name=info.file_name,
                added_at=now,
                added_by=command.actor_kind,
            )
        )
    await uow.cases.add_event(
        CaseEvent(
            case_id=case.id,
            commune_id=case.commune_id,
            at=now,
            actor_kind=command.actor_kind,
            actor_id=command.actor_id,
            action=CaseAction.SUBMITTED,
            from_status=None,
            to_status=CaseStatus.RECEIVED,
            data={"channel": command.channel, "attachments": len(command.attachments)},
            public=True,
        )
    )
    return case
