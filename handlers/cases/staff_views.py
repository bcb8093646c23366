"""What staff read: a case with its timeline (/hoso), the queue (/hangdoi), search (/timkiem) and a unit's
work list (/viec). Who sent a case is shown only where ``Actor.sees_identity`` allows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from handlers.cases.cards import TRIAGE_ACTIONS, token, triage_choices
from handlers.cases.deadline_decisions import deadline_lines
from handlers.cases.redact import mask_identity, visible_content
from handlers.cases.staff_turn import StaffTurn
from handlers.kernel.catalogue.keys import Msg
from handlers.kernel.replies import Choice, Reply
from handlers.kernel.text import fold_words, shorten
from models.case import Case, CaseEvent
from models.enums import OPEN_STATUSES, ActorKind, CaseAction, CaseStatus
from models.staff import Role

LINE_CONTENT = 80
S = CaseStatus
STATUS_FILTERS: dict[str, CaseStatus] = {
    "moi": S.RECEIVED,
    "new": S.RECEIVED,
    "thuly": S.ACCEPTED,
    "accepted": S.ACCEPTED,
    "dangxuly": S.IN_PROGRESS,
    "assigned": S.IN_PROGRESS,
    "chobosung": S.AWAITING_INFO,
    "waiting": S.AWAITING_INFO,
}
OVERDUE_FILTERS = frozenset({"quahan", "overdue"})
# Event data that explains an entry, by action: which key of ``data`` and how it reads.
DETAIL_KEYS: dict[CaseAction, tuple[str, ...]] = {
    CaseAction.NOTE: ("text",),
    CaseAction.PROGRESS: ("text",),
    CaseAction.DECLINED: ("reason",),
    CaseAction.FORWARDED: ("destination", "reason"),
    CaseAction.ASSIGNED: ("unit",),
    CaseAction.INFO_REQUESTED: ("question",),
    CaseAction.INFO_RECEIVED: ("answer",),
    CaseAction.MERGED: ("original", "duplicate"),
    CaseAction.RECLASSIFIED: ("from", "to", "reason"),
    CaseAction.RESULT_RETURNED: ("comment",),
    CaseAction.DEADLINE_MOVED: ("from", "to"),
    CaseAction.EXTENDED: ("from", "to", "reason"),
    CaseAction.URGENCY: ("from", "to"),
}


async def due_text(turn: StaffTurn, case: Case) -> str:
    due = await turn.desk.due(case)
    if due is None:
        return ""
    if due.paused:
        return turn.t(Msg.OFFICE_QUEUE_PAUSED)
    key = Msg.OFFICE_QUEUE_OVERDUE if turn.desk.overdue(due) else Msg.OFFICE_QUEUE_DUE
    return turn.t(key, date=turn.desk.day(due.day))


# -- /hoso -----------------------------------------------------------------------------------------------


async def show_case(turn: StaffTurn, case: Case) -> None:
    actor = turn.me
    desk = turn.desk
    identity = actor.sees_identity(case, in_group=turn.in_group)
    lines = [
        turn.t(
            Msg.OFFICE_VIEW_HEADER,
            code=case.code,
            kind=desk.kind_label(case.kind),
            field=await desk.field_label(case.field_slug),
        ),
        turn.t(Msg.OFFICE_VIEW_STATUS, status=desk.status_label(case.status)),
        desk.received_label(case),
        _petitioner_line(turn, case, identity),
    ]
    village = await desk.village_name(case.village_id)
    if village:
        lines.append(turn.t(Msg.CARD_VILLAGE, village=village))
    if case.location_text and (identity or not case.kind.is_confidential):
        lines.append(turn.t(Msg.OFFICE_VIEW_LOCATION, location=case.location_text))
    lines.append(turn.t(Msg.OFFICE_VIEW_CONTENT, content=visible_content(case, identity=identity)))
    files = [a for a in await turn.uow.cases.attachments(case.commune_id, case.id) if a.result_id is None]
    if files:
        lines.append(turn.t(Msg.OFFICE_VIEW_ATTACHMENTS, count=len(files)))
    if case.unit_id is not None:
        lines.append(turn.t(Msg.OFFICE_VIEW_UNIT, unit=await desk.unit_name(case.unit_id)))
    lines.extend(await deadline_lines(desk, case))
    lines.append(turn.t(Msg.OFFICE_VIEW_TIMELINE))
    events = await turn.uow.cases.events(case.commune_id, case.id)
    names = await _staff_names(turn, events)
    for event in events:
        lines.append(_event_line(turn, case, event, names, identity))
    turn.say_text(
        "\n".join(lines),
        _case_choices(turn, case, bool(files) and (identity or not case.kind.is_confidential)),
    )


def _petitioner_line(turn: StaffTurn, case: Case, identity: bool) -> str:
    if case.is_anonymous:
        return turn.t(Msg.OFFICE_VIEW_ANONYMOUS)
    if identity:
        return turn.t(
            Msg.OFFICE_VIEW_PETITIONER,
            name=case.petitioner_name or "",
            phone=case.petitioner_phone or turn.t(Msg.ENTER_NONE),
            address=case.petitioner_address or "",
        )
    if turn.in_group:
        return turn.t(Msg.OFFICE_VIEW_PETITIONER_GROUP)
    return turn.t(Msg.OFFICE_VIEW_PETITIONER_HIDDEN)


async def _staff_names(turn: StaffTurn, events: Sequence[CaseEvent]) -> dict[int, str]:
    names: dict[int, str] = {}
    for event in events:
        if event.actor_kind is ActorKind.STAFF and event.actor_id is not None and event.actor_id not in names:
            member = await turn.uow.staff.get(turn.me.commune_id, event.actor_id)
            names[event.actor_id] = member.name if member is not None and member.name else "?"
    return names


def _event_line(turn: StaffTurn, case: Case, event: CaseEvent, names: dict[int, str], identity: bool) -> str:
    if event.actor_kind is ActorKind.STAFF and event.actor_id is not None:
        who = turn.t(Msg.OFFICE_VIEW_BY, name=names.get(event.actor_id, "?"))
    elif event.actor_kind is ActorKind.CITIZEN:
        who = turn.t(Msg.OFFICE_VIEW_BY_CITIZEN)
    else:
        who = ""
    parts = [str(event.data[key]) for key in DETAIL_KEYS.get(event.action, ()) if event.data.get(key)]
    detail = ": " + " — ".join(parts) if parts else ""
    if detail and not identity and case.kind.is_confidential:
        detail = mask_identity(
            detail, name=case.petitioner_name, phone=case.petitioner_phone, address=case.petitioner_address
        )
    return turn.t(
        Msg.OFFICE_VIEW_EVENT,
        time=turn.desk.when(event.at),
        what=turn.t(Msg(f"event.{event.action.value}")),
        who=who,
        detail=shorten(detail, 400),
    )


def _case_choices(turn: StaffTurn, case: Case, files: bool) -> list[Choice]:
    actor = turn.me
    choices: list[Choice] = []
    if actor.handles_triage and case.status in TRIAGE_ACTIONS:
        choices += triage_choices(turn.desk, case)
    elif (
        Role.UNIT in actor.roles
        and case.unit_id in actor.unit_ids
        and case.status in (S.ACCEPTED, S.IN_PROGRESS)
    ):
        choices += [
            Choice(token("prg", case.id), turn.t(Msg.OFFICE_PROGRESS)),
            Choice(token("res", case.id), turn.t(Msg.OFFICE_RESULT)),
            Choice(token("note", case.id), turn.t(Msg.CARD_NOTE)),
        ]
    if files and not turn.in_group:
        choices.append(Choice(token("files", case.id), turn.t(Msg.OFFICE_FILES)))
    return choices


async def send_files(turn: StaffTurn, case: Case) -> None:
    """The petition's photos and documents, in a private chat, to those who may see them."""
    if turn.in_group:
        turn.say(Msg.OFFICE_PRIVATE_ONLY)
        return
    identity = turn.me.sees_identity(case, in_group=False)
    if case.kind.is_confidential and not identity:
        turn.refuse()
        return
    files = [
        a
        for a in await turn.uow.cases.attachments(case.commune_id, case.id)
        if a.result_id is None and a.reaches(turn.event.channel)
    ]
    if not files:
        turn.say(Msg.OFFICE_NO_FILES, code=case.code)
        return
    attachments = tuple(
        {"kind": a.kind.value, "file_id": a.file_id, "file_name": a.file_name, "mime_type": a.mime_type}
        for a in files
    )
    turn.replies.append(
        Reply(turn.t(Msg.OFFICE_FILES_OF, code=case.code, count=len(files)), attachments=attachments)
    )


