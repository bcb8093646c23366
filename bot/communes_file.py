"""Reading a commune description (TOML) into a validated ``CommuneSpec``."""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import ValidationError

from handlers.cases.communes import CommuneSpec

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEMO_COMMUNE = PROJECT_ROOT / "examples" / "commune.phu-thinh.toml"


class CommuneFileError(Exception):
    """The file is missing or does not describe a valid commune; ``str()`` lists what is wrong."""


def read_commune_file(path: Path) -> CommuneSpec:
    if not path.is_file():
        raise FileNotFoundError(str(path))
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        return CommuneSpec.model_validate(data)
    except tomllib.TOMLDecodeError as exc:
        raise CommuneFileError(f"TOML: {exc}") from exc
    except ValidationError as exc:
        lines = [
            f"- {'.'.join(str(part) for part in error['loc']) or '(tệp)'}: {error['msg']}"
            for error in exc.errors()
        ]
        raise CommuneFileError("\n".join(lines)) from exc
