"""Cases (petitions), their attachments, their append-only timeline and the receipt-code counter."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
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
    file_id: Mapped[str] = mapped_column(String(300))
    kind: Mapped[AttachmentKind] = mapped_column(str_enum(AttachmentKind))
    mime_type: Mapped[str] = mapped_column(String(100), default="")
    size: Mapped[int] = mapped_column(default=0)
    file_name: Mapped[str] = mapped_column(String(255), default="")
    added_at: Mapped[datetime | None] = mapped_column(AwareDateTime(), default=None)
    added_by: Mapped[ActorKind] = mapped_column(str_enum(ActorKind), default=ActorKind.CITIZEN)


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
