"""The message catalogue: every key in code has a sentence, and every sentence is used."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from handlers.kernel.catalogue import Catalogue, placeholders
from handlers.kernel.catalogue.keys import Msg
from models.enums import CaseAction, CaseStatus

ROOT = Path(__file__).resolve().parents[2]
# Keys built from an enum value at run time, e.g. Msg(f"status.{status.value}").
DYNAMIC_PREFIXES = ("status.", "event.", "what.", "channel.", "source.", "role.", "decline.")


@pytest.mark.parametrize("language", ["vi", "en"])
def test_each_catalogue_has_exactly_the_keys_in_code(catalogue: Catalogue, language: str) -> None:
    assert set(catalogue.table(language)) == {key.value for key in Msg}


@pytest.mark.parametrize("language", ["en"])
def test_every_language_uses_the_same_placeholders_as_vietnamese(catalogue: Catalogue, language: str) -> None:
    for key in Msg:
        assert placeholders(catalogue.raw(language, key)) == placeholders(catalogue.raw("vi", key)), key


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
