"""``nghedan qr``: an A4 notice for each configured channel, with the commune's own contacts."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from bot.cli import main


@pytest.mark.usefixtures("imported")
def test_one_a4_poster_is_drawn_for_each_configured_channel(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("NGHEDAN_ZALO_OA__OA_ID", "388613280878808645")
    monkeypatch.setenv("NGHEDAN_ZALO_BOT__TOKEN", "1459232241454765289:ZaloBotTestToken")
    out = tmp_path / "poster.png"
    assert main(["qr", "--out", str(out), "--bot-username", "nghedan_pt_bot"]) == 0
    printed = capsys.readouterr().out
    assert "https://zalo.me/388613280878808645" in printed
    assert "https://bot.zaloplatforms.com/bots/1459232241454765289" in printed
    assert "https://t.me/nghedan_pt_bot?start=PT" in printed
    for name in ("poster-zalo-oa.png", "poster-zalo-bot.png", "poster-telegram.png"):
        with Image.open(tmp_path / name) as image:
            assert image.size == (2480, 3508)  # A4 portrait at 300 dpi
    assert not out.exists()  # several channels: each poster is named after its channel


@pytest.mark.usefixtures("imported")
def test_one_channel_asked_for_writes_exactly_the_file_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("NGHEDAN_ZALO_OA__OA_ID", "388613280878808645")
    out = tmp_path / "bang-tin.png"
    assert main(["qr", "--out", str(out), "--channel", "zalo_oa"]) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.usefixtures("imported")
def test_without_any_channel_the_poster_command_says_how_to_name_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("NGHEDAN_ZALO_OA__OA_ID", "NGHEDAN_ZALO_BOT__TOKEN", "NGHEDAN_TELEGRAM__TOKEN"):
        monkeypatch.delenv(name, raising=False)
    assert main(["qr", "--out", str(tmp_path / "p.png")]) == 2
    error = capsys.readouterr().err
    assert "--bot-username" in error
    assert "NGHEDAN_ZALO_OA__OA_ID" in error
