"""``nghedan deadline``: the worked examples, the explanation, and polite refusals with exit code 2."""

from __future__ import annotations

import pytest

from bot.cli import main
from tests.unit.test_deadlines import _rows


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[str], str]:
    code = main(["deadline", *argv])
    captured = capsys.readouterr()
    return code, captured.out.splitlines(), captured.err


@pytest.mark.parametrize("row", _rows(), ids=lambda row: f"{row['rule']}@{row['start_date']}")
def test_the_first_line_is_the_due_date_of_each_worked_example(
    row: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, lines, _ = run(capsys, row["rule"], row["start_date"])
    assert code == 0
    assert lines[0] == row["due_date"]
    assert len(lines) == 2


def test_the_explanation_names_the_period_the_start_the_law_and_why_the_date_moved(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, lines, _ = run(capsys, "khieu_nai.giai_quyet_lan_dau", "2026-01-20")
    assert lines == [
        "2026-02-23",
        "Hạn giải quyết khiếu nại: 23/02/2026 — 30 ngày kể từ ngày thụ lý 20/01/2026 "
        "(Điều 28 Luật Khiếu nại 2011); ngày thứ 30 (19/02/2026) là ngày nghỉ (Mùng ba Tết Nguyên Đán) "
        "nên hạn chuyển sang ngày làm việc tiếp theo.",
    ]


def test_a_working_day_period_lists_the_holidays_it_skipped(capsys: pytest.CaptureFixture[str]) -> None:
    _, lines, _ = run(capsys, "to_cao.xu_ly_ban_dau", "2026-02-13")
    assert lines[0] == "2026-03-03"
    assert "7 ngày làm việc kể từ ngày nhận đơn 13/02/2026" in lines[1]
    assert "không tính ngày nghỉ: Tết Nguyên Đán (16/02/2026 – 20/02/2026)" in lines[1]


def test_options_change_the_period_and_are_stated(capsys: pytest.CaptureFixture[str]) -> None:
    _, lines, _ = run(capsys, "khieu_nai.giai_quyet_lan_dau", "2026-03-02", "--complex", "--remote")
    assert lines[0] == "2026-05-04"  # 60 days end on 01/05, a holiday
    assert "60 ngày kể từ ngày thụ lý 02/03/2026, áp dụng cho vụ việc phức tạp, vùng sâu, vùng xa" in lines[1]
    _, lines, _ = run(capsys, "to_cao.giai_quyet", "2026-03-02", "--extensions", "2")
    assert lines[0] == "2026-06-01"
    assert "gồm 2 lần gia hạn thêm tổng cộng 60 ngày" in lines[1]
    _, lines, _ = run(capsys, "to_cao.xu_ly_ban_dau", "2026-03-02", "--extended")
    assert "10 ngày làm việc" in lines[1]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ("khieu_nai.giai_quyet", "2026-01-20"),
            "Không có quy tắc «khieu_nai.giai_quyet». Các quy tắc: xu_ly_don,",
        ),
        (("pakn", "2026-02-30"), "Ngày «2026-02-30» không hợp lệ"),
        (("pakn", "20/01/2026"), "Ngày «20/01/2026» không hợp lệ"),
        (("to_cao.giai_quyet", "2026-03-02", "--extensions", "3"), "chỉ được gia hạn tối đa 2 lần"),
        (
            ("to_cao.giai_quyet", "2026-03-02", "--extensions", "1", "--extension-days", "31"),
            "từ 1 đến 30 ngày",
        ),
        (
            ("khieu_nai.thu_ly", "2026-03-02", "--extended"),
            "Hạn thụ lý khiếu nại không có trường hợp gia hạn.",
        ),
        (
            ("pakn", "2026-03-02", "--complex"),
            "Hạn trả lời không có thời hạn kéo dài cho vụ việc phức tạp.",
        ),
    ],
)
def test_bad_input_exits_2_with_a_clear_vietnamese_message(
    argv: tuple[str, ...], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, lines, err = run(capsys, *argv)
    assert code == 2
    assert lines == []
    assert message in err
