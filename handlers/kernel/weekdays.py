"""Days of the week as people write them: "thứ năm", "thu 5", "T5", "Thursday"."""

from __future__ import annotations

from typing import Final

from handlers.kernel.catalogue.keys import Msg
from handlers.kernel.text import fold_words

WEEKDAYS: Final = (  # the names, Monday first, as the catalogue writes them
    Msg.WEEKDAY_MON,
    Msg.WEEKDAY_TUE,
    Msg.WEEKDAY_WED,
    Msg.WEEKDAY_THU,
    Msg.WEEKDAY_FRI,
    Msg.WEEKDAY_SAT,
    Msg.WEEKDAY_SUN,
)

_NAMES: Final = {
    0: ("thu hai", "thu 2", "t2", "monday", "mon"),
    1: ("thu ba", "thu 3", "t3", "tuesday", "tue"),
    2: ("thu tu", "thu 4", "t4", "wednesday", "wed"),
    3: ("thu nam", "thu 5", "t5", "thursday", "thu"),
    4: ("thu sau", "thu 6", "t6", "friday", "fri"),
    5: ("thu bay", "thu 7", "t7", "saturday", "sat"),
    6: ("chu nhat", "cn", "sunday", "sun"),
}
_BY_NAME: Final = {name: number for number, names in _NAMES.items() for name in names}


def weekday_number(text: str) -> int | None:
    """Monday 0 … Sunday 6, or None when ``text`` names no day of the week."""
    return _BY_NAME.get(fold_words(text))
