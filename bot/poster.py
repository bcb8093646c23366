"""A printable A4 notice for the commune notice board: title, QR code, first-time steps and contacts.

The page is 2480 × 3508 px (A4 portrait at 300 dpi). Long text first shrinks the QR code, then the type; text
that cannot fit even then raises ``PosterDoesNotFit`` rather than being clipped.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL import ImageDraw, ImageFont

PAGE_WIDTH = 2480
PAGE_HEIGHT = 3508
DPI = 300
MARGIN = 150
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN
QR_LARGEST = 1450
QR_SMALLEST = 1000
# ISO/IEC 18004 asks for four modules of white around the symbol; phones miss codes that touch text.
QR_QUIET_MODULES = 4

WHITE = (255, 255, 255)
BLACK = (0, 0, 0)
# White on this red is 8.3:1 and this red on white the same: WCAG AA (even AAA) both ways.
ACCENT = (153, 27, 30)
# Text is near-black, not black, so the QR code is the only pure black on the page (the tests rely on it).
INK = (26, 26, 26)
MUTED = (85, 85, 85)
RULE = (200, 200, 200)

BOLD_NAMES = ("DejaVuSans-Bold.ttf", "NotoSans-Bold.ttf", "LiberationSans-Bold.ttf")
# Fonts with Vietnamese letters commonly found on a commune's computer (Pillow's own font has none).
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
    "/usr/share/fonts/noto/NotoSans-Regular.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/Library/Fonts/Arial Unicode.ttf",
    "/System/Library/Fonts/Supplemental/Arial.ttf",
    "C:/Windows/Fonts/arial.ttf",
    "C:/Windows/Fonts/segoeui.ttf",
)
# Letters with stacked Vietnamese marks reach well above the font's ascent, and these reach below it.
TALLEST_PROBE = "ỄẨỆỖẴḖỦ"
DEEPEST_PROBE = "gỵjpqỌ"
# A space between digits (a phone number) or before a dash or closing mark must not become a line break.
UNBREAKABLE_SPACE = re.compile(r"(?<=\d) (?=\d)| (?=[–—:;!?»])|(?<=«) ")
URL_BREAKS = "/?&=.-_"
BREAK_AFTER = ",.;:!?)»"
CLAUSE_ENDS = "—–;:"
NO_BREAK = "\u00a0"

RGB = tuple[int, int, int]


class PosterDoesNotFit(ValueError):
    """The text is too long for one A4 page even with the smallest QR code and type."""


@dataclass(frozen=True)
class PosterText:
    """What the notice says; blank parts (other than the link) are left out."""

    title: str
    subtitle: str
    channel: str
    link: str
    steps_heading: str
    steps: tuple[str, ...]
    contacts: tuple[str, ...]
    footer: str


@dataclass(frozen=True)
class _Sizes:
    """Type sizes in pixels; subtitle, steps and contacts never go below 60 px (readable from 1–2 m)."""

    title: int
    subtitle: int
    channel: int
    link: int
    heading: int
    step: int
    contact: int
    footer: int

    @staticmethod
    def at(scale: float) -> _Sizes:
        """The sizes at ``scale`` of the largest, each held at its floor."""

        def size(largest: int, floor: int) -> int:
            return max(floor, round(largest * scale))

        return _Sizes(
            title=size(108, 76),
            subtitle=size(64, 60),
            channel=size(72, 60),
            link=size(62, 56),
            heading=size(68, 60),
            step=size(68, 60),
            contact=size(62, 60),
            footer=size(42, 32),
        )


class _Face:
    """A font at one size, with the line box that holds Vietnamese stacked marks."""

    def __init__(self, path: Path, size: int, *, fake_bold: bool) -> None:
        from PIL import ImageFont

        self.font: ImageFont.FreeTypeFont = ImageFont.truetype(str(path), size=size)
        self.size = size
        # Without a bold file, a stroke in the text colour thickens the regular face.
        self.stroke = max(1, round(size / 36)) if fake_bold else 0
        self.above = math.ceil(-self.font.getbbox(TALLEST_PROBE, anchor="ls")[1]) + self.stroke
        self.below = math.ceil(self.font.getbbox(DEEPEST_PROBE, anchor="ls")[3]) + self.stroke
        # Lines are set solid on the tallest and deepest letters, so no two lines' marks ever touch.
        self.pitch = self.above + self.below
        self.wraps: dict[tuple[str, int, bool, bool], list[str]] = {}


class _Faces:
    """The regular and bold faces at whatever sizes a layout asks for, each loaded once."""

    def __init__(self, regular: Path, bold: Path | None) -> None:
        self.regular_path = regular
        self.bold_path = bold
        self.cache: dict[tuple[bool, int], _Face] = {}

    def regular(self, size: int) -> _Face:
        return self._face(False, size)

    def bold(self, size: int) -> _Face:
        return self._face(True, size)

    def _face(self, bold: bool, size: int) -> _Face:
        key = (bold, size)
        if key not in self.cache:
            path = self.bold_path if bold and self.bold_path is not None else self.regular_path
            self.cache[key] = _Face(path, size, fake_bold=bold and self.bold_path is None)
        return self.cache[key]


Paint = Callable[["ImageDraw.ImageDraw", int], None]


@dataclass
class _Block:
    """Something drawn at a vertical offset, with the room it needs and the gap it wants above it."""

    height: int
    gap: int = 0
    stretch: float = 0.0
    takes_rest: bool = False
    paints: list[Paint] = field(default_factory=list)
    # Blank space inside the block at its top and bottom, which a QR code's quiet zone may share.
    white_top: int = 0
    white_bottom: int = 0


def find_font(explicit: Path | None = None) -> Path | None:
    """A TrueType font that has Vietnamese letters: ``explicit`` if it exists, else a common system one."""
    if explicit is not None:
        return explicit if explicit.is_file() else None
    return next((Path(path) for path in FONT_CANDIDATES if Path(path).is_file()), None)


def find_bold_font(regular: Path) -> Path | None:
    """A bold face in the regular font's folder, preferring the same family; None if there is none."""
    stem, suffix = regular.stem, regular.suffix
    family = stem.removesuffix("-Regular")
    # DejaVuSans-Bold, NotoSans-Bold; arialbd, segoeuib (Windows); "Arial Bold" (macOS).
    same_family = [
        f"{family}-Bold{suffix}",
        f"{stem}bd{suffix}",
        f"{stem}b{suffix}",
        f"{family} Bold{suffix}",
    ]
    for name in [*same_family, *BOLD_NAMES]:
        candidate = regular.with_name(name)
        if candidate != regular and candidate.is_file():
            return candidate
    return None


