"""Taking a denouncer's identity out of what they wrote (Luật Tố cáo 2018 Điều 9).

A tố cáo's content is shown to the unit resolving it and on group cards, but a denouncer often introduces
themselves in the text ("Tôi là Nguyễn Văn An, số điện thoại 0912…"). Their name, phone number and address as
given in the identity snapshot are masked wherever they appear, with or without diacritics or spacing.
"""

from __future__ import annotations

import re
import unicodedata

from models.case import Case

MASK = "[…]"


def _fold_char(ch: str) -> str:
    if ch in "đĐ":
        return "d"
    base = "".join(c for c in unicodedata.normalize("NFD", ch) if unicodedata.category(c) != "Mn")
    return (base or ch).lower()[:1] or ch


def _aligned_fold(text: str) -> str:
    """The text folded one character at a time, so positions in it are positions in the original."""
    return "".join(_fold_char(ch) for ch in text)


def _spans(folded: str, needle: str) -> list[tuple[int, int]]:
    words = [re.escape(word) for word in _aligned_fold(needle).split()]
    if not words or sum(len(word) for word in words) < 3:
        return []
    pattern = re.compile(r"\b" + r"[\s,.-]+".join(words) + r"\b")
    return [(match.start(), match.end()) for match in pattern.finditer(folded)]


def _phone_spans(text: str, phone: str) -> list[tuple[int, int]]:
    digits = re.sub(r"\D", "", phone)
    if len(digits) < 6:
        return []
    national = digits[-9:]  # 0912345678, +84 912 345 678 and 84912345678 share their last nine digits
    pattern = re.compile(r"(?:\+?84|0)?\D{0,2}" + r"\D{0,2}".join(national))
    return [(match.start(), match.end()) for match in pattern.finditer(text)]


def mask_identity(text: str, *, name: str | None, phone: str | None, address: str | None) -> str:
    folded = _aligned_fold(text)
    spans: list[tuple[int, int]] = []
    for part in (name, address):
        if part:
            spans += _spans(folded, part)
    if phone:
        spans += _phone_spans(text, phone)
    if not spans:
        return text
    result, last = [], 0
    for start, end in sorted(spans):
        if start < last:
            start = last
        if start >= end:
            continue
        result.append(text[last:start])
        result.append(MASK)
        last = end
    result.append(text[last:])
    return "".join(result)


def visible_content(case: Case, *, identity: bool) -> str:
    """The content as a viewer may read it: whole for those who may see the sender (or when the sender is
    not protected), with a denouncer's own identity masked otherwise."""
    if identity or not case.kind.is_confidential:
        return case.content
    return mask_identity(
        case.content,
        name=case.petitioner_name,
        phone=case.petitioner_phone,
        address=case.petitioner_address,
    )
