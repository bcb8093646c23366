"""``/doithoai`` for the office: announcing a conference (hội nghị đối thoại) in a guided flow (title, field,
time, place, online link, chair, villages, related cases; a start less than 7 days away only when the
clerk confirms it is urgent, with the reason recorded), listing sessions, moving or cancelling one,
publishing its results; and ``/doithoai_xuat CODE``, the chair's workbook of registrations and questions.

Every notice is a broadcast: the clerk sees one status message that is edited as it goes, then a report.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

from handlers.broadcasts.status import watch
from handlers.cases.commands import StaffCommand
from handlers.cases.staff_turn import StaffTurn
from handlers.conferences import schedule as conference
from handlers.kernel.catalogue.keys import Msg
from handlers.kernel.commands import EVERYONE, TRIAGE, CitizenCommand, Listing, Menu
from handlers.kernel.events import Payload, Pick, SharedFile, Text
from handlers.kernel.formatting import local, read_day
from handlers.kernel.replies import Choice, Reply
from handlers.kernel.text import fold_words, shorten
from models.base import LOCAL_TZ
from models.conference import Conference

ACTION = "dialogue"
RESULTS_ACTION = "dialogue_results"
_TIME = re.compile(r"^([01]?\d|2[0-3])[:hg.]([0-5]\d)(?:\s*[-–]\s*([01]?\d|2[0-3])[:hg.]([0-5]\d))?$")
_LINK = re.compile(r"^https?://\S+\.\S+$", re.IGNORECASE)
NONE_WORDS = frozenset({"-", "khong", "khong co", "none", "bo qua"})
STEPS = (
    "title",
    "field",
    "time",
    "urgent",
    "urgent_note",
    "place",
    "link",
    "chair",
    "villages",
    "cases",
    "summary",
)
QUESTIONS = {
    "title": Msg.CONFERENCE_ASK_TITLE,
    "field": Msg.CONFERENCE_ASK_FIELD,
    "time": Msg.CONFERENCE_ASK_TIME,
    "urgent_note": Msg.CONFERENCE_ASK_URGENT_NOTE,
    "place": Msg.CONFERENCE_ASK_PLACE,
    "link": Msg.CONFERENCE_ASK_LINK,
    "chair": Msg.CONFERENCE_ASK_CHAIR,
    "villages": Msg.CONFERENCE_ASK_VILLAGES,
    "cases": Msg.CONFERENCE_ASK_CASES,
}
Draft = dict[str, object]


def _token(step: str, value: str) -> str:
    return f"s:dlg:{step}:{value}"


def _picked(payload: Payload, step: str) -> str | None:
    prefix = f"s:dlg:{step}:"
    if isinstance(payload, Pick) and payload.token.startswith(prefix):
        return payload.token[len(prefix) :]
    return None


def _typed(payload: Payload) -> str:
    return " ".join(payload.text.split()) if isinstance(payload, Text) else ""


def parse_when(text: str, today: datetime) -> tuple[datetime, datetime] | None:
    """``25/12/2026 19:30`` or ``25/12/2026 19:30-21:00`` → start and end (2 hours when not given)."""
    words = text.split(maxsplit=1)
    if len(words) != 2:
        return None
    day = read_day(words[0], local(today).date())
    match = _TIME.match(words[1].strip())
    if day is None or match is None:
        return None
    start = datetime.combine(day, time(int(match.group(1)), int(match.group(2))), LOCAL_TZ)
    if match.group(3) is None:
        return start, start + conference.DEFAULT_LENGTH
    end = datetime.combine(day, time(int(match.group(3)), int(match.group(4))), LOCAL_TZ)
    return (start, end) if end > start else None


def _may_change(turn: StaffTurn) -> bool:
    return turn.me.may(CONFERENCE, "change")


# -- /doithoai ---------------------------------------------------------------------------------------------


async def conference_command(turn: StaffTurn, argument: str) -> None:
    words = argument.split()
    action = fold_words(words[0]) if words else ""
    if action in ("ds", "danhsach", "list"):
        await show_list(turn)
        return
    if not _may_change(turn):
        turn.say(Msg.CONFERENCE_NOT_YOURS)
        return
    if not words:
        if turn.in_group:
            turn.say(Msg.OFFICE_PRIVATE_ONLY)
            return
        await _ask(turn, {"step": "title"})
        return
    session = await conference.by_code(turn.desk, words[1]) if len(words) > 1 else None
    if action not in ("doi", "diadiem", "huy", "ketqua") or len(words) < 2:
        turn.say(Msg.OFFICE_USAGE, usage=turn.t(Msg.CONFERENCE_USAGE))
        return
    if session is None:
        turn.say(Msg.CONFERENCE_NOT_FOUND, code=shorten(words[1], 20))
        return
    rest = " ".join(words[2:])
    if action == "ketqua":
        await _start_results(turn, session)
    elif not session.active:
        turn.say(Msg.CONFERENCE_ALREADY_CANCELLED, code=session.code)
    elif action == "doi":
        await _move(turn, session, rest)
    elif action == "diadiem":
        if len(rest) < 3:
            turn.say(Msg.OFFICE_USAGE, usage=turn.t(Msg.CONFERENCE_USAGE))
            return
        broadcast = await conference.reschedule(turn.desk, session, by=turn.me.id, place=rest[:300])
        await watch(turn, broadcast, Msg.CONFERENCE_MOVED, code=session.code)
    else:
        if len(rest) < 3:
            turn.say(Msg.CONFERENCE_NEEDS_REASON)
            return
        broadcast = await conference.cancel(turn.desk, session, rest[:300], by=turn.me.id)
        await watch(turn, broadcast, Msg.CONFERENCE_CANCELLED, code=session.code)


async def _move(turn: StaffTurn, session: Conference, rest: str) -> None:
    head, _, urgent = rest.partition(" khan ")
    if not urgent and fold_words(rest).endswith(" khan"):
        head, urgent = rest[: -len(" khan")], "-"
    found = parse_when(head.strip(), turn.now)
    if found is None or found[0] <= turn.now:
        turn.say(Msg.CONFERENCE_BAD_TIME, text=shorten(head, 40))
        return
    if conference.too_soon(found[0], turn.now) and not (session.urgent or len(urgent.strip()) >= 3):
        turn.say(Msg.CONFERENCE_MOVE_TOO_SOON, days=conference.NOTICE_DAYS, code=session.code)
        return
    if urgent.strip() and len(urgent.strip()) >= 3:
        session.urgent, session.urgent_note = True, urgent.strip()[:300]
    broadcast = await conference.reschedule(
        turn.desk, session, by=turn.me.id, starts_at=found[0], ends_at=found[1]
    )
    await watch(turn, broadcast, Msg.CONFERENCE_MOVED, code=session.code)


async def show_list(turn: StaffTurn) -> None:
    desk = turn.desk
    found = await turn.uow.conferences.starting(
        desk.commune.id, turn.now - timedelta(days=30), turn.now + timedelta(days=365)
    )
    if not found:
        turn.say(Msg.CONFERENCE_NONE_STAFF)
        return
    lines = [turn.t(Msg.CONFERENCE_LIST_HEADER)]
    for session in found:
        people = await turn.uow.conferences.participants(session.id)
        questions = await turn.uow.conferences.questions(session.id)
        state = (
            turn.t(Msg.CONFERENCE_STATE_CANCELLED)
            if not session.active
            else turn.t(Msg.CONFERENCE_STATE_RESULTS)
            if session.results_at
            else ""
        )
        lines.append(
            turn.t(
                Msg.CONFERENCE_LIST_LINE,
                code=session.code,
                title=session.title,
                start=desk.when(session.starts_at),
                registered=sum(1 for p in people if p.attending),
                questions=len(questions),
                state=state,
            )
        )
    lines.append(turn.t(Msg.CONFERENCE_USAGE))
    turn.say_text("\n".join(lines))


# -- the guided flow ---------------------------------------------------------------------------------------


async def _choices(turn: StaffTurn, draft: Draft) -> list[Choice]:
    step = str(draft["step"])
    if step == "field":
        return [Choice(_token("field", f.slug), f.label) for f in await turn.desk.fields() if f.active]
    if step == "urgent":
        return [
            Choice(_token("urgent", "yes"), turn.t(Msg.CONFERENCE_URGENT_YES)),
            Choice(_token("urgent", "no"), turn.t(Msg.CONFERENCE_URGENT_NO)),
        ]
    if step == "link":
        return [Choice(_token("link", "none"), turn.t(Msg.CONFERENCE_NO_LINK))]
    if step == "villages":
        chosen = set(_ints(draft.get("villages")))
        choices = [Choice(_token("villages", "0"), _mark(not chosen, turn.t(Msg.CONFERENCE_WHOLE_COMMUNE)))]
        choices += [
            Choice(_token("villages", str(v.id)), _mark(v.id in chosen, v.name))
            for v in await turn.desk.villages()
            if v.active
        ]
        return [*choices, Choice(_token("villages", "next"), turn.t(Msg.CONFERENCE_NEXT))]
    if step == "cases":
        return [Choice(_token("cases", "none"), turn.t(Msg.CONFERENCE_NO_CASES))]
    if step == "summary":
        return [
            Choice(_token("summary", "publish"), turn.t(Msg.CONFERENCE_PUBLISH)),
            Choice(_token("summary", "cancel"), turn.t(Msg.CONFERENCE_DISCARD)),
        ]
    return []


def _mark(chosen: bool, label: str) -> str:
    return f"{'☑' if chosen else '☐'} {label}"


def _ints(value: object) -> list[int]:
    return [v for v in value if isinstance(v, int)] if isinstance(value, list) else []


def _items(value: object) -> list[object]:
    return list(value) if isinstance(value, list) else []


async def _ask(turn: StaffTurn, draft: Draft) -> None:
    step = str(draft["step"])
    if step == "summary":
        text = await _summary(turn, draft)
    elif step == "urgent":
        text = turn.t(Msg.CONFERENCE_TOO_SOON, days=conference.NOTICE_DAYS)
    else:
        text = turn.t(QUESTIONS[step])
    await turn.prompt(ACTION, text, data=draft, choices=await _choices(turn, draft))


def _plan(draft: Draft) -> conference.Plan:
    return conference.Plan(
        title=str(draft["title"]),
        field_slug=str(draft["field"]),
        starts_at=datetime.fromisoformat(str(draft["start"])),
        ends_at=datetime.fromisoformat(str(draft["end"])),
        place=str(draft["place"]),
        online_link=str(draft.get("link") or ""),
        chair=str(draft["chair"]),
        village_ids=tuple(_ints(draft.get("villages"))),
        case_ids=tuple(_ints(draft.get("case_ids"))),
        urgent_note=str(draft.get("urgent_note") or ""),
    )


async def _summary(turn: StaffTurn, draft: Draft) -> str:
    plan, desk = _plan(draft), turn.desk
    villages = [await desk.village_name(v) or "" for v in plan.village_ids]
    return turn.t(
        Msg.CONFERENCE_SUMMARY,
        title=plan.title,
        field=await desk.field_label(plan.field_slug),
        start=desk.when(plan.starts_at),
        end=f"{local(plan.ends_at):%H:%M}",
        place=plan.place,
        link=plan.online_link or turn.t(Msg.CONFERENCE_NO_LINK),
        chair=plan.chair,
        audience=", ".join(villages) if villages else turn.t(Msg.CONFERENCE_WHOLE_COMMUNE),
        cases=", ".join(str(c) for c in _items(draft.get("case_codes"))) or "—",
        urgent=turn.t(Msg.CONFERENCE_URGENT_NOTED, note=plan.urgent_note) if plan.urgent_note else "",
    )


async def answer(turn: StaffTurn, draft: Draft, payload: Payload) -> None:
    """Take the answer to the current question, then ask the next one (or say what was expected)."""
    step = str(draft.get("step", "title"))
    problem = await _take(turn, draft, step, payload)
    if problem == "done":
        return
    if problem is not None:
        turn.say_text(problem)
    await _ask(turn, draft)


async def _take(turn: StaffTurn, draft: Draft, step: str, payload: Payload) -> str | None:
    typed = _typed(payload)
    if step == "title":
        if not 5 <= len(typed) <= 300:
            return turn.t(Msg.CONFERENCE_BAD_TITLE)
        draft.update(title=typed, step="field")
    elif step == "field":
        fields = [f for f in await turn.desk.fields() if f.active]
        chosen = _picked(payload, "field") or next(
            (f.slug for f in fields if fold_words(f.label) == fold_words(typed)), None
        )
        if chosen not in [f.slug for f in fields]:
            return turn.t(Msg.COMMON_EXPECTS_CHOICE)
        draft.update(field=chosen, step="time")
    elif step == "time":
        found = parse_when(typed, turn.now)
        if found is None or found[0] <= turn.now:
            return turn.t(Msg.CONFERENCE_BAD_TIME, text=shorten(typed, 40))
        soon = conference.too_soon(found[0], turn.now)
        draft.update(start=found[0].isoformat(), end=found[1].isoformat(), step="urgent" if soon else "place")
    elif step == "urgent":
        chosen = _picked(payload, "urgent")
        if chosen == "yes":
            draft.update(step="urgent_note")
        elif chosen == "no":
            draft.update(step="time")
        else:
            return turn.t(Msg.COMMON_EXPECTS_CHOICE)
    elif step == "urgent_note":
        if len(typed) < 5:
            return turn.t(Msg.CONFERENCE_NEEDS_REASON)
        draft.update(urgent_note=typed[:300], step="place")
    elif step == "place":
        if not 3 <= len(typed) <= 300:
            return turn.t(Msg.CONFERENCE_BAD_PLACE)
        draft.update(place=typed, step="link")
    elif step == "link":
        if _picked(payload, "link") == "none" or fold_words(typed) in NONE_WORDS:
            draft.update(link="", step="chair")
        elif _LINK.match(typed) and len(typed) <= 500:
            draft.update(link=typed, step="chair")
        else:
            return turn.t(Msg.CONFERENCE_BAD_LINK)
    elif step == "chair":
        if not 3 <= len(typed) <= 200:
            return turn.t(Msg.CONFERENCE_BAD_CHAIR)
        draft.update(chair=typed, step="villages")
    elif step == "villages":
        chosen = _picked(payload, "villages")
        if chosen == "next":
            draft.update(step="cases")
        elif chosen is not None and chosen.isdecimal():
            villages = _ints(draft.get("villages"))
            village = int(chosen)
            if village == 0:
                villages = []
            elif village in villages:
                villages.remove(village)
            elif village in [v.id for v in await turn.desk.villages() if v.active]:
                villages.append(village)
            draft.update(villages=sorted(villages))
        else:
            return turn.t(Msg.COMMON_EXPECTS_CHOICE)
    elif step == "cases":
        if _picked(payload, "cases") == "none" or fold_words(typed) in NONE_WORDS:
            draft.update(case_ids=[], case_codes=[], step="summary")
            return None
        ids, codes = [], []
        for word in typed.replace(",", " ").split():
            case = await turn.uow.cases.by_code(turn.desk.commune.id, word.upper())
            if case is None:
                return turn.t(Msg.CONFERENCE_BAD_CASE, code=shorten(word, 30))
            ids.append(case.id)
            codes.append(case.code)
        if not ids:
            return turn.t(Msg.CONFERENCE_BAD_CASE, code="")
        draft.update(case_ids=ids, case_codes=codes, step="summary")
    elif step == "summary":
        chosen = _picked(payload, "summary")
        if chosen == "cancel":
            await turn.clear_prompt()
            turn.say(Msg.CONFERENCE_DISCARDED)
            return "done"
        if chosen != "publish":
            return turn.t(Msg.COMMON_EXPECTS_CHOICE)
        plan = _plan(draft)
        if plan.starts_at <= turn.now or (
            conference.too_soon(plan.starts_at, turn.now) and not plan.urgent_note
        ):
            draft.update(step="time")  # the time passed while the clerk was filling in the rest
            return turn.t(Msg.CONFERENCE_BAD_TIME, text=turn.desk.when(plan.starts_at))
        await turn.clear_prompt()
        session, broadcast = await conference.publish(turn.desk, plan, by=turn.me.id)
        await watch(turn, broadcast, Msg.CONFERENCE_PUBLISHED, code=session.code)
        return "done"
    return None


# -- results -----------------------------------------------------------------------------------------------


async def _start_results(turn: StaffTurn, session: Conference) -> None:
    if session.results_at is not None:
        turn.say(Msg.CONFERENCE_RESULTS_ALREADY, code=session.code, date=turn.desk.day(session.results_at))
        return
    if session.starts_at > turn.now:
        turn.say(Msg.CONFERENCE_RESULTS_NOT_YET, code=session.code)
        return
    if turn.in_group:
        turn.say(Msg.OFFICE_PRIVATE_ONLY)
        return
    await turn.prompt(
        RESULTS_ACTION, turn.t(Msg.CONFERENCE_ASK_RESULTS, code=session.code), data={"id": session.id}
    )


async def answer_results(turn: StaffTurn, data: Draft, payload: Payload) -> None:
    session_id = data.get("id")
    session = await turn.uow.conferences.by_id(session_id) if isinstance(session_id, int) else None
    if session is None or session.commune_id != turn.desk.commune.id:
        await turn.clear_prompt()
        return
    files = [f for f in _items(data.get("files")) if isinstance(f, dict)]
    if isinstance(payload, SharedFile):
        files.append(
            {"kind": payload.kind.value, "file_id": payload.file_id, "file_name": payload.file_name or ""}
        )
        data.update(files=files)
        await _ask_results_next(turn, session, data)
        return
    if _picked(payload, "results") == "publish" and data.get("text"):
        await turn.clear_prompt()
        broadcast = await conference.publish_results(
            turn.desk, session, str(data["text"]), files, by=turn.me.id
        )
        await watch(turn, broadcast, Msg.CONFERENCE_RESULTS_PUBLISHED, code=session.code)
        return
    if _picked(payload, "results") == "cancel":
        await turn.clear_prompt()
        turn.say(Msg.CONFERENCE_DISCARDED)
        return
    text = payload.text.strip() if isinstance(payload, Text) else ""
    if len(text) < 20:
        turn.say(Msg.CONFERENCE_RESULTS_TOO_SHORT)
        return
    data.update(text=text[:3500])
    await _ask_results_next(turn, session, data)


async def _ask_results_next(turn: StaffTurn, session: Conference, data: Draft) -> None:
    if not data.get("text"):
        await turn.prompt(RESULTS_ACTION, turn.t(Msg.CONFERENCE_ASK_RESULTS, code=session.code), data=data)
        return
    count = len(_items(data.get("files")))
    await turn.prompt(
        RESULTS_ACTION,
        turn.t(Msg.CONFERENCE_RESULTS_READY, code=session.code, files=count),
        data=data,
        choices=[
            Choice(_token("results", "publish"), turn.t(Msg.CONFERENCE_PUBLISH)),
            Choice(_token("results", "cancel"), turn.t(Msg.CONFERENCE_DISCARD)),
        ],
    )


# -- /doithoai_xuat ----------------------------------------------------------------------------------------


async def export_command(turn: StaffTurn, argument: str) -> None:
    """The registrations and questions as a workbook, in a private chat only (it holds phone numbers)."""
    if turn.in_group:
        turn.say(Msg.OFFICE_PRIVATE_ONLY)
        return
    session = await conference.by_code(turn.desk, argument) if argument.strip() else None
    if session is None:
        if not argument.strip():
            turn.say(Msg.OFFICE_USAGE, usage=turn.t(Msg.CONFERENCE_EXPORT_USAGE))
        else:
            turn.say(Msg.CONFERENCE_NOT_FOUND, code=shorten(argument, 20))
        return
    people = await turn.uow.conferences.participants(session.id)
    questions = await turn.uow.conferences.questions(session.id)
    content = conference.export(session, people, questions)
    text = turn.t(
        Msg.CONFERENCE_EXPORTED,
        code=session.code,
        registered=sum(1 for p in people if p.attending),
        questions=len(questions),
    )
    turn.replies.append(Reply(text, attachments=(conference.export_file(session, content),)))


CONFERENCE = StaffCommand(
    key="conference",
    names=("doithoai", "dialogue"),
    roles=EVERYONE,  # the list; creating, changing and recording results is the office's and the leaders'
    sub_actions={"change": TRIAGE},
    citizen=CitizenCommand.CONFERENCE,
    summary=Msg.CONFERENCE_SUMMARY_COMMAND,
    about=Msg.CONFERENCE_ABOUT_COMMAND,
    menus={Menu.PRIVATE: Listing(Msg.COMMANDS_DOITHOAI, rank=130)},
    run=conference_command,
)
CONFERENCE_EXPORT = StaffCommand(
    key="conference_export",
    names=("doithoai_xuat", "dialogue_export"),
    roles=TRIAGE,
    summary=Msg.CONFERENCE_SUMMARY_EXPORT,
    about=Msg.CONFERENCE_ABOUT_EXPORT,
    run=export_command,
)
COMMANDS = (CONFERENCE, CONFERENCE_EXPORT)
