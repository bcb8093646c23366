"""``/nhaphoso``: a clerk enters a petition received on paper, by phone or at a reception session, on the
citizen's behalf and with its real receipt date. A short guided dialogue in the clerk's private chat (it
holds a citizen's identity, so never in a group); the draft lives in the clerk's pending prompt."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum

from handlers.cases.commands import StaffCommand
from handlers.cases.desk import ENTERED_SOURCES
from handlers.cases.reception_sessions import ReceptionSession, describe, sessions
from handlers.cases.staff_flow import FlowTurn, StaffFlow
from handlers.cases.staff_turn import StaffTurn
from handlers.cases.submission import OFFICE_CHANNEL, SubmitPetition, submit_petition
from handlers.kernel.catalogue.keys import Msg
from handlers.kernel.commands import TRIAGE
from handlers.kernel.events import Text
from handlers.kernel.formatting import local, read_day
from handlers.kernel.labels import KIND_LABELS
from handlers.kernel.names import valid_name, village_index
from handlers.kernel.replies import Choice
from handlers.kernel.steps import Answer, Chosen, StepSpec
from handlers.kernel.text import fold_words, shorten
from models.base import LOCAL_TZ
from models.enums import ActorKind, CaseKind
from models.errors import InvalidValue
from models.values import PhoneNumber

ACTION = "enter"
BUTTONS = "ent"
CONTENT_MIN = 15
CONTENT_MAX = 4000
NONE_WORDS = frozenset({"-", "khong", "khong co", "none"})


class EnterStep(StrEnum):
    """The questions of ``/nhaphoso``, by the names kept in a pending prompt's data."""

    SOURCE = "source"
    DATE = "date"
    SESSION = "session"
    KIND = "kind"
    FIELD = "field"
    CONTENT = "content"
    VILLAGE = "village"
    IDENTITY = "identity"
    NAME = "name"
    PHONE = "phone"
    ADDRESS = "address"
    SUMMARY = "summary"


@dataclass
class EnterDraft:
    """The petition being entered, kept in the clerk's prompt between questions."""

    step: EnterStep = EnterStep.SOURCE
    source: str | None = None  # one of ENTERED_SOURCES
    received: date | None = None  # the day the office received it ("date")
    reception: str | None = None  # the key of the reception session it was raised at
    kind: CaseKind | None = None
    field: str | None = None
    content: str | None = None
    village: int | None = None
    anonymous: bool = False
    name: str | None = None
    phone: str | None = None
    address: str | None = None

    def to_json(self) -> dict[str, object]:
        """The prompt's data, under the keys it has always had; what is not answered yet is left out."""
        data: dict[str, object] = {
            "step": self.step.value,
            "source": self.source,
            "date": self.received.isoformat() if self.received else None,
            "reception": self.reception,
            "kind": self.kind.value if self.kind else None,
            "field": self.field,
            "content": self.content,
            "village": self.village,
            "anonymous": self.anonymous or None,
            "name": self.name,
            "phone": self.phone,
            "address": self.address,
        }
        return {key: value for key, value in data.items() if value is not None}

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> EnterDraft:
        received = _text(data.get("date"))
        kind = _text(data.get("kind"))
        return cls(
            step=EnterStep(_text(data.get("step")) or EnterStep.SOURCE),
            source=_text(data.get("source")),
            received=date.fromisoformat(received) if received else None,
            reception=_text(data.get("reception")),
            kind=CaseKind(kind) if kind else None,
            field=_text(data.get("field")),
            content=_text(data.get("content")),
            village=_int(data.get("village")),
            anonymous=bool(data.get("anonymous")),
            name=_text(data.get("name")),
            phone=_text(data.get("phone")),
            address=_text(data.get("address")),
        )

    @property
    def day(self) -> date:
        if self.received is None:
            raise ValueError("no receipt day in this draft yet")
        return self.received