def write_a4_poster(text: PosterText, out: Path, font: Path, bold_font: Path | None = None) -> None:
    """Write ``text`` as an A4 portrait PNG at 300 dpi; without ``bold_font``, one beside ``font`` is used."""
    from PIL import Image, ImageDraw

    if not text.link.strip():
        raise ValueError("a poster needs the link its QR code opens")
    faces = _Faces(font, bold_font if bold_font is not None else find_bold_font(font))
    matrix = _qr_matrix(text.link)
    blocks = _fit(text, matrix, faces)
    image = Image.new("RGB", (PAGE_WIDTH, PAGE_HEIGHT), WHITE)
    draw = ImageDraw.Draw(image)
    y = MARGIN
    for block in blocks:
        y += block.gap
        for paint in block.paints:
            paint(draw, y)
        y += block.height
    image.save(out, format="PNG", dpi=(DPI, DPI))


def _qr_matrix(link: str) -> list[list[bool]]:
    """The modules of the link's QR code, without the quiet zone (drawn as white space around it)."""
    import qrcode

    # Q survives a pin hole, a fold or a stain on a notice board better than M, and links are short.
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_Q, border=0)
    code.add_data(link)
    code.make(fit=True)
    matrix: list[list[bool]] = code.get_matrix()
    return matrix


