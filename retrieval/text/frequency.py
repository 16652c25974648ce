"""How common a word is in general French or English: wordfreq's Zipf scale, looked up fast.

A question's rare words are mostly words wordfreq does not list (names, technical words,
typos), and wordfreq finds that out the slow way: it normalises and tokenizes the word
(about 20 µs) before one dictionary look-up, and a question asks about each word in both
languages. A word of lower-case Latin letters alone is already what wordfreq's tokenizer
would make of it (NFC, nothing to fold, one token, no digit nor apostrophe), so its frequency
is one look-up in wordfreq's own table, made a Zipf frequency as wordfreq makes it (`_zipf_of`);
any other string goes through wordfreq (which remembers what it looked up).

Users type without accents (« etrangers », « deja »): wordfreq lists those spellings too, as
the rarer typing they are (« etrangers » 2.9, « étrangers » 4.7), so a word typed bare is read
as its commonest accented form (`typed_zipf`).

Whoever reads a question's word asks both of its frequencies (is it English? how rare? a
typo?): `zipfs` looks them up together, once a word.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from functools import cache, lru_cache

from wordfreq import freq_to_zipf, get_frequency_dict, zipf_frequency

from .analysis import PLAIN_WORD, remove_accents

# wordfreq's Zipf frequency of a word it does not list (its minimum, 0 by default).
UNLISTED = zipf_frequency("", "fr")
# How many words' frequencies are remembered: a question's words come back (its question
# words every time), and the speller weighs hundreds of strings a typo.
REMEMBERED_WORDS = 100_000


def zipf(word: str, language: str) -> float:
    """wordfreq's `zipf_frequency(word, language)`, to the bit, without tokenizing a plain
    word."""
    if not PLAIN_WORD.fullmatch(word):
        return zipf_frequency(word, language)
    return _listed_zipf(word, language)


def _listed_zipf(word: str, language: str) -> float:
    """A plain word's Zipf frequency, from wordfreq's list alone (UNLISTED if not in it)."""
    frequency = _frequencies(language).get(word)
    return UNLISTED if frequency is None else _zipf_of(frequency)


@cache  # a list holds few distinct frequencies (564 in each of French's and English's)
def _zipf_of(frequency: float) -> float:
    """The Zipf frequency wordfreq gives a word of one token that its list holds at
    `frequency`: the frequency through the sum of inverses it combines tokens by, rounded to
    three significant digits, then its Zipf value to hundredths (wordfreq's `_word_frequency`
    and `zipf_frequency`: tests/test_frequency.py compares them at every frequency of its
    lists)."""
    frequency = 1.0 / (1.0 / frequency)
    rounded = round(frequency, math.floor(-math.log(frequency, 10)) + 3)
    return round(freq_to_zipf(rounded), 2)


@cache
def _frequencies(language: str) -> dict[str, float]:
    return get_frequency_dict(language, "best")


def typed_zipf(word: str, language: str) -> float:
    """The Zipf frequency of a word as users type it: one typed without accents is as common
    as the commonest word it may stand for, itself or an accented one (« deja » is « déjà »,
    « marche » « marché »); a word typed with accents is the word it is."""
    if not word.isascii():
        return zipf(word, language)
    accented = _accented(language).get(word.casefold())
    return max(zipf(word, language), zipf(accented, language) if accented else UNLISTED)


@lru_cache(maxsize=REMEMBERED_WORDS)
def zipfs(word: str) -> tuple[float, float]:
    """`frequencies`, remembered."""
    return frequencies(word)


def frequencies(word: str) -> tuple[float, float]:
    """A word's Zipf frequency in French as typed (`typed_zipf`) and in English (`zipf`). A
    plain word (most are) is found plain once for both and its bare spelling looked up once:
    the look-ups of a question's new words, by half. Not remembered: for a caller that
    remembers its words itself (a question's, question._known); others ask `zipfs`."""
    if not PLAIN_WORD.fullmatch(word):
        return typed_zipf(word, "fr"), zipf_frequency(word, "en")
    typed = _listed_zipf(word, "fr")
    if word.isascii() and (accented := _accented("fr").get(word)) is not None:
        typed = max(typed, zipf(accented, "fr"))
    return typed, _listed_zipf(word, "en")


@cache
def _accented(language: str) -> dict[str, str]:
    """Each bare spelling of wordfreq's accented words and the commonest of them (read once,
    when a bare word is first looked up: 61,000 French words, a tenth of a second)."""
    best: dict[str, str] = {}
    for word in _frequencies(language):  # commonest first
        if not word.isascii():
            best.setdefault(remove_accents(word), word)
    return best


# The Zipf frequency under which a word typed is taken for a typo: wordfreq lists common typos
# too, rarely (« letre » 1.8). Of the words of PIAF's held-out questions given a typo by
# benchmarks/typed_questions.py, 93% are rarer, and 6% of the words they were typed for.
WORD_ZIPF = 2.0


def is_word(word: str) -> bool:
    """Whether a word typed is a word, French (accents restored) or English, not a typo."""
    return max(zipfs(word)) >= WORD_ZIPF


def listed(words: Iterable[str], language: str = "fr") -> set[str]:
    """Those of the bare lower-case words that wordfreq lists, as they are or accented (set
    look-ups: how the speller sifts hundreds of strings)."""
    frequencies, accented = _frequencies(language), _accented(language)
    return {w for w in words if w in frequencies or w in accented}
