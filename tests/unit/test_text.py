from __future__ import annotations

import pytest

from handlers.kernel.text import fold, fold_words, match_choice, row_id, shorten, split_at_boundary

LABELS = ["Đồng ý", "Không đồng ý"]


def test_fold_strips_case_and_vietnamese_diacritics() -> None:
    assert fold("ĐỒNG Ý") == fold("dong y") == "dong y"
    assert fold("  Tra   cứu  ") == "tra cuu"
    assert fold_words("Hủy!") == "huy"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("1", 0),
        ("2.", 1),
        ("số 2", 1),
        ("dong y", 0),
        ("Đồng ý ạ", 0),
        ("khong", 1),
        ("KHÔNG ĐỒNG Ý", 1),
        ("không đồng ý ạ", 1),
        ("3", None),
        ("0", None),
        ("có", None),
        ("", None),
    ],
)
def test_a_choice_is_selected_by_number_label_or_unique_prefix(typed: str, expected: int | None) -> None:
    assert match_choice(typed, LABELS) == expected


def test_an_ambiguous_prefix_selects_nothing() -> None:
    assert match_choice("gi", ["Giao thông, hạ tầng", "Giáo dục"]) is None


def test_free_text_steps_only_accept_whole_labels() -> None:
    assert match_choice("bo qua", ["Bỏ qua"], allow_prefix=False) == 0
    assert match_choice("bo", ["Bỏ qua"], allow_prefix=False) is None
    assert match_choice("bo qua cai nay di", ["Bỏ qua"], allow_prefix=False) is None


def test_split_prefers_paragraph_then_sentence_boundaries() -> None:
    text = "A" * 50 + ".\n\n" + "B" * 80
    head, rest = split_at_boundary(text, 100)
    assert head == "A" * 50 + "."
    assert rest == "B" * 80
    head, rest = split_at_boundary("câu thứ nhất dài. câu hai dài hơn nhiều", 20)
    assert head == "câu thứ nhất dài."
    assert head + " " + rest == "câu thứ nhất dài. câu hai dài hơn nhiều"


def test_split_keeps_short_text_whole() -> None:
    assert split_at_boundary("ngắn", 10) == ("ngắn", "")


def test_shorten_cuts_at_a_word_with_an_ellipsis() -> None:
    assert shorten("một hai ba bốn năm sáu", 12) == "một hai ba…"
    assert shorten("ngắn", 12) == "ngắn"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("42", 42),
        (" 7 ", 7),
        ("2147483647", 2147483647),
        ("2147483648", None),
        ("9" * 40, None),
        ("-1", None),
        ("4a", None),
        ("", None),
        ("٣", 3),
    ],
)
def test_a_row_number_is_read_only_within_the_databases_keys(typed: str, expected: int | None) -> None:
    assert row_id(typed) == expected
