"""Dates and times as people read them, in Vietnam's time zone."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime

from handlers.kernel.catalogue import Catalogue
from handlers.kernel.catalogue.keys import Msg
from handlers.kernel.text import fold_words
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


def date_words(t: Callable[..., str], day: date) -> str:
    """``12/05/2026`` through a sentence function ``t(key, **params)`` (one language already chosen)."""
    return t(Msg.FORMAT_DATE, day=day.day, month=day.month, year=day.year)


_DAY = re.compile(r"^(\d{1,2})\s*[/.-]\s*(\d{1,2})(?:\s*[/.-]\s*(\d{2}|\d{4}))?$")
TODAY_WORDS = frozenset({"hom nay", "homnay", "today"})


def read_day(text: str, today: date) -> date | None:
    """A day as staff type it: ``hôm nay``, ``24/11/2026``, ``24/11/26``, ``24/11`` (this year) or
    ``2026-11-24``; None when it is not a real date."""
    if fold_words(text) in TODAY_WORDS:
        return today
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        pass
    match = _DAY.match(text.strip())
    if match is None:
        return None
    day, month = int(match.group(1)), int(match.group(2))
    year = int(match.group(3)) if match.group(3) else today.year
    if year < 100:
        year += 2000
    try:
        return date(year, month, day)
    except ValueError:
        return None
