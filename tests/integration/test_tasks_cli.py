"""``nghedan tasks import`` and ``nghedan tasks list``, run in-process on SQLite and on the PostgreSQL server:
the plan's task table from CSV or XLSX, all-or-nothing with every problem named by its row."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook

from bot.cli import main
from bot.clock import SystemClock
from bot.communes_file import DEMO_COMMUNE
from models.base import LOCAL_TZ
from tests.db import postgres_empty_database

NOW = datetime(2026, 5, 12, 9, 0, tzinfo=LOCAL_TZ)  # a Tuesday


@pytest.fixture(params=["sqlite", "postgres"])
def imported(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Iterator[None]:
    """The demo commune in a migrated database of each kind, on a clock stopped at ``NOW``."""
    monkeypatch.delenv("NGHEDAN_CONFIG", raising=False)
    monkeypatch.setattr(SystemClock, "now", lambda self: NOW)
    loop = asyncio.new_event_loop()
    server = postgres_empty_database()
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'cli.sqlite3'}"
    else:
        url = loop.run_until_complete(server.__aenter__())
    monkeypatch.setenv("NGHEDAN_DATABASE_URL", url)
    try:
        assert main(["db", "upgrade"]) == 0
        assert main(["commune", "import", str(DEMO_COMMUNE)]) == 0
        capsys.readouterr()
        yield
    finally:
        if request.param == "postgres":
            loop.run_until_complete(server.__aexit__(None, None, None))
        loop.close()


def write_csv(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8-sig")
    return path


def test_a_csv_table_is_imported_once_and_listed_unit_by_unit(
    imported: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    table = write_csv(
        tmp_path / "nhiem-vu.csv",
        "STT;Nhiệm vụ;Đơn vị chủ trì;Đơn vị phối hợp;Thời hạn\n"
        "1;Tổ chức hội nghị đối thoại với Nhân dân;VP;KT, VHXH;01/06/2026\n"
        "2;Rà soát đường giao thông nông thôn xuống cấp;Phòng Kinh tế;;2026-05-18\n"
        "3;Tổng kết công tác dân vận năm 2027;VHXH;;31/12/2027\n",
    )
    assert main(["tasks", "import", str(table)]) == 0
    assert capsys.readouterr().out == (
        "Đã nhập 3 nhiệm vụ mới vào kế hoạch của xã Phú Thịnh (0 nhiệm vụ đã có từ trước, giữ nguyên).\n"
    )
    assert main(["tasks", "import", str(table)]) == 0
    assert "Đã nhập 0 nhiệm vụ mới vào kế hoạch của xã Phú Thịnh (3 nhiệm vụ đã có" in capsys.readouterr().out

    assert main(["tasks", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Nhiệm vụ và báo cáo đến hạn trong 30 ngày tới — toàn xã (tính đến 12/05/2026):"
    office, economy = lines.index("Văn phòng HĐND và UBND xã:"), lines.index("Phòng Kinh tế:")
    assert lines[office + 1 : office + 3] == [
        "• Báo cáo: Báo cáo tháng về công tác tiếp công dân, giải quyết khiếu nại, tố cáo — nộp trước ngày "
        "14/05/2026 (hạn cuối 13/05/2026)",
        "• [1] Tổ chức hội nghị đối thoại với Nhân dân (phối hợp: Phòng Kinh tế, Phòng Văn hóa - Xã hội) "
        "— hạn 01/06/2026",
    ]
    assert lines[economy + 1] == "• [2] Rà soát đường giao thông nông thôn xuống cấp — hạn 18/05/2026"
    assert "2027" not in "\n".join(lines)  # beyond 30 days
    assert main(["tasks", "list", "--unit", "kt"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "Nhiệm vụ và báo cáo đến hạn trong 30 ngày tới — Phòng Kinh tế (tính đến 12/05/2026):",
        "• [2] Rà soát đường giao thông nông thôn xuống cấp — hạn 18/05/2026",
    ]
    assert main(["tasks", "list", "--unit", "ZZ"]) == 2
    assert "Không có bộ phận mã ZZ" in capsys.readouterr().err


def test_a_comma_csv_with_english_headings_and_quoted_cells_is_imported(
    imported: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    table = tmp_path / "tasks.csv"
    table.write_text(
        "Task,Lead unit,Coordinating units,Deadline\n"
        '"Check the dykes, culverts and ditches",Phòng Kinh tế xã,"Công an xã; các xóm",30/06/2026\n',
        encoding="utf-8",  # no BOM
    )
    assert main(["tasks", "import", str(table), "--commune", "PT"]) == 0
    assert "Đã nhập 1 nhiệm vụ mới" in capsys.readouterr().out
    assert main(["tasks", "list", "--days", "60"]) == 0
    assert (
        "• [1] Check the dykes, culverts and ditches (phối hợp: Công an xã, các xóm) — hạn 30/06/2026"
        in capsys.readouterr().out
    )


def test_an_xlsx_table_with_date_cells_is_imported(
    imported: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["Kế hoạch công tác dân vận năm 2026 — phụ lục nhiệm vụ"])
    sheet.append([])
    sheet.append(["TT", "Nội dung nhiệm vụ", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời gian hoàn thành"])
    sheet.append([1, "Tuyên truyền Luật Tiếp công dân đến các xóm", "VHXH", "VP", date(2026, 12, 15)])
    sheet.append([2, "Báo cáo kết quả thực hiện Quy chế dân chủ", "VP", None, "20/12/2026"])
    path = tmp_path / "phu-luc.xlsx"
    book.save(path)
    assert main(["tasks", "import", str(path)]) == 0  # the title above the table is skipped
    assert "Đã nhập 2 nhiệm vụ mới" in capsys.readouterr().out
    headless = tmp_path / "khong-tieu-de.xlsx"
    sheet.delete_rows(1, 3)
    book.save(headless)
    assert main(["tasks", "import", str(headless)]) == 2
    err = capsys.readouterr().err
    assert "Không thấy dòng tiêu đề đủ các cột cần thiết (thiếu: Nhiệm vụ, Đơn vị chủ trì, Thời hạn)" in err


def test_every_bad_row_is_named_and_nothing_is_imported(
    imported: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    table = write_csv(
        tmp_path / "sai.csv",
        "Nhiệm vụ,Đơn vị chủ trì,Thời hạn\n"
        "Kiểm tra hành lang an toàn giao thông,KT,30/06/2026\n"
        ",VP,30/06/2026\n"
        "Họp dân xóm Na Mao,Phòng Tài chính,30/06/2026\n"
        "Rà soát hộ nghèo,VHXH,31/02/2026\n",
    )
    assert main(["tasks", "import", str(table)]) == 2
    err = capsys.readouterr().err
    assert "Dòng 3: thiếu nội dung nhiệm vụ." in err
    assert "Dòng 4: không có bộ phận «Phòng Tài chính»" in err
    assert "Dòng 5: thời hạn «31/02/2026» không phải ngày hợp lệ" in err
    assert "Chưa nhập nhiệm vụ nào" in err
    assert main(["tasks", "list", "--days", "400"]) == 0
    assert "Kiểm tra hành lang" not in capsys.readouterr().out


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("missing.csv", None, "không có tệp này"),
        ("latin1.csv", "Nhiém vu;Thoi han".encode("latin-1"), "không phải văn bản UTF-8"),
        ("broken.xlsx", b"not a zip", "không đúng định dạng"),
    ],
)
def test_an_unreadable_file_exits_2_and_says_why(
    imported: None,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    content: bytes | None,
    reason: str,
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    assert main(["tasks", "import", str(path)]) == 2
    assert reason in capsys.readouterr().err