def _text(value: object) -> str | None:
    return str(value) if value is not None and value != "" else None


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


Turn = FlowTurn[EnterDraft]


def _token(step: EnterStep, value: str) -> str:
    return f"s:{BUTTONS}:{step.value}:{value}"


def _chosen(answer: Answer, step: EnterStep) -> str | None:
    """The value of the step's choice the answer selected, if it selected one."""
    prefix = f"s:{BUTTONS}:{step.value}:"
    if isinstance(answer, Chosen) and answer.token.startswith(prefix):
        return answer.token[len(prefix) :]
    return None


def _typed(payload: Answer) -> str | None:
    return payload.text.strip() if isinstance(payload, Text) else None


async def start(turn: StaffTurn) -> None:
    """``/nhaphoso`` — private only: the router refuses it in a group (see ``ENTER``)."""
    await FLOW.start(turn, EnterDraft())


# -- where it came from, and when ----------------------------------------------------------------------


async def _source_choices(turn: Turn) -> list[Choice]:
    return [
        Choice(_token(EnterStep.SOURCE, source), turn.t(Msg(f"source.{source}")))
        for source in ENTERED_SOURCES
    ]


async def _answer_source(turn: Turn, answer: Answer) -> None:
    chosen = _chosen(answer, EnterStep.SOURCE)
    if chosen not in ENTERED_SOURCES:
        await FLOW.wrong_input(turn)
        return
    turn.draft.source = chosen
    await FLOW.goto(turn, EnterStep.DATE)


async def _date_choices(turn: Turn) -> list[Choice]:
    return [Choice(_token(EnterStep.DATE, "today"), turn.t(Msg.ENTER_TODAY))]


def parse_day(text: str, today: date) -> date | None:
    """``hôm nay``, ``12/05/2026``, ``12/5/26`` or ``12/5`` (this year); never a day in the future."""
    found = read_day(text, today)
    return found if found is not None and found <= today else None


async def _answer_date(turn: Turn, answer: Answer) -> None:
    today = local(turn.staff.now).date()
    if _chosen(answer, EnterStep.DATE) == "today":
        found: date | None = today
    else:
        typed = _typed(answer)
        found = parse_day(typed, today) if typed else None
        if found is None:
            await FLOW.complain(turn, turn.t(Msg.ENTER_BAD_DATE, text=shorten(typed or "", 30)))
            return
    turn.draft.received = found
    turn.draft.reception = None
    await FLOW.goto(turn, EnterStep.SESSION if turn.draft.source == "reception" else EnterStep.KIND)


async def _sessions(turn: Turn) -> list[ReceptionSession]:
    """The citizen-reception sessions on the day the petition was received."""
    day = turn.draft.day
    return await sessions(turn.staff.uow, turn.staff.desk.commune, day, day)


async def _ask_session(turn: Turn) -> None:
    found = await _sessions(turn)
    if not found:
        text = turn.t(Msg.ENTER_NO_SESSION, date=turn.staff.desk.day(turn.draft.day))
    else:
        text = turn.t(Msg.ENTER_SESSION, sessions="\n".join(describe(turn.t, found)))
    await turn.ask(text, _session_choices(turn, found))


def _session_choices(turn: Turn, found: list[ReceptionSession]) -> list[Choice]:
    """A button per session of the day (its hours and place), then one to link none."""
    return [
        Choice(
            _token(EnterStep.SESSION, session.key),
            turn.t(Msg.ENTER_SESSION_BUTTON, start=session.start, end=session.end, place=session.place),
        )
        for session in found
    ] + [Choice(_token(EnterStep.SESSION, "none"), turn.t(Msg.ENTER_SESSION_NONE))]


async def _session_options(turn: Turn) -> list[Choice]:
    return _session_choices(turn, await _sessions(turn))


