"""``/doithoai`` for the office: announcing a conference (hội nghị đối thoại) in a guided flow (title, field,
time, place, online link, chair, villages, related cases; a start less than 7 days away only when the
clerk confirms it is urgent, with the reason recorded), listing sessions, moving or cancelling one,
publishing its results; and ``/doithoai_xuat CODE``, the chair's workbook of registrations and questions.

Every notice is a broadcast: the clerk sees one status message that is edited as it goes, then a report.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum

from handlers.broadcasts.status import watch
from handlers.cases.commands import StaffCommand
from handlers.cases.staff_flow import FlowTurn, StaffFlow
from handlers.cases.staff_turn import StaffTurn
from handlers.conferences import schedule as conference
from handlers.kernel.catalogue.keys import Msg
from handlers.kernel.commands import EVERYONE, TRIAGE, CitizenCommand, Listing, Menu
from handlers.kernel.events import SharedFile, Text
from handlers.kernel.formatting import local, read_day
from handlers.kernel.replies import Choice, Reply
from handlers.kernel.steps import Answer, Chosen, StepSpec
from handlers.kernel.text import fold_words, shorten
from models.base import LOCAL_TZ
from models.conference import Conference

ACTION = "dialogue"
RESULTS_ACTION = "dialogue_results"
_TIME = re.compile(r"^([01]?\d|2[0-3])[:hg.]([0-5]\d)(?:\s*[-–]\s*([01]?\d|2[0-3])[:hg.]([0-5]\d))?$")
_LINK = re.compile(r"^https?://\S+\.\S+$", re.IGNORECASE)
NONE_WORDS = frozenset({"-", "khong", "khong co", "none", "bo qua"})
BUTTONS = "dlg"


def _token(step: str, value: str) -> str:
    return f"s:{BUTTONS}:{step}:{value}"


def _typed(payload: Answer) -> str:
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
        await FLOW.start(turn, ConferenceDraft())
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


class ConferenceStep(StrEnum):
    """The questions of announcing a conference, by the names kept in a pending prompt's data."""

    TITLE = "title"
    FIELD = "field"
    TIME = "time"
    URGENT = "urgent"
    URGENT_NOTE = "urgent_note"
    PLACE = "place"
    LINK = "link"
    CHAIR = "chair"
    VILLAGES = "villages"
    CASES = "cases"
    SUMMARY = "summary"


@dataclass
class ConferenceDraft:
    """The conference being announced, kept in the clerk's prompt between questions."""

    step: ConferenceStep = ConferenceStep.TITLE
    title: str | None = None
    field: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    urgent_note: str | None = None  # why a start less than NOTICE_DAYS away is needed
    place: str | None = None
    link: str | None = None  # "" once the clerk said there is none
    chair: str | None = None
    villages: list[int] = dataclasses.field(default_factory=list)  # none: the whole commune
    case_ids: list[int] = dataclasses.field(default_factory=list)
    case_codes: list[str] = dataclasses.field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        """The prompt's data, under the keys it has always had; what is not answered yet is left out."""
        data: dict[str, object] = {
            "step": self.step.value,
            "title": self.title,
            "field": self.field,
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
            "urgent_note": self.urgent_note,
            "place": self.place,
            "link": self.link,
            "chair": self.chair,
            "villages": list(self.villages),
            "case_ids": list(self.case_ids),
            "case_codes": list(self.case_codes),
        }
        return {key: value for key, value in data.items() if value is not None}

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> ConferenceDraft:
        start, end = _text(data.get("start")), _text(data.get("end"))
        return cls(
            step=ConferenceStep(_text(data.get("step")) or ConferenceStep.TITLE),
            title=_text(data.get("title")),
            field=_text(data.get("field")),
            start=datetime.fromisoformat(start) if start else None,
            end=datetime.fromisoformat(end) if end else None,
            urgent_note=_text(data.get("urgent_note")),
            place=_text(data.get("place")),
            link=str(data["link"]) if data.get("link") is not None else None,
            chair=_text(data.get("chair")),
            villages=_ints(data.get("villages")),
            case_ids=_ints(data.get("case_ids")),
            case_codes=[str(code) for code in _items(data.get("case_codes"))],
        )

    def plan(self) -> conference.Plan:
        """What the flow collected, once every question is answered."""
        title, field, start, end, place, chair = (
            self.title,
            self.field,
            self.start,
            self.end,
            self.place,
            self.chair,
        )
        if title is None or field is None or start is None or end is None or place is None or chair is None:
            raise ValueError("the conference draft is not complete")
        return conference.Plan(
            title=title,
            field_slug=field,
            starts_at=start,
            ends_at=end,
            place=place,
            online_link=self.link or "",
            chair=chair,
            village_ids=tuple(self.villages),
            case_ids=tuple(self.case_ids),
            urgent_note=self.urgent_note or "",
        )


