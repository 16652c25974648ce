"""English questions over French articles: tell an English question, and put its words in French.

Word by word, with `data/eng-fra.tsv` (FreeDict's English-French and French-English
dictionaries merged with Apertium's English → Spanish → French lemmas, GPL-2; irregular forms
from WordNet; country names from iso-codes; made by `benchmarks/build_dictionary.py`): news
questions are short and their content words are what matters for finding the passage; names
and numbers are kept as they are.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

from .analysis import DOCUMENT_ANALYZER

DICTIONARY_PATH = Path(__file__).parents[1] / "data" / "eng-fra.tsv"
# The past participles of the French verbs of the dictionary that do not end in -er (« naître »:
# « né », « née », « nés », « nées »), from Apertium's French generator.
PARTICIPLES_PATH = Path(__file__).parents[1] / "data" / "fra-participles.tsv"
# The feminine and plural forms of the dictionary's French adjectives and nouns that the stemmer
# cuts apart from them (« premier » "premi": « première », « premières » "premier"; « œil »:
# « yeux »), from Apertium's French generator.
INFLECTIONS_PATH = Path(__file__).parents[1] / "data" / "fra-inflections.tsv"
# How many translations of a word are searched for: the dictionary lists the common senses
# first, and each more one is one more chance of a wrong match.
MAX_TRANSLATIONS = 4
# A word counts as English (or French) when it is this much more frequent in that language,
# on wordfreq's Zipf scale (1 = ten times): "who" and "is" are English, "la" French, "a" both.
LANGUAGE_MARGIN = 1.0
# The shortest French verb whose participles are searched: shorter words in -er are mostly not
# verbs of the first group (« mer », « fer », « hier »).
MIN_VERB = 5
# Inflected English forms and the base forms to try for them, in order: "used" → "use" before
# "us", "attacked" → "attack", "stopped" → "stop" (a doubled consonant undone), superlatives
# "largest" → "large", "biggest" → "big" (French says « le plus grand »), and comparatives,
# "higher" → "high", "larger" → "large" (« plus grand »), as nouns of agents the dictionary
# lacks, "wrestler" → "wrestle".
_SUFFIXES = (("ies", "y"), ("ied", "y"), ("ing", "e"), ("ing", ""), ("ed", "e"), ("ed", ""),
             ("es", ""), ("s", ""), ("'s", ""), ("iest", "y"), ("est", "e"), ("est", ""),
             ("ier", "y"), ("er", "e"), ("er", ""))
# English writes -es, not -s, after these endings ("boxes", "wishes", "heroes"); after any other
# the e is the word's own ("themes" is "theme", not "them").
ES_AFTER = ("s", "x", "z", "ch", "sh", "o")
# How many words' and phrases' translations are remembered: a few MB at most.
TRANSLATION_CACHE_SIZE = 100_000
# The shortest base form looked up: shorter ones are other words ("us", "is").
MIN_BASE = 3


# How French spells names that English spells otherwise, ending by ending and sound by sound:
# places in Latin -ica and -ia (Utica, « Utique »; Tunisia, « Tunisie »), and names
# transliterated from Cyrillic or Arabic ("Ulyanovsk", « Oulianovsk »; "Sharif", « Charif »;
# "Zhukov", « Joukov »). Each rule makes one more spelling, and all together one more.
NAME_SPELLINGS = ((r"ica$", "ique"), (r"ia$", "ie"), (r"(?<=[^aeiou])y$", "ie"),
                  (r"sh", "ch"), (r"zh", "j"), (r"(?<![aeiouq])u", "ou"), (r"y(?=[aeiou])", "i"),
                  (r"oo", "ou"), (r"ee", "i"))


# How French ends the learned words English shares with it, ending for ending ("etymology":
# « étymologie », "surrealist": « surréaliste », "apnoea": « apnée », "toxicity": « toxicité »):
# for a word no dictionary gives, whose French form the stemmer does not meet.
FRENCH_ENDINGS = ((r"logy$", "logie"), (r"ity$", "ité"),
                  (r"ist$", "iste"), (r"ism$", "isme"), (r"ical$", "ique"), (r"ic$", "ique"),
                  (r"ous$", "eux"), (r"ive$", "if"), (r"ary$", "aire"), (r"ory$", "oire"),
                  (r"oea$", "ée"), (r"(?<=[^aeiou])y$", "ie"), (r"ial$", "iel"))


# An English ordinal in figures ("20th", "1st", "3rd"), which French writes « 20e » or, for
# centuries and rulers, in Roman numerals (« XXe siècle », « François Ier »); the first is « 1er »
# or « 1re ».
_ORDINAL = re.compile(r"(\d+)(?:st|nd|rd|th)")
# Roman numerals are written for centuries and rulers' numbers: none beyond this.
MAX_ROMAN = 39
_ROMAN = ((10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"))


# eq=False: a dictionary is itself, hashed by identity, so that its look-ups can be remembered.
@dataclass(frozen=True, eq=False)
class Dictionary:
    """English word → French translations, most common sense first; French verbs' past
    participles where they are not regular, and the feminine and plural forms of adjectives
    and nouns that the stemmer cuts apart from them."""

    entries: dict[str, tuple[str, ...]]
    irregular_participles: dict[str, tuple[str, ...]] = field(default_factory=dict)
    inflected: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path = DICTIONARY_PATH,
             participles_path: Path | None = PARTICIPLES_PATH,
             inflections_path: Path | None = INFLECTIONS_PATH) -> Dictionary:
        return cls(_read_table(path), _read_table(participles_path) if participles_path else {},
                   _read_table(inflections_path) if inflections_path else {})

    # Questions repeat their words, and each run of words is looked up as a phrase: each is
    # looked up once (a question's lookups took a quarter of its reading).
    @lru_cache(maxsize=TRANSLATION_CACHE_SIZE)  # noqa: B019 (one dictionary a process)
    def translate(self, word: str) -> tuple[str, ...]:
        """French translations of a word or phrase, or of its base form ("attacked" →
        "attack", "sets apart" → "set apart"); () when the dictionary has none."""
        for form in (word, word.casefold()):
            if form in self.entries:
                return self.entries[form][:MAX_TRANSLATIONS]
        first, space, rest = word.casefold().partition(" ")
        for base in base_forms(first):
            if base + space + rest in self.entries:
                return self.entries[base + space + rest][:MAX_TRANSLATIONS]
        return ()

    def participles(self, translation: str) -> tuple[str, ...]:
        """The past participles of a French verb ("envoyer" → « envoyé », « envoyée »; « naître »
        → « né », « née », ...): an English past or passive is most often one in the article,
        and the stemmer cuts some apart from their infinitive (« envoyer » "envoi", « envoyée »
        "envoy"). () for any other word; a noun that ends in -er (« dîner ») gives forms no
        article holds."""
        if translation in self.irregular_participles:
            return self.irregular_participles[translation]
        if " " in translation or not translation.endswith("er") or len(translation) < MIN_VERB:
            return ()
        return translation[:-2] + "é", translation[:-2] + "ée"

    def inflections(self, translation: str) -> tuple[str, ...]:
        """The feminine and plural forms of a French adjective or noun whose stems are not its
        own (« premier » → « première », « premières »; « œil » → « yeux »): the dictionary
        gives the masculine singular, the article the form its sentence wants. () for a word
        that has none."""
        return self.inflected.get(translation, ())


def base_forms(lower: str) -> list[str]:
    """The base forms an inflected English word may have, likeliest first ("used" → "use"
    before "us", "stopped" → "stop": a doubled consonant undone); none shorter than MIN_BASE."""
    forms = []
    for suffix, base in _SUFFIXES:
        if lower.endswith(suffix):
            stem = lower[: -len(suffix)] + base
            if suffix == "es" and not stem.endswith(ES_AFTER):
                continue
            undoubled = stem[:-1] if not base and stem[-2:-1] == stem[-1:] not in "aeiou" else ""
            forms += [f for f in (stem, undoubled) if len(f) >= MIN_BASE]
    return forms


def is_english(leanings: Iterable[int]) -> bool:
    """More of the words are clearly English than clearly French, given each word's `leaning`
    (names left out by the caller). Frequencies, not a list: a question is a handful of
    common words."""
    return sum(leanings) > 0


def leaning(french: float, english: float) -> int:
    """1 for a word clearly English, -1 for one clearly French, 0 for either or neither, given
    its Zipf frequencies in both (`zipfs`: a question's new word looks them up once for its
    leaning and its rarity)."""
    return (english >= french + LANGUAGE_MARGIN) - (french >= english + LANGUAGE_MARGIN)


def french_spellings(name: str) -> list[str]:
    """Spellings French may give an English name (NAME_SPELLINGS), lower case: the name as
    French would write it with all the rules, then with each alone; not the name itself."""
    lower = name.casefold()
    each = [re.sub(pattern, french, lower) for pattern, french in NAME_SPELLINGS]
    whole = lower
    for pattern, french in NAME_SPELLINGS:
        whole = re.sub(pattern, french, whole)
    return [s for s in dict.fromkeys([whole, *each]) if s != lower]


def french_endings(word: str) -> list[str]:
    """The French a learned English word may be, by its ending (FRENCH_ENDINGS), lower case;
    [] when no ending is known."""
    lower = word.casefold()
    return [s for s in dict.fromkeys(re.sub(pattern, french, lower)
                                     for pattern, french in FRENCH_ENDINGS) if s != lower]


def french_ordinals(word: str) -> list[str]:
    """The forms French writes an English ordinal in figures in ("5th": « 5e », « ve »; "1st":
    « 1er », « 1re », « ier »), lower case; [] for any other word. Not a form the analyzer
    reads as the bare number (« 20e » is "20", held by every « 20 mars »): « xxe » alone."""
    match = _ORDINAL.fullmatch(word.casefold())
    if match is None:
        return []
    number = int(match.group(1))
    endings = ("er", "re") if number == 1 else ("e",)
    forms = [match.group(1) + ending for ending in endings]
    if 0 < number <= MAX_ROMAN:
        roman = ""
        for value, letters in _ROMAN:
            count, number = divmod(number, value)
            roman += letters * count
        forms.append(roman + endings[0])
    return [f for f in forms if not all(t.isdigit() for t in DOCUMENT_ANALYZER.terms(f))]


def _read_table(path: Path) -> dict[str, tuple[str, ...]]:
    """A word → its words, one line each: the word, a tab, its words separated by "|"; lines
    starting with "#" are the notice."""
    entries = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            word, _, translations = line.partition("\t")
            entries[word] = tuple(translations.split("|"))
    return entries


@cache
def shipped_dictionary() -> Dictionary:
    """The project's dictionary, loaded once per process."""
    return Dictionary.load()
