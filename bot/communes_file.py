"""Reading a commune description (TOML) into a validated ``CommuneSpec``."""

from __future__ import annotations

import tomllib
from importlib import resources
from importlib.resources.abc import Traversable

from pydantic import ValidationError

from handlers.cases.communes import CommuneSpec

DEMO_COMMUNE = resources.files("bot.resources") / "commune.phu-thinh.toml"
"""The demo commune, shipped inside the package (``bot/resources/``; ``examples/`` links to it)."""


class CommuneFileError(Exception):
    """The file is missing or does not describe a valid commune; ``str()`` lists what is wrong."""


def read_commune_file(path: Traversable) -> CommuneSpec:
    """The commune that a TOML file (a path, or a file shipped in a package) describes."""
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
