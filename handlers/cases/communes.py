"""Loading or updating a commune (tenant) from its description: villages, fields of petitions, units.

Nothing is ever deleted: what disappears from the description is deactivated, because cases refer to it.
"""

from __future__ import annotations

import re
from calendar import monthrange
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from handlers.kernel.ports import UnitOfWork
from handlers.kernel.text import fold_words
from handlers.kernel.weekdays import weekday_number
from models.commune import Commune, PetitionField, RoutingRule, Unit, Village
from models.deadlines.duties import Every, ReportDuty
from models.enums import VillageKind

_CODE = re.compile(r"^[A-Z][A-Z0-9]{0,9}$")
_SLUG = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_TIME = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class VillageSpec(_Strict):
    code: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=200)
    kind: VillageKind = VillageKind.XOM


class FieldSpec(_Strict):
    slug: str
    label: str = Field(min_length=1, max_length=200)
    label_en: str = ""

    @field_validator("slug")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not _SLUG.match(value):
            raise ValueError("slug: lowercase letters, digits and underscores, starting with a letter")
        return value


class UnitSpec(_Strict):
    code: str
    name: str = Field(min_length=1, max_length=200)
    description: str = ""

    @field_validator("code")
    @classmethod
    def _code(cls, value: str) -> str:
        if not _CODE.match(value):
            raise ValueError("unit code: 1–10 capital letters or digits, starting with a letter")
        return value


class RoutingSpec(_Strict):
    """Which unit a case should go to: the cases of these fields, and — overriding the field — those whose
    content contains one of the keywords (compared without case or diacritics)."""

    unit: str
    fields: list[str] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _something(self) -> RoutingSpec:
        if not self.fields and not self.keywords:
            raise ValueError("a routing rule needs fields or keywords")
        return self


class ReportSpec(_Strict):
    """A unit's recurring report: ``every`` month, quarter (in its last month), half year or year, due
    ``before`` a day of the month ("14") or, for half-year and yearly reports, a day and month ("14/11")."""

    title: str = Field(min_length=1, max_length=300)
    unit: str
    every: Every
    before: str

    @field_validator("before", mode="before")
    @classmethod
    def _day_as_number(cls, value: object) -> object:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value  # before = 14

    @model_validator(mode="after")
    def _before(self) -> ReportSpec:
        self.duty()
        return self

    def duty(self) -> ReportDuty:
        day_text, _, month_text = self.before.partition("/")
        if not day_text.strip().isdecimal() or not 1 <= int(day_text) <= 31:
            raise ValueError(f"before: a day of the month (1–31), not {self.before!r}")
        month = None
        if self.every.needs_month:
            if not month_text.strip().isdecimal() or not 1 <= int(month_text) <= 12:
                raise ValueError(f'before: a day and month such as "14/11" for a {self.every.value} report')
            month = int(month_text)
            if int(day_text) > monthrange(2024, month)[1]:  # a leap year: "29/2" is allowed
                raise ValueError(f"before: {self.before!r} is not a day of the year")
        elif month_text:
            raise ValueError(f"before: only the day of the month for a {self.every.value} report")
        return ReportDuty(self.title, self.unit, self.every, int(day_text), month)


class ReceptionSpec(_Strict):
    """A regular citizen-reception session (Luật Tiếp công dân 2013 Điều 15: the chairman at least one day a
    week): ``weekday`` as "thursday" or "thứ năm", from ``start`` to ``end`` ("07:30"), where, by whom."""

    weekday: str
    start: str
    end: str
    place: str = Field(min_length=1, max_length=300)
    host: str = Field(min_length=1, max_length=200)

    @model_validator(mode="after")
    def _valid(self) -> ReceptionSpec:
        if weekday_number(self.weekday) is None:
            raise ValueError(
                f'weekday: a day of the week such as "thursday" or "thứ năm", not {self.weekday!r}'
            )
        if not (_TIME.match(self.start) and _TIME.match(self.end)) or self.start >= self.end:
            raise ValueError('start, end: times such as "07:30" and "11:00", the start first')
        return self


class ServiceLevel(_Strict):
    """Working days to answer a phản ánh, kiến nghị: normal and urgent (khẩn)."""

    normal: int | None = Field(default=None, ge=1, le=60)
    urgent: int | None = Field(default=None, ge=1, le=60)


class ServiceLevels(ServiceLevel):
    """The commune's own service level, and a field's own where it differs (keyed by field slug)."""

    fields: dict[str, ServiceLevel] = Field(default_factory=dict)


class SettingsSpec(BaseModel):
    """``[settings]``: known keys are checked; others are kept as written."""

    model_config = ConfigDict(extra="allow")

    remote_area: bool = False  # vùng sâu, vùng xa: the longer legal periods
    sla: ServiceLevels = Field(default_factory=ServiceLevels)


