"""Dialogue conferences (hội nghị đối thoại): announcing them, moving or cancelling them, signing up and
asking in advance, the chair's list, the results, and the reminders.

The law (Luật Tổ chức chính quyền địa phương 2025 Điều 43) wants a session announced at least 7 days ahead
and its results published within 10 days. Every notice goes to the subscribers of the session's villages as
a broadcast (``handlers.broadcasts.engine``) that carries the session's version: moving the session bumps
the version, gives up what is still queued for the old time, and sends a correction; the reminders (1 day
and 2 hours before) are keyed by version, so a moved session gets reminders for its new time and never for
the old one.
"""

from __future__ import annotations

import io
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from icalendar import Calendar, Event
from openpyxl import Workbook
from openpyxl.styles import Font

from handlers.broadcasts.engine import Audience, create, supersede
from handlers.cases.desk import Desk
from handlers.cases.submission import SubmitPetition, submit_petition
from handlers.kernel.catalogue.keys import Msg
from handlers.kernel.formatting import local
from handlers.kernel.ports import UnitOfWork
from handlers.kernel.replies import Reply, made_file
from models.broadcast import Broadcast, BroadcastKind
from models.case import Case
from models.citizen import Citizen
from models.commune import Commune
from models.conference import CODE_PREFIX, Conference, ConferenceParticipant
from models.enums import CaseKind
from models.subscription import Topic

NOTICE_DAYS = 7  # announced at least this long before (Điều 43)
RESULTS_DUE_DAYS = 10  # results published within this (Điều 43)
RESULTS_REMIND_DAYS = 7  # the office is reminded this long after the session, before the legal limit
DEFAULT_LENGTH = timedelta(hours=2)
REMINDERS = (("1d", timedelta(days=1)), ("2h", timedelta(hours=2)))
ICS_MIME = "text/calendar"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def parse_code(text: str) -> int | None:
    """``DT3``, ``dt3`` or ``3`` → 3."""
    word = text.strip().upper().removeprefix(CODE_PREFIX)
    return int(word) if word.isdecimal() and 0 < len(word) <= 6 else None


async def by_code(desk: Desk, text: str) -> Conference | None:
    number = parse_code(text)
    return await desk.uow.conferences.get(desk.commune.id, number) if number is not None else None


def too_soon(starts_at: datetime, now: datetime) -> bool:
    return starts_at - now < timedelta(days=NOTICE_DAYS)


@dataclass(frozen=True)
class Plan:
    """What the clerk's guided flow collected."""

    title: str
    field_slug: str
    starts_at: datetime
    ends_at: datetime
    place: str
    online_link: str
    chair: str
    village_ids: tuple[int, ...]
    case_ids: tuple[int, ...]
    urgent_note: str = ""


# -- what the notices say ----------------------------------------------------------------------------


async def describe(desk: Desk, session: Conference, language: str) -> str:
    """The session in a few lines: what, when, where (and online), who chairs, for whom."""
    t = desk.t_in
    villages = [await desk.village_name(v) or "" for v in session.village_ids]
    lines = [
        t(
            language,
            Msg.CONFERENCE_ABOUT,
            code=session.code,
            title=session.title,
            field=await desk.field_label(session.field_slug, language),
            start=desk.when(session.starts_at, language),
            end=f"{local(session.ends_at):%H:%M}",
            place=session.place,
            chair=session.chair,
            audience=", ".join(villages) if villages else t(language, Msg.CONFERENCE_WHOLE_COMMUNE),
        )
    ]
    if session.online_link:
        lines.append(t(language, Msg.CONFERENCE_ONLINE, link=session.online_link))
    return "\n".join(lines)


Extra = str | Msg | datetime


def _in(desk: Desk, language: str, value: Extra) -> str:
    if isinstance(value, Msg):
        return desk.t_in(language, value)
    if isinstance(value, datetime):
        return desk.when(value, language)
    return value


