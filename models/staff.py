"""The people of the commune office and units, what they may do, and the groups they work in."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import JSON_TYPE, AwareDateTime, Base, JsonDict, str_enum


class Role(StrEnum):
    """What a staff member does. One person may hold several roles."""

    ADMIN = "admin"  # manages staff, invites and groups
    CLERK = "clerk"  # Văn phòng HĐND và UBND: triage
    LEADER = "leader"  # Chủ tịch / Phó Chủ tịch: everything a clerk does, approvals, alerts
    UNIT = "unit"  # officer of one unit: resolves what the unit is assigned


class StaffMember(Base):
    """A person working for the commune, reached through one channel account."""

    __tablename__ = "staff_members"
    __table_args__ = (
        UniqueConstraint("commune_id", "channel", "account_id"),
        # Every event asks whether its sender is staff: by channel account, across communes.
        Index("ix_staff_members_channel_account", "channel", "account_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, init=False)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    account_id: Mapped[str] = mapped_column(String(64))
    chat_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(AwareDateTime())
    active: Mapped[bool] = mapped_column(default=True)
    removed_at: Mapped[datetime | None] = mapped_column(AwareDateTime(), default=None)


class StaffRole(Base):
    """One role held by a staff member; unit officers hold it for one unit."""

    __tablename__ = "staff_roles"
    __table_args__ = (UniqueConstraint("staff_id", "role", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True, init=False)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_members.id"), index=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id"))
    role: Mapped[Role] = mapped_column(str_enum(Role))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), default=None)


class StaffInvite(Base):
    """A one-time link an admin makes for a new staff member; it expires."""

    __tablename__ = "staff_invites"

    id: Mapped[int] = mapped_column(primary_key=True, init=False)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id"))
    token: Mapped[str] = mapped_column(String(40), unique=True)
    role: Mapped[Role] = mapped_column(str_enum(Role))
    created_by: Mapped[int] = mapped_column(ForeignKey("staff_members.id"))
    created_at: Mapped[datetime] = mapped_column(AwareDateTime())
    expires_at: Mapped[datetime] = mapped_column(AwareDateTime())
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), default=None)
    used_at: Mapped[datetime | None] = mapped_column(AwareDateTime(), default=None)
    used_by: Mapped[int | None] = mapped_column(ForeignKey("staff_members.id"), default=None)


class StaffGroup(Base):
    """A group chat linked to the commune: the office's (no unit) or one unit's."""

    __tablename__ = "staff_groups"
    __table_args__ = (UniqueConstraint("channel", "chat_id"),)

    id: Mapped[int] = mapped_column(primary_key=True, init=False)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    chat_id: Mapped[str] = mapped_column(String(64))
    linked_by: Mapped[int] = mapped_column(ForeignKey("staff_members.id"))
    linked_at: Mapped[datetime] = mapped_column(AwareDateTime())
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), default=None)
    title: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(default=True)


class StaffPrompt(Base):
    """A question the bot asked a staff member in a chat and is waiting for the answer to (a decline
    reason, a forwarding destination…). At most one per person and chat."""

    __tablename__ = "staff_prompts"
    __table_args__ = (UniqueConstraint("staff_id", "channel", "chat_id"),)

    id: Mapped[int] = mapped_column(primary_key=True, init=False)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id"))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_members.id"))
    channel: Mapped[str] = mapped_column(String(20))
    chat_id: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(AwareDateTime())
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), default=None)
    data: Mapped[JsonDict] = mapped_column(JSON_TYPE, default_factory=dict)
    # The event whose turn asked the question: its replies are the question, whose choices a typed
    # number may pick (a later card's list never takes the answer).
    asked_in: Mapped[str] = mapped_column(String(120), default="")