class CommuneSpec(_Strict):
    """A commune as written in ``examples/commune.*.toml``."""

    code: str
    name: str = Field(min_length=1, max_length=200)
    province: str = ""
    office_address: str = ""
    hotline: str = ""
    office_hours: str = Field(default="", max_length=300)
    settings: SettingsSpec = Field(default_factory=SettingsSpec)
    villages: list[VillageSpec] = Field(default_factory=list)
    fields: list[FieldSpec] = Field(min_length=1)
    units: list[UnitSpec] = Field(default_factory=list)
    routing: list[RoutingSpec] = Field(default_factory=list)
    reports: list[ReportSpec] = Field(default_factory=list)
    reception: list[ReceptionSpec] = Field(default_factory=list)

    @field_validator("code")
    @classmethod
    def _code(cls, value: str) -> str:
        if not _CODE.match(value):
            raise ValueError("commune code: 1–10 capital letters or digits, starting with a letter (e.g. PT)")
        return value

    @model_validator(mode="after")
    def _unique(self) -> CommuneSpec:
        for label, keys in (
            ("village code", [v.code for v in self.villages]),
            ("field slug", [f.slug for f in self.fields]),
            ("unit code", [u.code for u in self.units]),
        ):
            duplicates = sorted({k for k in keys if keys.count(k) > 1})
            if duplicates:
                raise ValueError(f"duplicate {label}: {', '.join(duplicates)}")
        units = {u.code for u in self.units}
        slugs = {f.slug for f in self.fields}
        unknown_sla = sorted(set(self.settings.sla.fields) - slugs)
        if unknown_sla:
            raise ValueError(f"settings.sla.fields: unknown field {', '.join(unknown_sla)}")
        unknown_units = sorted({report.unit for report in self.reports} - units)
        if unknown_units:
            raise ValueError(f"reports: unknown unit {', '.join(unknown_units)}")
        for rule in self.routing:
            if rule.unit not in units:
                raise ValueError(f"routing: unknown unit {rule.unit}")
            unknown = sorted(set(rule.fields) - slugs)
            if unknown:
                raise ValueError(f"routing: unknown field {', '.join(unknown)}")
        routed = [slug for rule in self.routing for slug in rule.fields]
        twice = sorted({slug for slug in routed if routed.count(slug) > 1})
        if twice:
            raise ValueError(f"routing: field given to two units: {', '.join(twice)}")
        return self


@dataclass(frozen=True)
class ImportSummary:
    commune_id: int
    code: str
    name: str
    villages: int
    fields: int
    units: int
    created: bool


SpecT = TypeVar("SpecT", VillageSpec, FieldSpec, UnitSpec)
RowT = TypeVar("RowT", Village, PetitionField, Unit)


async def _sync(
    uow: UnitOfWork,
    existing: Sequence[RowT],
    key: Callable[[RowT], str],
    specs: Sequence[SpecT],
    spec_key: Callable[[SpecT], str],
    make: Callable[[SpecT], RowT],
    update: Callable[[RowT, SpecT], None],
) -> None:
    """Create missing rows, update present ones (keeping the file's order), deactivate the rest."""
    rows = {key(row): row for row in existing}
    for position, spec in enumerate(specs):
        row = rows.pop(spec_key(spec), None)
        if row is None:
            row = make(spec)
            await uow.communes.add(row)
        update(row, spec)
        row.position, row.active = position, True
    for row in rows.values():
        row.active = False


def routing_rules(commune_id: int, specs: Sequence[RoutingSpec], units: dict[str, Unit]) -> list[RoutingRule]:
    """Keyword rules first (in file order), then field rules: a keyword beats a field."""
    rules: list[RoutingRule] = []
    for spec in specs:
        for keyword in spec.keywords:
            folded = fold_words(keyword)
            if folded:
                rules.append(RoutingRule(commune_id=commune_id, unit_id=units[spec.unit].id, keyword=folded))
    for spec in specs:
        for slug in spec.fields:
            rules.append(RoutingRule(commune_id=commune_id, unit_id=units[spec.unit].id, field_slug=slug))
    for position, rule in enumerate(rules):
        rule.position = position
    return rules


def _update_village(row: Village, spec: VillageSpec) -> None:
    row.name, row.kind = spec.name, spec.kind


def _update_field(row: PetitionField, spec: FieldSpec) -> None:
    row.label, row.label_en = spec.label, spec.label_en


def _update_unit(row: Unit, spec: UnitSpec) -> None:
    row.name, row.description = spec.name, spec.description


async def import_commune(uow: UnitOfWork, spec: CommuneSpec, *, now: datetime) -> ImportSummary:
    """Create the commune or bring it in line with ``spec``; the caller commits."""
    commune = await uow.communes.by_code(spec.code)
    created = commune is None
    if commune is None:
        commune = Commune(code=spec.code, name=spec.name, created_at=now)
        await uow.communes.add(commune)
    commune.name = spec.name
    commune.province = spec.province
    commune.office_address = spec.office_address
    commune.hotline = spec.hotline
    commune.office_hours = spec.office_hours
    commune.settings = spec.settings.model_dump(exclude_none=True)
    # The units' recurring reports live with the settings: read by ``handlers.plan.tasks.report_duties``.
    commune.settings["reports"] = [report.model_dump(mode="json") for report in spec.reports]
    commune.settings["reception"] = [
        {**session.model_dump(mode="json"), "weekday": weekday_number(session.weekday)}
        for session in spec.reception
    ]
    commune.updated_at = now
    cid = commune.id
    await _sync(
        uow,
        await uow.communes.villages(cid, include_inactive=True),
        lambda row: row.code,
        spec.villages,
        lambda s: s.code,
        lambda s: Village(commune_id=cid, code=s.code, name=s.name),
        _update_village,
    )
    await _sync(
        uow,
        await uow.communes.fields(cid, include_inactive=True),
        lambda row: row.slug,
        spec.fields,
        lambda s: s.slug,
        lambda s: PetitionField(commune_id=cid, slug=s.slug, label=s.label),
        _update_field,
    )
    await _sync(
        uow,
        await uow.communes.units(cid, include_inactive=True),
        lambda row: row.code,
        spec.units,
        lambda s: s.code,
        lambda s: Unit(commune_id=cid, code=s.code, name=s.name),
        _update_unit,
    )

    units = {unit.code: unit for unit in await uow.communes.units(cid, include_inactive=True)}
    await uow.communes.replace_routing(cid, routing_rules(cid, spec.routing, units))

    return ImportSummary(
        commune_id=commune.id,
        code=commune.code,
        name=commune.name,
        villages=len(spec.villages),
        fields=len(spec.fields),
        units=len(spec.units),
        created=created,
    )