async def _answer_session(turn: Turn, answer: Answer) -> None:
    """Which reception session the petition was raised at; a typed date goes back to the date question's
    answer (the clerk noticed a wrong day)."""
    chosen = _chosen(answer, EnterStep.SESSION)
    typed = _typed(answer)
    if chosen is None and typed is not None and read_day(typed, local(turn.staff.now).date()) is not None:
        await _answer_date(turn, answer)
        return
    if chosen is None:
        await FLOW.wrong_input(turn)
        return
    turn.draft.reception = None if chosen == "none" else chosen
    await FLOW.goto(turn, EnterStep.KIND)


async def _session_words(turn: Turn) -> str:
    """The linked session (one of the receipt day's) as the summary shows it: its schedule line."""
    linked = [session for session in await _sessions(turn) if session.key == turn.draft.reception]
    lines = describe(turn.t, linked)
    return lines[0].lstrip("• ") if lines else str(turn.draft.reception)


# -- what it is about --------------------------------------------------------------------------------------


async def _kind_choices(turn: Turn) -> list[Choice]:
    return [Choice(_token(EnterStep.KIND, kind.value), turn.t(label)) for kind, label in KIND_LABELS.items()]


async def _answer_kind(turn: Turn, answer: Answer) -> None:
    chosen = _chosen(answer, EnterStep.KIND)
    if chosen not in [kind.value for kind in KIND_LABELS]:
        await FLOW.wrong_input(turn)
        return
    turn.draft.kind = CaseKind(chosen)
    await FLOW.goto(turn, EnterStep.FIELD)


async def _field_choices(turn: Turn) -> list[Choice]:
    return [
        Choice(_token(EnterStep.FIELD, item.slug), item.label)
        for item in await turn.staff.desk.fields()
        if item.active
    ]


async def _answer_field(turn: Turn, answer: Answer) -> None:
    chosen = _chosen(answer, EnterStep.FIELD)
    if chosen is None:
        await FLOW.wrong_input(turn)
        return
    turn.draft.field = chosen
    await FLOW.goto(turn, EnterStep.CONTENT)


async def _answer_content(turn: Turn, answer: Answer) -> None:
    typed = _typed(answer)
    if typed is None or len(typed) < CONTENT_MIN:
        await FLOW.complain(turn, turn.t(Msg.ENTER_TOO_SHORT, min=CONTENT_MIN))
        return
    turn.draft.content = typed[:CONTENT_MAX]
    await FLOW.goto(turn, EnterStep.VILLAGE)


async def _village_choices(turn: Turn) -> list[Choice]:
    villages = [v for v in await turn.staff.desk.villages() if v.active]
    return [Choice(_token(EnterStep.VILLAGE, str(v.id)), v.name) for v in villages] + [
        Choice(_token(EnterStep.VILLAGE, "skip"), turn.t(Msg.COMMON_SKIP))
    ]


async def _match_village(turn: Turn, text: str) -> str | None:
    """``dong bau`` selects ``Xóm Đồng Bầu``: the village word is optional when typing."""
    villages = [v for v in await turn.staff.desk.villages() if v.active]
    index = village_index([v.name for v in villages], text)
    return _token(EnterStep.VILLAGE, str(villages[index].id)) if index is not None else None


async def _answer_village(turn: Turn, answer: Answer) -> None:
    chosen = _chosen(answer, EnterStep.VILLAGE)
    if chosen is None:
        await FLOW.wrong_input(turn)
        return
    turn.draft.village = None if chosen == "skip" else int(chosen)
    await FLOW.goto(turn, EnterStep.IDENTITY)


# -- who sent it ---------------------------------------------------------------------------------------------


async def _identity_choices(turn: Turn) -> list[Choice]:
    return [
        Choice(_token(EnterStep.IDENTITY, "yes"), turn.t(Msg.ENTER_WITH_IDENTITY)),
        Choice(_token(EnterStep.IDENTITY, "no"), turn.t(Msg.ENTER_WITHOUT_IDENTITY)),
    ]


