"""Choosing the conversation language: Vietnamese first, English when the citizen clearly writes English.

langdetect mislabels Vietnamese typed without diacritics (as Tagalog, Indonesian, Portuguese…), so it is
consulted last: text with Vietnamese letters is Vietnamese, and text whose words are almost all valid
Vietnamese syllables (initial consonant + rime) is Vietnamese too.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

from handlers.kernel.text import fold

SUPPORTED: Final = ("vi", "en")

# Letters and tone marks only Vietnamese uses among Latin-script languages we meet.
_VIETNAMESE_LETTERS = frozenset("ăâđêôơưĂÂĐÊÔƠƯ")
_VIETNAMESE_MARKS = frozenset({"\u0309", "\u0323"})  # hỏi (hook above), nặng (dot below)

_INITIALS = (
    "ngh", "ng", "nh", "ch", "gh", "gi", "kh", "ph", "qu", "th", "tr",
    "b", "c", "d", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x", "",
)  # fmt: skip
# Rimes with diacritics removed (ơ→o, ư→u, â/ă→a, ê→e, ô→o).
_RIMES = frozenset(
    """a ac ach ai am an ang anh ao ap at au ay e ec em en eng eo ep et eu i ia ich iec iem ien iep iet ieu
    im in inh ip it iu o oa oac oach oai oam oan oang oanh oao oap oat oay oc oe oem oen oeo oet oi om on
    ong ooc oong op ot u ua uan uang uanh uat uay uc ue uech uen ueng uenh uet ui um un ung uo uoc uoi uom
    uon uong uop uot uou up ut uu uy uya uych uyen uyet uynh uyp uyt uyu y yem yen yet yeu""".split()
)
_WORD = re.compile(r"[^\W\d_]+")


def is_vietnamese_syllable(word: str) -> bool:
    """Whether a diacritic-free word can be a Vietnamese syllable: a known initial plus a known rime."""
    word = fold(word)
    return any(word.startswith(initial) and word[len(initial) :] in _RIMES for initial in _INITIALS)


def has_vietnamese_letters(text: str) -> bool:
    decomposed = unicodedata.normalize("NFD", text)
    return any(ch in _VIETNAMESE_LETTERS for ch in text) or any(ch in _VIETNAMESE_MARKS for ch in decomposed)


class LanguageDetector:
    """Decides the language of a free-text message, or None when it cannot tell. Deterministic."""

    def __init__(
        self, *, min_words: int = 2, syllable_share: float = 0.75, english_confidence: float = 0.8
    ) -> None:
        from langdetect import DetectorFactory

        DetectorFactory.seed = 0  # langdetect is random unless seeded
        self._min_words = min_words
        self._syllable_share = syllable_share
        self._english_confidence = english_confidence
        self._factory = DetectorFactory
        self.detect("khởi động bộ nhận dạng ngôn ngữ")  # load the profiles now, not on a citizen's message

    def detect(self, text: str) -> str | None:
        if has_vietnamese_letters(text):
            return "vi"
        words = _WORD.findall(text)
        if len(words) < self._min_words:
            return None
        syllables = sum(1 for word in words if is_vietnamese_syllable(word))
        if syllables / len(words) >= self._syllable_share:
            return "vi"
        return self._langdetect(text)

    def _langdetect(self, text: str) -> str | None:
        from langdetect import detect_langs
        from langdetect.lang_detect_exception import LangDetectException

        try:
            candidates = detect_langs(text)
        except LangDetectException:
            return None
        best = candidates[0]
        if best.lang == "en" and best.prob >= self._english_confidence:
            return "en"
        if best.lang == "vi":
            return "vi"
        return None


def language_from_client(code: str | None) -> str | None:
    """The language a chat client reports (Telegram's ``language_code``), if there is a catalogue for it."""
    if not code:
        return None
    primary = code.lower().split("-")[0]
    return primary if primary in SUPPORTED else None
