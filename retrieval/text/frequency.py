"""How common a word is in general French or English: wordfreq's Zipf scale, looked up fast.

A question's rare words are mostly words wordfreq does not list (names, technical words,
typos), and wordfreq finds that out the slow way: it normalises and tokenizes the word
(about 20 µs) before one dictionary look-up, and a question asks about each word in both
languages. A word of lower-case Latin letters alone is already what wordfreq's tokenizer
would make of it (NFC, nothing to fold, one token, no digit nor apostrophe), so whether it
is listed is one look-up in wordfreq's own table; only listed words, and any other string,
go through wordfreq (which remembers what it looked up).
"""

from __future__ import annotations

import re
from functools import lru_cache

from wordfreq import get_frequency_dict, zipf_frequency

# Lower-case letters of Latin-1 (a-z, à-ö, ø-ÿ: French and English words, accented or not)
# and œ: each is its own case folding and NFC form, and a run of them is one word for
# wordfreq's tokenizer (tests/test_frequency.py checks all three against wordfreq).
_PLAIN_WORD = re.compile(r"[a-zà-öø-ÿœ]+")
# wordfreq's Zipf frequency of a word it does not list (its minimum, 0 by default).
UNLISTED = zipf_frequency("", "fr")
# How many words' frequencies are remembered: a question asks about each word in both
# languages, twice (is it English? how rare?), and the question words come back every time.
REMEMBERED_WORDS = 100_000


@lru_cache(maxsize=REMEMBERED_WORDS)
def zipf(word: str, language: str) -> float:
    """wordfreq's `zipf_frequency(word, language)`, to the bit, without tokenizing a plain
    word that wordfreq does not list."""
    if _PLAIN_WORD.fullmatch(word) and word not in get_frequency_dict(language, "best"):
        return UNLISTED
    return zipf_frequency(word, language)