async def _answer_identity(turn: Turn, answer: Answer) -> None:
    chosen = _chosen(answer, EnterStep.IDENTITY)
    if chosen not in ("yes", "no"):
        await FLOW.wrong_input(turn)
        return
    turn.draft.anonymous = chosen == "no"
    await FLOW.goto(turn, EnterStep.NAME if chosen == "yes" else EnterStep.SUMMARY)


async def _answer_name(turn: Turn, answer: Answer) -> None:
    name = valid_name(_typed(answer) or "")
    if name is None:
        await FLOW.complain(turn, turn.t(Msg.IDENTITY_NAME_INVALID))
        return
    turn.draft.name = name
    await FLOW.goto(turn, EnterStep.PHONE)


async def _answer_phone(turn: Turn, answer: Answer) -> None:
    typed = _typed(answer) or ""
    if fold_words(typed) in NONE_WORDS or typed.strip() == "-":
        turn.draft.phone = None
        await FLOW.goto(turn, EnterStep.ADDRESS)
        return
    try:
        phone = PhoneNumber.parse(typed)
    except InvalidValue:
        await FLOW.complain(turn, turn.t(Msg.IDENTITY_PHONE_INVALID, text=shorten(typed, 30)))
        return
    turn.draft.phone = phone.national
    await FLOW.goto(turn, EnterStep.ADDRESS)


async def _answer_address(turn: Turn, answer: Answer) -> None:
    address = " ".join((_typed(answer) or "").split())
    if not 5 <= len(address) <= 300 or not any(ch.isalpha() for ch in address):
        await FLOW.complain(turn, turn.t(Msg.IDENTITY_ADDRESS_INVALID))
        return
    turn.draft.address = address
    await FLOW.goto(turn, EnterStep.SUMMARY)


# -- the summary, and saving ---------------------------------------------------------------------------------


async def _summary_choices(turn: Turn) -> list[Choice]:
    return [
        Choice(_token(EnterStep.SUMMARY, "save"), turn.t(Msg.ENTER_SAVE)),
        Choice(_token(EnterStep.SUMMARY, "cancel"), turn.t(Msg.ENTER_CANCEL)),
    ]


async def _ask_summary(turn: Turn) -> None:
    draft, desk = turn.draft, turn.staff.desk
    if draft.anonymous:
        sender = turn.t(Msg.CARD_ANONYMOUS)
    else:
        parts = [part or "" for part in (draft.name, draft.phone, draft.address)]
        sender = " — ".join(part for part in parts if part)
    village = await desk.village_name(draft.village) or turn.t(Msg.ENTER_NONE)
    assert draft.kind is not None
    text = turn.t(
        Msg.ENTER_SUMMARY,
        kind=desk.kind_label(draft.kind),
        field=await desk.field_label(str(draft.field)),
        date=desk.day(draft.day),
        source=turn.t(Msg(f"source.{draft.source}")),
        village=village,
        sender=sender,
        content=shorten(str(draft.content), 600),
    ) + (
        "\n" + turn.t(Msg.ENTER_SUMMARY_SESSION, session=await _session_words(turn))
        if draft.reception
        else ""
    )
    await turn.ask(text, await _summary_choices(turn))


async def _answer_summary(turn: Turn, answer: Answer) -> None:
    chosen = _chosen(answer, EnterStep.SUMMARY)
    if chosen == "cancel":
        await turn.staff.clear_prompt()
        turn.say(Msg.ENTER_CANCELLED)
    elif chosen == "save":
        await _save(turn)
    else:
        await FLOW.wrong_input(turn)