# -- /hangdoi --------------------------------------------------------------------------------------------


@dataclass
class QueueFilter:
    statuses: set[CaseStatus] = field(default_factory=set)
    unit_id: int | None = None
    unit_name: str = ""
    field_slug: str | None = None
    overdue: bool = False
    words: list[str] = field(default_factory=list)


async def parse_filters(turn: StaffTurn, text: str) -> QueueFilter | None:
    wanted = QueueFilter()
    fields = {item.slug: item for item in await turn.desk.fields()}
    for word in text.split():
        folded = fold_words(word).replace(" ", "")
        if folded.replace("_", "") in STATUS_FILTERS:
            wanted.statuses.add(STATUS_FILTERS[folded.replace("_", "")])
        elif folded.replace("_", "") in OVERDUE_FILTERS:
            wanted.overdue = True
        elif word.lower() in fields:
            wanted.field_slug = word.lower()
        elif (unit := await turn.desk.unit_by_code(word)) is not None:
            wanted.unit_id, wanted.unit_name = unit.id, unit.code
        else:
            turn.say(Msg.OFFICE_QUEUE_UNKNOWN_FILTER, text=shorten(word, 30))
            return None
        wanted.words.append(word)
    return wanted


async def show_queue(turn: StaffTurn, text: str) -> None:
    wanted = await parse_filters(turn, text)
    if wanted is None:
        return
    statuses = sorted(wanted.statuses or OPEN_STATUSES)
    cases = await turn.uow.cases.queue(
        turn.me.commune_id,
        statuses=statuses,
        unit_id=wanted.unit_id,
        field_slug=wanted.field_slug,
        limit=1000,
    )
    if wanted.overdue:
        cases = [
            case
            for case in cases
            if (due := await turn.desk.due(case)) is not None and turn.desk.overdue(due)
        ]
    await _list(
        turn, cases, header=turn.t(Msg.OFFICE_QUEUE_HEADER, filters=_filters_text(wanted), count=len(cases))
    )


