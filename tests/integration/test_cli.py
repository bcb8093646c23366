"""The ``nghedan`` command line, run in-process with real databases."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.cli import main
from bot.communes_file import DEMO_COMMUNE
from models.commune import Village
from store.database import create_engine, session_factory
from tests.db import postgres_empty_database


@pytest.fixture
def sqlite_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.sqlite3'}"
    monkeypatch.setenv("NGHEDAN_DATABASE_URL", url)
    monkeypatch.delenv("NGHEDAN_CONFIG", raising=False)
    return url


def villages(url: str) -> dict[str, bool]:
    async def load() -> dict[str, bool]:
        engine = create_engine(url)
        async with session_factory(engine)() as session:
            rows = (await session.scalars(select(Village))).all()
        await engine.dispose()
        return {v.code: v.active for v in rows}

    return asyncio.run(load())


def test_commune_import_loads_and_then_updates_a_commune(
    sqlite_env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["commune", "import", str(DEMO_COMMUNE)]) == 0
    assert "Đã nhập xã/phường PT — Xã Phú Thịnh: 12 xóm, 12 lĩnh vực, 7 bộ phận." in capsys.readouterr().out
    smaller = tmp_path / "smaller.toml"
    text = DEMO_COMMUNE.read_text(encoding="utf-8")
    smaller.write_text(
        text.replace('[[villages]]\ncode = "khuon-lan"\nname = "Xóm Khuôn Lân"\n', ""), "utf-8"
    )
    assert main(["commune", "import", str(smaller)]) == 0
    state = villages(sqlite_env)
    assert state["khuon-lan"] is False  # deactivated, never deleted: cases may refer to it
    assert sum(state.values()) == 11


def test_an_invalid_commune_file_is_refused_with_the_reasons(
    sqlite_env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('code = "phu thinh"\nname = "X"\n', encoding="utf-8")
    assert main(["commune", "import", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "chưa hợp lệ" in err
    assert "code" in err
    assert "fields" in err
    assert main(["commune", "import", str(tmp_path / "missing.toml")]) == 2
    assert "Không tìm thấy tệp" in capsys.readouterr().err


def test_an_unmigrated_server_database_is_refused_until_upgraded(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    async def run() -> None:
        async with postgres_empty_database() as url:
            monkeypatch.setenv("NGHEDAN_DATABASE_URL", url)
            await asyncio.to_thread(check_refused_then_upgraded, capsys)

    asyncio.run(run())


def check_refused_then_upgraded(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["commune", "import", str(DEMO_COMMUNE)]) == 1
    assert "Hãy chạy: nghedan db upgrade" in capsys.readouterr().err
    assert main(["db", "current"]) == 1
    assert main(["db", "upgrade"]) == 0
    assert "phiên bản mới nhất" in capsys.readouterr().out
    assert main(["db", "current"]) == 0
    assert main(["commune", "import", str(DEMO_COMMUNE)]) == 0


def test_an_unreachable_database_is_reported_without_its_password(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("NGHEDAN_DATABASE_URL", "postgresql+asyncpg://nghedan:bimat123@127.0.0.1:1/none")
    assert main(["db", "current"]) == 1
    err = capsys.readouterr().err
    assert "Không kết nối được" in err
    assert "bimat123" not in err
