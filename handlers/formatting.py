"""Dates and times as people read them, in Vietnam's time zone."""

from __future__ import annotations

from datetime import date, datetime

from handlers.catalogue import Catalogue
from handlers.catalogue.keys import Msg
from models.base import LOCAL_TZ


def local(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("naive datetime refused")
    return moment.astimezone(LOCAL_TZ)


def format_datetime(catalogue: Catalogue, language: str, moment: datetime) -> str:
    """``08:15 ngày 12/05/2026``"""
    at = local(moment)
    return catalogue.text(
        language,
        Msg.FORMAT_DATETIME,
        hour=at.hour,
        minute=at.minute,
        day=at.day,
        month=at.month,
        year=at.year,
    )


def format_date(catalogue: Catalogue, language: str, day: date | datetime) -> str:
    """``12/05/2026``"""
    if isinstance(day, datetime):
        day = local(day).date()
    return catalogue.text(language, Msg.FORMAT_DATE, day=day.day, month=day.month, year=day.year)