def _fit(text: PosterText, matrix: Sequence[Sequence[bool]], faces: _Faces) -> list[_Block]:
    """The layout with the largest QR code, then the largest type, that fits on the page."""
    modules = len(matrix)
    largest_module = max(1, QR_LARGEST // modules)
    smallest_module = max(1, min(largest_module, round(QR_SMALLEST / modules)))
    attempts = [(module, _Sizes.at(1.0)) for module in range(largest_module, smallest_module - 1, -1)]
    for percent in range(95, 0, -5):
        sizes = _Sizes.at(percent / 100)
        if sizes == attempts[-1][1]:
            break  # every size is at its floor
        attempts.append((smallest_module, sizes))
    overflow = 0
    for module, sizes in attempts:
        blocks = _compose(text, matrix, module, sizes, faces)
        overflow = sum(block.height + block.gap for block in blocks) - (PAGE_HEIGHT - 2 * MARGIN)
        if overflow <= 0:
            _spread(blocks, -overflow)
            return blocks
    raise PosterDoesNotFit(
        f"the poster text needs {overflow} px more than one A4 page even with the smallest QR code and type;"
        " shorten the title, the steps or the contacts"
    )


def _spread(blocks: list[_Block], spare: int) -> None:
    """Share the spare height among the stretchable gaps; the remainder goes to the block taking the rest."""
    total = sum(block.stretch for block in blocks)
    # Beyond this a gap looks like a hole; the rest goes above the contacts, keeping them at the foot.
    most = 110
    given = 0
    for block in blocks:
        extra = min(most, math.floor(spare * block.stretch / total)) if total else 0
        block.gap += extra
        given += extra
    rest = next((block for block in blocks if block.takes_rest), None)
    if rest is not None:
        rest.gap += spare - given


def _compose(
    text: PosterText, matrix: Sequence[Sequence[bool]], module: int, sizes: _Sizes, faces: _Faces
) -> list[_Block]:
    """All blocks top to bottom at these sizes, with their smallest gaps."""
    blocks = [_header(text.title, faces.bold(sizes.title))] if text.title.strip() else []
    if text.subtitle.strip():
        subtitle = faces.regular(sizes.subtitle)
        blocks.append(_centred(text.subtitle, subtitle, INK, gap=sizes.subtitle // 2, stretch=1))
    if text.channel.strip():
        channel = faces.bold(sizes.channel)
        blocks.append(_centred(text.channel, channel, ACCENT, gap=sizes.channel // 3, stretch=0.5))
    # The quiet zone only has to be free of ink, so it may overlap the blank part of the lines next to it.
    quiet = QR_QUIET_MODULES * module
    code = _qr(matrix, module, stretch=1)
    code.gap = -min(quiet, blocks[-1].white_bottom) if blocks else 0
    link = _centred(text.link, faces.regular(sizes.link), INK, gap=0, url=True)
    link.gap = -min(quiet, link.white_top)
    blocks += [code, link]
    steps = [step for step in text.steps if step.strip()]
    if steps:
        heading = text.steps_heading.strip()
        if heading:
            blocks.append(_left(heading, faces.bold(sizes.heading), INK, gap=sizes.heading // 2, stretch=1))
        for number, step in enumerate(steps, start=1):
            gap = round(sizes.step * (0.3 if number > 1 or heading else 0.6))
            blocks.append(_step(number, step, faces.regular(sizes.step), faces.bold(sizes.step), gap=gap))
    # The separator (else the footer) takes the leftover height, so the foot of the page is always filled.
    contacts = [line for line in text.contacts if line.strip()]
    if contacts:
        blocks.append(_rule(gap=sizes.contact * 3 // 4, takes_rest=True))
        for index, line in enumerate(contacts):
            gap = sizes.contact // 2 if index == 0 else sizes.contact // 4
            blocks.append(_centred(line, faces.regular(sizes.contact), INK, gap=gap))
    if text.footer.strip():
        footer = _centred(text.footer, faces.regular(sizes.footer), MUTED, gap=sizes.footer // 2)
        footer.takes_rest = not contacts
        blocks.append(footer)
    return blocks


def _header(title: str, face: _Face) -> _Block:
    """The coloured band across the top with the title in white, centred."""
    pad_x = round(face.size * 0.6)
    pad_y = round(face.size * 0.3)
    lines = _wrap(title, face, CONTENT_WIDTH - 2 * pad_x, centred=True)
    height = 2 * pad_y + len(lines) * face.pitch

    def band(draw: ImageDraw.ImageDraw, y: int) -> None:
        draw.rectangle((MARGIN, y, PAGE_WIDTH - MARGIN - 1, y + height - 1), fill=ACCENT)

    paints: list[Paint] = [band]
    paints += _lines(lines, face, WHITE, PAGE_WIDTH // 2, anchor="ms", top=pad_y)
    return _Block(height=height, paints=paints)


def _centred(text: str, face: _Face, fill: RGB, *, gap: int, stretch: float = 0, url: bool = False) -> _Block:
    lines = _wrap(text, face, CONTENT_WIDTH, centred=True, url=url)
    paints = _lines(lines, face, fill, PAGE_WIDTH // 2, anchor="ms")
    return _text_block(lines, face, paints, gap=gap, stretch=stretch)


def _left(text: str, face: _Face, fill: RGB, *, gap: int, stretch: float = 0) -> _Block:
    lines = _wrap(text, face, CONTENT_WIDTH, centred=False)
    paints = _lines(lines, face, fill, MARGIN, anchor="ls")
    return _text_block(lines, face, paints, gap=gap, stretch=stretch)


def _step(number: int, text: str, face: _Face, bold: _Face, *, gap: int) -> _Block:
    """A numbered step: the number in a disc, the text beside it with a hanging indent."""
    diameter = round(face.size * 1.15)
    indent = diameter + round(face.size * 0.45)
    lines = _wrap(text, face, CONTENT_WIDTH - indent, centred=False)
    paints = _lines(lines, face, INK, MARGIN + indent, anchor="ls")
    cap_height = -face.font.getbbox("H", anchor="ls")[1]
    label = str(number)
    left, top, right, bottom = bold.font.getbbox(label, anchor="ls")

    def disc(draw: ImageDraw.ImageDraw, y: int) -> None:
        # The disc is centred on the capitals of the first line, and the number on the disc.
        centre_x = MARGIN + diameter / 2
        centre_y = y + _leading_above(face) + face.above - cap_height / 2
        box = (MARGIN, round(centre_y - diameter / 2), MARGIN + diameter, round(centre_y + diameter / 2))
        draw.ellipse(box, fill=ACCENT)
        origin = (round(centre_x - (left + right) / 2), round(centre_y - (top + bottom) / 2))
        draw.text(
            origin,
            label,
            font=bold.font,
            fill=WHITE,
            anchor="ls",
            stroke_width=bold.stroke,
            stroke_fill=WHITE,
        )

    return _Block(height=len(lines) * face.pitch, gap=gap, paints=[*paints, disc])


def _qr(matrix: Sequence[Sequence[bool]], module: int, *, stretch: float) -> _Block:
    """The QR code centred, drawn module by module so every edge falls on a whole pixel."""
    size = len(matrix) * module
    quiet = QR_QUIET_MODULES * module
    left = (PAGE_WIDTH - size) // 2

    def code(draw: ImageDraw.ImageDraw, y: int) -> None:
        for row, cells in enumerate(matrix):
            for column, dark in enumerate(cells):
                if dark:
                    x0 = left + column * module
                    y0 = y + quiet + row * module
                    draw.rectangle((x0, y0, x0 + module - 1, y0 + module - 1), fill=BLACK)

    return _Block(height=size + 2 * quiet, stretch=stretch, paints=[code])


def _rule(*, gap: int, takes_rest: bool) -> _Block:
    thickness = 4

    def rule(draw: ImageDraw.ImageDraw, y: int) -> None:
        draw.rectangle((MARGIN, y, PAGE_WIDTH - MARGIN - 1, y + thickness - 1), fill=RULE)

    return _Block(height=thickness, gap=gap, takes_rest=takes_rest, paints=[rule])


def _leading_above(face: _Face) -> int:
    return (face.pitch - face.above - face.below) // 2


def _lines(lines: list[str], face: _Face, fill: RGB, x: int, *, anchor: str, top: int = 0) -> list[Paint]:
    """Paints for wrapped lines, one line box (``face.pitch``) each, starting ``top`` below the block."""

    def line_paint(line: str, baseline: int) -> Paint:
        def paint(draw: ImageDraw.ImageDraw, y: int) -> None:
            draw.text(
                (x, y + baseline),
                _printable(line),
                font=face.font,
                fill=fill,
                anchor=anchor,
                stroke_width=face.stroke,
                stroke_fill=fill,
            )

        return paint

    first = top + _leading_above(face) + face.above
    return [line_paint(line, first + index * face.pitch) for index, line in enumerate(lines)]


def _text_block(lines: list[str], face: _Face, paints: list[Paint], *, gap: int, stretch: float) -> _Block:
    """A block of wrapped lines that knows how much white its first and last line boxes leave."""
    if not lines:
        return _Block(height=0)
    ink_top = face.font.getbbox(_printable(lines[0]), anchor="ls")[1] - face.stroke
    ink_bottom = face.font.getbbox(_printable(lines[-1]), anchor="ls")[3] + face.stroke
    baseline = _leading_above(face) + face.above
    return _Block(
        height=len(lines) * face.pitch,
        gap=gap,
        stretch=stretch,
        paints=paints,
        white_top=max(0, math.floor(baseline + ink_top)),
        white_bottom=max(0, math.floor(face.pitch - baseline - ink_bottom)),
    )


def _printable(line: str) -> str:
    # Not every font has a no-break space; it was only there to stop the wrapping.
    return line.replace(NO_BREAK, " ")


def _wrap(text: str, face: _Face, width: int, *, centred: bool, url: bool = False) -> list[str]:
    """Lines no wider than ``width``: as few as possible, then balanced (centred) or filled, breaking well."""
    key = (text, width, centred, url)
    if key not in face.wraps:
        face.wraps[key] = [
            line
            for paragraph in text.split("\n")
            if paragraph.strip()
            for line in _arrange(_words(paragraph, face, width, url=url), face, width, centred=centred)
        ]
    return face.wraps[key]


def _usable(face: _Face, width: int) -> int:
    """The advance a line may take: the stroke of a faked bold and two pixels for rounding are kept back."""
    return width - 2 * face.stroke - 2


def _words(paragraph: str, face: _Face, width: int, *, url: bool) -> list[str]:
    glued = UNBREAKABLE_SPACE.sub(NO_BREAK, paragraph.strip())
    words = [word for word in re.split(r"[ \t\r\f\v]+", glued) if word]
    return [piece for word in words for piece in _split_long(word, face, _usable(face, width), url=url)]


def _split_long(word: str, face: _Face, usable: int, *, url: bool) -> list[str]:
    """A word too wide for a line cut into pieces that fit, a link preferably after ``/``, ``?`` or ``&``."""
    pieces: list[str] = []
    rest = word
    while face.font.getlength(_printable(rest)) > usable:
        fits = 1
        while fits < len(rest) and face.font.getlength(_printable(rest[: fits + 1])) <= usable:
            fits += 1
        if url:
            cut = max(rest.rfind(mark, 0, fits) for mark in URL_BREAKS)
            fits = cut + 1 if cut >= fits // 3 else fits
        pieces.append(rest[:fits])
        rest = rest[fits:]
    return [*pieces, rest] if rest else pieces


def _arrange(words: list[str], face: _Face, width: int, *, centred: bool) -> list[str]:
    """The best breaks by dynamic programming over the fewest lines that fit.

    A line costs the square of its unused width (every line when centred, so they come out even; all but the
    last when left-aligned). Breaking after a dash, colon or semicolon earns a little, after other punctuation
    is free, elsewhere costs a little, and more inside a run of capitalised words (a place name); a last line
    of one word alone costs a lot.
    """
    if not words:
        return []
    lengths = [face.font.getlength(_printable(word)) for word in words]
    space = face.font.getlength(" ")
    usable = _usable(face, width)
    fewest = _count_greedy(lengths, space, usable)
    plain_break = (0.15 * width) ** 2
    clause_break = -((0.25 * width) ** 2)
    orphan = (0.5 * width) ** 2

    def break_cost(after: int) -> float:
        word, following = words[after], words[after + 1]
        cost = plain_break
        if word[-1] in CLAUSE_ENDS:
            cost = clause_break
        elif word[-1] in BREAK_AFTER:
            cost = 0.0
        if word[:1].isupper() and following[:1].isupper():
            cost += plain_break
        return cost

    count = len(words)
    inf = math.inf
    # best[lines][end]: the cheapest setting of words[:end] in that many lines;
    # start_of[lines][end]: the word its last line starts with.
    best = [[inf] * (count + 1) for _ in range(fewest + 1)]
    start_of = [[0] * (count + 1) for _ in range(fewest + 1)]
    best[0][0] = 0.0
    for lines in range(1, fewest + 1):
        for end in range(1, count + 1):
            length = -space
            for start in range(end - 1, -1, -1):
                length += lengths[start] + space
                if length > usable and start < end - 1:
                    break
                if best[lines - 1][start] == inf:
                    continue
                last = end == count
                cost = best[lines - 1][start] + (0.0 if start == 0 else break_cost(start - 1))
                if centred or not last:
                    cost += (width - length) ** 2
                elif end - start == 1 and count > 1:
                    cost += orphan
                if cost < best[lines][end]:
                    best[lines][end] = cost
                    start_of[lines][end] = start
    lines_out: list[str] = []
    end = count
    for lines in range(fewest, 0, -1):
        start = start_of[lines][end]
        lines_out.append(" ".join(words[start:end]))
        end = start
    return lines_out[::-1]


def _count_greedy(lengths: list[float], space: float, width: float) -> int:
    """How many lines filling each as full as possible takes: the fewest there can be."""
    lines = 0
    current = math.inf
    for length in lengths:
        if current + space + length <= width:
            current += space + length
        else:
            lines += 1
            current = length
    return lines
