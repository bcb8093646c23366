"""Case cards in the staff chats: the triage card every new case posts to the office group, and the review
card of a submitted result. A card is edited (not re-posted) as the case moves, so the group always shows
where each case stands.

Cards never show who sent a case (the group is not the place for identities), and a tố cáo shows its content
with the denouncer's name, phone and address taken out (Luật Tố cáo 2018 Điều 9).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from handlers.cases.desk import Desk
from handlers.cases.redact import visible_content
from handlers.cases.similar import flagged_duplicates, hot_spot_of, window_days
from handlers.kernel.catalogue.keys import Msg
from handlers.kernel.replies import Choice, Reply
from handlers.kernel.text import shorten
from models.case import CardPurpose, Case, CaseCard, CaseResult, HotSpot, ResultStatus
from models.enums import CaseStatus
from models.staff import Role

CARD_CONTENT_LIMIT = 500
S = CaseStatus

# Which triage buttons a card shows in each status (a note can always be added).
TRIAGE_ACTIONS: dict[CaseStatus, tuple[str, ...]] = {
    S.RECEIVED: ("acc", "asg", "fwd", "dec", "inf", "dup", "rek", "note"),
    S.ACCEPTED: ("asg", "fwd", "inf", "dup", "rek", "note"),
    S.IN_PROGRESS: ("asg", "fwd", "inf", "dup", "rek", "note"),
    S.AWAITING_INFO: ("fwd", "dec", "dup", "note"),
}
ACTION_LABELS: dict[str, Msg] = {
    "acc": Msg.CARD_ACCEPT,
    "asg": Msg.CARD_ASSIGN,
    "fwd": Msg.CARD_FORWARD,
    "dec": Msg.CARD_DECLINE,
    "inf": Msg.CARD_ASK_INFO,
    "dup": Msg.CARD_DUPLICATE,
    "rek": Msg.CARD_RECLASSIFY,
    "note": Msg.CARD_NOTE,
}


def token(action: str, case_id: int, argument: str | int | None = None) -> str:
    """A staff button: ``s:<action>:<case id>[:<argument>]`` (well under Telegram's 64 bytes)."""
    return f"s:{action}:{case_id}" + ("" if argument is None else f":{argument}")


def triage_choices(desk: Desk, case: Case) -> list[Choice]:
    actions = TRIAGE_ACTIONS.get(case.status, ("note",))
    return [Choice(token(action, case.id), desk.t(ACTION_LABELS[action])) for action in actions]


@dataclass(frozen=True)
class Arrival:
    """What the office learnt about a case as it arrived: its card needs nothing else looked up."""

    attachments: int
    duplicates: tuple[tuple[str, bool], ...]  # codes, and whether the same citizen
    hot_spot: HotSpot | None


async def triage_card_text(desk: Desk, case: Case, arrival: Arrival | None = None) -> str:
    """The card as the office group sees it: everything needed to triage, nothing that identifies. For a case
    that just arrived, ``arrival`` holds what would otherwise be looked up."""
    lines = [
        desk.t(
            Msg.CARD_HEADER,
            code=case.code,
            kind=desk.kind_label(case.kind),
            field=await desk.field_label(case.field_slug),
        ),
        desk.t(Msg.CARD_STATUS, status=desk.status_label(case.status)),
        desk.received_label(case),
    ]
    village = await desk.village_name(case.village_id)
    if village:
        lines.append(desk.t(Msg.CARD_VILLAGE, village=village))
    if case.location_text and not case.kind.is_confidential:
        lines.append(desk.t(Msg.CARD_LOCATION, location=shorten(case.location_text, 120)))
    content = shorten(visible_content(case, identity=False), CARD_CONTENT_LIMIT)
    lines.append(desk.t(Msg.CARD_CONTENT, content=content))
    if arrival is not None:
        attachments = arrival.attachments
    else:
        files = await desk.uow.cases.attachments(case.commune_id, case.id)
        attachments = len([a for a in files if a.result_id is None])
    if attachments:
        lines.append(desk.t(Msg.CARD_ATTACHMENTS, count=attachments))
    lines.append(sender_line(desk, case))
    lines += await _triage_hints(desk, case, arrival)
    if arrival is None:  # a case that just arrived has gone nowhere yet
        lines += await _whereabouts(desk, case)
    return "\n".join(lines)


def sender_line(desk: Desk, case: Case) -> str:
    if case.kind.is_confidential:
        return desk.t(Msg.CARD_CONFIDENTIAL)
    if case.is_anonymous:
        return desk.t(Msg.CARD_ANONYMOUS)
    return desk.t(Msg.CARD_IDENTIFIED, code=case.code)


async def _triage_hints(desk: Desk, case: Case, arrival: Arrival | None) -> list[str]:
    """What helps the clerk decide: suggestions, duplicates, hot spot, the deadline."""
    lines: list[str] = []
    if case.status.is_open and case.unit_id is None and case.suggested_unit_id is not None:
        lines.append(desk.t(Msg.CARD_SUGGESTED_UNIT, unit=await desk.unit_name(case.suggested_unit_id)))
    if case.suggested_kind is not None and case.suggested_kind is not case.kind:
        lines.append(
            desk.t(
                Msg.CARD_SUGGESTED_KIND,
                kind=desk.kind_label(case.suggested_kind).lower(),
                chosen=desk.kind_label(case.kind).lower(),
            )
        )
    if case.status is S.RECEIVED:
        candidates = arrival.duplicates if arrival is not None else await flagged_duplicates(desk, case)
        if candidates:
            described = [
                desk.t(Msg.CARD_SAME_CITIZEN if same else Msg.CARD_SIMILAR, code=code)
                for code, same in candidates
            ]
            lines.append(desk.t(Msg.CARD_DUPLICATES, codes=", ".join(described)))
    spot = arrival.hot_spot if arrival is not None else await hot_spot_of(desk, case)
    if spot is not None:
        lines.append(
            desk.t(
                Msg.CARD_HOT_SPOT,
                count=len(spot.case_ids),
                village=await desk.village_name(spot.village_id) or "",
                days=window_days(desk.office.config.hot_spot_window),
            )
        )
    deadline = await deadline_line(desk, case)
    if deadline:
        lines.append(deadline)
    return lines


async def deadline_line(desk: Desk, case: Case) -> str:
    """``Hạn xử lý đơn: 26/05/2026`` (or overdue), empty when no deadline runs."""
    due = await desk.due(case)
    if due is None:
        return ""
    if due.paused_since is not None:
        return desk.t(Msg.CARD_PAUSED, stage=desk.t(due.stage), since=desk.day(due.paused_since))
    key = Msg.CARD_OVERDUE if desk.overdue(due) else Msg.CARD_DEADLINE
    return desk.t(key, stage=desk.t(due.stage), date=desk.day(due.day))


async def _whereabouts(desk: Desk, case: Case) -> list[str]:
    """Where the case went: its unit, its forwarding, its refusal, its links, a question or a result
    waiting."""
    lines: list[str] = []
    if case.unit_id is not None:
        lines.append(desk.t(Msg.CARD_UNIT, unit=await desk.unit_name(case.unit_id)))
    if case.forwarded_to:
        lines.append(desk.t(Msg.CARD_FORWARDED, destination=case.forwarded_to))
    if case.decline_reason:
        lines.append(desk.t(Msg.CARD_DECLINED, reason=shorten(case.decline_reason, 300)))
    if case.duplicate_of_id is not None:
        original = await desk.uow.cases.get(case.commune_id, case.duplicate_of_id)
        if original is not None:
            lines.append(desk.t(Msg.CARD_DUPLICATE_OF, code=original.code))
    linked = await desk.uow.cases.duplicates_of(case.commune_id, case.id)
    if linked:
        lines.append(desk.t(Msg.CARD_LINKED, codes=", ".join(other.code for other in linked)))
    if case.status is S.AWAITING_INFO:
        request = await desk.uow.cases.open_info_request(case.commune_id, case.id)
        if request is not None:
            lines.append(desk.t(Msg.CARD_WAITING, question=shorten(request.question, 200)))
    result = await desk.uow.cases.latest_result(case.commune_id, case.id)
    if result is not None and result.status is ResultStatus.SUBMITTED:
        lines.append(desk.t(Msg.CARD_RESULT_WAITING))
    return lines


# -- posting and editing -------------------------------------------------------------------------------


async def office_chats(desk: Desk) -> list[tuple[str, str]]:
    """Where office traffic goes: the linked office groups; with none linked yet, each clerk's own chat
    (nothing may wait unseen)."""
    groups = await desk.uow.staff.groups(desk.commune.id, unit_id=None)
    if groups:
        return [(group.channel, group.chat_id) for group in groups]
    clerks = await desk.uow.staff.with_role(desk.commune.id, Role.CLERK)
    return [(member.channel, member.chat_id) for member in clerks]


async def unit_chats(desk: Desk, unit_id: int) -> list[tuple[str, str]]:
    """Where a unit's traffic goes: its linked group, or each of its officers."""
    groups = await desk.uow.staff.groups(desk.commune.id, unit_id=unit_id)
    if groups:
        return [(group.channel, group.chat_id) for group in groups]
    officers = await desk.uow.staff.with_role(desk.commune.id, Role.UNIT, unit_id)
    return [(member.channel, member.chat_id) for member in officers]


async def leader_chats(desk: Desk) -> list[tuple[str, str]]:
    leaders = await desk.uow.staff.with_role(desk.commune.id, Role.LEADER)
    return [(member.channel, member.chat_id) for member in leaders]


async def post_triage_card(desk: Desk, case: Case, arrival: Arrival) -> int:
    """Post the new case's card to the office; returns how many chats it went to."""
    chats = await office_chats(desk)
    if not chats:
        return 0  # nobody to post it to yet: /hangdoi lists it, /ketnoi tells how many wait
    reply = Reply(await triage_card_text(desk, case, arrival), tuple(triage_choices(desk, case)))
    await _post_card(desk, case, chats, reply, key=f"card:{case.id}", purpose=CardPurpose.TRIAGE)
    return len(chats)


async def _post_card(
    desk: Desk,
    case: Case,
    chats: Sequence[tuple[str, str]],
    reply: Reply,
    *,
    key: str,
    purpose: CardPurpose,
    result_id: int | None = None,
) -> None:
    """Send a card to each chat and remember where it went, so it can be edited as the case moves."""
    for channel, chat_id in chats:
        message = await desk.mail.send(
            channel,
            chat_id,
            reply,
            key=f"{key}:{channel}:{chat_id}",
            commune_id=case.commune_id,
            case_id=case.id,
        )
        await desk.uow.cases.add_card(
            CaseCard(
                case_id=case.id,
                commune_id=case.commune_id,
                channel=channel,
                chat_id=chat_id,
                outbox_id=message.id,
                purpose=purpose,
                created_at=desk.now,
                result_id=result_id,
                shown=shown(reply),
            )
        )


async def review_card_text(desk: Desk, case: Case, result: CaseResult) -> str:
    files = [
        a for a in await desk.uow.cases.attachments(case.commune_id, case.id) if a.result_id == result.id
    ]
    text = desk.t(
        Msg.OFFICE_REVIEW, code=case.code, unit=await desk.unit_name(result.unit_id), text=result.text
    )
    if files:
        text += "\n" + desk.t(Msg.OFFICE_REVIEW_FILES, count=len(files))
    outcome = {
        ResultStatus.APPROVED: Msg.OFFICE_OUTCOME_APPROVED,
        ResultStatus.RETURNED: Msg.OFFICE_OUTCOME_RETURNED,
    }.get(result.status)
    if outcome is not None:
        text += "\n" + desk.t(Msg.OFFICE_REVIEW_DONE, code=case.code, outcome=desk.t(outcome))
    return text


def review_choices(desk: Desk, case: Case, result: CaseResult) -> list[Choice]:
    if result.status is not ResultStatus.SUBMITTED:
        return []
    return [
        Choice(token("apr", case.id, result.id), desk.t(Msg.OFFICE_APPROVE)),
        Choice(token("ret", case.id, result.id), desk.t(Msg.OFFICE_RETURN)),
    ]


async def post_review_card(desk: Desk, case: Case, result: CaseResult) -> None:
    """A submitted result goes to the office (and the leaders, who may approve) for review."""
    reply = Reply(await review_card_text(desk, case, result), tuple(review_choices(desk, case, result)))
    chats = await office_chats(desk)
    if not await desk.uow.staff.groups(desk.commune.id, unit_id=None):
        chats = list(dict.fromkeys(chats + await leader_chats(desk)))  # no group the leaders read
    key = f"review:{result.id}"
    await _post_card(desk, case, chats, reply, key=key, purpose=CardPurpose.REVIEW, result_id=result.id)


async def refresh_cards(desk: Desk, cases: Sequence[Case]) -> None:
    """Edit every card of these cases to show their state now (once per case and event)."""
    for case in {case.id: case for case in cases}.values():
        triage_text: str | None = None
        for card in await desk.uow.cases.cards(case.commune_id, case.id, CardPurpose.TRIAGE):
            if triage_text is None:
                triage_text = await triage_card_text(desk, case)
            await _edit(
                desk, card, Reply(triage_text, tuple(triage_choices(desk, case)), edit_of=card.outbox_id)
            )
        for card in await desk.uow.cases.cards(case.commune_id, case.id, CardPurpose.REVIEW):
            result = await _result(desk, case, card.result_id)
            if result is None:
                continue
            text = await review_card_text(desk, case, result)
            choices = tuple(review_choices(desk, case, result))
            await _edit(desk, card, Reply(text, choices, edit_of=card.outbox_id))


async def _result(desk: Desk, case: Case, result_id: int | None) -> CaseResult | None:
    if result_id is None:
        return None
    return await desk.uow.cases.get_result(case.commune_id, result_id)


def shown(reply: Reply) -> str:
    """What a card shows, as a digest: its text and its choices."""
    choices = "\x1e".join(f"{choice.token}\x1f{choice.label}" for choice in reply.choices)
    return hashlib.sha256(f"{reply.text}\x1d{choices}".encode()).hexdigest()


async def _edit(desk: Desk, card: CaseCard, reply: Reply) -> None:
    """Show the card's new state where it was posted — unless nothing visible changed."""
    digest = shown(reply)
    if card.shown == digest:
        return
    card.shown = digest
    await desk.mail.send(
        card.channel,
        card.chat_id,
        reply,
        key=f"edit:{card.id}",
        commune_id=card.commune_id,
        case_id=card.case_id,
    )
