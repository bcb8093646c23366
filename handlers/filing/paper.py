"""``/nhaphoso``: a clerk enters a petition received on paper, by phone or at a reception session, on the
citizen's behalf and with its real receipt date. A short guided dialogue in the clerk's private chat (it
holds a citizen's identity, so never in a group); the draft lives in the clerk's pending prompt."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, datetime, time

from handlers.cases.commands import StaffCommand
from handlers.cases.desk import ENTERED_SOURCES
from handlers.cases.reception_sessions import ReceptionSession, describe, sessions
from handlers.cases.staff_turn import StaffTurn
from handlers.cases.submission import OFFICE_CHANNEL, SubmitPetition, submit_petition
from handlers.kernel.catalogue.keys import Msg
from handlers.kernel.commands import TRIAGE
from handlers.kernel.events import Payload, Pick, Text
from handlers.kernel.formatting import local, read_day
from handlers.kernel.labels import KIND_LABELS
from handlers.kernel.names import valid_name, village_index
from handlers.kernel.replies import Choice
from handlers.kernel.text import fold_words, match_choice, shorten
from models.base import LOCAL_TZ
from models.enums import ActorKind, CaseKind
from models.errors import InvalidValue
from models.values import PhoneNumber

ACTION = "enter"
CONTENT_MIN = 15
CONTENT_MAX = 4000
NONE_WORDS = frozenset({"-", "khong", "khong co", "none"})

Draft = dict[str, object]
Handler = Callable[[StaffTurn, Draft, Payload], Awaitable[str | None]]


def _token(step: str, value: str) -> str:
    return f"s:ent:{step}:{value}"


def _picked(payload: Payload, step: str) -> str | None:
    prefix = f"s:ent:{step}:"
    if isinstance(payload, Pick) and payload.token.startswith(prefix):
        return payload.token[len(prefix) :]
    return None


def _typed(payload: Payload) -> str | None:
    return payload.text.strip() if isinstance(payload, Text) else None


async def start(turn: StaffTurn) -> None:
    if turn.in_group:
        turn.say(Msg.OFFICE_PRIVATE_ONLY)
        return
    await _ask(turn, {"step": "source"})


# -- the questions ---------------------------------------------------------------------------------------


async def _choices(turn: StaffTurn, draft: Draft) -> list[Choice]:
    step = str(draft["step"])
    if step == "source":
        return [
            Choice(_token("source", source), turn.t(Msg(f"source.{source}"))) for source in ENTERED_SOURCES
        ]
    if step == "date":
        return [Choice(_token("date", "today"), turn.t(Msg.ENTER_TODAY))]
    if step == "kind":
        return [Choice(_token("kind", kind.value), turn.t(label)) for kind, label in KIND_LABELS.items()]
    if step == "field":
        return [
            Choice(_token("field", item.slug), item.label) for item in await turn.desk.fields() if item.active
        ]
    if step == "village":
        villages = [v for v in await turn.desk.villages() if v.active]
        return [Choice(_token("village", str(v.id)), v.name) for v in villages] + [
            Choice(_token("village", "skip"), turn.t(Msg.COMMON_SKIP))
        ]
    if step == "identity":
        return [
            Choice(_token("identity", "yes"), turn.t(Msg.ENTER_WITH_IDENTITY)),
            Choice(_token("identity", "no"), turn.t(Msg.ENTER_WITHOUT_IDENTITY)),
        ]
    if step == "summary":
        return [
            Choice(_token("summary", "save"), turn.t(Msg.ENTER_SAVE)),
            Choice(_token("summary", "cancel"), turn.t(Msg.ENTER_CANCEL)),
        ]
    return []


QUESTIONS: dict[str, Msg] = {
    "source": Msg.ENTER_SOURCE,
    "date": Msg.ENTER_DATE,
    "kind": Msg.ENTER_KIND,
    "field": Msg.ENTER_FIELD,
    "content": Msg.ENTER_CONTENT,
    "village": Msg.ENTER_VILLAGE,
    "identity": Msg.ENTER_ANONYMOUS,
    "name": Msg.ENTER_NAME,
    "phone": Msg.ENTER_PHONE,
    "address": Msg.ENTER_ADDRESS,
}


async def _ask(turn: StaffTurn, draft: Draft) -> None:
    step = str(draft["step"])
    if step == "session":
        found = await _sessions(turn, draft)
        await turn.prompt(
            ACTION, _session_question(turn, draft, found), data=draft, choices=_session_choices(turn, found)
        )
        return
    text = await _summary(turn, draft) if step == "summary" else turn.t(QUESTIONS[step])
    await turn.prompt(ACTION, text, data=draft, choices=await _choices(turn, draft))


async def _summary(turn: StaffTurn, draft: Draft) -> str:
    kind = CaseKind(str(draft["kind"]))
    if draft.get("anonymous"):
        sender = turn.t(Msg.CARD_ANONYMOUS)
    else:
        parts = [str(draft.get(key) or "") for key in ("name", "phone", "address")]
        sender = " — ".join(part for part in parts if part)
    village = await turn.desk.village_name(_int(draft.get("village"))) or turn.t(Msg.ENTER_NONE)
    return turn.t(
        Msg.ENTER_SUMMARY,
        kind=turn.desk.kind_label(kind),
        field=await turn.desk.field_label(str(draft["field"])),
        date=turn.desk.day(date.fromisoformat(str(draft["date"]))),
        source=turn.t(Msg(f"source.{draft['source']}")),
        village=village,
        sender=sender,
        content=shorten(str(draft["content"]), 600),
    ) + (
        "\n" + turn.t(Msg.ENTER_SUMMARY_SESSION, session=await _session_words(turn, draft))
        if draft.get("reception")
        else ""
    )


async def _sessions(turn: StaffTurn, draft: Draft) -> list[ReceptionSession]:
    """The citizen-reception sessions on the day the petition was received."""
    day = date.fromisoformat(str(draft["date"]))
    return await sessions(turn.uow, turn.desk.commune, day, day)


def _session_question(turn: StaffTurn, draft: Draft, found: list[ReceptionSession]) -> str:
    if not found:
        return turn.t(Msg.ENTER_NO_SESSION, date=turn.desk.day(date.fromisoformat(str(draft["date"]))))
    return turn.t(Msg.ENTER_SESSION, sessions="\n".join(describe(turn.t, found)))


def _session_choices(turn: StaffTurn, found: list[ReceptionSession]) -> list[Choice]:
    """A button per session of the day (its hours and place), then one to link none."""
    return [
        Choice(
            _token("session", session.key),
            turn.t(Msg.ENTER_SESSION_BUTTON, start=session.start, end=session.end, place=session.place),
        )
        for session in found
    ] + [Choice(_token("session", "none"), turn.t(Msg.ENTER_SESSION_NONE))]


async def _session_words(turn: StaffTurn, draft: Draft) -> str:
    """The linked session (one of the receipt day's) as the summary shows it: its schedule line."""
    linked = [session for session in await _sessions(turn, draft) if session.key == draft["reception"]]
    lines = describe(turn.t, linked)
    return lines[0].lstrip("• ") if lines else str(draft["reception"])


def _int(value: object) -> int | None:
    return value if isinstance(value, int) else None


# -- the answers -----------------------------------------------------------------------------------------


async def answer(turn: StaffTurn, draft: Draft, payload: Payload) -> None:
    """Take the answer to the current question, then ask the next one (or say what was expected)."""
    step = str(draft.get("step", "source"))
    handler = ANSWERS[step]
    problem = await handler(turn, draft, payload)
    if problem == "done":
        return
    if problem is not None:
        turn.say_text(problem)
    await _ask(turn, draft)


async def _source(turn: StaffTurn, draft: Draft, payload: Payload) -> str | None:
    chosen = _picked(payload, "source") or _match(
        turn, payload, [turn.t(Msg(f"source.{s}")) for s in ENTERED_SOURCES], ENTERED_SOURCES
    )
    if chosen not in ENTERED_SOURCES:
        return turn.t(Msg.COMMON_EXPECTS_CHOICE)
    draft.update(source=chosen, step="date")
    return None


def _match(
    turn: StaffTurn, payload: Payload, labels: list[str], values: tuple[str, ...] | list[str]
) -> str | None:
    typed = _typed(payload)
    if typed is None:
        return None
    index = match_choice(typed, labels)
    return values[index] if index is not None else None


def parse_day(text: str, today: date) -> date | None:
    """``hôm nay``, ``12/05/2026``, ``12/5/26`` or ``12/5`` (this year); never a day in the future."""
    found = read_day(text, today)
    return found if found is not None and found <= today else None


async def _date(turn: StaffTurn, draft: Draft, payload: Payload) -> str | None:
    today = local(turn.now).date()
    if _picked(payload, "date") == "today":
        found: date | None = today
    else:
        typed = _typed(payload)
        found = parse_day(typed, today) if typed else None
        if found is None:
            return turn.t(Msg.ENTER_BAD_DATE, text=shorten(typed or "", 30))
    assert found is not None
    draft.update(date=found.isoformat(), step="session" if draft.get("source") == "reception" else "kind")
    draft.pop("reception", None)
    return None


async def _session(turn: StaffTurn, draft: Draft, payload: Payload) -> str | None:
    """Which reception session the petition was raised at; a typed date goes back to the date question's
    answer (the clerk noticed a wrong day)."""
    found = await _sessions(turn, draft)
    keys = [session.key for session in found]
    labels = [choice.label for choice in _session_choices(turn, found)]
    chosen = _picked(payload, "session") or _match(turn, payload, labels, [*keys, "none"])
    typed = _typed(payload)
    if chosen is None and typed is not None and read_day(typed, local(turn.now).date()) is not None:
        return await _date(turn, draft, payload)
    if chosen == "none":
        draft.update(reception=None, step="kind")
        return None
    if chosen not in keys:
        return turn.t(Msg.COMMON_EXPECTS_CHOICE)
    draft.update(reception=chosen, step="kind")
    return None


async def _kind(turn: StaffTurn, draft: Draft, payload: Payload) -> str | None:
    kinds = [kind.value for kind in KIND_LABELS]
    chosen = _picked(payload, "kind") or _match(
        turn, payload, [turn.t(label) for label in KIND_LABELS.values()], kinds
    )
    if chosen not in kinds:
        return turn.t(Msg.COMMON_EXPECTS_CHOICE)
    draft.update(kind=chosen, step="field")
    return None


async def _field(turn: StaffTurn, draft: Draft, payload: Payload) -> str | None:
    fields = [item for item in await turn.desk.fields() if item.active]
    slugs = [item.slug for item in fields]
    chosen = _picked(payload, "field") or _match(turn, payload, [item.label for item in fields], slugs)
    if chosen not in slugs:
        return turn.t(Msg.COMMON_EXPECTS_CHOICE)
    draft.update(field=chosen, step="content")
    return None


async def _content(turn: StaffTurn, draft: Draft, payload: Payload) -> str | None:
    typed = _typed(payload)
    if typed is None or len(typed) < CONTENT_MIN:
        return turn.t(Msg.ENTER_TOO_SHORT, min=CONTENT_MIN)
    draft.update(content=typed[:CONTENT_MAX], step="village")
    return None


async def _village(turn: StaffTurn, draft: Draft, payload: Payload) -> str | None:
    villages = [v for v in await turn.desk.villages() if v.active]
    chosen = _picked(payload, "village")
    typed = _typed(payload)
    if chosen is None and typed is not None:
        index = village_index([v.name for v in villages], typed)
        skip = match_choice(typed, [turn.t(Msg.COMMON_SKIP)]) is not None
        chosen = str(villages[index].id) if index is not None else ("skip" if skip else None)
    if chosen is None:
        return turn.t(Msg.COMMON_EXPECTS_CHOICE)
    draft.update(village=None if chosen == "skip" else int(chosen), step="identity")
    return None


async def _identity(turn: StaffTurn, draft: Draft, payload: Payload) -> str | None:
    chosen = _picked(payload, "identity") or _match(
        turn, payload, [turn.t(Msg.ENTER_WITH_IDENTITY), turn.t(Msg.ENTER_WITHOUT_IDENTITY)], ["yes", "no"]
    )
    if chosen not in ("yes", "no"):
        return turn.t(Msg.COMMON_EXPECTS_CHOICE)
    draft.update(anonymous=chosen == "no", step="name" if chosen == "yes" else "summary")
    return None


async def _name(turn: StaffTurn, draft: Draft, payload: Payload) -> str | None:
    name = valid_name(_typed(payload) or "")
    if name is None:
        return turn.t(Msg.IDENTITY_NAME_INVALID)
    draft.update(name=name, step="phone")
    return None


async def _phone(turn: StaffTurn, draft: Draft, payload: Payload) -> str | None:
    typed = _typed(payload) or ""
    if fold_words(typed) in NONE_WORDS or typed.strip() == "-":
        draft.update(phone=None, step="address")
        return None
    try:
        phone = PhoneNumber.parse(typed)
    except InvalidValue:
        return turn.t(Msg.IDENTITY_PHONE_INVALID, text=shorten(typed, 30))
    draft.update(phone=phone.national, step="address")
    return None


async def _address(turn: StaffTurn, draft: Draft, payload: Payload) -> str | None:
    address = " ".join((_typed(payload) or "").split())
    if not 5 <= len(address) <= 300 or not any(ch.isalpha() for ch in address):
        return turn.t(Msg.IDENTITY_ADDRESS_INVALID)
    draft.update(address=address, step="summary")
    return None


async def _save(turn: StaffTurn, draft: Draft, payload: Payload) -> str | None:
    chosen = _picked(payload, "summary") or _match(
        turn, payload, [turn.t(Msg.ENTER_SAVE), turn.t(Msg.ENTER_CANCEL)], ["save", "cancel"]
    )
    if chosen == "cancel":
        await turn.clear_prompt()
        turn.say(Msg.ENTER_CANCELLED)
        return "done"
    if chosen != "save":
        return turn.t(Msg.COMMON_EXPECTS_CHOICE)
    received = date.fromisoformat(str(draft["date"]))
    today = local(turn.now).date()
    # The hour of a paper petition is unknown: its day is what counts, kept at the start of that day.
    received_at = turn.now if received == today else datetime.combine(received, time(0, 0), LOCAL_TZ)
    anonymous = bool(draft.get("anonymous"))
    case = await submit_petition(
        turn.uow,
        SubmitPetition(
            commune=turn.desk.commune,
            channel=OFFICE_CHANNEL,
            kind=CaseKind(str(draft["kind"])),
            field_slug=str(draft["field"]),
            content=str(draft["content"]),
            received_at=received_at,
            anonymous=anonymous,
            name=None if anonymous else str(draft.get("name") or ""),
            phone=None if anonymous else (str(draft["phone"]) if draft.get("phone") else None),
            address=None if anonymous else str(draft.get("address") or ""),
            village_id=_int(draft.get("village")),
            actor_kind=ActorKind.STAFF,
            actor_id=turn.me.id,
            source=str(draft["source"]),
            office_pending=True,  # its card follows, as for a petition filed by chat
            reception_key=str(draft["reception"]) if draft.get("reception") else None,
        ),
        now=turn.now,
    )
    turn.case_id = case.id
    turn.arrived = True
    await turn.clear_prompt()
    turn.say(Msg.ENTER_SAVED, code=case.code)
    return "done"


ANSWERS: dict[str, Handler] = {
    "source": _source,
    "date": _date,
    "session": _session,
    "kind": _kind,
    "field": _field,
    "content": _content,
    "village": _village,
    "identity": _identity,
    "name": _name,
    "phone": _phone,
    "address": _address,
    "summary": _save,
}


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
