from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from bot.communes_file import DEMO_COMMUNE
from tests.conftest import Backend


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> Backend:
    """The same test on SQLite and on the PostgreSQL server."""
    return request.getfixturevalue(f"{request.param}_backend")  # type: ignore[no-any-return]


@pytest.fixture
def imported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """The demo commune in a fresh SQLite file, for the command-line tests."""
    monkeypatch.setenv("NGHEDAN_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.sqlite3'}")
    monkeypatch.delenv("NGHEDAN_CONFIG", raising=False)
    assert main(["commune", "import", str(DEMO_COMMUNE)]) == 0
    capsys.readouterr()
