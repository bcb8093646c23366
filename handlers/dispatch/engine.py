"""The conversation engine: one event in, replies out, everything in one unit of work."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from handlers.cases.citizen_turn import Turn
from handlers.cases.flow import STEPS, Step, dispatch, goto, reask, wrong_input
from handlers.cases.services import Office
from handlers.conferences import citizen as conference
from handlers.dispatch.commands import ParsedCommand, parse_command
from handlers.dispatch.office_router import OfficeRouter
from handlers.filing.steps import (
    begin_filing,
    cancel_draft,
    choose_commune,
    current_consent,
    show_case,
    show_my_cases,
)
from handlers.filing.supplement import start_by_id, start_by_text
from handlers.kernel.catalogue import Catalogue
from handlers.kernel.catalogue.keys import Msg
from handlers.kernel.commands import CitizenCommand
from handlers.kernel.config import IntakeConfig
from handlers.kernel.events import ChatEvent, Payload, Pick, Text, checked
from handlers.kernel.language import LanguageDetector, language_from_client
from handlers.kernel.ports import Clock, ConcurrentUpdate, StoreUnavailable, UnitOfWork, UnitOfWorkFactory
from handlers.kernel.replies import Reply, coalesce
from handlers.kernel.text import fold
from handlers.reception.citizen import reception_text
from handlers.subscriptions.citizen import start_subscribing, unsubscribe
from models.conversation import Conversation
from models.enums import OutboxPriority, OutboxStatus
from models.outbox import OutboxMessage

log = logging.getLogger(__name__)

SIDE_STEPS = frozenset(
    {
        Step.MENU,
        Step.TRACK_CODE,
        Step.WITHDRAW_CONSENT,
        Step.RESUME,
        Step.OFFER_TEXT,
        Step.LANGUAGE,
        Step.SUPPLEMENT,
        Step.SUBSCRIBE_TOPICS,
        Step.SUBSCRIBE_VILLAGES,
        Step.CONFERENCE_LIST,
        Step.CONFERENCE_QUESTION,
        Step.CONFERENCE_NAME,
        Step.CONFERENCE_PHONE,
        Step.CONFERENCE_ADDRESS,
    }
)
FILING_START_ARGS = frozenset({"gui", "guidon", "file", "new"})
NOTICE_INFO = "n:info:"  # the button under a request for more information


@dataclass(frozen=True)
class _FailedTurn:
    """What an apology needs from a turn that failed, copied before its rows are expired."""

    step: str
    language: str
    hotline: str
    submitting: bool

    @classmethod
    def of(cls, turn: Turn) -> _FailedTurn:
        hotline = turn.commune.hotline if turn.commune else ""
        return cls(turn.started_step, turn.language, hotline, turn.submitting)


@dataclass(frozen=True)
class TurnResult:
    """What a channel must deliver after handling an event.

    When ``committed`` the replies are already in the outbox (``outbox_ids``, in order) and the channel
    delivers those rows; otherwise nothing was saved and the replies are an apology to send directly.
    """

    replies: tuple[Reply, ...]
    outbox_ids: tuple[int, ...]
    committed: bool
    duplicate: bool = False  # the event was handled before (a redelivery): nothing was done
    claimed: bool = False  # the replies are already leased to this process: send them, then record
    mailed: bool = False  # the turn also wrote to other chats (cards, notices): wake the delivery worker
    arrived: bool = False  # a case was filed: wake the office's arrivals worker
    # The database could not be reached: nothing was stored. A channel that can have the event again (a
    # redelivery, the same poll offset) keeps it and says nothing, however long the outage lasts; one that
    # cannot (the console) shows the apology in ``replies``.
    unavailable: bool = False


@dataclass(frozen=True)
class _Outcome:
    """What a committed turn leaves for the outbox, whether a citizen's or a staff member's."""

    replies: list[Reply]
    now: datetime
    commune_id: int | None
    citizen_id: int | None
    case_id: int | None
    mailed: bool
    arrived: bool = False


class ConversationEngine:
    def __init__(
        self,
        *,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        catalogue: Catalogue,
        config: IntakeConfig,
        detector: LanguageDetector | None = None,
        reply_lease: timedelta | None = None,
        max_attempts: int = 3,
        office: Office | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._office = office
        self._router = OfficeRouter(catalogue=catalogue, office=office) if office is not None else None
        self._detector = detector
        self._reply_lease = reply_lease
        self._clock = clock
        self._catalogue = catalogue
        self._config = config
        self._max_attempts = max_attempts

    async def handle(self, event: ChatEvent) -> TurnResult:
        """Process one event. Never raises: a failure rolls everything back and yields an apology, an
        unreachable database yields ``unavailable``. What the sender typed is cleaned first (``checked``);
        an event no reply could reach (ids no channel gives) is dropped."""
        clean = checked(event)
        if clean is None:
            log.warning("event on %s dropped: its chat or sender id cannot be kept", event.channel[:20])
            return TurnResult((), (), committed=True)
        event = clean
        failed: _FailedTurn | None = None
        for _attempt in range(self._max_attempts):
            failed = None
            try:
                async with self._uow_factory() as uow:
                    claim = await uow.processed.claim(
                        event.event_key,
                        self._clock.now(),
                        channel=event.channel,
                        chat_id=event.chat_id,
                        sender_id=event.sender_id,
                    )
                    if not claim.first:
                        return TurnResult((), (), committed=True, duplicate=True)
                    opened: list[Turn] = []
                    try:
                        outcome = await self._turn(uow, event, opened, staff=claim.staff)
                        ids, claimed = await self._enqueue(uow, event, outcome, chat_busy=claim.chat_busy)
                        await uow.commit()
                    except BaseException:
                        if opened:  # read now: the rollback expires the turn's rows
                            failed = _FailedTurn.of(opened[0])
                        raise
                    return TurnResult(
                        tuple(outcome.replies),
                        ids,
                        committed=True,
                        claimed=claimed,
                        mailed=outcome.mailed,
                        arrived=outcome.arrived,
                    )
            except ConcurrentUpdate:
                log.info("concurrent update, retrying event %s", event.event_key)
                continue
            except StoreUnavailable as outage:
                step = failed.step if failed else "-"
                log.warning(
                    "event %s on %s failed at step %s: the database is unreachable (%s); it will come again",
                    event.event_key,
                    event.channel,
                    step,
                    outage,
                )
                return replace(self._apology(failed), unavailable=True)
            except Exception:
                # No user text in the log line; SQL parameters are hidden by the engine settings.
                step = failed.step if failed else "-"
                log.exception("event %s on %s failed at step %s", event.event_key, event.channel, step)
                return self._apology(failed)
        log.error("event %s gave up after %d concurrent updates", event.event_key, self._max_attempts)
        return self._apology(failed)

    async def _turn(self, uow: UnitOfWork, event: ChatEvent, opened: list[Turn], *, staff: bool) -> _Outcome:
        """Run the event as office business if it is; otherwise as a turn of the citizen conversation
        (appended to ``opened`` as soon as it exists, for the apology if anything fails)."""
        office = await self._router.take(uow, event, self._clock.now(), staff=staff) if self._router else None
        if office is not None:
            return _Outcome(
                coalesce(office.replies),
                office.now,
                office.commune.id if office.commune else None,
                None,
                office.case_id,
                office.mail.count > 0,
                office.arrived,
            )
        turn = await self._open(uow, event)
        opened.append(turn)
        await self._run(turn, event.payload)
        turn.save()
        await uow.conversations.save(turn.conversation)
        self._mark_keyboard_clearing(turn)
        return _Outcome(
            coalesce(turn.replies),
            turn.now,
            turn.commune.id if turn.commune else None,
            turn.citizen_id,
            turn.case_id,
            turn.mail.count > 0,
            turn.submitting,
        )

    def _apology(self, failed: _FailedTurn | None) -> TurnResult:
        language = failed.language if failed else "vi"
        if failed is not None and failed.submitting:
            key = Msg.COMMON_NOT_SAVED if failed.hotline else Msg.COMMON_NOT_SAVED_NO_HOTLINE
            text = self._catalogue.text(language, key, hotline=failed.hotline)
        else:
            text = self._catalogue.text(language, Msg.COMMON_SYSTEM_ERROR)
        return TurnResult((Reply(text, language=language),), (), committed=False)

    async def _open(self, uow: UnitOfWork, event: ChatEvent) -> Turn:
        now = self._clock.now()
        conversation = await uow.conversations.get(event.channel, event.chat_id)
        is_new = conversation is None
        if conversation is None:
            conversation = Conversation(
                channel=event.channel,
                chat_id=event.chat_id,
                account_id=event.sender_id,
                step=Step.MENU.value,
                updated_at=now,
            )
        commune = await uow.communes.get(conversation.commune_id) if conversation.commune_id else None
        turn = Turn(
            uow=uow,
            event=event,
            conversation=conversation,
            commune=commune,
            catalogue=self._catalogue,
            config=self._config,
            now=now,
            channel_key=_channel_key(event.channel),
            office=self._office,
        )
        turn.is_new = is_new
        if conversation.language is None:
            client = language_from_client(event.language_code)
            turn.set_language(client or "vi", "client" if client else "default")
        if conversation.unreachable:  # they wrote to us, so they can be reached again
            conversation.unreachable = False
            await uow.citizens.mark_reachable(event.channel, event.chat_id)
        return turn

    async def _run(self, turn: Turn, payload: Payload) -> None:
        if isinstance(payload, Text) and parse_command(payload.text, keywords=False) is None:
            self._detect_language(turn, payload.text)
        if turn.commune is None and not await self._settle_commune(turn, payload):
            return
        self._expire_draft(turn)
        if isinstance(payload, Text) and not payload.text.strip():
            turn.say(Msg.COMMON_EMPTY)
            await reask(turn)
            return
        step = Step(turn.step)
        if isinstance(payload, Pick) and payload.token.startswith(NOTICE_INFO):
            # The button of a notice about a case: valid whatever the conversation is doing.
            case_id = payload.token[len(NOTICE_INFO) :]
            if case_id.isdigit():
                await start_by_id(turn, int(case_id))
                return
        if isinstance(payload, Text):
            command = parse_command(payload.text, keywords=not STEPS[step].free_text)
            if command is not None:
                await self._command(turn, command)
                return
        if self._came_back(turn, payload):
            turn.draft.return_step = step.value
            if isinstance(payload, Text):
                turn.draft.held_text = payload.text.strip()
            await goto(turn, Step.RESUME)
            return
        await dispatch(turn, payload)

    async def _settle_commune(self, turn: Turn, payload: Payload) -> bool:
        """Make sure the conversation knows its commune; False when the turn is already answered."""
        if turn.step == Step.CHOOSE_COMMUNE.value:
            await dispatch(turn, payload)
            return False
        communes = await turn.uow.communes.list_all()
        if not communes:
            turn.say(Msg.COMMON_NO_COMMUNE)
            return False
        argument = ""
        if isinstance(payload, Text):
            command = parse_command(payload.text, keywords=False)
            if command is not None and command.command is CitizenCommand.START:
                argument = command.argument
        if len(communes) == 1:
            await choose_commune(turn, communes[0].code)
        elif not (argument and await choose_commune(turn, argument.split("_")[0])):
            await goto(turn, Step.CHOOSE_COMMUNE)
            return False
        turn.greet()
        return True

    def _detect_language(self, turn: Turn, text: str) -> None:
        """Language rule 2: the first free-text message decides, unless the citizen chose with /ngonngu."""
        if self._detector is None or turn.conversation.language_source in ("chosen", "detected"):
            return
        language = self._detector.detect(text)
        if language is not None:
            turn.set_language(language, "detected")

    def _mark_keyboard_clearing(self, turn: Turn) -> None:
        """After a question with a reply keyboard (share location / phone), plain replies remove it."""
        if not STEPS[Step(turn.started_step)].keyboard or turn.step == turn.started_step:
            return
        turn.replies = [
            replace(reply, clear_keyboard=True) if not reply.choices and reply.request is None else reply
            for reply in turn.replies
        ]

    def _expire_draft(self, turn: Turn) -> None:
        started = turn.conversation.draft_started_at
        if turn.draft.in_progress and started is not None and turn.now - started > turn.config.draft_ttl:
            turn.say(Msg.DRAFT_EXPIRED, date=turn.day(started), days=turn.config.draft_ttl.days)
            turn.reset_draft()
            turn.conversation.step = Step.MENU.value

    def _came_back(self, turn: Turn, payload: Payload) -> bool:
        """A citizen returning after a pause to an unfinished draft is offered to continue it."""
        if turn.is_new or not turn.draft.in_progress or not STEPS[Step(turn.step)].drafting:
            return False
        if isinstance(payload, Pick) and payload.ask_seq == turn.conversation.ask_seq:
            return False  # pressing a button of the current question is plainly continuing
        return turn.now - turn.conversation.updated_at > turn.config.resume_after

    async def _command(self, turn: Turn, parsed: ParsedCommand) -> None:
        step = Step(turn.step)
        in_draft = turn.draft.in_progress and STEPS[step].drafting
        command = parsed.command
        if command in (CitizenCommand.START, CitizenCommand.MENU, CitizenCommand.FILE):
            wants_filing = (
                command is CitizenCommand.FILE or fold(parsed.argument).split("_")[-1] in FILING_START_ARGS
            )
            if in_draft:
                turn.draft.return_step = step.value
                await goto(turn, Step.RESUME)
            elif wants_filing:
                await begin_filing(turn)
            else:
                await goto(turn, Step.MENU)
        elif command is CitizenCommand.CANCEL:
            await cancel_draft(turn)
        elif command is CitizenCommand.HELP:
            turn.say(Msg.HELP_GENERAL)
            turn.say(Msg.HELP_CHOOSE)
            turn.say(Msg.HELP_CURRENT_STEP, step_help=turn.t(STEPS[step].help))
            await reask(turn)
        elif command is CitizenCommand.TRACK and parsed.argument:
            await show_case(turn, parsed.argument)
            await self._back_to_step(turn, in_draft)
        elif command is CitizenCommand.TRACK:
            if step not in SIDE_STEPS:
                turn.draft.return_step = step.value
            await goto(turn, Step.TRACK_CODE)
        elif command is CitizenCommand.MINE:
            await show_my_cases(turn)
            await self._back_to_step(turn, in_draft)
        elif command is CitizenCommand.WITHDRAW_CONSENT:
            if await current_consent(turn) is None:
                turn.say(Msg.CONSENT_WITHDRAW_NONE)
                await reask(turn)
            else:
                if step not in SIDE_STEPS:
                    turn.draft.return_step = step.value
                await goto(turn, Step.WITHDRAW_CONSENT)
        elif command is CitizenCommand.LANGUAGE:
            if step not in SIDE_STEPS:
                turn.draft.return_step = step.value
            await goto(turn, Step.LANGUAGE)
        elif command is CitizenCommand.ANSWER:
            await start_by_text(turn, parsed.argument)
        elif command is CitizenCommand.SUBSCRIBE:
            if step not in SIDE_STEPS:
                turn.draft.return_step = step.value
            await start_subscribing(turn)
        elif command is CitizenCommand.UNSUBSCRIBE:
            await unsubscribe(turn)
            await self._back_to_step(turn, in_draft)
        elif command is CitizenCommand.RECEPTION:
            turn.say_text(await reception_text(turn))
            await self._back_to_step(turn, in_draft)
        elif command is CitizenCommand.CONFERENCE:
            if step not in SIDE_STEPS:
                turn.draft.return_step = step.value
            await conference.start(turn)
        elif command is CitizenCommand.WHOAMI:
            turn.say(Msg.COMMON_WHOAMI, account=turn.event.sender_id)
            await reask(turn)
        elif command is CitizenCommand.UNKNOWN:
            turn.say(Msg.COMMON_UNKNOWN_COMMAND, name=parsed.argument)
            await reask(turn)
        else:  # pragma: no cover - every command is handled above
            await wrong_input(turn, Text(""))

    async def _back_to_step(self, turn: Turn, in_draft: bool) -> None:
        if in_draft:
            turn.say(Msg.TRACK_RESUME_HINT)
        await reask(turn)

    async def _enqueue(
        self, uow: UnitOfWork, event: ChatEvent, outcome: _Outcome, *, chat_busy: bool
    ) -> tuple[tuple[int, ...], bool]:
        """Write this turn's replies to the outbox, keyed by the event so a replay cannot duplicate them.

        When the chat has nothing older waiting, the replies are written already leased to this process
        (``sending``), so the channel can send them at once without claiming them in another transaction;
        if the process dies first, the lease runs out and the worker sends them."""
        if not outcome.replies:
            return (), False
        now = outcome.now
        claim = self._reply_lease is not None and not chat_busy
        messages = [
            OutboxMessage(
                channel=event.channel,
                chat_id=event.chat_id,
                delivery_key=f"{event.event_key}#{index}",
                payload=reply.to_payload(),
                created_at=now,
                next_attempt_at=now,
                commune_id=outcome.commune_id,
                citizen_id=outcome.citizen_id,
                case_id=outcome.case_id,
                priority=OutboxPriority.REPLY,
                status=OutboxStatus.SENDING if claim else OutboxStatus.PENDING,
                lease_until=now + self._reply_lease if claim and self._reply_lease else None,
            )
            for index, reply in enumerate(outcome.replies)
        ]
        await uow.outbox.add_many(messages)
        return tuple(message.id for message in messages), claim


def _channel_key(channel: str) -> Msg:
    try:
        return Msg(f"channel.{channel}")
    except ValueError:
        return Msg.CHANNEL_CONSOLE
