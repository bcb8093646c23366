"""The message catalogue: every key in code has a sentence, and every sentence is used."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from handlers.kernel.catalogue import LANGUAGE_CATEGORIES, Catalogue, Plural, forms_of, placeholders
from handlers.kernel.catalogue.keys import Msg
from models.enums import CaseAction, CaseStatus

ROOT = Path(__file__).resolve().parents[2]
# Keys built from an enum value at run time, e.g. Msg(f"status.{status.value}").
DYNAMIC_PREFIXES = ("status.", "event.", "what.", "channel.", "source.", "role.", "decline.")


@pytest.mark.parametrize("language", ["vi", "en"])
def test_each_catalogue_has_exactly_the_keys_in_code(catalogue: Catalogue, language: str) -> None:
    in_code, in_files = {key.value for key in Msg}, set(catalogue.table(language))
    assert sorted(in_code - in_files) == [], f"keys in keys.py without a sentence in {language}*.toml"
    assert sorted(in_files - in_code) == [], f"sentences in {language}*.toml without a member of Msg"
    assert in_files == in_code


@pytest.mark.parametrize("language", ["en"])
def test_every_language_uses_the_same_placeholders_as_vietnamese(catalogue: Catalogue, language: str) -> None:
    for key in Msg:
        assert placeholders(catalogue.raw(language, key)) == placeholders(catalogue.raw("vi", key)), key


@pytest.mark.parametrize("language", ["en"])
def test_every_form_of_every_sentence_uses_the_vietnamese_placeholders(
    catalogue: Catalogue, language: str
) -> None:
    """A plural entry's one/other forms each take exactly the parameters of the Vietnamese sentence."""
    for key in Msg:
        wanted = placeholders(catalogue.raw("vi", key))
        for category, form in forms_of(catalogue.table(language)[key.value]).items():
            assert placeholders(form) == wanted, (key, category)


@pytest.mark.parametrize("language", ["vi", "en"])
def test_plural_entries_are_chosen_by_one_of_their_placeholders(catalogue: Catalogue, language: str) -> None:
    for key, sentence in catalogue.table(language).items():
        if isinstance(sentence, Plural):
            assert sentence.selector in placeholders(sentence.forms["other"]), key
            assert set(sentence.forms) <= LANGUAGE_CATEGORIES[language], key
            assert len(sentence.forms) > 1, f"{key}: a plural entry with one form is a plain sentence"


def test_vietnamese_sentences_have_a_single_form(catalogue: Catalogue) -> None:
    """Vietnamese does not change its words with a number ("1 ngày", "2 ngày")."""
    assert [key for key, sentence in catalogue.table("vi").items() if isinstance(sentence, Plural)] == []


# Parameters that the turn's and the desk's ``t()`` fill in themselves when the call does not.
FILLED_BY_THE_TURN = {"channel", "commune", "hotline"}
# Functions that take a key and its parameters, by the position of the key among their arguments.
SENTENCE_FUNCTIONS = {"t": 0, "say": 0, "t_in": 1, "text": 1}


def _sentence_calls() -> Iterator[tuple[str, Msg, frozenset[str]]]:
    """Each call ``t(Msg.X, a=…)``, ``say(…)``, ``text(language, Msg.X, …)`` in the code: where, which key
    (both keys of ``Msg.X if … else Msg.Y``) and the parameters it passes. Calls that pass ``**params`` or
    a key held in a variable are left out: what they pass cannot be read from the call."""
    for folder in ("handlers", "bot", "scheduler", "store"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Call) or any(keyword.arg is None for keyword in node.keywords):
                    continue
                name = (
                    node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
                )
                position = SENTENCE_FUNCTIONS.get(name)
                if position is None or len(node.args) <= position:
                    continue
                passed = frozenset(keyword.arg for keyword in node.keywords if keyword.arg is not None)
                for part in ast.walk(node.args[position]):
                    if (
                        isinstance(part, ast.Attribute)
                        and isinstance(part.value, ast.Name)
                        and part.value.id == "Msg"
                    ):
                        yield f"{path.relative_to(ROOT)}:{node.lineno}", Msg[part.attr], passed


def test_every_placeholder_of_a_sentence_is_passed_where_the_code_asks_for_it(catalogue: Catalogue) -> None:
    calls = list(_sentence_calls())
    assert len(calls) > 300  # the scan still finds the code's calls
    missing = [
        (where, key.value, language, sorted(needed - passed - FILLED_BY_THE_TURN))
        for where, key, passed in calls
        for language in ("vi", "en")
        for needed in (
            frozenset().union(*map(placeholders, forms_of(catalogue.table(language)[key.value]).values())),
        )
        if needed - passed - FILLED_BY_THE_TURN
    ]
    assert missing == []


def test_every_status_and_action_has_a_sentence(catalogue: Catalogue) -> None:
    for status in CaseStatus:
        assert Msg(f"status.{status.value}")
    for action in CaseAction:
        assert Msg(f"event.{action.value}")


def test_every_key_is_used_by_the_code() -> None:
    sources = "\n".join(
        path.read_text(encoding="utf-8")
        for folder in ("handlers", "bot", "models", "store")
        for path in (ROOT / folder).rglob("*.py")
        if path.name != "keys.py"
    )
    used = set(re.findall(r"Msg\.([A-Z0-9_]+)", sources))
    unused = [key.name for key in Msg if key.name not in used and not key.value.startswith(DYNAMIC_PREFIXES)]
    assert unused == []


def test_sentences_address_citizens_politely(catalogue: Catalogue) -> None:
    """Vietnamese sentences that speak to the citizen say "Ông/Bà", never "bạn" or "mày"."""
    for key, sentence in catalogue.table("vi").items():
        words = set(re.findall(r"\w+", sentence.lower()))
        assert not words & {"bạn", "mày", "em"}, key


def test_english_sentences_are_translated(catalogue: Catalogue) -> None:
    """Apart from names and the bilingual language question, no English sentence is left in Vietnamese."""
    bilingual = {
        "language.ask",
        "language.vi",
        "format.date",
        "console.choice_line",
        "summary.sender",
        "track.timeline_line",
        "commands.ngonngu",
        "channel.telegram",
        "channel.zalo",
        "source.telegram",
        "source.zalo",
        "source.zalo_bot",
        "source.zalo_oa",
        "channel.zalo_bot",
        "channel.zalo_oa",
        "channel_name.telegram",
        "channel_name.zalo_bot",
        "channel_name.zalo_oa",
        "poster.channel_telegram",
        "language.en",
    }
    untranslated = [
        key
        for key, sentence in catalogue.table("en").items()
        if key not in bilingual and sentence == catalogue.table("vi")[key] and _has_words(sentence)
    ]
    assert untranslated == []


def _has_words(sentence: str) -> bool:
    """Whether a sentence has words of its own, not only placeholders and punctuation ("{code} · {kind}")."""
    return bool(re.search(r"[^\W\d_]", re.sub(r"\{[^}]*\}", "", sentence)))