def _text(value: object) -> str | None:
    return str(value) if value is not None and value != "" else None


def _mark(chosen: bool, label: str) -> str:
    return f"{'☑' if chosen else '☐'} {label}"


def _ints(value: object) -> list[int]:
    return [v for v in value if isinstance(v, int)] if isinstance(value, list) else []


def _items(value: object) -> list[object]:
    return list(value) if isinstance(value, list) else []


Turn = FlowTurn[ConferenceDraft]


def _chosen(answer: Answer, step: str) -> str | None:
    """The value of the step's choice the answer selected, if it selected one."""
    prefix = f"s:{BUTTONS}:{step}:"
    if isinstance(answer, Chosen) and answer.token.startswith(prefix):
        return answer.token[len(prefix) :]
    return None


async def _field_choices(turn: Turn) -> list[Choice]:
    return [Choice(_token("field", f.slug), f.label) for f in await turn.staff.desk.fields() if f.active]


async def _urgent_choices(turn: Turn) -> list[Choice]:
    return [
        Choice(_token("urgent", "yes"), turn.t(Msg.CONFERENCE_URGENT_YES)),
        Choice(_token("urgent", "no"), turn.t(Msg.CONFERENCE_URGENT_NO)),
    ]


async def _link_choices(turn: Turn) -> list[Choice]:
    return [Choice(_token("link", "none"), turn.t(Msg.CONFERENCE_NO_LINK))]


async def _village_choices(turn: Turn) -> list[Choice]:
    chosen = set(turn.draft.villages)
    choices = [Choice(_token("villages", "0"), _mark(not chosen, turn.t(Msg.CONFERENCE_WHOLE_COMMUNE)))]
    choices += [
        Choice(_token("villages", str(v.id)), _mark(v.id in chosen, v.name))
        for v in await turn.staff.desk.villages()
        if v.active
    ]
    return [*choices, Choice(_token("villages", "next"), turn.t(Msg.CONFERENCE_NEXT))]


async def _case_choices(turn: Turn) -> list[Choice]:
    return [Choice(_token("cases", "none"), turn.t(Msg.CONFERENCE_NO_CASES))]


async def _summary_choices(turn: Turn) -> list[Choice]:
    return [
        Choice(_token("summary", "publish"), turn.t(Msg.CONFERENCE_PUBLISH)),
        Choice(_token("summary", "cancel"), turn.t(Msg.CONFERENCE_DISCARD)),
    ]


async def _ask_urgent(turn: Turn) -> None:
    await turn.ask(turn.t(Msg.CONFERENCE_TOO_SOON, days=conference.NOTICE_DAYS), await _urgent_choices(turn))


async def _ask_summary(turn: Turn) -> None:
    plan, desk = turn.draft.plan(), turn.staff.desk
    villages = [await desk.village_name(v) or "" for v in plan.village_ids]
    text = turn.t(
        Msg.CONFERENCE_SUMMARY,
        title=plan.title,
        field=await desk.field_label(plan.field_slug),
        start=desk.when(plan.starts_at),
        end=f"{local(plan.ends_at):%H:%M}",
        place=plan.place,
        link=plan.online_link or turn.t(Msg.CONFERENCE_NO_LINK),
        chair=plan.chair,
        audience=", ".join(villages) if villages else turn.t(Msg.CONFERENCE_WHOLE_COMMUNE),
        cases=", ".join(turn.draft.case_codes) or "—",
        urgent=turn.t(Msg.CONFERENCE_URGENT_NOTED, note=plan.urgent_note) if plan.urgent_note else "",
    )
    await turn.ask(text, await _summary_choices(turn))


