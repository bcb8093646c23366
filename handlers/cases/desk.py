"""The office's desk: what every office use case needs at hand — the transaction, the commune and its
reference data, the catalogue (staff read Vietnamese; citizens are written to in their own language), the
mailbox for messages to other chats, and the time."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import date, datetime
from typing import TypeVar

from handlers.cases.commune_calendar import commune_calendar
from handlers.cases.due import Due, refresh_due
from handlers.cases.reception_sessions import key_parts
from handlers.cases.services import Office
from handlers.kernel.catalogue import Catalogue
from handlers.kernel.catalogue.keys import Msg
from handlers.kernel.formatting import format_date, format_datetime, local
from handlers.kernel.labels import KIND_LABELS, STATUS_LABELS, commune_in_sentence
from handlers.kernel.mail import Mailbox
from handlers.kernel.ports import UnitOfWork
from models.case import Case
from models.commune import Commune, PetitionField, Unit, Village
from models.deadlines.calendar import WorkCalendar
from models.enums import CaseKind, CaseStatus

T = TypeVar("T")
STAFF_LANGUAGE = "vi"  # the staff of a Vietnamese commune office work in Vietnamese
ENTERED_SOURCES = ("paper", "phone", "reception")  # how a clerk may have received a petition


class Desk:
    def __init__(
        self,
        *,
        uow: UnitOfWork,
        catalogue: Catalogue,
        office: Office,
        mail: Mailbox,
        now: datetime,
        commune: Commune,
    ) -> None:
        self.uow = uow
        self.catalogue = catalogue
        self.office = office
        self.mail = mail
        self.now = now
        self.commune = commune
        self._fields: Sequence[PetitionField] | None = None
        self._units: Sequence[Unit] | None = None
        self._villages: Sequence[Village] | None = None
        self._all_loaded = False  # retired fields, units and villages loaded too
        self._calendar: WorkCalendar | None = None

    # -- deadlines ---------------------------------------------------------------------------------------
    async def calendar(self) -> WorkCalendar:
        """The commune's working calendar (shipped holidays and swaps, plus its own changes)."""
        if self._calendar is None:
            self._calendar = await commune_calendar(self.uow, self.commune.id)
        return self._calendar

    async def due(self, case: Case) -> Due | None:
        """The deadline the case runs against now, on the commune's calendar; the case's stored due date
        is brought up to date (None while the clock is paused or the case is closed)."""
        return refresh_due(case, await self.calendar(), self.commune, self.today)

    @property
    def today(self) -> date:
        return local(self.now).date()

    def overdue(self, due: Due) -> bool:
        return due.overdue(self.today)

    # -- words -------------------------------------------------------------------------------------------
    def t(self, key: Msg, **params: object) -> str:
        """A sentence for staff (Vietnamese)."""
        return self.t_in(STAFF_LANGUAGE, key, **params)

    def t_in(self, language: str, key: Msg, **params: object) -> str:
        defaults: dict[str, object] = {
            "commune": commune_in_sentence(self.commune) if language == "vi" else self.commune.name,
            "hotline": self.commune.hotline,
        }
        defaults.update(params)
        return self.catalogue.text(language, key, **defaults)

    def when(self, moment: datetime, language: str = STAFF_LANGUAGE) -> str:
        return format_datetime(self.catalogue, language, moment)

    def day(self, moment: date | datetime, language: str = STAFF_LANGUAGE) -> str:
        return format_date(self.catalogue, language, moment)

    def kind_label(self, kind: CaseKind, language: str = STAFF_LANGUAGE) -> str:
        return self.t_in(language, KIND_LABELS[kind])

    def status_label(self, status: CaseStatus, language: str = STAFF_LANGUAGE) -> str:
        return self.t_in(language, STATUS_LABELS[status])

    def received_label(self, case: Case) -> str:
        """When and how a case arrived: with the time for chat, the date only for a petition a clerk
        entered later (its real receipt day is known, not the hour)."""
        parts = key_parts(case.reception_key) if case.reception_key else None
        if parts is not None:
            return self.t(Msg.RECEPTION_CASE_LINE, date=self.day(parts[0]), start=parts[1])
        source = self.t(Msg(f"source.{case.source}")) if case.source != "chat" else self.channel_label(case)
        moment = self.when(case.received_at) if case.source == "chat" else self.day(case.received_at)
        return self.t(Msg.CARD_RECEIVED, time=moment, source=source)

    def channel_label(self, case: Case) -> str:
        try:
            return self.t(Msg(f"source.{case.channel}"))
        except ValueError:
            return case.channel

    # -- reference data ----------------------------------------------------------------------------------
    async def fields(self) -> Sequence[PetitionField]:
        if self._fields is None:
            self._fields = await self.uow.communes.fields(self.commune.id)
        return self._fields

    async def units(self) -> Sequence[Unit]:
        if self._units is None:
            self._units = await self.uow.communes.units(self.commune.id)
        return self._units

    async def active_units(self) -> list[Unit]:
        return [unit for unit in await self.units() if unit.active]

    async def villages(self) -> Sequence[Village]:
        if self._villages is None:
            self._villages = await self.uow.communes.villages(self.commune.id)
        return self._villages

    async def _retired(self) -> None:
        """A case may name a field, unit or village the commune has since retired: load those too."""
        self._fields = await self.uow.communes.fields(self.commune.id, include_inactive=True)
        self._units = await self.uow.communes.units(self.commune.id, include_inactive=True)
        self._villages = await self.uow.communes.villages(self.commune.id, include_inactive=True)
        self._all_loaded = True

    async def _find(
        self, items: Callable[[], Awaitable[Sequence[T]]], match: Callable[[T], bool]
    ) -> T | None:
        """The first of ``items`` that matches: among the active ones, then (once a desk) the retired too."""
        found = next((item for item in await items() if match(item)), None)
        if found is None and not self._all_loaded:
            await self._retired()
            found = next((item for item in await items() if match(item)), None)
        return found

    async def field_label(self, slug: str, language: str = STAFF_LANGUAGE) -> str:
        found = await self._find(self.fields, lambda item: item.slug == slug)
        return found.label_for(language) if found is not None else slug

    async def unit(self, unit_id: int | None) -> Unit | None:
        if unit_id is None:
            return None
        return await self._find(self.units, lambda unit: unit.id == unit_id)

    async def unit_name(self, unit_id: int | None) -> str:
        unit = await self.unit(unit_id)
        return unit.name if unit is not None else ""

    async def unit_code(self, unit_id: int | None) -> str:
        unit = await self.unit(unit_id)
        return unit.code if unit is not None else ""

    async def unit_by_code(self, code: str) -> Unit | None:
        wanted = code.strip().upper()
        return next((unit for unit in await self.active_units() if unit.code.upper() == wanted), None)

    async def village_name(self, village_id: int | None) -> str | None:
        if village_id is None:
            return None
        found = await self._find(self.villages, lambda village: village.id == village_id)
        return found.name if found is not None else None
