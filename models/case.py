"""Cases (petitions), their attachments, their append-only timeline and the receipt-code counter."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import JSON_TYPE, AwareDateTime, Base, JsonDict, str_enum
from models.enums import ActorKind, AttachmentKind, CaseAction, CaseKind, CaseStatus
from models.values import ReceiptCode
from models.workflow import check_move


class Case(Base):
    """One petition: what the citizen sent, who sent it (a snapshot), and where it stands."""

    __tablename__ = "cases"
    __table_args__ = (
        UniqueConstraint("commune_id", "year", "sequence"),
        Index("ix_cases_commune_status", "commune_id", "status"),
        Index("ix_cases_commune_citizen", "commune_id", "citizen_id"),
        Index("ix_cases_office_pending", "office_pending"),
        Index("ix_cases_commune_due", "commune_id", "due_on"),
        # The office's duplicate and hot-spot search: a field's latest cases, newest first.
        Index("ix_cases_commune_field_received", "commune_id", "field_slug", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, init=False)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id"))
    code: Mapped[str] = mapped_column(String(24), unique=True)
    year: Mapped[int]
    sequence: Mapped[int]
    kind: Mapped[CaseKind] = mapped_column(str_enum(CaseKind))
    field_slug: Mapped[str] = mapped_column(String(40))
    content: Mapped[str] = mapped_column(Text)
    status: Mapped[CaseStatus] = mapped_column(str_enum(CaseStatus))
    channel: Mapped[str] = mapped_column(String(20))
    received_at: Mapped[datetime] = mapped_column(AwareDateTime())
    created_at: Mapped[datetime] = mapped_column(AwareDateTime())
    updated_at: Mapped[datetime] = mapped_column(AwareDateTime())
    citizen_id: Mapped[int | None] = mapped_column(ForeignKey("citizens.id"), default=None)
    is_anonymous: Mapped[bool] = mapped_column(default=False)
    # Identity snapshot at submission; empty for anonymous cases. Confidential for tố cáo.
    petitioner_name: Mapped[str | None] = mapped_column(String(200), default=None)
    petitioner_phone: Mapped[str | None] = mapped_column(String(20), default=None)
    petitioner_address: Mapped[str | None] = mapped_column(String(500), default=None)
    # Where the matter is: a shared point and/or a typed address with its village.
    latitude: Mapped[float | None] = mapped_column(default=None)
    longitude: Mapped[float | None] = mapped_column(default=None)
    location_text: Mapped[str | None] = mapped_column(String(500), default=None)
    village_id: Mapped[int | None] = mapped_column(ForeignKey("villages.id"), default=None)
    language: Mapped[str] = mapped_column(String(5), default="vi")
    closed_at: Mapped[datetime | None] = mapped_column(AwareDateTime(), default=None)
    # How the petition arrived when a clerk entered it: giấy (paper), điện thoại, tiếp công dân.
    source: Mapped[str] = mapped_column(String(20), default="chat")
    # Triage: the suggestion at receipt, the unit resolving it, and where the case went.
    suggested_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), default=None)
    suggested_kind: Mapped[CaseKind | None] = mapped_column(str_enum(CaseKind), default=None)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), default=None, index=True)
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), default=None)
    resume_status: Mapped[CaseStatus | None] = mapped_column(str_enum(CaseStatus), default=None)
    forwarded_to: Mapped[str | None] = mapped_column(String(300), default=None)
    decline_reason: Mapped[str | None] = mapped_column(Text, default=None)
    # Content and place without case or diacritics, so /timkiem finds "đường" when a clerk types "duong".
    search_text: Mapped[str] = mapped_column(Text, default="")
    # The office has yet to take the case in (card, suggestions, duplicates, hot spot): done right after the
    # receipt, in its own transaction, so the citizen's turn stays short.
    office_pending: Mapped[bool] = mapped_column(default=False)
    # Earlier cases it may repeat, found at receipt: [[case id, 1 if the same citizen else 0], …].
    likely_duplicates: Mapped[list[list[int]]] = mapped_column(JSON_TYPE, default_factory=list)
    # The day the case was accepted (thụ lý): resolution deadlines count from it.
    accepted_at: Mapped[datetime | None] = mapped_column(AwareDateTime(), default=None)
    # The legal period the case runs against now (a rule id of ``deadlines.rules``: xử lý đơn, thụ lý, giải
    # quyết…), the day its clock started, and the due date on the commune's calendar — kept on the case so
    # queues and reminders can ask the database what is due, and recomputed when the calendar changes.
    deadline_rule: Mapped[str | None] = mapped_column(String(40), default=None)
    deadline_start: Mapped[date | None] = mapped_column(Date(), default=None)
    due_on: Mapped[date | None] = mapped_column(Date(), default=None)
    # The decisions that lengthen the period: phức tạp; the longer initial handling of a tố cáo; extensions
    # (gia hạn, days each); and time paused while waiting for the citizen, where the rule allows it.
    deadline_complex: Mapped[bool] = mapped_column(default=False)
    deadline_extended: Mapped[bool] = mapped_column(default=False)
    deadline_extensions: Mapped[list[int]] = mapped_column(JSON_TYPE, default_factory=list)
    paused_on: Mapped[date | None] = mapped_column(Date(), default=None)
    paused_days: Mapped[int] = mapped_column(default=0)  # in the rule's unit, from pauses that ended
    # Urgent (khẩn): phản ánh, kiến nghị answered within the commune's shorter service level.
    urgent: Mapped[bool] = mapped_column(default=False)
    # A question sent ahead of a conference (hội nghị đối thoại; the case is a hỏi đáp), and the reception
    # session a petition was raised at ("2026-11-26:07:30", as
    # ``handlers.cases.reception_sessions.ReceptionSession.key``).
    conference_id: Mapped[int | None] = mapped_column(
        "dialogue_id", ForeignKey("dialogue_sessions.id"), default=None
    )
    reception_key: Mapped[str | None] = mapped_column(String(20), default=None)
    # Bumped by every update: two clerks acting on the same case at once cannot both win.
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy reads it as a plain dict

    @property
    def receipt_code(self) -> ReceiptCode:
        return ReceiptCode.parse(self.code)

    @property
    def is_open(self) -> bool:
        return self.status.is_open

    def move_to(
        self,
        to_status: CaseStatus,
        *,
        action: CaseAction,
        at: datetime,
        actor_kind: ActorKind,
        actor_id: int | None = None,
        data: JsonDict | None = None,
        public: bool = True,
    ) -> CaseEvent:
        """Change status if the workflow allows it and return the timeline entry that records it."""
        check_move(self.status, to_status)
        from_status = self.status
        self.status = to_status
        if not to_status.is_open and self.closed_at is None:
            self.closed_at = at
        elif to_status.is_open:
            self.closed_at = None
        return self._event(action, at, actor_kind, actor_id, data, public, from_status)

    def record(
        self,
        action: CaseAction,
        *,
        at: datetime,
        actor_kind: ActorKind,
        actor_id: int | None = None,
        data: JsonDict | None = None,
        public: bool = False,
    ) -> CaseEvent:
        """A timeline entry that changes no status (a note, an assignment, a progress update)."""
        return self._event(action, at, actor_kind, actor_id, data, public, self.status)

    def _event(
        self,
        action: CaseAction,
        at: datetime,
        actor_kind: ActorKind,
        actor_id: int | None,
        data: JsonDict | None,
        public: bool,
        from_status: CaseStatus,
    ) -> CaseEvent:
        self.updated_at = at
        return CaseEvent(
            case_id=self.id,
            commune_id=self.commune_id,
            at=at,
            actor_kind=actor_kind,
            actor_id=actor_id,
            action=action,
            from_status=from_status,
            to_status=self.status,
            data=data or {},
            public=public,
        )


class CaseAttachment(Base):
    """A photo or document attached to a case; the file stays on the channel, we keep its id."""

    __tablename__ = "case_attachments"

    id: Mapped[int] = mapped_column(primary_key=True, init=False)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id"))
    channel: Mapped[str] = mapped_column(String(20))
    file_id: Mapped[str] = mapped_column(String(2000))
    kind: Mapped[AttachmentKind] = mapped_column(str_enum(AttachmentKind))
    mime_type: Mapped[str] = mapped_column(String(100), default="")
    size: Mapped[int] = mapped_column(default=0)
    file_name: Mapped[str] = mapped_column(String(255), default="")
    added_at: Mapped[datetime | None] = mapped_column(AwareDateTime(), default=None)
    added_by: Mapped[ActorKind] = mapped_column(str_enum(ActorKind), default=ActorKind.CITIZEN)
    result_id: Mapped[int | None] = mapped_column(ForeignKey("case_results.id"), default=None)

    def reaches(self, channel: str) -> bool:
        """Whether the file can be sent on ``channel``: the one that received it (which knows its id), or
        any channel when it is a public link (files people send through Zalo)."""
        return self.channel == channel or self.file_id.startswith("https://")


class CaseEvent(Base):
    """One entry of a case's append-only timeline: who did what when, and the status before and after.

    ``public`` entries may be shown to the citizen; internal notes and staff identities never are.
    """

    __tablename__ = "case_events"
    __table_args__ = (Index("ix_case_events_case_at", "case_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True, init=False)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id"))
    at: Mapped[datetime] = mapped_column(AwareDateTime())
    actor_kind: Mapped[ActorKind] = mapped_column(str_enum(ActorKind))
    action: Mapped[CaseAction] = mapped_column(str_enum(CaseAction))
    from_status: Mapped[CaseStatus | None] = mapped_column(str_enum(CaseStatus))
    to_status: Mapped[CaseStatus | None] = mapped_column(str_enum(CaseStatus))
    actor_id: Mapped[int | None] = mapped_column(default=None)
    data: Mapped[JsonDict] = mapped_column(JSON_TYPE, default_factory=dict)
    public: Mapped[bool] = mapped_column(default=True)


class CaseSequence(Base):
    """Last receipt sequence number used per commune and year; incremented inside the submitting transaction,
    so a rolled-back submission gives its number back and codes stay gap-free."""

    __tablename__ = "case_sequences"

    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id"), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last_value: Mapped[int] = mapped_column(default=0)


class ResultStatus(StrEnum):
    DRAFT = "draft"  # the unit is still writing it
    SUBMITTED = "submitted"  # waiting for a clerk or leader
    APPROVED = "approved"  # sent to the citizen in the commune's name
    RETURNED = "returned"  # sent back to the unit with a comment
    DISCARDED = "discarded"  # the officer dropped the draft


class CaseResult(Base):
    """A unit's answer to a case. It closes nothing until a clerk or leader approves it."""

    __tablename__ = "case_results"

    id: Mapped[int] = mapped_column(primary_key=True, init=False)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    submitted_by: Mapped[int] = mapped_column(ForeignKey("staff_members.id"))
    created_at: Mapped[datetime] = mapped_column(AwareDateTime())
    text: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[ResultStatus] = mapped_column(str_enum(ResultStatus), default=ResultStatus.DRAFT)
    submitted_at: Mapped[datetime | None] = mapped_column(AwareDateTime(), default=None)
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("staff_members.id"), default=None)
    reviewed_at: Mapped[datetime | None] = mapped_column(AwareDateTime(), default=None)
    review_comment: Mapped[str | None] = mapped_column(Text, default=None)