async def _answer_title(turn: Turn, answer: Answer) -> None:
    typed = _typed(answer)
    if not 5 <= len(typed) <= 300:
        await FLOW.complain(turn, turn.t(Msg.CONFERENCE_BAD_TITLE))
        return
    turn.draft.title = typed
    await FLOW.goto(turn, ConferenceStep.FIELD)


async def _answer_field(turn: Turn, answer: Answer) -> None:
    chosen = _chosen(answer, "field")
    if chosen is None:
        await FLOW.wrong_input(turn)
        return
    turn.draft.field = chosen
    await FLOW.goto(turn, ConferenceStep.TIME)


async def _answer_time(turn: Turn, answer: Answer) -> None:
    typed, now = _typed(answer), turn.staff.now
    found = parse_when(typed, now)
    if found is None or found[0] <= now:
        await FLOW.complain(turn, turn.t(Msg.CONFERENCE_BAD_TIME, text=shorten(typed, 40)))
        return
    turn.draft.start, turn.draft.end = found
    soon = conference.too_soon(found[0], now)
    await FLOW.goto(turn, ConferenceStep.URGENT if soon else ConferenceStep.PLACE)


async def _answer_urgent(turn: Turn, answer: Answer) -> None:
    chosen = _chosen(answer, "urgent")
    if chosen == "yes":
        await FLOW.goto(turn, ConferenceStep.URGENT_NOTE)
    elif chosen == "no":
        await FLOW.goto(turn, ConferenceStep.TIME)
    else:
        await FLOW.wrong_input(turn)


async def _answer_urgent_note(turn: Turn, answer: Answer) -> None:
    typed = _typed(answer)
    if len(typed) < 5:
        await FLOW.complain(turn, turn.t(Msg.CONFERENCE_NEEDS_REASON))
        return
    turn.draft.urgent_note = typed[:300]
    await FLOW.goto(turn, ConferenceStep.PLACE)


async def _answer_place(turn: Turn, answer: Answer) -> None:
    typed = _typed(answer)
    if not 3 <= len(typed) <= 300:
        await FLOW.complain(turn, turn.t(Msg.CONFERENCE_BAD_PLACE))
        return
    turn.draft.place = typed
    await FLOW.goto(turn, ConferenceStep.LINK)


async def _answer_link(turn: Turn, answer: Answer) -> None:
    typed = _typed(answer)
    if _chosen(answer, "link") == "none" or fold_words(typed) in NONE_WORDS:
        turn.draft.link = ""
    elif _LINK.match(typed) and len(typed) <= 500:
        turn.draft.link = typed
    else:
        await FLOW.complain(turn, turn.t(Msg.CONFERENCE_BAD_LINK))
        return
    await FLOW.goto(turn, ConferenceStep.CHAIR)


async def _answer_chair(turn: Turn, answer: Answer) -> None:
    typed = _typed(answer)
    if not 3 <= len(typed) <= 200:
        await FLOW.complain(turn, turn.t(Msg.CONFERENCE_BAD_CHAIR))
        return
    turn.draft.chair = typed
    await FLOW.goto(turn, ConferenceStep.VILLAGES)


async def _answer_villages(turn: Turn, answer: Answer) -> None:
    """A village's button adds it to the audience or takes it out; the whole commune's empties it."""
    chosen = _chosen(answer, "villages")
    if chosen == "next":
        await FLOW.goto(turn, ConferenceStep.CASES)
        return
    if chosen is None or not chosen.isdecimal():
        await FLOW.wrong_input(turn)
        return
    villages, village = turn.draft.villages, int(chosen)
    if village == 0:
        villages.clear()
    elif village in villages:
        villages.remove(village)
    else:
        villages.append(village)  # one of the choices: an active village
    villages.sort()
    await FLOW.reask(turn)