async def _save(turn: Turn) -> None:
    staff, draft = turn.staff, turn.draft
    assert draft.kind is not None
    today = local(staff.now).date()
    # The hour of a paper petition is unknown: its day is what counts, kept at the start of that day.
    received_at = staff.now if draft.day == today else datetime.combine(draft.day, time(0, 0), LOCAL_TZ)
    anonymous = draft.anonymous
    case = await submit_petition(
        staff.uow,
        SubmitPetition(
            commune=staff.desk.commune,
            channel=OFFICE_CHANNEL,
            kind=draft.kind,
            field_slug=str(draft.field),
            content=str(draft.content),
            received_at=received_at,
            anonymous=anonymous,
            name=None if anonymous else draft.name or "",
            phone=None if anonymous else draft.phone or None,
            address=None if anonymous else draft.address or "",
            village_id=draft.village,
            actor_kind=ActorKind.STAFF,
            actor_id=staff.me.id,
            source=str(draft.source),
            office_pending=True,  # its card follows, as for a petition filed by chat
            reception_key=draft.reception or None,
        ),
        now=staff.now,
    )
    staff.case_id = case.id
    staff.arrived = True
    await staff.clear_prompt()
    staff.say(Msg.ENTER_SAVED, code=case.code)


async def _enter_command(turn: StaffTurn, argument: str) -> None:
    await start(turn)


ENTER = StaffCommand(
    key="enter",
    names=("nhaphoso", "enter"),
    roles=TRIAGE,
    private_only=True,
    summary=Msg.OFFICE_SUMMARY_ENTER,
    about=Msg.OFFICE_ABOUT_ENTER,
    run=_enter_command,
)
COMMANDS = (ENTER,)


# -- the table -----------------------------------------------------------------------------------------------


FLOW: StaffFlow[EnterDraft, EnterStep] = StaffFlow(
    action=ACTION, buttons=BUTTONS, command=ENTER, steps=EnterStep, read=EnterDraft.from_json
)


CHOICE, TEXT, ABOUT = Msg.COMMON_EXPECTS_CHOICE, Msg.OFFICE_PROMPT_EXPECTS_TEXT, Msg.OFFICE_ABOUT_ENTER
FLOW.register(
    {
        EnterStep.SOURCE: StepSpec(
            FLOW.question(Msg.ENTER_SOURCE), _answer_source, ABOUT, CHOICE, _source_choices
        ),
        EnterStep.DATE: StepSpec(
            FLOW.question(Msg.ENTER_DATE), _answer_date, ABOUT, TEXT, _date_choices, free_text=True
        ),
        EnterStep.SESSION: StepSpec(_ask_session, _answer_session, ABOUT, CHOICE, _session_options),
        EnterStep.KIND: StepSpec(FLOW.question(Msg.ENTER_KIND), _answer_kind, ABOUT, CHOICE, _kind_choices),
        EnterStep.FIELD: StepSpec(
            FLOW.question(Msg.ENTER_FIELD), _answer_field, ABOUT, CHOICE, _field_choices
        ),
        EnterStep.CONTENT: StepSpec(FLOW.question(Msg.ENTER_CONTENT), _answer_content, ABOUT, TEXT),
        EnterStep.VILLAGE: StepSpec(
            FLOW.question(Msg.ENTER_VILLAGE),
            _answer_village,
            ABOUT,
            CHOICE,
            _village_choices,
            match=_match_village,
        ),
        EnterStep.IDENTITY: StepSpec(
            FLOW.question(Msg.ENTER_ANONYMOUS), _answer_identity, ABOUT, CHOICE, _identity_choices
        ),
        EnterStep.NAME: StepSpec(FLOW.question(Msg.ENTER_NAME), _answer_name, ABOUT, TEXT),
        EnterStep.PHONE: StepSpec(FLOW.question(Msg.ENTER_PHONE), _answer_phone, ABOUT, TEXT),
        EnterStep.ADDRESS: StepSpec(FLOW.question(Msg.ENTER_ADDRESS), _answer_address, ABOUT, TEXT),
        EnterStep.SUMMARY: StepSpec(_ask_summary, _answer_summary, ABOUT, CHOICE, _summary_choices),
    }
)
