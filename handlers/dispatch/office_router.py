"""The staff router: decides whether an event is office business and, if so, runs it behind one guard.

* In a group, everything is office business (citizens never write there); chatter that is neither a staff
  command, a staff button nor an answer to the bot is ignored.
* In a private chat, a staff command, a staff button, an invitation link or the answer to a pending staff
  question is office business; anything else goes on to the citizen conversation (staff are citizens too).
* The guard (``Actor.may``) runs before any case is looked up, and a case the actor may not see answers
  exactly like one that does not exist: a refusal never tells whether a case exists.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from handlers.cases import casework, results
from handlers.cases import commands as case_commands
from handlers.cases import staff_views as views
from handlers.cases.access import load_actor
from handlers.cases.commands import StaffCommand, StaffRun
from handlers.cases.services import Office
from handlers.cases.staff_flow import GuidedFlow, flow_of, flows_with_buttons
from handlers.cases.staff_turn import StaffTurn
from handlers.dispatch.commands import CANCEL, HELP, TABLE
from handlers.kernel.catalogue import Catalogue
from handlers.kernel.catalogue.keys import Msg
from handlers.kernel.commands import ParsedCommand
from handlers.kernel.events import ChatEvent, Payload, Pick, SharedFile, Text
from handlers.kernel.ports import UnitOfWork
from handlers.kernel.replies import Choice, Reply
from handlers.kernel.text import fold, match_choice, row_id, shorten
from handlers.staff import admin
from models.case import Case
from models.staff import StaffPrompt

C = case_commands  # the casework commands, as the buttons and questions below name them
PROMPT_TTL = timedelta(hours=24)


@dataclass(frozen=True)
class TypedPick:
    """A choice typed instead of pressed: what it picks, its label, and whether it came from a card."""

    pick: Pick
    label: str
    from_card: bool


STAFF_TOKEN = "s:"  # noqa: S105 - a choice token prefix: staff buttons start with it, citizens' never do
LOOK_BACK = 10  # how many of a chat's latest messages a typed choice looks through for its list
REPLY_KEY = "#"  # an answer to a person's own event is keyed <event>#<n>; mail (cards) never is
# Card actions that decide at once (the others ask a question that names the case): typed after a card,
# they are confirmed first.
DECIDE_AT_ONCE = frozenset({"acc", "apr", "rsub", "rcan"})
NOTHING = "nothing"  # the "no" of a confirmation
StaffParsed = ParsedCommand[StaffRun]

CaseHandler = Callable[[StaffTurn, Case, str], Awaitable[None]]


def staff_command(text: str) -> StaffParsed | None:
    """A staff command of the table (shared ones included) and its argument; None for anything else."""
    parsed = TABLE.parse(text)
    return parsed if parsed is not None and parsed.spec.for_staff else None


def _help(turn: StaffTurn, topic: str) -> None:
    """``/trogiup``: the commands this person may use here; ``/trogiup hangdoi``: one command in detail."""
    name = topic.split()[0] if topic.strip() else ""
    wanted = TABLE.named(name) if name else None
    if wanted is not None and not wanted.for_staff:
        wanted = None
    assert turn.actor is not None  # the guard let /trogiup through
    if wanted is None or wanted is HELP:
        if name and wanted is None:
            turn.say(Msg.OFFICE_HELP_UNKNOWN, text=shorten(name.lstrip("/"), 30))
            return
        listed = TABLE.for_roles(turn.actor.roles, in_group=turn.in_group)
        lines = [turn.t(Msg.OFFICE_HELP), *(turn.t(spec.summary) for spec in listed if spec.summary)]
        turn.say_text("\n".join(lines))
        turn.say(Msg.OFFICE_HELP_MORE)
        if not turn.in_group:
            turn.say(Msg.OFFICE_HELP_CITIZEN)
        return
    if not turn.actor.may(wanted):
        turn.say(Msg.OFFICE_HELP_NOT_YOURS, command=shorten(name.lstrip("/"), 30))
        return
    assert wanted.about is not None  # every staff command has its help (a test checks the table)
    turn.say(wanted.about)


# Guided flows (/nhaphoso, /doithoai, /thongbao) are found in the registry of handlers.cases.staff_flow: each
# flow's module declares its prompt action, its buttons' token prefix and the command that guards it.


# -- buttons ---------------------------------------------------------------------------------------------


async def _button_assign(turn: StaffTurn, case: Case, argument: str) -> None:
    unit = await turn.desk.unit(row_id(argument)) if argument else None
    await casework.assign(turn, case, unit if unit is not None and unit.active else None)


async def _button_decline_send(turn: StaffTurn, case: Case, argument: str) -> None:
    prompt = await turn.uow.staff.prompt(turn.me.id, turn.event.channel, turn.event.chat_id)
    reason = prompt.data.get("reason") if prompt is not None and prompt.case_id == case.id else None
    if not isinstance(reason, str) or not reason:
        await casework.offer_decline(turn, case)  # the choice was lost (another action came between)
        return
    await casework.decline(turn, case, reason)


async def _button_decline_edit(turn: StaffTurn, case: Case, argument: str) -> None:
    await turn.prompt("decline", turn.t(Msg.OFFICE_DECLINE_TEXT, code=case.code), case=case)


async def _button_duplicate(turn: StaffTurn, case: Case, argument: str) -> None:
    other = await turn.uow.cases.get(case.commune_id, row_id(argument) or 0) if argument else None
    await casework.mark_duplicate(turn, case, other.code if other is not None else None)


async def _button_reclassify(turn: StaffTurn, case: Case, argument: str) -> None:
    await casework.reclassify(turn, case, casework.parse_kind(argument) if argument else None, None)


CASE_BUTTONS: dict[str, tuple[StaffCommand, CaseHandler]] = {
    "acc": (C.ACCEPT, lambda turn, case, arg: casework.accept(turn, case)),
    "asg": (C.ASSIGN, _button_assign),
    "fwd": (C.FORWARD, lambda turn, case, arg: casework.forward(turn, case, None, None)),
    "dec": (
        C.DECLINE,
        lambda turn, case, arg: (
            casework.choose_decline(turn, case, arg) if arg else casework.offer_decline(turn, case)
        ),
    ),
    "decok": (C.DECLINE, _button_decline_send),
    "decedit": (C.DECLINE, _button_decline_edit),
    "inf": (C.ASK_INFO, lambda turn, case, arg: casework.ask_info(turn, case, None)),
    "dup": (C.DUPLICATE, _button_duplicate),
    "rek": (C.RECLASSIFY, _button_reclassify),
    "note": (C.NOTE, lambda turn, case, arg: casework.note(turn, case, None)),
    "view": (C.CASE, lambda turn, case, arg: views.show_case(turn, case)),
    "files": (C.CASE, lambda turn, case, arg: views.send_files(turn, case)),
    "prg": (C.PROGRESS, lambda turn, case, arg: casework.progress(turn, case, None)),
    "res": (C.RESULT, lambda turn, case, arg: results.start_result(turn, case)),
    "rsub": (C.RESULT, lambda turn, case, arg: results.submit_result(turn, case, row_id(arg) or 0)),
    "rcan": (C.RESULT, lambda turn, case, arg: results.cancel_result(turn, case, row_id(arg) or 0)),
    "apr": (C.APPROVE, lambda turn, case, arg: results.approve(turn, case, row_id(arg))),
    "ret": (C.RETURN, lambda turn, case, arg: results.send_back(turn, case, row_id(arg), None)),
}
STAFF_BUTTONS: dict[str, Callable[[StaffTurn, int], Awaitable[None]]] = {
    "rm": admin.confirm_removal,
    "rmok": admin.remove_member,
}


# -- answers to questions the bot asked ------------------------------------------------------------------

TextHandler = Callable[[StaffTurn, Case, StaffPrompt, str], Awaitable[None]]
CASE_PROMPTS: dict[str, tuple[StaffCommand, TextHandler]] = {
    "forward": (C.FORWARD, lambda turn, case, prompt, text: casework.forward(turn, case, text, None)),
    "forward_reason": (
        C.FORWARD,
        lambda turn, case, prompt, text: casework.forward(
            turn, case, str(prompt.data.get("destination", "")), text
        ),
    ),
    "decline": (C.DECLINE, lambda turn, case, prompt, text: casework.decline(turn, case, text)),
    "ask_info": (C.ASK_INFO, lambda turn, case, prompt, text: casework.ask_info(turn, case, text)),
    "duplicate": (C.DUPLICATE, lambda turn, case, prompt, text: casework.mark_duplicate(turn, case, text)),
    "reclassify": (
        C.RECLASSIFY,
        lambda turn, case, prompt, text: casework.reclassify(
            turn, case, casework.parse_kind(str(prompt.data.get("kind", ""))), text
        ),
    ),
    "note": (C.NOTE, lambda turn, case, prompt, text: casework.note(turn, case, text)),
    "progress": (C.PROGRESS, lambda turn, case, prompt, text: casework.progress(turn, case, text)),
    "result": (C.RESULT, lambda turn, case, prompt, text: results.take_result_text(turn, case, text)),
    "result_files": (C.RESULT, lambda turn, case, prompt, text: results.take_result_text(turn, case, text)),
    "return": (
        C.RETURN,
        lambda turn, case, prompt, text: results.send_back(turn, case, _int(prompt.data.get("result")), text),
    ),
}


def _int(value: object) -> int | None:
    return value if isinstance(value, int) else None


class OfficeRouter:
    def __init__(self, *, catalogue: Catalogue, office: Office) -> None:
        self.catalogue = catalogue
        self.office = office

    async def take(
        self, uow: UnitOfWork, event: ChatEvent, now: datetime, *, staff: bool
    ) -> StaffTurn | None:
        """Handle the event if it is office business; None leaves it to the citizen conversation. ``staff``
        says whether the sender is a staff member at all (learnt with the event's claim), so a citizen's
        turn costs no lookup here."""
        payload = event.payload
        parsed = staff_command(payload.text) if isinstance(payload, Text) else None
        pick = payload if isinstance(payload, Pick) and payload.token.startswith(STAFF_TOKEN) else None
        invite_token = _invite_token(payload)
        if not staff and not event.group and invite_token is None:
            staff_business = pick is not None or (parsed is not None and not parsed.spec.shared)
            if not staff_business:
                return None
        group = await uow.staff.group(event.channel, event.chat_id) if event.group else None
        if group is not None and not group.active:
            group = None
        commune_id = group.commune_id if group is not None else None
        actor = await load_actor(uow, event.channel, event.sender_id, commune_id)
        commune = await uow.communes.get(actor.commune_id) if actor is not None else None
        turn = StaffTurn(
            uow=uow,
            event=event,
            now=now,
            catalogue=self.catalogue,
            office=self.office,
            actor=actor,
            commune=commune,
            group=group,
        )
        if invite_token is not None and not event.group:
            await admin.join(uow, turn, invite_token)
        elif event.group:
            await self._in_group(turn, parsed, pick)
        elif not await self._in_private(turn, parsed, pick):
            return None
        await turn.finish()
        return turn

    async def _in_group(self, turn: StaffTurn, parsed: StaffParsed | None, pick: Pick | None) -> None:
        if parsed is not None:
            if parsed.spec is not admin.LINK and turn.group is None:
                if turn.actor is not None:
                    turn.say(Msg.OFFICE_NOT_LINKED)
                return
            await self._command(turn, parsed)
        elif pick is not None:
            if turn.group is not None:
                await self._button(turn, pick)
        elif turn.event.replying and turn.actor is not None and turn.group is not None:
            prompt = await self._prompt(turn)
            typed = await self._typed_pick(turn, prompt)
            if typed is not None:
                await self._typed(turn, typed)
            elif prompt is not None:
                await self._answer(turn, prompt, turn.event.payload)

    async def _in_private(self, turn: StaffTurn, parsed: StaffParsed | None, pick: Pick | None) -> bool:
        if turn.actor is None:
            if (parsed is not None and parsed.spec not in (HELP, CANCEL)) or pick is not None:
                turn.refuse()
                return True
            return False
        prompt = await self._prompt(turn)
        if parsed is not None:
            if parsed.spec is CANCEL and prompt is None:
                return False  # the citizen's /huy
            await self._command(turn, parsed)
            return True
        if pick is not None:
            await self._button(turn, pick)
            return True
        typed = await self._typed_pick(turn, prompt)
        if typed is not None:
            await self._typed(turn, typed)
            return True
        if prompt is not None:
            await self._answer(turn, prompt, turn.event.payload)
            return True
        return False

    async def _typed(self, turn: StaffTurn, typed: TypedPick) -> None:
        """A choice typed after a card that decides at once (accept, approve, submit) acts only once
        confirmed, naming the case: a new card may have arrived between reading one and typing, and a number
        does not say which card it meant. Any other choice acts as pressing would: those that decide later
        ask a question naming the case, and a list in answer to the person's own action is theirs."""
        parts = typed.pick.token.split(":", 3)
        action = parts[1] if len(parts) > 1 else ""
        target = row_id(parts[2]) if len(parts) > 2 else None
        if not typed.from_card or action not in DECIDE_AT_ONCE or target is None:
            await self._button(turn, typed.pick)
            return
        command = CASE_BUTTONS[action][0]
        if turn.actor is None or not turn.actor.may(command):
            turn.refuse()
            return
        case = await turn.case_by_id(target)
        if case is None:
            return
        turn.say_text(
            turn.t(
                Msg.OFFICE_TYPED_CONFIRM,
                action=typed.label,
                code=case.code,
                kind=turn.desk.kind_label(case.kind),
                field=await turn.desk.field_label(case.field_slug),
            ),
            [
                Choice(typed.pick.token, turn.t(Msg.OFFICE_TYPED_YES, action=typed.label)),
                Choice(f"{STAFF_TOKEN}{NOTHING}", turn.t(Msg.OFFICE_TYPED_NO)),
            ],
        )

    async def _typed_pick(self, turn: StaffTurn, prompt: StaffPrompt | None) -> TypedPick | None:
        """A number or a whole label typed after the latest list of choices the chat received picks from it,
        as pressing its button would — on channels without buttons (Zalo, the console) that is the only way
        to use a card. Only when that latest list is the office's own (a card, a staff question): if it is a
        citizen question (staff are citizens too), the citizen conversation answers the text. While a
        question waits for words, only a list given since it was asked, in answer to this person, counts:
        never a card, never an older list."""
        payload = turn.event.payload
        if not isinstance(payload, Text):
            return None
        rows = await turn.uow.outbox.latest_to(turn.event.channel, turn.event.chat_id, limit=LOOK_BACK)
        floor = None
        if prompt is not None:
            asked = [row.id for row in rows if row.delivery_key.startswith(f"{prompt.asked_in}#")]
            if not asked:
                return None  # the question is too far back to tell what a number would mean
            floor = min(asked)
        for row in rows:
            if floor is not None and row.id < floor:
                return None
            shown = Reply.from_payload(row.payload)
            if not shown.choices:
                continue
            from_card = REPLY_KEY not in row.delivery_key  # mail (a card), not an answer to this person
            if prompt is not None and from_card:
                return None
            if not all(choice.token.startswith(STAFF_TOKEN) for choice in shown.choices):
                return None
            index = match_choice(payload.text, [choice.label for choice in shown.choices], allow_prefix=False)
            if index is None:
                return None
            choice = shown.choices[index]
            return TypedPick(Pick(choice.token, shown.ask_seq), choice.label, from_card)
        return None

    async def _prompt(self, turn: StaffTurn) -> StaffPrompt | None:
        prompt = await turn.uow.staff.prompt(turn.me.id, turn.event.channel, turn.event.chat_id)
        if prompt is not None and turn.now - prompt.created_at > PROMPT_TTL:
            await turn.clear_prompt()
            return None
        return prompt

    # -- commands ------------------------------------------------------------------------------------
    async def _command(self, turn: StaffTurn, parsed: StaffParsed) -> None:
        command = parsed.spec
        actor = turn.actor
        if actor is None or not actor.may(command):
            turn.refuse()
            return
        if command is HELP:
            _help(turn, parsed.argument)
            return
        if command is CANCEL:
            if await self._prompt(turn) is None:
                turn.say(Msg.OFFICE_PROMPT_NOTHING)
            else:
                await turn.clear_prompt()
                turn.say(Msg.OFFICE_PROMPT_CANCELLED)
            return
        if command.private_only and turn.in_group:
            turn.say(Msg.OFFICE_PRIVATE_ONLY)
            return
        await turn.clear_prompt()  # a new command leaves any unanswered question behind
        assert command.run is not None  # only help and cancel are answered here, above
        await command.run(turn, parsed.argument)

    # -- buttons -------------------------------------------------------------------------------------
    async def _button(self, turn: StaffTurn, pick: Pick) -> None:
        parts = pick.token.split(":", 3)  # s, action, id, argument
        action = parts[1] if len(parts) > 1 else ""
        target = row_id(parts[2]) if len(parts) > 2 else None
        argument = parts[3] if len(parts) > 3 else ""
        actor = turn.actor
        if action == NOTHING:
            turn.say(Msg.OFFICE_TYPED_CANCELLED)
            return
        flows = flows_with_buttons(action)
        if flows:
            await self._flow_button(turn, pick, flows)
            return
        if action in STAFF_BUTTONS:
            if actor is None or not actor.may(admin.STAFF) or target is None:
                turn.refuse()
                return
            await STAFF_BUTTONS[action](turn, target)
            return
        spec = CASE_BUTTONS.get(action)
        if spec is None or actor is None or not actor.may(spec[0]) or target is None:
            turn.refuse()
            return
        case = await turn.case_by_id(target)
        if case is not None:
            await spec[1](turn, case, argument)

    async def _flow_button(self, turn: StaffTurn, pick: Pick, flows: list[GuidedFlow]) -> None:
        """A button of a guided flow answers the flow's pending question, if it is still pending."""
        if turn.actor is None or not turn.actor.may(flows[0].command):
            turn.refuse()
            return
        prompt = await self._prompt(turn)
        flow = flow_of(prompt.action) if prompt is not None else None
        if prompt is None or flow is None or flow not in flows:
            turn.say(Msg.OFFICE_PROMPT_EXPIRED)
            return
        await self._answer_flow(turn, flow, prompt, pick)

    async def _answer_flow(
        self, turn: StaffTurn, flow: GuidedFlow, prompt: StaffPrompt, payload: Payload
    ) -> None:
        """An answer (typed or pressed) to a guided flow's question, if the person may still use the flow
        (its command and sub-action, as the table says today: roles may have changed since it was asked)."""
        if not flow.allows(turn.me):
            await turn.clear_prompt()
            turn.refuse()
            return
        await flow.answer(turn, dict(prompt.data), payload)

    # -- answers -------------------------------------------------------------------------------------
    async def _answer(self, turn: StaffTurn, prompt: StaffPrompt, payload: Payload) -> None:
        actor = turn.me
        if prompt.action == "name":
            if isinstance(payload, Text):
                await admin.take_name(turn, payload.text)
            else:
                turn.say(Msg.OFFICE_PROMPT_EXPECTS_TEXT)
            return
        flow = flow_of(prompt.action)
        if flow is not None:
            await self._answer_flow(turn, flow, prompt, payload)
            return
        spec = CASE_PROMPTS.get(prompt.action)
        if spec is None or prompt.case_id is None:
            await turn.clear_prompt()
            return
        command, handler = spec
        if not actor.may(command):
            await turn.clear_prompt()
            turn.refuse()
            return
        case = await turn.case_by_id(prompt.case_id)
        if case is None:
            await turn.clear_prompt()
            return
        if prompt.action in ("result", "result_files") and isinstance(payload, SharedFile):
            await results.take_result_file(turn, case, payload)
            return
        if not isinstance(payload, Text) or not payload.text.strip():
            turn.say(Msg.OFFICE_PROMPT_EXPECTS_TEXT)
            return
        await handler(turn, case, prompt, payload.text)


JOIN_COMMANDS = ("/thamgia", "/join")
JOIN_WORD = "thamgia"  # typed on Zalo, the slash is often left out: then only a well-formed code joins


def _invite_token(payload: Payload) -> str | None:
    """``/start inv_<token>`` (the deep link of an invitation), or ``/thamgia K7QM-X2PA-9TRC`` typed where
    there are no deep links (Zalo)."""
    if not isinstance(payload, Text):
        return None
    head, _, rest = payload.text.strip().partition(" ")
    command = fold(head).split("@")[0]
    if command in JOIN_COMMANDS:
        code = admin.typed_code(rest)
        return code if 0 < len(code) <= 40 else ""
    if command == JOIN_WORD:
        code = admin.typed_code(rest)
        return code if admin.looks_like_code(code) else None
    words = rest.split()
    if (
        command not in ("/start", "/batdau")
        or len(words) != 1
        or not words[0].startswith(admin.INVITE_PREFIX)
    ):
        return None
    return words[0][len(admin.INVITE_PREFIX) :]