async def _answer_cases(turn: Turn, answer: Answer) -> None:
    typed, draft = _typed(answer), turn.draft
    if _chosen(answer, "cases") == "none" or fold_words(typed) in NONE_WORDS:
        draft.case_ids, draft.case_codes = [], []
        await FLOW.goto(turn, ConferenceStep.SUMMARY)
        return
    ids, codes = [], []
    for word in typed.replace(",", " ").split():
        case = await turn.staff.uow.cases.by_code(turn.staff.desk.commune.id, word.upper())
        if case is None:
            await FLOW.complain(turn, turn.t(Msg.CONFERENCE_BAD_CASE, code=shorten(word, 30)))
            return
        ids.append(case.id)
        codes.append(case.code)
    if not ids:
        await FLOW.complain(turn, turn.t(Msg.CONFERENCE_BAD_CASE, code=""))
        return
    draft.case_ids, draft.case_codes = ids, codes
    await FLOW.goto(turn, ConferenceStep.SUMMARY)


async def _answer_summary(turn: Turn, answer: Answer) -> None:
    chosen, staff = _chosen(answer, "summary"), turn.staff
    if chosen == "cancel":
        await staff.clear_prompt()
        staff.say(Msg.CONFERENCE_DISCARDED)
        return
    if chosen != "publish":
        await FLOW.wrong_input(turn)
        return
    plan = turn.draft.plan()
    if plan.starts_at <= staff.now or (
        conference.too_soon(plan.starts_at, staff.now) and not plan.urgent_note
    ):
        turn.draft.step = ConferenceStep.TIME  # the time passed while the clerk was filling in the rest
        await FLOW.complain(turn, turn.t(Msg.CONFERENCE_BAD_TIME, text=staff.desk.when(plan.starts_at)))
        return
    await staff.clear_prompt()
    session, broadcast = await conference.publish(staff.desk, plan, by=staff.me.id)
    await watch(staff, broadcast, Msg.CONFERENCE_PUBLISHED, code=session.code)


CHOICE, TEXT, ABOUT = Msg.COMMON_EXPECTS_CHOICE, Msg.OFFICE_PROMPT_EXPECTS_TEXT, Msg.CONFERENCE_ABOUT_COMMAND


# -- results -----------------------------------------------------------------------------------------------


class ResultsStep(StrEnum):
    """Publishing a conference's results has one question: the text (and files), then publish or not."""

    RESULTS = "results"


@dataclass
class ResultsDraft:
    """The results being written, kept in the clerk's prompt: the conference, its text, its files."""

    id: int  # the conference's
    text: str | None = None
    files: list[dict[str, str]] = dataclasses.field(default_factory=list)
    step: ResultsStep = ResultsStep.RESULTS

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = {"id": self.id}
        if self.files:
            data["files"] = [dict(file) for file in self.files]
        if self.text:
            data["text"] = self.text
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> ResultsDraft:
        conference_id = data.get("id")
        files = [f for f in _items(data.get("files")) if isinstance(f, dict)]
        return cls(
            id=conference_id if isinstance(conference_id, int) else 0,
            text=_text(data.get("text")),
            files=[{str(key): str(value) for key, value in file.items()} for file in files],
        )


ResultsTurn = FlowTurn[ResultsDraft]


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
    await RESULTS.start(turn, ResultsDraft(id=session.id))


async def _session_of(turn: ResultsTurn) -> Conference | None:
    """The conference whose results these are, if it is still this commune's."""
    staff = turn.staff
    session = await staff.uow.conferences.by_id(turn.draft.id) if turn.draft.id else None
    return session if session is not None and session.commune_id == staff.desk.commune.id else None


async def _results_choices(turn: ResultsTurn) -> list[Choice]:
    """Publish or not, once the text is written."""
    if not turn.draft.text:
        return []
    return [
        Choice(_token("results", "publish"), turn.t(Msg.CONFERENCE_PUBLISH)),
        Choice(_token("results", "cancel"), turn.t(Msg.CONFERENCE_DISCARD)),
    ]


async def _ask_results(turn: ResultsTurn) -> None:
    session = await _session_of(turn)
    if session is None:
        await turn.staff.clear_prompt()
        return
    if not turn.draft.text:
        await turn.ask(turn.t(Msg.CONFERENCE_ASK_RESULTS, code=session.code))
        return
    await turn.ask(
        turn.t(Msg.CONFERENCE_RESULTS_READY, code=session.code, files=len(turn.draft.files)),
        await _results_choices(turn),
    )