async def notice_texts(
    desk: Desk, session: Conference, kind: BroadcastKind, **extra: Extra
) -> dict[str, str]:
    """The notice of ``kind`` in every language of the catalogue (a sentence or a time in ``extra`` is put
    in each language)."""
    heads = {
        BroadcastKind.CONFERENCE_NOTICE: Msg.CONFERENCE_NOTICE,
        BroadcastKind.CONFERENCE_CORRECTION: Msg.CONFERENCE_CORRECTION,
        BroadcastKind.CONFERENCE_CANCELLED: Msg.CONFERENCE_CANCELLED_NOTICE,
        BroadcastKind.CONFERENCE_RESULTS: Msg.CONFERENCE_RESULTS_NOTICE,
        BroadcastKind.CONFERENCE_REMINDER: Msg.CONFERENCE_REMINDER,
    }
    texts = {}
    for language in desk.catalogue.languages:
        params = {name: _in(desk, language, value) for name, value in extra.items()}
        head = desk.t_in(language, heads[kind], code=session.code, **params)
        body = await describe(desk, session, language)
        foot = desk.t_in(language, Msg.CONFERENCE_SIGN_UP, code=session.code) if session.active else ""
        if kind is BroadcastKind.CONFERENCE_RESULTS:
            foot = desk.t_in(language, Msg.CONFERENCE_RESULTS_BODY, text=session.results_text or "")
        texts[language] = "\n\n".join(part for part in (head, body, foot) if part)
    return texts


def calendar_file(session: Conference, commune_name: str) -> dict[str, object]:
    """The session as an .ics attachment (RFC 5545), with a stable UID so a moved session replaces the
    entry in the citizen's calendar (SEQUENCE is the session's version)."""
    calendar = Calendar()
    calendar.add("prodid", "-//Nghe Dan//Hoi nghi doi thoai//VI")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if not session.active else "PUBLISH")
    event = Event()
    event.add("uid", f"dialogue-{session.commune_id}-{session.number}@nghedan")
    event.add("sequence", session.version)
    event.add("dtstamp", session.published_at)
    event.add("dtstart", local(session.starts_at))
    event.add("dtend", local(session.ends_at))
    event.add("summary", f"{session.title} ({commune_name})")
    event.add("location", session.place)
    description = f"Chủ trì: {session.chair}"
    if session.online_link:
        description += f"\nTrực tuyến: {session.online_link}"
        event.add("url", session.online_link)
    event.add("description", description)
    event.add("status", "CANCELLED" if not session.active else "CONFIRMED")
    calendar.add_component(event)
    return made_file(f"{session.code}.ics", calendar.to_ical(), ICS_MIME)


async def _notify(
    desk: Desk,
    session: Conference,
    kind: BroadcastKind,
    key: str,
    *,
    by: int | None,
    citizens: Sequence[int] = (),
    attach: bool = True,
    **extra: Extra,
) -> Broadcast | None:
    audience = Audience(
        Topic.CONFERENCE, frozenset(session.village_ids) if session.village_ids else None, tuple(citizens)
    )
    return await create(
        desk.uow,
        commune_id=desk.commune.id,
        key=f"dlg:{session.id}:v{session.version}:{key}",
        kind=kind,
        audience=audience,
        texts=await notice_texts(desk, session, kind, **extra),
        now=desk.now,
        attachments=[calendar_file(session, desk.commune.name)] if attach else [],
        created_by=by,
        conference=(session.id, session.version),
    )


async def _participants(desk: Desk, session: Conference) -> list[int]:
    return [p.citizen_id for p in await desk.uow.conferences.participants(session.id)]


# -- the office's side ---------------------------------------------------------------------------------