def _filters_text(wanted: QueueFilter) -> str:
    return f" ({', '.join(wanted.words)})" if wanted.words else ""


async def _list(turn: StaffTurn, cases: Sequence[Case], *, header: str) -> None:
    if not cases:
        turn.say_text(f"{header}\n{turn.t(Msg.OFFICE_QUEUE_EMPTY)}")
        return
    page = turn.office.config.queue_page
    lines = [header]
    for case in cases[:page]:
        lines.append(await queue_line(turn, case))
    if len(cases) > page:
        lines.append(turn.t(Msg.OFFICE_QUEUE_MORE, count=len(cases) - page))
    turn.say_text("\n".join(lines))


async def queue_line(turn: StaffTurn, case: Case) -> str:
    unit = await turn.desk.unit_code(case.unit_id)
    return turn.t(
        Msg.OFFICE_QUEUE_LINE,
        code=case.code,
        kind=turn.desk.kind_label(case.kind),
        field=await turn.desk.field_label(case.field_slug),
        status=turn.desk.status_label(case.status),
        unit=turn.t(Msg.OFFICE_QUEUE_UNIT, unit=unit) if unit else "",
        due=await due_text(turn, case),
    )


# -- /timkiem --------------------------------------------------------------------------------------------


async def search(turn: StaffTurn, text: str) -> None:
    words = [word for word in fold_words(text).split() if len(word) >= 2]
    if not words:
        turn.say(Msg.OFFICE_USAGE, usage=turn.t(Msg.OFFICE_USAGE_SEARCH))
        return
    cases = [
        case
        for case in await turn.uow.cases.search(turn.me.commune_id, words, limit=50)
        if turn.me.sees(case)
    ]
    if not cases:
        turn.say(Msg.OFFICE_SEARCH_EMPTY, text=shorten(text, 60))
        return
    lines = [turn.t(Msg.OFFICE_SEARCH_HEADER, text=shorten(text, 60), count=len(cases))]
    for case in cases[: turn.office.config.queue_page]:
        identity = turn.me.sees_identity(case, in_group=turn.in_group)
        lines.append(
            turn.t(
                Msg.OFFICE_SEARCH_LINE,
                code=case.code,
                kind=turn.desk.kind_label(case.kind),
                status=turn.desk.status_label(case.status),
                content=shorten(visible_content(case, identity=identity), LINE_CONTENT),
            )
        )
    turn.say_text("\n".join(lines))


# -- /viec -----------------------------------------------------------------------------------------------


async def show_work(turn: StaffTurn) -> None:
    for unit_id in sorted(turn.me.unit_ids):
        unit = await turn.desk.unit_name(unit_id)
        cases = await turn.uow.cases.queue(
            turn.me.commune_id, statuses=sorted(OPEN_STATUSES), unit_id=unit_id, limit=1000
        )
        if not cases:
            turn.say(Msg.OFFICE_WORK_NONE, unit=unit)
            continue
        await _list(turn, cases, header=turn.t(Msg.OFFICE_WORK_HEADER, unit=unit, count=len(cases)))
