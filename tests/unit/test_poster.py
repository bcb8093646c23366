from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest
import qrcode
from PIL import Image, ImageChops, ImageDraw, ImageFont

from bot.poster import (
    MARGIN,
    PAGE_HEIGHT,
    PAGE_WIDTH,
    QR_QUIET_MODULES,
    PosterDoesNotFit,
    PosterText,
    find_bold_font,
    find_font,
    write_a4_poster,
)

LINK = "https://zalo.me/1234567890123456789"

SAMPLE = PosterText(
    title="Gửi phản ánh, kiến nghị đến UBND xã Phú Thịnh",
    subtitle="Phản ánh, kiến nghị, khiếu nại, tố cáo và câu hỏi — qua Zalo, không mất phí",
    channel="Zalo Official Account «UBND xã Phú Thịnh»",
    link=LINK,
    steps_heading="Lần đầu sử dụng:",
    steps=(
        "Mở Zalo, bấm biểu tượng quét mã QR (góc trên bên phải).",
        "Quét mã QR này, bấm «Quan tâm» để theo dõi UBND xã.",
        "Nhắn «Gửi ý kiến» hoặc gõ /trogiup để xem hướng dẫn.",
        "Trả lời từng câu hỏi; cuối cùng Ông/Bà nhận một mã hồ sơ để tra cứu.",
    ),
    contacts=(
        "Giờ làm việc: thứ Hai – thứ Sáu, sáng 7:30–11:30, chiều 13:30–17:00",
        "Đường dây nóng: 0208 3824 123",
        "Trụ sở UBND xã Phú Thịnh, xóm Đồng Bầu, xã Phú Thịnh, tỉnh Thái Nguyên",
    ),
    footer="Nghe Dân — kênh tiếp nhận ý kiến người dân",
)

LONG = replace(
    SAMPLE,
    title=(
        "Gửi phản ánh, kiến nghị, khiếu nại, tố cáo và câu hỏi về thủ tục hành chính"
        " đến Ủy ban nhân dân xã Phú Thịnh"
    ),
    link="https://zalo.me/1234567890123456789?src=qr-bang-tin",
    steps_heading="Lần đầu sử dụng, Ông/Bà làm theo các bước sau:",
    steps=(
        "Mở ứng dụng Zalo, bấm biểu tượng quét mã QR ở góc trên bên phải.",
        "Quét mã QR trên tờ thông báo này.",
        "Bấm «Quan tâm» để theo dõi UBND xã và nhận thông báo về hồ sơ của Ông/Bà.",
        "Nhắn «Gửi ý kiến» hoặc gõ /trogiup để xem hướng dẫn.",
        "Trả lời từng câu hỏi: nội dung, địa điểm, thời gian; có thể gửi kèm ảnh chụp.",
        "Cuối cùng Ông/Bà nhận một mã hồ sơ để tra cứu kết quả.",
    ),
)


def _has_vietnamese_letters(path: Path) -> bool:
    face = ImageFont.truetype(str(path), size=40)

    def drawn(letter: str) -> bytes:
        canvas = Image.new("L", (60, 60))
        ImageDraw.Draw(canvas).text((10, 5), letter, font=face, fill=255)
        return canvas.tobytes()

    # A missing letter is drawn as the same "no glyph" box as a private-use code point.
    missing = drawn("\ue000")
    return all(drawn(letter) != missing for letter in "ữỆđẩ")


@pytest.fixture(scope="module")
def font() -> Path:
    found = find_font()
    if found is None or not _has_vietnamese_letters(found):
        pytest.skip("no font with Vietnamese letters on this machine")
    return found