async def publish(desk: Desk, plan: Plan, *, by: int) -> tuple[Conference, Broadcast | None]:
    """Create the session and announce it to the subscribers of its villages."""
    session = Conference(
        commune_id=desk.commune.id,
        number=await desk.uow.conferences.next_number(desk.commune.id),
        title=plan.title,
        field_slug=plan.field_slug,
        starts_at=plan.starts_at,
        ends_at=plan.ends_at,
        place=plan.place,
        online_link=plan.online_link,
        chair=plan.chair,
        village_ids=list(plan.village_ids),
        case_ids=list(plan.case_ids),
        created_by=by,
        created_at=desk.now,
        published_at=desk.now,
        urgent=bool(plan.urgent_note),
        urgent_note=plan.urgent_note,
    )
    await desk.uow.conferences.add(session)
    return session, await _notify(desk, session, BroadcastKind.CONFERENCE_NOTICE, "notice", by=by)


async def reschedule(
    desk: Desk,
    session: Conference,
    *,
    by: int,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    place: str | None = None,
) -> Broadcast | None:
    """Move the session in time or place: a new version, what is queued for the old one given up, and a
    correction to the subscribers and to everyone who signed up."""
    was: Extra = session.starts_at
    old_place = session.place
    if starts_at is not None:
        session.starts_at = starts_at
        session.ends_at = ends_at or starts_at + DEFAULT_LENGTH
    if place is not None:
        session.place = place
    await _new_version(desk, session)
    return await _notify(
        desk,
        session,
        BroadcastKind.CONFERENCE_CORRECTION,
        "correction",
        by=by,
        citizens=await _participants(desk, session),
        was=was if starts_at is not None else old_place,
    )


async def _new_version(desk: Desk, session: Conference) -> None:
    """The session changed: what is still queued for the old version is given up."""
    session.version += 1
    session.published_at = desk.now
    await supersede(desk.uow, session.id, session.version)


async def cancel(desk: Desk, session: Conference, note: str, *, by: int) -> Broadcast | None:
    session.cancelled_at, session.cancel_note = desk.now, note
    await _new_version(desk, session)
    return await _notify(
        desk,
        session,
        BroadcastKind.CONFERENCE_CANCELLED,
        "cancelled",
        by=by,
        citizens=await _participants(desk, session),
        note=note,
    )


async def publish_results(
    desk: Desk, session: Conference, text: str, files: Sequence[dict[str, object]], *, by: int
) -> Broadcast | None:
    """The results to everyone who registered or asked, and to the subscribers."""
    session.results_text, session.results_files = text, [dict(f) for f in files]
    session.results_at, session.results_by = desk.now, by
    audience = await _participants(desk, session)
    audience += [
        case.citizen_id for case in await desk.uow.conferences.questions(session.id) if case.citizen_id
    ]
    broadcast = await _notify(
        desk, session, BroadcastKind.CONFERENCE_RESULTS, "results", by=by, citizens=audience, attach=False
    )
    if broadcast is not None:
        broadcast.attachments = [dict(f) for f in files]
    return broadcast


