"""The message catalogue: every user-facing sentence, per language, looked up by ``Msg`` key."""

from __future__ import annotations

import string
import tomllib
from collections.abc import Iterable, Mapping
from importlib import resources
from typing import Any

from handlers.kernel.catalogue.keys import Msg

DEFAULT_LANGUAGE = "vi"
_FORMATTER = string.Formatter()


def _flatten(table: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(_flatten(value, name + "."))
        else:
            flat[name] = str(value)
    return flat


def placeholders(sentence: str) -> frozenset[str]:
    """The ``{name}`` parameters a sentence uses."""
    return frozenset(name for _, name, _, _ in _FORMATTER.parse(sentence) if name)


class Catalogue:
    """Sentences by language and key. Built once at start-up; read-only afterwards."""

    def __init__(self, tables: Mapping[str, Mapping[str, str]]) -> None:
        if DEFAULT_LANGUAGE not in tables:
            raise ValueError("the Vietnamese catalogue is required")
        self._tables = {lang: dict(table) for lang, table in tables.items()}

    @classmethod
    def load(cls, languages: Iterable[str] | None = None) -> Catalogue:
        """Read the TOML catalogues shipped with the package (all of them unless ``languages`` is given)."""
        folder = resources.files(__package__)
        wanted = set(languages) if languages is not None else None
        tables: dict[str, dict[str, str]] = {}
        for entry in sorted(folder.iterdir(), key=lambda item: item.name):
            if not entry.name.endswith(".toml"):
                continue
            lang = entry.name.split(".")[0]  # vi.toml, vi.office.toml… all belong to "vi"
            if wanted is None or lang in wanted:
                table = _flatten(tomllib.loads(entry.read_text(encoding="utf-8")))
                clash = set(table) & set(tables.get(lang, {}))
                if clash:
                    raise ValueError(f"keys defined twice in the {lang} catalogue: {sorted(clash)}")
                tables.setdefault(lang, {}).update(table)
        return cls(tables)

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(sorted(self._tables))

    def raw(self, language: str, key: Msg) -> str:
        table = self._tables.get(language) or self._tables[DEFAULT_LANGUAGE]
        sentence = table.get(key.value)
        if sentence is None:
            sentence = self._tables[DEFAULT_LANGUAGE][key.value]
        return sentence

    def text(self, language: str, key: Msg, **params: object) -> str:
        """The sentence for ``key`` in ``language`` (Vietnamese when missing), with parameters filled in."""
        return self.raw(language, key).format(**params)

    def table(self, language: str) -> Mapping[str, str]:
        return self._tables[language]
