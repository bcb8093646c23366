"""Names people type: a full name; a village (xóm, thôn, bản, tổ dân phố) with or without that word."""

from __future__ import annotations

from collections.abc import Sequence

from handlers.kernel.text import fold_words, match_choice


def valid_name(text: str) -> str | None:
    """A full name: letters (with diacritics), spaces, dots, hyphens and apostrophes; at least two words."""
    name = " ".join(text.split())
    if not 4 <= len(name) <= 100 or len(name.split()) < 2:
        return None
    if not all(ch.isalpha() or ch in " .-'" for ch in name):
        return None
    return name


_VILLAGE_WORDS = ("to dan pho", "thon", "xom", "ban", "to", "khu", "ap")


def bare_village_name(label: str) -> str:
    folded = fold_words(label)
    for word in _VILLAGE_WORDS:
        if folded.startswith(word + " "):
            return folded[len(word) + 1 :]
    return folded


def village_index(names: Sequence[str], text: str) -> int | None:
    """``dong bau`` selects ``Xóm Đồng Bầu``: the village word is optional when typing."""
    return match_choice(bare_village_name(text), [bare_village_name(name) for name in names])