def export(
    session: Conference, participants: Sequence[ConferenceParticipant], questions: Sequence[Case]
) -> bytes:
    """The chair's workbook: who registered, and the questions sent in advance."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Dang ky"
    sheet.append([f"{session.code} — {session.title}", local(session.starts_at).strftime("%H:%M %d/%m/%Y")])
    sheet.append(["STT", "Họ và tên", "Điện thoại", "Dự họp", "Đăng ký lúc"])
    for index, person in enumerate(participants, 1):
        sheet.append(
            [
                index,
                person.name,
                person.phone,
                "Có" if person.attending else "Không",
                local(person.at).strftime("%H:%M %d/%m/%Y"),
            ]
        )
    asked = book.create_sheet("Cau hoi")
    asked.append(["STT", "Mã hồ sơ", "Người hỏi", "Điện thoại", "Câu hỏi", "Gửi lúc"])
    for index, case in enumerate(questions, 1):
        asked.append(
            [
                index,
                case.code,
                case.petitioner_name or "",
                case.petitioner_phone or "",
                case.content,
                local(case.received_at).strftime("%H:%M %d/%m/%Y"),
            ]
        )
    for table in (sheet, asked):
        for cell in table[2 if table is sheet else 1]:
            cell.font = Font(bold=True)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def export_file(session: Conference, content: bytes) -> dict[str, object]:
    return made_file(f"{session.code}-dang-ky-cau-hoi.xlsx", content, XLSX_MIME)


# -- the citizen's side --------------------------------------------------------------------------------


async def register(
    uow: UnitOfWork,
    session: Conference,
    citizen: Citizen,
    name: str,
    phone: str,
    *,
    attending: bool,
    now: datetime,
) -> ConferenceParticipant:
    """Sign the citizen up (or update their registration); ``attending`` False: only a question."""
    found = await uow.conferences.participant(session.id, citizen.id)
    if found is None:
        found = ConferenceParticipant(
            conference_id=session.id,
            citizen_id=citizen.id,
            name=name,
            phone=phone,
            at=now,
            attending=attending,
        )
        await uow.conferences.add_participant(found)
    else:
        found.name, found.phone = name, phone
        found.attending = found.attending or attending
    return found


async def ask(
    uow: UnitOfWork,
    commune: Commune,
    session: Conference,
    citizen: Citizen,
    identity: tuple[str, str, str],  # name, phone, address
    question: str,
    *,
    now: datetime,
) -> Case:
    """The question becomes a hỏi đáp case linked to the session, and the citizen a participant."""
    case = await submit_petition(
        uow,
        SubmitPetition(
            commune=commune,
            channel=citizen.channel,
            kind=CaseKind.HOI_DAP,
            field_slug=session.field_slug,
            content=question,
            received_at=now,
            citizen_id=citizen.id,
            name=identity[0],
            phone=identity[1],
            address=identity[2],
            language=citizen.language,
        ),
        now=now,
    )
    case.conference_id = session.id
    case.office_pending = True
    await register(uow, session, citizen, identity[0], identity[1], attending=False, now=now)
    return case


# -- the sweep -------------------------------------------------------------------------------------------


Chats = Callable[[], Awaitable[list[tuple[str, str]]]]


async def remind(desk: Desk, office: Chats, leaders: Chats, *, office_hours: bool) -> int:
    """Reminders 1 day and 2 hours before each session (for its current version), and — in office hours —
    the office and leaders reminded when results are still unpublished 7 days after. How many things were
    queued."""
    now = desk.now
    queued = 0
    window = await desk.uow.conferences.starting(
        desk.commune.id, now - timedelta(days=RESULTS_DUE_DAYS + 1), now + timedelta(days=1, hours=1)
    )
    for session in window:
        if not session.active:
            continue
        if session.starts_at > now:
            for label, before in REMINDERS:
                due = session.starts_at - before
                # Only when the notice went out before the reminder was due (else it is news already).
                if due <= now and session.published_at < due:
                    later = [d for name, d in REMINDERS if d < before]
                    if later and now >= session.starts_at - later[0]:
                        continue  # the next reminder is due: this one is stale
                    found = await _notify(
                        desk,
                        session,
                        BroadcastKind.CONFERENCE_REMINDER,
                        f"remind:{label}",
                        by=None,
                        citizens=await _participants(desk, session),
                        attach=False,
                        when=Msg.CONFERENCE_TOMORROW if label == "1d" else Msg.CONFERENCE_SOON,
                    )
                    queued += found is not None
        elif (
            office_hours
            and session.results_at is None
            and now - session.ends_at >= timedelta(days=RESULTS_REMIND_DAYS)
        ):
            key = f"dialogue:{session.id}:results-due"
            if await desk.uow.reminders.claim(desk.commune.id, key, now):
                limit = local(session.starts_at).date() + timedelta(days=RESULTS_DUE_DAYS)
                text = desk.t(
                    Msg.CONFERENCE_RESULTS_DUE, code=session.code, title=session.title, date=desk.day(limit)
                )
                for channel, chat_id in dict.fromkeys([*await office(), *await leaders()]):
                    await desk.mail.send(
                        channel,
                        chat_id,
                        Reply(text),
                        key=f"{key}:{channel}:{chat_id}",
                        commune_id=desk.commune.id,
                    )
                queued += 1
    return queued
