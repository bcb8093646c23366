"""The real clock. The core never calls ``datetime.now()``; it is handed a clock."""

from __future__ import annotations

from datetime import datetime

from models.base import LOCAL_TZ


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(LOCAL_TZ)
