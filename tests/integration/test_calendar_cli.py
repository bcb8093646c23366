"""``nghedan calendar``, run in-process on an SQLite file: the year's days off, and changing a day."""

from __future__ import annotations

import pytest

from bot.cli import main


def test_the_year_lists_holidays_swaps_and_make_up_saturdays_by_name(
    imported: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["calendar", "show", "2026"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("Ngày nghỉ và ngày làm bù năm 2026 của xã Phú Thịnh")
    assert "02/01/2026 (Thứ Sáu) — nghỉ: Nghỉ hoán đổi Tết Dương lịch 2026" in lines
    assert "10/01/2026 (Thứ Bảy) — làm việc: Làm bù cho ngày 02/01/2026" in lines
    assert "17/02/2026 (Thứ Ba) — nghỉ: Tết Nguyên Đán" in lines
    assert "24/11/2026 (Thứ Ba) — nghỉ: Ngày Văn hóa Việt Nam" in lines


def test_the_commune_switches_24_11_to_a_working_day_and_back(
    imported: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["calendar", "work", "2026-11-24", "Làm việc bình thường theo chỉ đạo của huyện"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Từ nay 24/11/2026 là ngày làm việc ở xã Phú Thịnh.")
    assert main(["calendar", "show", "2026"]) == 0
    shown = capsys.readouterr().out
    assert "24/11/2026 (Thứ Ba) — làm việc: Làm việc bình thường theo chỉ đạo của huyện [xã tự đặt]" in shown
    assert main(["calendar", "reset", "2026-11-24"]) == 0
    assert capsys.readouterr().out.startswith(
        "Từ nay 24/11/2026 là ngày nghỉ ở xã Phú Thịnh (Ngày Văn hóa Việt Nam)."
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["calendar", "off", "2026-13-01", "Lý do"], "Ngày «2026-13-01» không hợp lệ"),
        (["calendar", "off", "2026-12-01", "  "], "Xin ghi lý do"),
        (["calendar", "show", "99999"], "Năm «99999» không hợp lệ."),
        (["calendar", "work", "2026-11-24", "x", "--commune", "ZZ"], "ZZ"),
    ],
)
def test_bad_calendar_input_exits_2_and_says_why(
    imported: None, argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    assert message in capsys.readouterr().err
