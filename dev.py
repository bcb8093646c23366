#!/usr/bin/env python3
"""Developer entry point for a fresh clone; needs only Python 3.11+ and access to PyPI.

    python3 dev.py demo    # chat with the bot in the terminal (SQLite file, no token)
    python3 dev.py test    # ruff, mypy, the import contracts, every test (SQLite and PostgreSQL), and
                           # the unit tests again on SQLite instead of the in-memory fakes

Both create ``.venv`` on first use and install the pinned, hash-checked dependencies of
``requirements.lock``; later runs reinstall only when the lock file or pyproject.toml changed.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".nghedan-installed"


def _run(*command: str | Path, env: dict[str, str] | None = None) -> int:
    return subprocess.call([str(part) for part in command], cwd=ROOT, env=env)


def _fingerprint() -> str:
    digest = hashlib.sha256()
    for name in ("requirements.lock", "pyproject.toml"):
        digest.update((ROOT / name).read_bytes())
    return digest.hexdigest()


def ensure_environment() -> Path:
    """Create the virtual environment and install the locked dependencies if needed; return its python."""
    if sys.version_info < (3, 11):
        sys.exit("Nghe Dân cần Python 3.11 trở lên (đang chạy %d.%d)." % sys.version_info[:2])
    python = BIN / ("python.exe" if os.name == "nt" else "python")
    if not python.exists():
        print("Tạo môi trường ảo .venv …", flush=True)
        venv.create(VENV, with_pip=True)
    fingerprint = _fingerprint()
    if not STAMP.exists() or STAMP.read_text() != fingerprint:
        print("Cài các thư viện đã khóa phiên bản (requirements.lock) …", flush=True)
        quiet = ["-q", "--disable-pip-version-check"]
        steps = [
            [python, "-m", "pip", "install", *quiet, "--require-hashes", "-r", "requirements.lock"],
            [python, "-m", "pip", "install", *quiet, "--no-deps", "-e", "."],
        ]
        for step in steps:
            if _run(*step) != 0:
                sys.exit("Cài đặt thất bại; xem thông báo của pip ở trên.")
        STAMP.write_text(fingerprint)
    return python


def demo(args: list[str]) -> int:
    python = ensure_environment()
    return _run(python, "-m", "bot.cli", "demo", *args)


def test(args: list[str]) -> int:
    """Lint, type-check, run every test, then the unit tests again on SQLite (``--backend=sqlite``); extra
    arguments go to pytest alone (no linters, no second pass)."""
    python = ensure_environment()
    if not args:
        checks = [
            [python, "-m", "ruff", "check", "."],
            [python, "-m", "ruff", "format", "--check", "."],
            [python, "-m", "mypy", "models", "handlers", "store", "bot", "scheduler"],
            [BIN / "lint-imports", "--no-logo", "--no-cache"],  # the import contracts of pyproject.toml
        ]
        for check in checks:
            shown = check[1:] if check[0] == python else [Path(check[0]).name, *check[1:]]
            print("$", " ".join(str(part) for part in shown), flush=True)
            if _run(*check) != 0:
                return 1
        # Every test, then the unit tests again on SQLite through the real repositories, so that the fakes
        # they otherwise run on cannot drift from SQL unnoticed.
        passes = [[], ["tests/unit", "--backend=sqlite"]]
        for extra in passes:
            if extra:
                print("$ pytest", " ".join(extra), flush=True)
            if _run(python, "-m", "pytest", *extra) != 0:
                return 1
        return 0
    return _run(python, "-m", "pytest", *args)


COMMANDS = {"demo": demo, "test": test}


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        print(__doc__)
        return 2
    return COMMANDS[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
