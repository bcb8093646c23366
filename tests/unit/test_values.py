from __future__ import annotations

import pytest

from models.errors import InvalidValue
from models.values import GeoPoint, PhoneNumber, ReceiptCode


def test_receipt_code_has_commune_year_and_five_digit_sequence() -> None:
    assert str(ReceiptCode("PT", 2026, 42)) == "PT-26-00042"


@pytest.mark.parametrize("text", ["PT-26-00042", "pt-26-42", " PT - 26 - 00042 ", "Pt-26-042"])
def test_receipt_code_parsing_forgives_case_spaces_and_missing_zeros(text: str) -> None:
    assert ReceiptCode.parse(text) == ReceiptCode("PT", 2026, 42)


def test_receipt_code_is_found_inside_text() -> None:
    assert ReceiptCode.find("cho toi hoi ho so pt-26-00042 voi") == ReceiptCode("PT", 2026, 42)
    assert ReceiptCode.find("khong co ma nao") is None


@pytest.mark.parametrize("text", ["PT-2026-1", "PT26", "PT-26-00000", "", "26-00042"])
def test_malformed_receipt_codes_are_refused(text: str) -> None:
    with pytest.raises(InvalidValue):
        ReceiptCode.parse(text)


@pytest.mark.parametrize(
    "text", ["0912345678", "0912 345 678", "0912.345.678", "+84912345678", "84912345678", "+84 91 234 5678"]
)
def test_vietnamese_mobile_numbers_are_normalised(text: str) -> None:
    phone = PhoneNumber.parse(text)
    assert phone.national == "0912345678"
    assert phone.e164 == "+84912345678"


@pytest.mark.parametrize("text", ["091234567", "09123456789", "0212345678", "abc", "", "+1 202 555 0100"])
def test_invalid_phone_numbers_are_refused(text: str) -> None:
    with pytest.raises(InvalidValue):
        PhoneNumber.parse(text)


def test_coordinates_out_of_range_are_refused() -> None:
    with pytest.raises(InvalidValue):
        GeoPoint(91.0, 0.0)
