"""The bot's own words: plurals and numbers as each language writes them."""

import pytest

from bot.messages import MESSAGES, text


@pytest.mark.parametrize("lang, count, expected", [
    ("fr", 0, "0 paragraphe"), ("fr", 1, "1 paragraphe"), ("fr", 2, "2 paragraphes"),
    ("fr", 100_000, "100\u202f000 paragraphes"),
    ("en", 0, "0 paragraphs"), ("en", 1, "1 paragraph"), ("en", 100_000, "100,000 paragraphs"),
])
def test_counts_take_the_plural_and_number_format_of_the_language(lang, count, expected):
    assert text("paragraphs", lang, count=count) == expected


def test_every_counting_message_has_both_plural_forms():
    for messages in MESSAGES.values():
        for template in messages.values():
            if isinstance(template, dict):
                assert set(template) == {"one", "other"}
