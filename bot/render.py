"""Replies as plain text for channels without buttons (the console, Zalo): the message, its choices as
numbered lines, a hint for an input the channel cannot ask for with a button, and a mark on a message that
replaces an earlier one (those channels cannot edit what they sent)."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from handlers.kernel.catalogue import Catalogue
from handlers.kernel.catalogue.keys import Msg
from handlers.kernel.replies import InputRequest, Reply
from handlers.kernel.text import split_at_boundary


@dataclass(frozen=True)
class TextStyle:
    """How one channel writes what buttons would show: the sentence keys for a choice line, the hint under
    a list, and what to do for each special input (None: nothing to add)."""

    choice_line: Msg
    choose_hint: Msg | None = None
    contact: Msg | None = None
    location: Msg | None = None
    file: Msg | None = None
    updated: Msg | None = None  # heads a message that replaces an earlier one


def as_text(catalogue: Catalogue, reply: Reply, style: TextStyle) -> str:
    """The whole reply as one text, in the reply's language."""
    language = reply.language
    lines = []
    if reply.edit_of is not None and style.updated is not None:
        lines.append(catalogue.text(language, style.updated))
    lines.append(reply.text)
    lines += [
        catalogue.text(language, style.choice_line, number=number, label=choice.label)
        for number, choice in enumerate(reply.choices, start=1)
    ]
    if reply.choices and style.choose_hint is not None:
        lines.append(catalogue.text(language, style.choose_hint))
    hint = (
        {
            InputRequest.CONTACT: style.contact,
            InputRequest.LOCATION: style.location,
            InputRequest.FILE: style.file,
        }.get(reply.request)
        if reply.request is not None
        else None
    )
    if hint is not None:
        lines.append(catalogue.text(language, hint))
    return "\n".join(lines)


def utf16_units(text: str) -> int:
    """Length as Zalo counts it: UTF-16 code units (an emoji outside the BMP is two)."""
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int, measure: Callable[[str], int] = len) -> list[str]:
    """Pieces of at most ``limit`` (as ``measure`` counts), cut at paragraph, then sentence, then word
    boundaries. Text is composed first (NFC): decomposed Vietnamese is longer than it looks."""
    rest = unicodedata.normalize("NFC", text)
    pieces: list[str] = []
    while measure(rest) > limit:
        cut = limit
        head, tail = split_at_boundary(rest, cut)
        while measure(head) > limit and cut > 1:  # characters that count double: cut shorter
            cut = max(1, cut * limit // max(measure(head), 1) - 1)
            head, tail = split_at_boundary(rest, cut)
        pieces.append(head)
        rest = tail
    pieces.append(rest)
    return [piece for piece in pieces if piece] or [rest[:limit] or " "]
