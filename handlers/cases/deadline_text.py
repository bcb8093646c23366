"""A due date explained in plain Vietnamese: the period, what starts it, the law, and why it moved.

"Hạn giải quyết khiếu nại: 23/02/2026 — 30 ngày kể từ ngày thụ lý 20/01/2026 (Điều 28 Luật Khiếu nại 2011);
ngày thứ 30 (19/02/2026) là ngày nghỉ (Mùng ba Tết Nguyên Đán) nên hạn chuyển sang ngày làm việc tiếp theo."

Used by ``nghedan deadline`` and by the office's case views; the words live in the catalogue.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from types import MappingProxyType
from typing import Final

from handlers.kernel.catalogue.keys import Msg
from handlers.kernel.formatting import date_words
from models.deadlines.calendar import WorkCalendar
from models.deadlines.rules import DayUnit, Deadline, DeadlineError, Refusal, Start

Words = Callable[..., str]  # (key, **params) -> the sentence, in one language

STAGE_OF_RULE: Final = MappingProxyType(
    {
        "xu_ly_don": Msg.STAGE_XU_LY_DON,
        "khieu_nai.thu_ly": Msg.STAGE_KHIEU_NAI_THU_LY,
        "khieu_nai.giai_quyet_lan_dau": Msg.STAGE_KHIEU_NAI_GIAI_QUYET,
        "khieu_nai.giai_quyet_lan_hai": Msg.STAGE_KHIEU_NAI_GIAI_QUYET_LAN_HAI,
        "to_cao.xu_ly_ban_dau": Msg.STAGE_TO_CAO_XU_LY_BAN_DAU,
        "to_cao.chuyen_don": Msg.STAGE_TO_CAO_CHUYEN_DON,
        "to_cao.thong_bao_thu_ly": Msg.STAGE_TO_CAO_THONG_BAO_THU_LY,
        "to_cao.giai_quyet": Msg.STAGE_TO_CAO_GIAI_QUYET,
        "pakn": Msg.STAGE_PAKN,
    }
)


def explain(t: Words, deadline: Deadline, calendar: WorkCalendar, *, stage: Msg | None = None) -> str:
    """One paragraph: the due date and every reason behind it."""
    rule = deadline.rule

    unit = t(Msg.DEADLINE_WORKING_DAYS if rule.unit is DayUnit.WORKING else Msg.DEADLINE_CALENDAR_DAYS)
    since = t(Msg.DEADLINE_SINCE_THU_LY if rule.start is Start.THU_LY else Msg.DEADLINE_SINCE_RECEIPT)
    options = [
        t(key)
        for flag, key in (
            (deadline.complex, Msg.DEADLINE_COMPLEX),
            (deadline.remote, Msg.DEADLINE_REMOTE),
            (deadline.extended, Msg.DEADLINE_EXTENDED),
        )
        if flag
    ]
    added = t(Msg.DEADLINE_OPTIONS, options=", ".join(options)) if options else ""
    if deadline.extensions:
        added += t(Msg.DEADLINE_EXTENSIONS, count=len(deadline.extensions), days=sum(deadline.extensions))
    if deadline.paused_days:
        added += t(Msg.DEADLINE_PAUSED_DAYS, days=deadline.paused_days, unit=unit)
    text = t(
        Msg.DEADLINE_LINE,
        stage=t(stage or STAGE_OF_RULE.get(rule.id, Msg.STAGE_XU_LY_DON)),
        due=date_words(t, deadline.due),
        days=deadline.days,
        unit=unit,
        since=since,
        start=date_words(t, deadline.start),
        options=added,
        citation=rule.citation,
    )
    if rule.unit is DayUnit.WORKING:
        runs = _days_off_between(calendar, deadline.start, deadline.due)
        if runs:
            listed = [
                f"{name} ({date_words(t, first)})"
                if first == last
                else f"{name} ({date_words(t, first)} – {date_words(t, last)})"
                for name, first, last in runs
            ]
            text += t(Msg.DEADLINE_SKIPPED, days="; ".join(listed))
    if deadline.rolled and deadline.rolled_because is not None:
        text += t(
            Msg.DEADLINE_ROLLED,
            days=deadline.days,
            last=date_words(t, deadline.last_day),
            reason=deadline.rolled_because,
        )
    return text + "."


def _days_off_between(calendar: WorkCalendar, start: date, end: date) -> list[tuple[str, date, date]]:
    """The runs of consecutive days off in (start, end] that hold a weekday holiday or day off, each as
    (name, first weekday off, last weekday off); ordinary weekends are not worth naming."""
    runs: list[list[date]] = []
    day, previous_off = start + timedelta(days=1), False
    while day <= end:
        off = not calendar.is_working_day(day)
        if off and day.weekday() < 5:
            if previous_off and runs and (day - runs[-1][-1]).days <= 3:
                runs[-1].append(day)
            else:
                runs.append([day])
        previous_off = off
        day += timedelta(days=1)
    return [(_run_name([calendar.reason_off(d) or "" for d in run]), run[0], run[-1]) for run in runs]


def _run_name(names: list[str]) -> str:
    """ "Tết Nguyên Đán" for Giao thừa, Tết, Mùng hai… Tết Nguyên Đán; distinct holidays joined."""
    distinct = list(dict.fromkeys(names))
    shortest = min(distinct, key=len)
    if all(shortest in name for name in distinct):
        return shortest
    return " – ".join(distinct)


REFUSALS: Final = MappingProxyType(
    {
        Refusal.TOO_MANY_EXTENSIONS: Msg.DEADLINE_TOO_MANY_EXTENSIONS,
        Refusal.EXTENSION_LENGTH: Msg.DEADLINE_EXTENSION_LENGTH,
        Refusal.NOT_EXTENDABLE: Msg.DEADLINE_NOT_EXTENDABLE,
        Refusal.NOT_COMPLEX: Msg.DEADLINE_NOT_COMPLEX,
    }
)


def refusal(t: Words, error: DeadlineError) -> str:
    """Why the law does not allow what was asked, in one sentence."""
    rule = error.rule
    limit = rule.max_extensions if error.refusal is Refusal.TOO_MANY_EXTENSIONS else rule.max_extension_days
    stage = t(STAGE_OF_RULE.get(rule.id, Msg.STAGE_XU_LY_DON))
    return t(REFUSALS[error.refusal], rule=stage, max=limit)
