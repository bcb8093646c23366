"""The demo commune, the classifier's petitions and the catalogue ship inside the package: an installed
``nghedan`` reads them with ``importlib.resources``, never from a checkout."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from bot.communes_file import DEMO_COMMUNE, read_commune_file
from bot.office_cli import OWN_PETITIONS, SHARED_PETITIONS
from handlers.cases.classify import data_file, read_examples, training_examples

ROOT = Path(__file__).resolve().parents[2]


def test_the_demo_commune_is_read_from_the_bot_package() -> None:
    assert resources.files("bot.resources") / "commune.phu-thinh.toml" == DEMO_COMMUNE
    assert read_commune_file(DEMO_COMMUNE).code == "PT"


def test_the_example_in_the_repository_is_the_shipped_demo_commune() -> None:
    """``examples/commune.phu-thinh.toml``, which the README and ``nghedan demo`` name, cannot drift from it."""
    example = ROOT / "examples" / "commune.phu-thinh.toml"
    assert example.read_bytes() == DEMO_COMMUNE.read_bytes()


def test_the_classifiers_petitions_are_read_from_its_package() -> None:
    folder = resources.files("handlers.cases.classify") / "data"
    assert folder / "shared_petitions.jsonl" == SHARED_PETITIONS
    assert folder / "own_petitions.jsonl" == OWN_PETITIONS
    assert len(training_examples()) == 1500
    assert len(read_examples(SHARED_PETITIONS.read_text(encoding="utf-8").splitlines())) == 48
    assert len(read_examples(OWN_PETITIONS.read_text(encoding="utf-8").splitlines())) == 120
    assert data_file("train.jsonl") == folder / "train.jsonl"


def test_no_module_reads_a_data_file_through_the_checkout() -> None:
    """Data files are found with ``importlib.resources``; a path built from a module's own location would
    point into the checkout (``parents[1] / "examples"``) and break once installed."""
    offenders = [
        str(path.relative_to(ROOT))
        for folder in ("bot", "handlers", "models", "scheduler")
        for path in (ROOT / folder).rglob("*.py")
        if "parents[" in path.read_text(encoding="utf-8")
        or "PROJECT_ROOT" in path.read_text(encoding="utf-8")
    ]
    assert offenders == []
