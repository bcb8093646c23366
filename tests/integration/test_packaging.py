"""The wheel carries every data file the code reads with ``importlib.resources``."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "handlers", "models", "scheduler", "store")
SHIPPED = (
    "bot/resources/commune.phu-thinh.toml",
    "handlers/cases/classify/data/train.jsonl",
    "handlers/cases/classify/data/shared_petitions.jsonl",
    "handlers/cases/classify/data/own_petitions.jsonl",
    "handlers/kernel/catalogue/vi.toml",
    "handlers/kernel/catalogue/en.toml",
    "store/migrations/script.py.mako",
)


def test_the_wheel_ships_the_demo_commune_the_classifiers_data_and_the_catalogue(tmp_path: Path) -> None:
    """Built from a copy of the sources, so that the checkout gets no ``build/`` folder."""
    source = tmp_path / "source"
    for package in PACKAGES:
        shutil.copytree(ROOT / package, source / package, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    command = [
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "-q",
        "--no-deps",
        "-w",
        str(tmp_path / "dist"),
        str(source),
    ]
    built = subprocess.run(command, capture_output=True, text=True, check=False)
    assert built.returncode == 0, built.stderr
    (wheel,) = (tmp_path / "dist").glob("nghedan-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert [name for name in SHIPPED if name not in names] == []
    in_checkout = {
        str(path.relative_to(ROOT))
        for package in PACKAGES
        for path in (ROOT / package).rglob("*")
        if path.suffix in {".toml", ".jsonl", ".json", ".mako", ".txt"} and "__pycache__" not in path.parts
    }
    assert sorted(in_checkout - names) == []
