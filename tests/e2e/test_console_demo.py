"""``nghedan demo`` driven through standard input, as a script or a newcomer would run it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

FILING = [
    "/start",
    "1",  # Gửi ý kiến, đơn thư
    "dong y",
    "phan anh",
    "giao thong",
    "Đường bê tông từ xóm Đồng Bầu ra trường tiểu học bị sụt lún khoảng 10 mét, trời mưa nước đọng sâu.",
    "gần cổng trường, xóm Đồng Bầu",
    "bo qua",
    "Nguyễn Văn An",
    "0912 345 678",
    "Xóm Đồng Bầu, xã Phú Thịnh",
    "gửi",
]


def run_demo(folder: Path, lines: list[str]) -> subprocess.CompletedProcess[str]:
    """Run the demo in ``folder`` on the embedded default database (no database setting at all)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NGHEDAN_")}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "demo"],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        cwd=folder,
        env=env,
        timeout=120,
        check=False,
    )


def test_a_whole_filing_piped_through_the_demo_gives_a_receipt_that_can_be_looked_up(tmp_path: Path) -> None:
    first = run_demo(tmp_path, FILING)
    assert first.returncode == 0, first.stderr
    assert "Traceback" not in first.stdout + first.stderr
    assert (tmp_path / "nghedan.sqlite3").exists()  # the embedded default, migrated by itself
    match = re.search(r"Mã hồ sơ: (PT-\d\d-\d{5})", first.stdout)
    assert match, first.stdout
    code = match.group(1)

    # A second run is a restart: the code is still there for the same citizen.
    second = run_demo(tmp_path, [f"tra cuu {code}"])
    assert second.returncode == 0, second.stderr
    assert f"Hồ sơ {code} — Phản ánh" in second.stdout
    assert "Tình trạng: Mới tiếp nhận" in second.stdout


def test_bad_input_never_shows_a_traceback(tmp_path: Path) -> None:
    result = run_demo(
        tmp_path, ["", "/vitri abc", "/tep /khong/co/tep.jpg", "🙂" * 5000, "/xyz", "1", "9" * 50]
    )
    assert result.returncode == 0
    assert "Traceback" not in result.stdout + result.stderr
    assert "Vị trí chưa đúng" in result.stdout
    assert "Không đọc được tệp" in result.stdout


def test_one_person_plays_citizen_clerk_unit_and_leader_through_a_whole_case(tmp_path: Path) -> None:
    answer = "Đã sửa xong đoạn đường bị sụt lún, đổ bê tông lại 10 mét, khơi thông rãnh thoát nước hai bên."
    script = [
        *FILING,
        "/as clerk",
        "2",  # Phân công, on the card in the office group
        "1",  # the suggested unit: Phòng Kinh tế
        "/as unit KT",
        "/viec",
        "/ketqua PT-26-00001",
        answer,
        "1",  # Trình duyệt
        "/as leader",
        "/duyet PT-26-00001",  # the latest list in the group is the triage card's update: say which case
        "/as citizen",
        "/tracuu PT-26-00001",
    ]
    result = run_demo(tmp_path, script)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Traceback" not in out + result.stderr
    assert "── Gửi Nhóm Văn phòng HĐND và UBND ──\nPT-26-00001 · Phản ánh · Giao thông, hạ tầng" in out
    assert "Đã phân công hồ sơ PT-26-00001 cho Phòng Kinh tế." in out
    assert "• PT-26-00001 · Phản ánh · Giao thông, hạ tầng · Đang giải quyết · KT" in out
    assert "KẾT QUẢ CHỜ DUYỆT — hồ sơ PT-26-00001 (Phòng Kinh tế)" in out
    assert f"── Gửi Người dân ──\nUBND xã Phú Thịnh trả lời hồ sơ PT-26-00001 của Ông/Bà:\n{answer}" in out
    assert "Tình trạng: Đã có kết quả" in out.split("> /tracuu PT-26-00001")[1]
