"""The tenant: a commune (xã/phường) with its villages, fields of petitions and units."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import JSON_TYPE, AwareDateTime, Base, JsonDict, str_enum
from models.enums import VillageKind


class Commune(Base):
    """One commune or ward; every other row belongs to exactly one commune."""

    __tablename__ = "communes"

    id: Mapped[int] = mapped_column(primary_key=True, init=False)
    code: Mapped[str] = mapped_column(String(10), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    province: Mapped[str] = mapped_column(String(200), default="")
    # Public contact details shown to citizens: office address, hotline, reception hours.
    office_address: Mapped[str] = mapped_column(String(300), default="")
    hotline: Mapped[str] = mapped_column(String(40), default="")
    office_hours: Mapped[str] = mapped_column(String(300), default="")
    settings: Mapped[JsonDict] = mapped_column(JSON_TYPE, default_factory=dict)
    created_at: Mapped[datetime | None] = mapped_column(AwareDateTime(), default=None)
    updated_at: Mapped[datetime | None] = mapped_column(AwareDateTime(), default=None)


class Village(Base):
    """A thôn, xóm or tổ dân phố of a commune."""

    __tablename__ = "villages"
    __table_args__ = (UniqueConstraint("commune_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True, init=False)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[VillageKind] = mapped_column(str_enum(VillageKind), default=VillageKind.XOM)
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)


class PetitionField(Base):
    """A field (lĩnh vực) a petition is about, e.g. ``dat_dai`` — Đất đai."""

    __tablename__ = "fields"
    __table_args__ = (UniqueConstraint("commune_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True, init=False)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id"), index=True)
    slug: Mapped[str] = mapped_column(String(40))
    label: Mapped[str] = mapped_column(String(200))
    label_en: Mapped[str] = mapped_column(String(200), default="")
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)

    def label_for(self, language: str) -> str:
        return self.label_en if language == "en" and self.label_en else self.label


class Unit(Base):
    """A unit of the commune government that resolves cases (phòng, ban, trung tâm, công an xã)."""

    __tablename__ = "units"
    __table_args__ = (UniqueConstraint("commune_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True, init=False)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id"), index=True)
    code: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(String(500), default="")
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)


class RoutingRule(Base):
    """Which unit a case should go to: by field, or — when ``keyword`` (folded, no diacritics) appears in the
    content — overriding the field's unit. Lower ``position`` wins."""

    __tablename__ = "routing_rules"

    id: Mapped[int] = mapped_column(primary_key=True, init=False)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    field_slug: Mapped[str | None] = mapped_column(String(40), default=None)
    keyword: Mapped[str | None] = mapped_column(String(100), default=None)
    position: Mapped[int] = mapped_column(default=0)
