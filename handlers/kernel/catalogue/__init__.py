"""The message catalogue: every user-facing sentence, per language, looked up by ``Msg`` key.

A sentence is a string with ``{name}`` placeholders. Where a language changes its words with a number
("1 day", "2 days"), the entry is a table instead of a string: ``plural`` names the placeholder that holds the
number, and the other keys are the CLDR plural categories that language uses, each with its own sentence::

    [plan]
    none.plural = "days"
    none.one = "No task or report is due in the next {days} day — {who}."
    none.other = "No task or report is due in the next {days} days — {who}."

The code does not change: it passes ``days=…`` as before, and ``Catalogue.text`` picks the form. English has
the categories ``one`` (exactly 1) and ``other``; Vietnamese has only ``other``, so its entries stay plain
strings. Every form of an entry uses the same placeholders as the Vietnamese sentence. A sentence with two
numbers agrees with one of them (the one most often 1); the other is worded so that it needs no agreement
("already there: {same}"). An inline table, ``none = { plural = "days", one = "…", other = "…" }``, is the
same entry; only a table with a ``plural`` key is one, so a section may still hold a sentence named ``other``.
"""

from __future__ import annotations

import string
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

from handlers.kernel.catalogue.keys import Msg

DEFAULT_LANGUAGE = "vi"
_FORMATTER = string.Formatter()

PLURAL_SELECTOR = "plural"
"""The key of a plural entry that names the placeholder holding the number."""

PLURAL_CATEGORIES = ("zero", "one", "two", "few", "many", "other")
"""The plural categories of the Unicode CLDR, of which each language uses some (always ``other``)."""


def _english_category(number: int) -> str:
    return "one" if number == 1 else "other"


def _no_plural(number: int) -> str:
    return "other"


PLURAL_RULES: Mapping[str, Callable[[int], str]] = {"en": _english_category, "vi": _no_plural}
"""CLDR's cardinal rules for whole numbers, for the languages the catalogue holds (others say ``other``)."""

LANGUAGE_CATEGORIES: Mapping[str, frozenset[str]] = {
    "en": frozenset({"one", "other"}),
    "vi": frozenset({"other"}),
}
"""The plural categories each language distinguishes (CLDR)."""


def plural_category(language: str, number: object) -> str:
    """The CLDR plural category of ``number`` in ``language``: "one" for 1 in English, "other" otherwise.

    Only whole numbers (or their digits as text) can be "one"; anything else, e.g. 1.5, is "other"."""
    if isinstance(number, bool):
        return "other"
    if isinstance(number, str) and number.strip().lstrip("-").isdigit():
        number = int(number)
    if not isinstance(number, int):
        return "other"
    rule = PLURAL_RULES.get(language, _no_plural)
    return rule(abs(number))


@dataclass(frozen=True)
class Plural:
    """A sentence with one form per plural category, chosen by the number in the placeholder ``selector``."""

    selector: str
    forms: Mapping[str, str]

    def form(self, language: str, params: Mapping[str, object]) -> str:
        """The form for the number passed as ``params[selector]`` (the ``other`` form when none fits)."""
        category = plural_category(language, params.get(self.selector))
        return self.forms.get(category, self.forms["other"])


Sentence = str | Plural


def _plural(name: str, table: Mapping[str, Any]) -> Plural:
    selector = table[PLURAL_SELECTOR]
    forms = {category: text for category, text in table.items() if category != PLURAL_SELECTOR}
    unknown = set(forms) - set(PLURAL_CATEGORIES)
    if not isinstance(selector, str) or unknown or "other" not in forms:
        raise ValueError(
            f"{name}: a plural entry has `plural` (a placeholder's name), an `other` form, and forms named "
            f"by the plural categories {PLURAL_CATEGORIES} only"
        )
    if not all(isinstance(text, str) for text in forms.values()):
        raise ValueError(f"{name}: every form of a plural entry is a string")
    return Plural(selector, forms)


def _flatten(table: Mapping[str, Any], prefix: str = "") -> dict[str, Sentence]:
    flat: dict[str, Sentence] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and PLURAL_SELECTOR in value:
            flat[name] = _plural(name, value)
        elif isinstance(value, Mapping):
            flat.update(_flatten(value, name + "."))
        else:
            flat[name] = str(value)
    return flat


def parse(document: str) -> dict[str, Sentence]:
    """The entries of one catalogue file (TOML), by key (``section.name``); raises ``ValueError`` on a
    malformed plural entry and ``tomllib.TOMLDecodeError`` on malformed TOML."""
    return _flatten(tomllib.loads(document))


def placeholders(sentence: str) -> frozenset[str]:
    """The ``{name}`` parameters a sentence uses."""
    return frozenset(name for _, name, _, _ in _FORMATTER.parse(sentence) if name)


def forms_of(sentence: Sentence) -> Mapping[str, str]:
    """Each form of a sentence by plural category (a plain sentence is its only, ``other``, form)."""
    return sentence.forms if isinstance(sentence, Plural) else {"other": sentence}


class Catalogue:
    """Sentences by language and key. Built once at start-up; read-only afterwards."""

    def __init__(self, tables: Mapping[str, Mapping[str, Sentence]]) -> None:
        if DEFAULT_LANGUAGE not in tables:
            raise ValueError("the Vietnamese catalogue is required")
        self._tables = {lang: dict(table) for lang, table in tables.items()}

    @classmethod
    def load(cls, languages: Iterable[str] | None = None) -> Catalogue:
        """Read the TOML catalogues shipped with the package (all of them unless ``languages`` is given)."""
        folder = resources.files(__package__)
        wanted = set(languages) if languages is not None else None
        tables: dict[str, dict[str, Sentence]] = {}
        for entry in sorted(folder.iterdir(), key=lambda item: item.name):
            if not entry.name.endswith(".toml"):
                continue
            lang = entry.name.split(".")[0]  # vi.toml, vi.office.toml… all belong to "vi"
            if wanted is None or lang in wanted:
                table = parse(entry.read_text(encoding="utf-8"))
                clash = set(table) & set(tables.get(lang, {}))
                if clash:
                    raise ValueError(f"keys defined twice in the {lang} catalogue: {sorted(clash)}")
                tables.setdefault(lang, {}).update(table)
        return cls(tables)

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(sorted(self._tables))

    def sentence(self, language: str, key: Msg) -> tuple[str, Sentence]:
        """The entry for ``key`` and the language it is in: ``language``'s, or Vietnamese when missing."""
        table = self._tables.get(language)
        if table is None or key.value not in table:
            return DEFAULT_LANGUAGE, self._tables[DEFAULT_LANGUAGE][key.value]
        return language, table[key.value]

    def raw(self, language: str, key: Msg) -> str:
        """The unfilled sentence for ``key`` (of a plural entry, its ``other`` form)."""
        return forms_of(self.sentence(language, key)[1])["other"]

    def text(self, language: str, key: Msg, **params: object) -> str:
        """The sentence for ``key`` in ``language`` (Vietnamese when missing), with parameters filled in and,
        for a plural entry, in the form that agrees with its number."""
        used, sentence = self.sentence(language, key)
        if isinstance(sentence, Plural):
            return sentence.form(used, params).format(**params)
        return sentence.format(**params)

    def table(self, language: str) -> Mapping[str, Sentence]:
        return self._tables[language]
