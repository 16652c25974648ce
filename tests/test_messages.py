"""The bot's own words: plurals and numbers as each language writes them."""

import re

import pytest

from bot.messages import MESSAGES, data_size, small_talk, text


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
# What only the terminal says; article errors are said on both faces, each the terminal's own
# variant (ending in _cli) where it has one.
TERMINAL_ONLY = ("no_answer_cli", "chat_intro", "telegram_hint", "empty_question", "not_utf8",
                 "article_added")


def _face(key: str) -> set[str]:
    if key.startswith(("cli_", "setting_")) or key.endswith("_cli") or key in TERMINAL_ONLY:
        return {"terminal"}
    if key.startswith("article_") and f"{key}_cli" in MESSAGES["fr"]:
        return {"chat"}
    return {"terminal", "chat"} if key.startswith("article_") else {"chat"}


def _words(template) -> str:
    return " ".join(template.values()) if isinstance(template, dict) else template


@pytest.mark.parametrize("lang", MESSAGES)
def test_chat_messages_never_name_a_setting(lang):
    from telegram_harness import SETTINGS

    for key, template in MESSAGES[lang].items():
        if "chat" in _face(key):
            assert not [s for s in SETTINGS if s in _words(template)], key


@pytest.mark.parametrize("lang", MESSAGES)
def test_terminal_messages_never_mention_a_telegram_command(lang):
    for key, template in MESSAGES[lang].items():
        if "terminal" in _face(key):
            assert not re.search(r"(^|\s|\()/[a-z]+\b", _words(template)), key


@pytest.mark.parametrize("lang, count, expected", [
    ("fr", 5 * 2**20, "5\u202fMo"), ("en", 5 * 2**20, "5 MB"), ("fr", 3 * 2**19, "1,5\u202fMo"),
    ("fr", 4096, "4\u202fko"), ("en", 4096, "4 kB"), ("en", 1000, "1 kB"),
])
def test_sizes_are_written_in_the_unit_that_reads_best(lang, count, expected):
    """As the language writes them (French: a narrow no-break space before the unit)."""
    assert data_size(count, lang) == expected


def test_a_refusal_for_size_names_the_limit_in_the_users_language():
    assert text("article_too_large", "fr", bytes=4096).startswith("plus de 4\u202fko : trop long")
    assert text("article_too_large", "en", bytes=5 * 2**20).startswith("more than 5 MB: too")
