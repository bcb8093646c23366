"""The tasks of a commune's plan (phụ lục nhiệm vụ): what is to be done, by which unit, with whom, by when.

Imported from the plan's table (``nghedan tasks import``); the lead unit is reminded before each deadline and,
once it has passed, every working morning until the task is marked done (``/nhiemvu xong``).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import JSON_TYPE, AwareDateTime, Base


class PlanTask(Base):
    __tablename__ = "plan_tasks"
    __table_args__ = (
        UniqueConstraint("commune_id", "title", "due_on"),  # importing the same table twice adds nothing
        Index("ix_plan_tasks_commune_due", "commune_id", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, init=False)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id"))
    title: Mapped[str] = mapped_column(String(500))
    lead_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    due_on: Mapped[date] = mapped_column(Date())
    imported_at: Mapped[datetime] = mapped_column(AwareDateTime())
    # The coordinating units' codes; partners that are not units ("các xóm") as the table wrote them.
    coordinating: Mapped[list[str]] = mapped_column(JSON_TYPE, default_factory=list)
    done_at: Mapped[datetime | None] = mapped_column(AwareDateTime(), default=None)
    done_by: Mapped[int | None] = mapped_column(ForeignKey("staff_members.id"), default=None)

    @property
    def is_open(self) -> bool:
        return self.done_at is None