@pytest.fixture(scope="module")
def posters(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("posters")


def _render(text: PosterText, folder: Path, font: Path, name: str, bold: Path | None = None) -> Image.Image:
    out = folder / f"{name}.png"
    write_a4_poster(text, out, font, bold)
    with Image.open(out) as image:
        image.load()
        return image


@pytest.fixture(scope="module")
def sample(posters: Path, font: Path) -> Image.Image:
    return _render(SAMPLE, posters, font, "sample")


def _is_white(image: Image.Image, box: tuple[int, int, int, int]) -> bool:
    part = image.crop(box)
    return ImageChops.difference(part, Image.new("RGB", part.size, "white")).getbbox() is None


def _qr_symbol(image: Image.Image) -> tuple[int, int, int]:
    """Left, top and side of the QR symbol: the only pure black on the page."""
    black = image.convert("L").point(lambda value: 255 if value == 0 else 0)
    box = black.getbbox()
    assert box is not None, "no QR code on the poster"
    left, top, right, bottom = box
    assert right - left == bottom - top, "the QR code is not square"
    return left, top, right - left


def _module_size(image: Image.Image, link: str) -> int | None:
    """The module size of the QR code on the page if, sampled at module centres, it is ``link``'s; else None."""
    left, top, side = _qr_symbol(image)
    pixels = image.convert("L")
    for level in ("L", "M", "Q", "H"):
        code = qrcode.QRCode(error_correction=getattr(qrcode.constants, f"ERROR_CORRECT_{level}"), border=0)
        code.add_data(link)
        code.make(fit=True)
        matrix = code.get_matrix()
        count = len(matrix)
        if side % count:
            continue
        module = side // count
        seen = [
            [
                pixels.getpixel((left + column * module + module // 2, top + row * module + module // 2)) == 0
                for column in range(count)
            ]
            for row in range(count)
        ]
        if seen == matrix:
            return module
    return None


def _shows_link(image: Image.Image, link: str) -> bool:
    return _module_size(image, link) is not None


def _quiet_zone_is_white(image: Image.Image, link: str) -> bool:
    left, top, side = _qr_symbol(image)
    module = _module_size(image, link)
    assert module is not None
    quiet = QR_QUIET_MODULES * module
    right, bottom = left + side, top + side
    bands = [
        (left - quiet, top - quiet, right + quiet, top),
        (left - quiet, bottom, right + quiet, bottom + quiet),
        (left - quiet, top, left, bottom),
        (right, top, right + quiet, bottom),
    ]
    return all(_is_white(image, band) for band in bands)


def _margins_are_white(image: Image.Image) -> bool:
    return all(
        _is_white(image, box)
        for box in (
            (0, 0, PAGE_WIDTH, MARGIN),
            (0, PAGE_HEIGHT - MARGIN, PAGE_WIDTH, PAGE_HEIGHT),
            (0, 0, MARGIN, PAGE_HEIGHT),
            (PAGE_WIDTH - MARGIN, 0, PAGE_WIDTH, PAGE_HEIGHT),
        )
    )


def test_the_poster_is_an_a4_portrait_page_at_300_dpi(sample: Image.Image) -> None:
    assert sample.size == (2480, 3508)
    assert sample.format == "PNG"
    dpi = sample.info["dpi"]
    assert (round(dpi[0]), round(dpi[1])) == (300, 300)


def test_the_qr_code_on_the_poster_opens_the_link(sample: Image.Image) -> None:
    assert _shows_link(sample, LINK)
    assert not _shows_link(sample, LINK[:-1] + "8")
    assert _quiet_zone_is_white(sample, LINK)
    _, _, side = _qr_symbol(sample)
    assert 990 <= side <= 1500


def test_the_title_band_is_dark_enough_for_white_text(sample: Image.Image) -> None:
    pixel = sample.getpixel((MARGIN + 5, MARGIN + 5))
    assert isinstance(pixel, tuple)
    red, green, blue = pixel[:3]

    def linear(channel: int) -> float:
        value = channel / 255
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    luminance = 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)
    assert 1.05 / (luminance + 0.05) >= 4.5


def test_a_long_title_and_many_steps_still_fit_on_the_page(posters: Path, font: Path) -> None:
    poster = _render(LONG, posters, font, "long")
    assert _margins_are_white(poster)
    assert _shows_link(poster, LONG.link)
    assert _quiet_zone_is_white(poster, LONG.link)
    assert _qr_symbol(poster)[2] >= 990

    # White title text that ran past the band would vanish on the white page: the band's sides stay plain.
    band_rows = [
        y for y in range(MARGIN, PAGE_HEIGHT // 3) if poster.getpixel((MARGIN + 2, y)) != (255, 255, 255)
    ]
    band_top, band_bottom = band_rows[0], band_rows[-1] + 1
    assert band_bottom - band_top > 3 * 76
    for x0 in (MARGIN, PAGE_WIDTH - MARGIN - 30):
        assert len(poster.crop((x0, band_top, x0 + 30, band_bottom)).getcolors() or []) == 1

    # The footer is drawn, last, just above the bottom margin: changing it changes only that strip.
    other = _render(
        replace(LONG, footer=LONG.footer.replace("người dân", "nhân dân")), posters, font, "other"
    )
    changed = ImageChops.difference(poster, other).getbbox()
    assert changed is not None
    assert PAGE_HEIGHT - MARGIN - 120 <= changed[1] < changed[3] <= PAGE_HEIGHT - MARGIN


def test_text_too_long_for_one_page_is_refused_rather_than_clipped(posters: Path, font: Path) -> None:
    endless = replace(LONG, steps=LONG.steps * 4)
    with pytest.raises(PosterDoesNotFit):
        write_a4_poster(endless, posters / "endless.png", font)
    assert not (posters / "endless.png").exists()


def test_the_poster_is_the_same_for_the_same_text(posters: Path, font: Path) -> None:
    write_a4_poster(SAMPLE, posters / "first.png", font)
    write_a4_poster(SAMPLE, posters / "second.png", font)
    assert (posters / "first.png").read_bytes() == (posters / "second.png").read_bytes()


def test_without_a_bold_face_the_poster_is_still_drawn(tmp_path: Path, font: Path) -> None:
    lonely = tmp_path / font.name
    shutil.copyfile(font, lonely)
    assert find_bold_font(lonely) is None
    poster = _render(SAMPLE, tmp_path, lonely, "regular-only")
    assert _margins_are_white(poster)
    assert _shows_link(poster, LINK)


@pytest.mark.parametrize(
    ("regular", "bold"),
    [
        ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"),
        ("NotoSans-Regular.ttf", "NotoSans-Bold.ttf"),
        ("LiberationSans-Regular.ttf", "LiberationSans-Bold.ttf"),
        ("arial.ttf", "arialbd.ttf"),
    ],
)
def test_the_bold_face_is_found_next_to_the_regular_one(tmp_path: Path, regular: str, bold: str) -> None:
    for name in (regular, bold, "DejaVuSerif-Bold.ttf"):
        (tmp_path / name).write_bytes(b"")
    assert find_bold_font(tmp_path / regular) == tmp_path / bold


def test_another_familys_bold_face_is_used_when_the_same_family_has_none(tmp_path: Path) -> None:
    (tmp_path / "Tahoma.ttf").write_bytes(b"")
    (tmp_path / "DejaVuSans-Bold.ttf").write_bytes(b"")
    assert find_bold_font(tmp_path / "Tahoma.ttf") == tmp_path / "DejaVuSans-Bold.ttf"
    assert find_bold_font(tmp_path / "Missing.ttf") == tmp_path / "DejaVuSans-Bold.ttf"
    (tmp_path / "DejaVuSans-Bold.ttf").unlink()
    assert find_bold_font(tmp_path / "Tahoma.ttf") is None
