"""Plural forms: an English sentence agrees with its number ("1 day", "2 days"); Vietnamese has one form."""

from __future__ import annotations

import pytest

from handlers.kernel.catalogue import Catalogue, Plural, parse, plural_category
from handlers.kernel.catalogue.keys import Msg


@pytest.mark.parametrize(
    ("number", "category"),
    [(0, "other"), (1, "one"), (2, "other"), (21, "other"), (-1, "one"), ("1", "one"), ("0,5", "other")],
)
def test_english_says_one_only_for_exactly_one(number: object, category: str) -> None:
    assert plural_category("en", number) == category


@pytest.mark.parametrize("number", [1.0, 1.5, True, None, "một"])
def test_a_number_that_is_not_a_whole_number_takes_the_other_form(number: object) -> None:
    assert plural_category("en", number) == "other"


@pytest.mark.parametrize("number", [0, 1, 2, 5, 100, "1"])
def test_vietnamese_and_unknown_languages_have_only_the_other_form(number: object) -> None:
    assert plural_category("vi", number) == "other"
    assert plural_category("fr", number) == "other"


@pytest.mark.parametrize(
    ("days", "sentence"),
    [
        (0, "No task or report is due in the next 0 days — KT."),
        (1, "No task or report is due in the next 1 day — KT."),
        (2, "No task or report is due in the next 2 days — KT."),
    ],
)
def test_an_english_sentence_takes_the_form_of_its_number(
    catalogue: Catalogue, days: int, sentence: str
) -> None:
    assert catalogue.text("en", Msg.PLAN_NONE, days=days, who="KT") == sentence


@pytest.mark.parametrize("days", [0, 1, 2, 30])
def test_a_vietnamese_sentence_is_the_same_for_any_number(catalogue: Catalogue, days: int) -> None:
    text = catalogue.text("vi", Msg.PLAN_NONE, days=days, who="KT")
    assert text == catalogue.raw("vi", Msg.PLAN_NONE).format(days=days, who="KT")


def test_the_citizens_attachments_read_one_file_and_two_files(catalogue: Catalogue) -> None:
    assert catalogue.text("en", Msg.SUMMARY_ATTACHMENTS_COUNT, count=1) == "1 file"
    assert catalogue.text("en", Msg.SUMMARY_ATTACHMENTS_COUNT, count=2) == "2 files"


def test_raw_gives_the_other_form_of_a_plural_entry(catalogue: Catalogue) -> None:
    assert catalogue.raw("en", Msg.PLAN_NONE) == "No task or report is due in the next {days} days — {who}."


def test_a_missing_english_sentence_falls_back_to_vietnamese_with_its_one_form() -> None:
    catalogue = Catalogue({"vi": {Msg.PLAN_NONE.value: "{days} ngày"}, "en": {}})
    assert catalogue.text("en", Msg.PLAN_NONE, days=1) == "1 ngày"


def test_a_plural_entry_is_written_as_dotted_keys_or_an_inline_table() -> None:
    dotted = parse('[plan]\nnone.plural = "days"\nnone.one = "{days} day"\nnone.other = "{days} days"\n')
    inline = parse('[plan]\nnone = { plural = "days", one = "{days} day", other = "{days} days" }\n')
    assert dotted == inline == {"plan.none": Plural("days", {"one": "{days} day", "other": "{days} days"})}


def test_a_section_without_a_plural_key_stays_a_section() -> None:
    """``[what]`` has a sentence named ``other``; only a table that names its ``plural`` is a plural entry."""
    assert parse('[what]\nsticker = "stickers"\nother = "other things"\n') == {
        "what.sticker": "stickers",
        "what.other": "other things",
    }


@pytest.mark.parametrize(
    "entry",
    [
        'n = { plural = "days", one = "{days} day" }',  # no "other" form
        'n = { plural = "days", one = "{days} day", other = "{days} days", several = "{days} days" }',
        'n = { plural = 1, other = "{days} days" }',
        'n = { plural = "days", one = 1, other = "{days} days" }',
    ],
)
def test_a_malformed_plural_entry_is_refused(entry: str) -> None:
    with pytest.raises(ValueError, match=r"^n: "):
        parse(entry)