async def _answer_results(turn: ResultsTurn, answer: Answer) -> None:
    """A file is added, a text replaces the draft's; once there is a text, the results can be published."""
    staff, draft = turn.staff, turn.draft
    session = await _session_of(turn)
    if session is None:
        await staff.clear_prompt()
        return
    if isinstance(answer, SharedFile):
        draft.files.append(
            {"kind": answer.kind.value, "file_id": answer.file_id, "file_name": answer.file_name or ""}
        )
        await RESULTS.reask(turn)
        return
    chosen = _chosen(answer, "results")
    if chosen == "publish" and draft.text:
        await staff.clear_prompt()
        files: list[dict[str, object]] = [dict(file) for file in draft.files]
        broadcast = await conference.publish_results(staff.desk, session, draft.text, files, by=staff.me.id)
        await watch(staff, broadcast, Msg.CONFERENCE_RESULTS_PUBLISHED, code=session.code)
        return
    if chosen == "cancel":
        await staff.clear_prompt()
        staff.say(Msg.CONFERENCE_DISCARDED)
        return
    text = answer.text.strip() if isinstance(answer, Text) else ""
    if len(text) < 20:
        staff.say(Msg.CONFERENCE_RESULTS_TOO_SHORT)
        return
    draft.text = text[:3500]
    await RESULTS.reask(turn)


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

FLOW: StaffFlow[ConferenceDraft, ConferenceStep] = StaffFlow(
    action=ACTION,
    buttons=BUTTONS,
    command=CONFERENCE,
    steps=ConferenceStep,
    read=ConferenceDraft.from_json,
    sub_action="change",  # creating and changing conferences is the office's
)
RESULTS: StaffFlow[ResultsDraft, ResultsStep] = StaffFlow(
    action=RESULTS_ACTION,
    buttons=BUTTONS,
    command=CONFERENCE,
    steps=ResultsStep,
    read=ResultsDraft.from_json,
    sub_action="change",  # creating and changing conferences is the office's
)

FLOW.register(
    {
        ConferenceStep.TITLE: StepSpec(FLOW.question(Msg.CONFERENCE_ASK_TITLE), _answer_title, ABOUT, TEXT),
        ConferenceStep.FIELD: StepSpec(
            FLOW.question(Msg.CONFERENCE_ASK_FIELD), _answer_field, ABOUT, CHOICE, _field_choices
        ),
        ConferenceStep.TIME: StepSpec(FLOW.question(Msg.CONFERENCE_ASK_TIME), _answer_time, ABOUT, TEXT),
        ConferenceStep.URGENT: StepSpec(_ask_urgent, _answer_urgent, ABOUT, CHOICE, _urgent_choices),
        ConferenceStep.URGENT_NOTE: StepSpec(
            FLOW.question(Msg.CONFERENCE_ASK_URGENT_NOTE), _answer_urgent_note, ABOUT, TEXT
        ),
        ConferenceStep.PLACE: StepSpec(FLOW.question(Msg.CONFERENCE_ASK_PLACE), _answer_place, ABOUT, TEXT),
        ConferenceStep.LINK: StepSpec(
            FLOW.question(Msg.CONFERENCE_ASK_LINK), _answer_link, ABOUT, TEXT, _link_choices, free_text=True
        ),
        ConferenceStep.CHAIR: StepSpec(FLOW.question(Msg.CONFERENCE_ASK_CHAIR), _answer_chair, ABOUT, TEXT),
        ConferenceStep.VILLAGES: StepSpec(
            FLOW.question(Msg.CONFERENCE_ASK_VILLAGES), _answer_villages, ABOUT, CHOICE, _village_choices
        ),
        ConferenceStep.CASES: StepSpec(
            FLOW.question(Msg.CONFERENCE_ASK_CASES), _answer_cases, ABOUT, TEXT, _case_choices, free_text=True
        ),
        ConferenceStep.SUMMARY: StepSpec(_ask_summary, _answer_summary, ABOUT, CHOICE, _summary_choices),
    }
)

RESULTS.register(
    {
        ResultsStep.RESULTS: StepSpec(
            _ask_results, _answer_results, ABOUT, TEXT, _results_choices, free_text=True
        )
    }
)
