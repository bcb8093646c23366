"""Enumerations of the domain. Vietnamese legal terms are kept where English has no exact word.

Glossary: phản ánh (report of a problem), kiến nghị (request/proposal), khiếu nại (complaint against an
administrative decision, Luật Khiếu nại 2011), tố cáo (denunciation of a violation, Luật Tố cáo 2018),
hỏi đáp (question), thụ lý (formal acceptance for resolution), xóm/thôn/tổ dân phố (village-level units).
"""

from __future__ import annotations

from enum import StrEnum


class CaseKind(StrEnum):
    """What a petition is, classified by content (TT 05/2021/TT-TTCP)."""

    PHAN_ANH = "phan_anh"
    KIEN_NGHI = "kien_nghi"
    KHIEU_NAI = "khieu_nai"
    TO_CAO = "to_cao"
    HOI_DAP = "hoi_dap"

    @property
    def needs_identity(self) -> bool:
        """A khiếu nại cannot be handled without knowing who complains (Luật Khiếu nại 2011 Điều 8)."""
        return self is CaseKind.KHIEU_NAI

    @property
    def is_confidential(self) -> bool:
        """The denouncer's identity is secret (Luật Tố cáo 2018 Điều 9)."""
        return self is CaseKind.TO_CAO

    @property
    def allowed_without_consent(self) -> bool:
        """Kinds a citizen may send anonymously after refusing consent (a question needs no identity)."""
        return self in (CaseKind.PHAN_ANH, CaseKind.KIEN_NGHI, CaseKind.HOI_DAP)


class CaseStatus(StrEnum):
    """Workflow states of a case; see ``models.workflow`` for the legal moves. Named in English like the
    actions; the stored values are the Vietnamese terms the office uses (mới tiếp nhận, đã thụ lý…)."""

    RECEIVED = "moi_tiep_nhan"
    ACCEPTED = "da_thu_ly"
    IN_PROGRESS = "dang_xu_ly"
    AWAITING_INFO = "cho_bo_sung"
    ANSWERED = "da_co_ket_qua"
    CLOSED = "da_dong"
    DECLINED = "khong_thu_ly"
    FORWARDED = "da_chuyen"
    DUPLICATE = "trung"
    WITHDRAWN = "da_rut"

    @property
    def is_open(self) -> bool:
        return self in OPEN_STATUSES


OPEN_STATUSES: frozenset[CaseStatus] = frozenset(
    {CaseStatus.RECEIVED, CaseStatus.ACCEPTED, CaseStatus.IN_PROGRESS, CaseStatus.AWAITING_INFO}
)
CLOSED_STATUSES: frozenset[CaseStatus] = frozenset(set(CaseStatus) - OPEN_STATUSES)


class CaseAction(StrEnum):
    """What happened to a case; one value per kind of timeline entry."""

    SUBMITTED = "submitted"
    WITHDRAWN = "withdrawn"
    ACCEPTED = "accepted"
    ASSIGNED = "assigned"
    INFO_REQUESTED = "info_requested"
    INFO_RECEIVED = "info_received"
    DECLINED = "declined"
    FORWARDED = "forwarded"
    MERGED = "merged"
    RECLASSIFIED = "reclassified"
    NOTE = "note"
    PROGRESS = "progress"
    RESULT_SUBMITTED = "result_submitted"
    RESULT_RETURNED = "result_returned"
    RESULT_APPROVED = "result_approved"
    CLOSED = "closed"
    REOPENED = "reopened"
    DEADLINE_MOVED = "deadline_moved"  # the calendar changed under a running deadline
    EXTENDED = "extended"  # gia hạn, or the longer period of a complex case: a recorded decision
    URGENCY = "urgency"  # marked urgent (khẩn) or not


class ActorKind(StrEnum):
    CITIZEN = "citizen"
    STAFF = "staff"
    SYSTEM = "system"


class ConsentDecision(StrEnum):
    GRANTED = "granted"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"


class AttachmentKind(StrEnum):
    PHOTO = "photo"
    DOCUMENT = "document"


class VillageKind(StrEnum):
    THON = "thon"
    XOM = "xom"
    TO_DAN_PHO = "to_dan_pho"


class OutboxStatus(StrEnum):
    """Delivery state of one outgoing message, kept apart from case state."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"  # given up: recipient unreachable or message rejected for good
    # The channel may not send to the recipient now (a Zalo OA's messaging window has closed): kept, and
    # sent first when they write again.
    WAITING = "waiting"


class OutboxPriority:
    """Lower sends first. Replies to a citizen's own message go ahead of everything else."""

    REPLY = 0
    NOTICE = 5
    BULK = 9
