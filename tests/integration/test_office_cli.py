"""``nghedan staff`` and ``nghedan classify``, run in-process on an SQLite file."""

from __future__ import annotations

import io
import json

import pytest

from bot.cli import main


def test_the_first_admin_is_added_listed_and_removed_from_the_command_line(
    imported: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["staff", "list"]) == 0
    assert "chưa có cán bộ nào" in capsys.readouterr().out
    added = [
        "staff",
        "add",
        "--commune",
        "PT",
        "--telegram-id",
        "123456",
        "--role",
        "admin",
        "--role",
        "clerk",
    ]
    assert main([*added, "--name", "Trần Thị Văn"]) == 0
    assert (
        capsys.readouterr().out.strip()
        == "Đã thêm Trần Thị Văn (admin, clerk) vào danh sách cán bộ của Xã Phú Thịnh."
    )
    assert (
        main(
            [
                "staff",
                "add",
                "--telegram-id",
                "777",
                "--role",
                "unit",
                "--unit",
                "KT",
                "--name",
                "Phạm Văn Kinh",
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert main(["staff", "list", "--commune", "PT"]) == 0
    listing = capsys.readouterr().out
    assert "• Trần Thị Văn — Telegram 123456 — admin, clerk" in listing
    assert "• Phạm Văn Kinh — Telegram 777 — unit KT" in listing
    assert main(["staff", "remove", "--telegram-id", "777"]) == 0
    capsys.readouterr()
    assert main(["staff", "list"]) == 0
    assert "Phạm Văn Kinh" not in capsys.readouterr().out


def test_staff_commands_refuse_bad_input_with_the_reason(
    imported: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["staff", "add", "--telegram-id", "1", "--role", "unit", "--name", "Phạm Văn Kinh"]) == 2
    assert "cần mã bộ phận" in capsys.readouterr().err
    assert (
        main(["staff", "add", "--telegram-id", "1", "--role", "unit", "--unit", "ZZ", "--name", "Phạm Kinh"])
        == 2
    )
    assert "Không có bộ phận mã ZZ ở Xã Phú Thịnh" in capsys.readouterr().err
    assert main(["staff", "add", "--telegram-id", "1", "--role", "clerk", "--name", "X"]) == 2
    assert "chưa hợp lệ" in capsys.readouterr().err
    assert main(["staff", "remove", "--telegram-id", "404"]) == 2
    assert "Không có cán bộ nào dùng tài khoản Telegram 404" in capsys.readouterr().err


def test_classify_reads_json_lines_and_writes_kind_field_unit_and_confidence(
    imported: None, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = [
        {"text": "duong vao xom bi sut lun nang, xe may di lai rat nguy hiem, de nghi xa sua gap"},
        {"text": "Nhóm thanh niên tụ tập đánh bạc và sử dụng ma túy ở bãi đất trống cuối xóm mỗi tối."},
        "không phải json",
    ]
    stdin = "\n".join(
        json.dumps(line, ensure_ascii=False) if isinstance(line, dict) else line for line in lines
    )
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin + "\n"))
    assert main(["classify"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert rows[0]["field"] == "giao_thong_ha_tang"
    assert rows[0]["unit"] == "KT"
    assert rows[1]["unit"] == "CA"  # "ma túy" is a keyword routed to the police, whatever the field
    assert 0 < rows[0]["confidence"] <= 1
    assert set(rows[0]) == {"kind", "field", "unit", "confidence", "kind_confidence", "field_confidence"}
    assert rows[2] == {"error": "expected a JSON object with a text"}


def test_classify_evaluate_prints_its_accuracy_on_unseen_petitions(
    imported: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["classify", "--evaluate"]) == 0
    out = capsys.readouterr().out
    assert "Kiểm tra chéo 4 phần trên" in out
    assert "(48 đơn): đúng loại" in out
    assert "Đơn tự viết, giữ riêng không dùng để học" in out
    assert "120 đơn): đúng loại" in out
