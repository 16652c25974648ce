"""The bot's own words: plurals and numbers as each language writes them."""

import pytest

from bot.messages import MESSAGES, small_talk, text


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


@pytest.mark.parametrize("message, key", [
    ("Bonjour !", "greeting"), ("salut", "greeting"), ("Hello there", "greeting"),
    ("Merci beaucoup !", "thanks"), ("thanks", "thanks"), ("Thank you very much", "thanks"),
    ("Bonjour, qui a signé la lettre ?", None), ("Qui a dit merci ?", None),
    ("Merci de me dire qui a signé la lettre", None), ("", None),
])
def test_greetings_and_thanks_are_told_from_questions(message, key):
    assert small_talk(message) == key
