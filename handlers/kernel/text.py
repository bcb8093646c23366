"""Text helpers: diacritics-insensitive normalisation and choice matching."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

_SPACES = re.compile(r"\s+")
_NUMBER = re.compile(r"^(?:so\s*)?(\d{1,3})\s*[.)]?$")
_PUNCT = re.compile(r"[^\w\s/-]")
# What no database column can hold (PostgreSQL refuses NUL in text and JSON; UTF-8 has no lone surrogates)
# and what no person types: C0/C1 control characters other than tab and line breaks.
_UNSTORABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


@lru_cache(maxsize=2048)
def fold(text: str) -> str:
    """Lower-case, strip Vietnamese diacritics (đ → d) and collapse whitespace.

    ``fold("Đồng Ý") == fold("dong y") == "dong y"``. Remembered: the labels a typed answer is matched
    against are folded on every turn.
    """
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "d"))
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return _SPACES.sub(" ", stripped).strip().lower()


def clean_text(text: str) -> str:
    """The text without what cannot be stored or shown: NUL and other control characters are dropped, a
    lone surrogate (half of a UTF-16 pair, which no UTF-8 text can hold) becomes U+FFFD."""
    if _UNSTORABLE.search(text) is None:
        return text
    return _UNSTORABLE.sub(lambda found: "\ufffd" if "\ud800" <= found.group() <= "\udfff" else "", text)


def fold_words(text: str) -> str:
    """``fold`` and drop punctuation, for matching what people type against labels."""
    return _SPACES.sub(" ", _PUNCT.sub(" ", fold(text))).strip()


def has_diacritics(text: str) -> bool:
    return any(unicodedata.category(ch) == "Mn" for ch in unicodedata.normalize("NFD", text)) or (
        "đ" in text or "Đ" in text
    )


def match_choice(text: str, labels: Sequence[str], *, allow_prefix: bool = True) -> int | None:
    """Index of the label the text selects, or None.

    A text selects a label by its number (1-based, "2", "2.", "số 2"), by being the whole label, or — when
    ``allow_prefix`` — by being a prefix of exactly one label or having exactly one label as its leading
    words ("đồng ý ạ" selects "Đồng ý"). Case and diacritics never matter.
    """
    typed = fold_words(text)
    if not typed:
        return None
    number = _NUMBER.match(typed)
    if number:
        index = int(number.group(1)) - 1
        return index if 0 <= index < len(labels) else None
    folded = [fold_words(label) for label in labels]
    exact = [i for i, label in enumerate(folded) if label == typed]
    if len(exact) == 1:
        return exact[0]
    if not allow_prefix:
        return None
    prefixed = [i for i, label in enumerate(folded) if label.startswith(typed)]
    if len(prefixed) == 1 and len(typed) >= 2:
        return prefixed[0]
    leading = [i for i, label in enumerate(folded) if label and (typed + " ").startswith(label + " ")]
    if len(leading) == 1:
        return leading[0]
    return None


MAX_ROW_ID = 2**31 - 1  # the database's integer keys


def row_id(text: str) -> int | None:
    """A row number typed or carried by a button (``42``), or None: not digits, or beyond any key (a
    forged or mistyped number must not reach the database as an out-of-range integer)."""
    text = text.strip()
    if not text.isdecimal() or len(text) > len(str(MAX_ROW_ID)):
        return None
    value = int(text)
    return value if value <= MAX_ROW_ID else None


def shorten(text: str, limit: int) -> str:
    """The text cut to ``limit`` characters at a word boundary, with an ellipsis when cut."""
    flat = _SPACES.sub(" ", text).strip()
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,.;:") + "…"


def split_at_boundary(text: str, limit: int) -> tuple[str, str]:
    """Split text into a head of at most ``limit`` characters and the rest, preferring paragraph,
    then sentence, then word boundaries."""
    if len(text) <= limit:
        return text, ""
    window = text[:limit]
    for separator in ("\n\n", "\n", ". ", "! ", "? ", "; ", ", ", " "):
        position = window.rfind(separator)
        if position >= limit // 2:
            cut = position + len(separator)
            return text[:cut].rstrip(), text[cut:].lstrip()
    return text[:limit], text[limit:]
