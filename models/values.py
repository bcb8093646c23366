"""Value objects: receipt codes, Vietnamese mobile numbers, map points."""

from __future__ import annotations

import re
from dataclasses import dataclass

from models.errors import InvalidValue

_CODE_RE = re.compile(r"^\s*([A-Za-z][A-Za-z0-9]{0,9})\s*-\s*(\d{2})\s*-\s*(\d{1,5})\s*$")
_CODE_SEARCH_RE = re.compile(r"([A-Za-z][A-Za-z0-9]{0,9})\s*-\s*(\d{2})\s*-\s*(\d{1,5})\b")


@dataclass(frozen=True, order=True)
class ReceiptCode:
    """``<COMMUNE CODE>-<YY>-<5-digit sequence per commune per year>``, e.g. ``PT-26-00042``."""

    commune_code: str
    year: int  # full year, e.g. 2026
    sequence: int

    def __str__(self) -> str:
        return f"{self.commune_code}-{self.year % 100:02d}-{self.sequence:05d}"

    @classmethod
    def parse(cls, text: str) -> ReceiptCode:
        match = _CODE_RE.match(text)
        if match is None:
            raise InvalidValue(f"not a receipt code: {text!r}")
        return cls._from_match(match)

    @classmethod
    def find(cls, text: str) -> ReceiptCode | None:
        """The first receipt code inside free text, tolerant of case and spaces around dashes."""
        match = _CODE_SEARCH_RE.search(text)
        return cls._from_match(match) if match else None

    @classmethod
    def _from_match(cls, match: re.Match[str]) -> ReceiptCode:
        sequence = int(match.group(3))
        if sequence == 0:
            raise InvalidValue("sequence starts at 1")
        return cls(match.group(1).upper(), 2000 + int(match.group(2)), sequence)


_PHONE_STRIP_RE = re.compile(r"[\s.\-()]")
# Vietnamese mobile prefixes after the leading 0: 3x, 5x, 7x, 8x, 9x, then 8 more digits.
_MOBILE_RE = re.compile(r"^0([35789]\d{8})$")


@dataclass(frozen=True)
class PhoneNumber:
    """A Vietnamese mobile number, stored in national form ``0xxxxxxxxx``."""

    national: str

    @property
    def e164(self) -> str:
        return "+84" + self.national[1:]

    def __str__(self) -> str:
        return self.national

    @classmethod
    def parse(cls, text: str) -> PhoneNumber:
        raw = _PHONE_STRIP_RE.sub("", text.strip())
        if raw.startswith("+84"):
            raw = "0" + raw[3:]
        elif raw.startswith("84") and len(raw) == 11:
            raw = "0" + raw[2:]
        elif raw.startswith("0084"):
            raw = "0" + raw[4:]
        if not _MOBILE_RE.match(raw):
            raise InvalidValue("not a Vietnamese mobile number")
        return cls(raw)


@dataclass(frozen=True)
class GeoPoint:
    latitude: float
    longitude: float

    def __post_init__(self) -> None:
        if not (-90.0 <= self.latitude <= 90.0 and -180.0 <= self.longitude <= 180.0):
            raise InvalidValue("coordinates out of range")


@dataclass(frozen=True)
class AttachmentInfo:
    """A file the citizen sent, as the channel describes it; the file itself stays on the channel."""

    kind: str
    file_id: str
    mime_type: str = ""
    size: int = 0
    file_name: str = ""
