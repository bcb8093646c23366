"""Citizens (one identity per channel account per commune) and their consent records."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import AwareDateTime, Base, str_enum
from models.enums import ConsentDecision


class Citizen(Base):
    """A person reaching the commune through one channel account.

    The identity fields hold what the citizen last gave with consent, to offer it again next time;
    each case keeps its own snapshot, so clearing these never changes a filed case.
    """

    __tablename__ = "citizens"
    __table_args__ = (UniqueConstraint("commune_id", "channel", "account_id"),)

    id: Mapped[int] = mapped_column(primary_key=True, init=False)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    account_id: Mapped[str] = mapped_column(String(64))
    chat_id: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(5), default="vi")
    full_name: Mapped[str | None] = mapped_column(String(200), default=None)
    phone: Mapped[str | None] = mapped_column(String(20), default=None)
    address: Mapped[str | None] = mapped_column(String(500), default=None)
    unreachable_at: Mapped[datetime | None] = mapped_column(AwareDateTime(), default=None)
    created_at: Mapped[datetime | None] = mapped_column(AwareDateTime(), default=None)

    @property
    def has_identity(self) -> bool:
        return bool(self.full_name and self.phone and self.address)

    def forget_identity(self) -> None:
        self.full_name = None
        self.phone = None
        self.address = None


class ConsentRecord(Base):
    """One decision of a citizen about personal-data processing (Luật Bảo vệ dữ liệu cá nhân 2025).

    Append-only: the latest record for a citizen is the one in force.
    """

    __tablename__ = "consent_records"

    id: Mapped[int] = mapped_column(primary_key=True, init=False)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id"), index=True)
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizens.id"), index=True)
    text_version: Mapped[str] = mapped_column(String(40))
    decision: Mapped[ConsentDecision] = mapped_column(str_enum(ConsentDecision))
    channel: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(AwareDateTime())

    @property
    def granted(self) -> bool:
        return self.decision is ConsentDecision.GRANTED