class CardPurpose(StrEnum):
    TRIAGE = "triage"
    REVIEW = "review"


class CaseCard(Base):
    """A message about a case posted to a staff chat, edited as the case moves: the triage card, and one
    review card per submitted result."""

    __tablename__ = "case_cards"

    id: Mapped[int] = mapped_column(primary_key=True, init=False)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id"))
    channel: Mapped[str] = mapped_column(String(20))
    chat_id: Mapped[str] = mapped_column(String(64))
    outbox_id: Mapped[int] = mapped_column(ForeignKey("outbox_messages.id"))
    purpose: Mapped[CardPurpose] = mapped_column(str_enum(CardPurpose), default=CardPurpose.TRIAGE)
    created_at: Mapped[datetime | None] = mapped_column(AwareDateTime(), default=None)
    result_id: Mapped[int | None] = mapped_column(ForeignKey("case_results.id"), default=None)  # review cards
    # A digest of what the chat shows now: an edit that would change nothing is not sent (a channel that
    # cannot edit, like Zalo, would post the same card again).
    shown: Mapped[str] = mapped_column(String(64), default="")


class InfoRequest(Base):
    """A question put to the citizen (yêu cầu bổ sung) and their answer."""

    __tablename__ = "info_requests"

    id: Mapped[int] = mapped_column(primary_key=True, init=False)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id"))
    question: Mapped[str] = mapped_column(Text)
    asked_by: Mapped[int] = mapped_column(ForeignKey("staff_members.id"))
    asked_at: Mapped[datetime] = mapped_column(AwareDateTime())
    answer: Mapped[str | None] = mapped_column(Text, default=None)
    answered_at: Mapped[datetime | None] = mapped_column(AwareDateTime(), default=None)


class HotSpot(Base):
    """Several citizens raising the same matter in one village in a short window (điểm nóng)."""

    __tablename__ = "hot_spots"

    id: Mapped[int] = mapped_column(primary_key=True, init=False)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id"), index=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"))
    field_slug: Mapped[str] = mapped_column(String(40))
    case_ids: Mapped[list[int]] = mapped_column(JSON_TYPE)
    detected_at: Mapped[datetime] = mapped_column(AwareDateTime())
