"""Deep links ``https://t.me/<bot>?start=<payload>`` and QR posters for the commune office and village halls.

The poster needs a font with Vietnamese letters (Pillow's own has none): a common system font, or ``--font``.
"""

from __future__ import annotations

import re
from pathlib import Path

PAYLOAD_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
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


class BadPayload(ValueError):
    pass


def start_payload(commune_code: str | None, *, file_now: bool) -> str:
    """``PT`` opens the commune's menu; ``PT_gui`` goes straight to filing."""
    parts = [part for part in (commune_code, "gui" if file_now else None) if part]
    payload = "_".join(parts) or "start"
    if not PAYLOAD_RE.match(payload):
        raise BadPayload(payload)
    return payload


def deep_link(bot_username: str, payload: str) -> str:
    if not PAYLOAD_RE.match(payload):
        raise BadPayload(payload)
    return f"https://t.me/{bot_username.lstrip('@')}?start={payload}"


def find_font(explicit: Path | None = None) -> Path | None:
    """A TrueType font that has Vietnamese letters (Pillow's built-in font does not)."""
    if explicit is not None:
        return explicit if explicit.is_file() else None
    return next((Path(path) for path in FONT_CANDIDATES if Path(path).is_file()), None)


def write_poster(link: str, caption: list[str], out: Path, font_path: Path) -> None:
    """A printable PNG: the QR code of ``link`` with the caption lines under it."""
    import qrcode
    from PIL import Image, ImageDraw, ImageFont

    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=12, border=4)
    code.add_data(link)
    code.make(fit=True)
    qr_image = code.make_image(fill_color="black", back_color="white").convert("RGB")
    font = ImageFont.truetype(str(font_path), size=30)
    small = ImageFont.truetype(str(font_path), size=22)
    lines = [(line, font) for line in caption] + [(link, small)]
    measure = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    widths = [measure.textbbox((0, 0), text, font=face)[2] for text, face in lines]
    width = max(qr_image.width, *(w + 80 for w in widths))
    height = qr_image.height + 30 + 48 * len(lines)
    poster = Image.new("RGB", (width, height), "white")
    poster.paste(qr_image, ((width - qr_image.width) // 2, 0))
    draw = ImageDraw.Draw(poster)
    y = qr_image.height + 10
    for (text, face), text_width in zip(lines, widths, strict=True):
        draw.text(((width - text_width) // 2, y), text, font=face, fill="black")
        y += 48
    poster.save(out, format="PNG")
