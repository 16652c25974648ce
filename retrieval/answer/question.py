"""Questions: the terms to search for, how much each weighs, and what kind of answer is wanted.

On one article, corpus statistics cannot tell a topic word from a common verb ("passé" may be
rarer than "Bagdad" in a single article). General-language frequency can: each term gets a
boost from how rare its word is in French at large (wordfreq's Zipf scale), the way a
searcher's query boosts work in Lucene.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import Enum
from functools import cached_property, lru_cache
from typing import Literal, NamedTuple

from ..text.analysis import (
    QUESTION_ANALYZER,
    WORD_AND_SEPARATOR,
    Analysed,
    Token,
    remove_accents,
    tokenize,
)
from ..text.frequency import frequencies, zipfs
from ..text.translation import (
    Dictionary,
    french_endings,
    french_ordinals,
    french_spellings,
    is_english,
    leaning,
)

# Zipf frequency of the most frequent words (de, la, le): a word that common is worth nothing.
_ZIPF_CEILING = 7.5
# Words rarer than this, and unknown ones (typos included), all count as this rare.
_ZIPF_FLOOR = 1.0
# In a French question, a word's English frequency counts one Zipf point (ten times) less than
# its French one: an English word typed in French ("meeting", "who") is common, not an unknown
# rare word, but a French word that happens to be English too ("pour", "dont") keeps its
# French frequency.
ENGLISH_IN_FRENCH_DISCOUNT = 1.0
# Each translation of an English word counts this share of the one before it: the dictionary
# lists the likelier senses first ("demand": « exiger » before « demander », whose first sense
# is "ask"). 0.3 to 0.5 answer the English dev questions alike; 0.8 and more quote « comme
# demandé par » for "What did the Iraqi parliament demand?".
TRANSLATION_DECAY = 0.5
# The longest English phrase looked up as one dictionary entry ("United States of America").
MAX_PHRASE_WORDS = 4
# English words of a question that say nothing of its subject and that the stop words (shared
# with the articles) leave in: modals and quantifiers ("could", "can", "some": « quelqu'un »),
# and the particles of phrasal verbs ("up": « dessus »), which count only as the end of a
# phrase the dictionary knows ("give up" → « renoncer »). Left untranslated, "could" weighed
# as much as the question's rarest words.
ENGLISH_FUNCTION_WORDS = frozenset(
    "can could may might must shall should would ought some any not".split())
ENGLISH_PARTICLES = frozenset("up out off away apart".split())
# English prepositions whose French are French stop words (« sur », « dans », « par », « de »),
# which a French question's search leaves out: translated, "about" was « environ » and "over"
# « au-dessus », words the answer seldom holds.
ENGLISH_PREPOSITIONS = frozenset("about over upon onto within via".split())
_NOT_CONTENT = ENGLISH_FUNCTION_WORDS | ENGLISH_PARTICLES | ENGLISH_PREPOSITIONS


def rarity(word: str, language: str = "fr") -> float:
    """How rare a word is in general French (or English), from 0 (very common) upward. For an
    English question (language "en"), its English frequency alone."""
    return rarity_of(*zipfs(word), language)


def rarity_of(french: float, english: float, language: str = "fr") -> float:
    """A word's `rarity` from its Zipf frequencies (`zipfs`): a question's new word looks them
    up once for its rarity and its leaning."""
    if language == "en":
        frequency = english
    else:
        frequency = max(french, english - ENGLISH_IN_FRENCH_DISCOUNT)
    return max(_ZIPF_CEILING - max(frequency, _ZIPF_FLOOR), 0.0)


# What kind of answer a question wants, read from its words (accents folded). Each list of
# words is looked for only where a word starts with one of their first letters (the
# lookahead): the same matches, read about twice as fast over a paragraph.
_NUMBER = re.compile(r"\d|\b(?=[dtqcshnvm])(deux|trois|quatre|cinq|six|sept|huit|neuf|dix|douze|"
                     r"quinze|vingt|trente|quarante|cinquante|soixante|cent|cents|mille|millions?|"
                     r"milliards?|dizaines?|centaines?|milliers?)\b", re.I)
_DATE = re.compile(r"\b(?=[\djfmasondlvh])(1\d{3}|20\d{2}|\d{1,2}(er)?\s+\w+\s+\d{4}|janvier|"
                   r"fevrier|mars|avril|mai|juin|juillet|aout|septembre|octobre|novembre|decembre|"
                   r"lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|siecle|annees?|hier|"
                   r"veille)\b", re.I)
# A capitalised word that does not start a word, a sentence, a quotation, a bracket or the
# text. Its capital comes first and what may not stand before it is looked at behind it (each
# lookbehind ends with that capital), so that re jumps from capital to capital: the same
# matches as the lookbehinds written before it, six times quicker.
_NAME = re.compile(r"[A-Z](?<!\w[A-Z])(?<![.!?:«“\"(\[]\s[A-Z])(?<![«“\"(\[][A-Z])(?<!^[A-Z])"
                   r"[\w-]+")
# The words that give a reason or an aim.
_CAUSE = re.compile(r"\b(?=[cpaegdfbs])(car|parce qu|puisqu|afin d|afin qu|pour|en raison d|"
                    r"a cause d|grace a|du fait d|faute d|because|since|so that)", re.I)
# Each kind is asked for in French and in English, the English forms saying what the French
# ones say (« quelle taille », "how big"; « en quelle année », "in which year"); each is looked
# for only where a word starts with one of its first letters, as above.
ANSWER_TYPES = [
    (re.compile(r"\b(?=[chqw])(combien|how (many|much|big|large|long|far|old|tall|high|heavy|deep|wide)|"
                r"quel (nombre|montant|pourcentage|age)|"
                r"quelle (somme|quantite|proportion|part|taille|distance|duree)|"
                r"(what|which) (number|amount|percentage|age|sum|quantity|proportion|share|size|"
                r"distance|length|duration))\b"), _NUMBER),
    (re.compile(r"\b(?=[qwead])(quand|when|quelle (annee|date|epoque|periode)|en quelle|a quelle date|"
                r"depuis quand|quel (jour|mois|siecle)|"
                r"(what|which) (year|date|day|month|century|decade|era|period))\b"), _DATE),
    (re.compile(r"\b(?=[qwpdc])(qui|who|whom|par qui|de qui|comment s'appel\w*|quel est (le|son) nom|"
                r"quel(le)?s? (ville|pays|region|equipe|club|entreprise|societe|parti|"
                r"organisation|fleuve|riviere|ile|continent|journal|personnage|roi|reine|"
                r"president|auteur|artiste|ecrivain|peintre|compositeur|pape|empereur|"
                r"personnalites?|personnes?)|"
                r"what (\S+ ){0,3}(nick)?names?|\bcalled(?=\W*$)|(what|which) (city|cities|country|"
                r"countries|region|team|club|company|firm|party|organi[sz]ation|river|island|"
                r"continent|newspaper|character|king|queen|president|author|artist|writer|"
                r"painter|composer|pope|emperor|person|people|personalit(y|ies)))\b"), _NAME),
    (re.compile(r"\b(ou|where|d'ou)\b"), _NAME),
    (re.compile(r"\b(?=[pwdft])(pourquoi|why|pour quelles? raisons?|dans quel but|"
                r"for what (reason|purpose)|to what end)\b"), _CAUSE),
]


def wanted_pattern(question: str) -> re.Pattern[str] | None:
    """The pattern of the kind of answer the question asks for, if it says."""
    q = remove_accents(question.casefold())
    for asks, pattern in ANSWER_TYPES:
        if asks.search(q):
            return pattern
    return None


class Kind(Enum):
    """A question's kind of answer not read yet (Query.kind)."""

    UNREAD = "read from the question when first wanted"


@dataclass
class Query:
    """A question read for searching (never changed once made: `dataclasses.replace` makes
    another; not frozen, whose ten fields set through object.__setattr__ cost each question
    0.9 µs)."""

    question: str
    boosts: dict[str, float]  # each term (deduplicated, in order) and its boost
    # The question word each term stands for: an English word's French translations share one,
    # and a passage holds the word when it holds any of them.
    groups: dict[str, int]
    # The pattern of the kind of answer wanted (`wanted`), or Kind.UNREAD: read from the
    # question when first wanted. Ranking passages never wants it (its five patterns are 3 to
    # 4 µs of a ranking's 70).
    kind: re.Pattern[str] | None | Literal[Kind.UNREAD] = Kind.UNREAD
    english: bool = False
    # The terms of the question's names (capitalised words that do not start it): a common
    # word of the same stem is not the name (« bois » is not « Boise »).
    names: frozenset[str] = frozenset()
    # The terms of an English question's words that the dictionary cannot translate (neither
    # names nor numbers): kept as typed, and when no passage holds them their rarity in the
    # articles is unknown, not the highest (engine: an untranslated word weighs as the
    # question's other words do).
    untranslated: frozenset[str] = frozenset()
    # The terms of an English question's translated words as typed, read as French words
    # ("paragraph" is « paragraphe »'s stem), of its translations' participles ("sent":
    # « envoyée »), feminines and plurals ("first": « première »), of the words no dictionary
    # gives as French ends them ("surrealist": « surréaliste ») and of its names as French may
    # spell them ("Utica": « Utique »): alternatives kept only where a passage holds them
    # (engine), never respelled into another word.
    cognates: frozenset[str] = frozenset()
    # The word a French question's term was read from, in lower case (the first, when two
    # words share a term): a typo respelled weighs as the word it was corrected to would.
    words: dict[str, str] = field(default_factory=dict)

    @property
    def terms(self) -> list[str]:
        return list(self.boosts)

    @cached_property
    def wanted(self) -> re.Pattern[str] | None:
        """The pattern of the kind of answer the question asks for, if it says."""
        return wanted_pattern(self.question) if self.kind is Kind.UNREAD else self.kind


class _Word(NamedTuple):
    """What a question reads of one of its words, worked out the first time a process meets
    the word (`_read`): questions repeat their words, and reading a new one (its analysis, its
    frequencies in both languages) cost a question twice what the rest did."""

    term: str  # "" for a word the analysis drops (a stop word)
    start: int  # the term's span in the word
    end: int
    typed: str  # that span in lower case: the word as typed (Query.words)
    rarity: float  # the typed word's (rarity)
    named: bool  # the span starts with a capital: a name, unless it starts the question
    # Whether the word is clearly English (1) or French (-1), for a word of letters only (0
    # for any other), and whether it starts with a capital: a name's leaning is not counted.
    leaning: int
    capital: bool


# How many distinct words a process remembers as read (`_Word`, a few hundred bytes each):
# forgotten all at once past that, as wordfreq forgets its look-ups.
REMEMBERED_WORDS = 100_000
_known: dict[str, _Word] = {}


def _read(words: list[str]) -> list[_Word]:
    """The words as read: those met before looked up, the new ones analysed and read."""
    found = list(map(_known.get, words))
    if None not in found:
        return found  # type: ignore[return-value]  # no word is new
    if len(_known) >= REMEMBERED_WORDS:
        _known.clear()
    # Each new word through the chain as it is (this record remembers it, not the analyzer).
    fresh = {w: _reading(w, QUESTION_ANALYZER.analyse(w))
             for w in dict.fromkeys(w for w, read in zip(words, found) if read is None)}
    _known.update(fresh)
    return [read or fresh[w] for w, read in zip(words, found)]


def _reading(word: str, analysed: Analysed) -> _Word:
    """A new word as a question reads it: its frequencies looked up once, for its language
    and its rarity alike (a word of letters only leans one way; the typed span, when the
    analysis kept less than the word, is looked up on its own)."""
    found = frequencies(word) if word.isalpha() else None
    language, capital = leaning(*found) if found else 0, word[:1].isupper()
    if not analysed:
        return _Word("", 0, 0, "", 0.0, False, language, capital)
    term, start, end = analysed
    typed = word[start:end].casefold()
    french, english = found if found and typed == word else frequencies(typed)
    return _Word(term, start, end, typed, rarity_of(french, english),
                 word[start:start + 1].isupper(), language, capital)


def parse_query(question: str, dictionary: Dictionary | None = None) -> Query:
    """Terms (deduplicated, in order), their general-language boosts, the wanted answer kind;
    an English question's words put in French when a dictionary is given."""
    pieces = WORD_AND_SEPARATOR.split(question)  # separator, word, separator, ..., separator
    read = _read(pieces[1::2])
    # Whether each word starts the question: only the first may, with nothing before it.
    opening = [not pieces[0]] + [False] * (len(read) - 1)
    # A capitalised word that does not start the question is a name (_is_name): no language.
    if dictionary is not None and is_english(
            r.leaning for r, first in zip(read, opening) if first or not r.capital):
        return _english_query(question, tokenize(question), dictionary)
    boosts: dict[str, float] = {}
    names: set[str] = set()
    typed: dict[str, str] = {}
    for r, first in zip(read, opening):
        if term := r.term:
            boosts[term] = max(boosts.get(term, 0.0), r.rarity)
            typed.setdefault(term, r.typed)
            if r.named and not (first and r.start == 0):
                names.add(term)
    return Query(question, boosts, {t: n for n, t in enumerate(boosts)}, names=frozenset(names),
                 words=typed)


def _is_name(word: str, start: int) -> bool:
    """A capitalised word that does not start the question."""
    return start > 0 and word[:1].isupper()


def _english_query(question: str, words: list[Token], dictionary: Dictionary) -> Query:
    """Each English word's (or known phrase's: "United States") French translations as
    alternatives for it; names and numbers kept as they are (a name the dictionary knows, such
    as "London", also gets its French form); the names' own terms; the terms of the words it
    has no translation for (Query.untranslated); and those of the translated words as typed,
    the least likely alternative (Query.cognates)."""
    boosts: dict[str, float] = {}
    groups: dict[str, int] = {}
    names: set[str] = set()
    untranslated: set[str] = set()
    cognates: set[str] = set()

    def add_cognates(text: str, weight: float, group: int) -> list[str]:
        """The terms of `text` the query has not yet, added at `weight` in `group` as
        cognates (kept only where a passage holds them); those added."""
        added = [t.term for t in QUESTION_ANALYZER(text) if t.term not in boosts]
        for term in added:
            boosts[term] = weight
            groups[term] = group
            cognates.add(term)
        return added

    end = 0
    while end < len(words):
        start = end  # the entry's first word, and its group
        size, translations = _longest_entry(words, start, dictionary)
        end = start + size
        content = [w for w in words[start:end]  # a phrase's particle counts, not "of"
                   if (QUESTION_ANALYZER(w.term) if size > 1 else _is_content(w.term))]
        if not content:
            continue
        kept = any(_is_name(w.term, w.start) or any(c.isdigit() for c in w.term) for w in content)
        alternatives = [w.term for w in content] if kept or not translations else []
        boost = max(rarity(w.term.casefold(), "en") for w in content)
        # The word as typed counts in full; its translations less and less, in the
        # dictionary's order of likelihood.
        weighted = ([(a, 1.0) for a in alternatives]
                    + [(t, TRANSLATION_DECAY ** n) for n, t in enumerate(translations)])
        for alternative, share in weighted:
            for token in QUESTION_ANALYZER(alternative):
                boosts[token.term] = max(boosts.get(token.term, 0.0), boost * share)
                groups.setdefault(token.term, start)
                if not kept and not translations:
                    untranslated.add(token.term)
        if translations and not kept:
            # The translations' participles at their verb's weight, their feminines and plurals
            # at the next sense's (at their word's own, one more unanswerable English question
            # was answered on PIAF's training articles, and none more was right), then the
            # word as typed, the least likely: all kept only where a passage holds them
            # (Query.cognates).
            typed = boost * TRANSLATION_DECAY ** len(translations)
            forms = ([(f, boost * TRANSLATION_DECAY ** n) for n, t in enumerate(translations)
                      for f in dictionary.participles(t)]
                     + [(f, boost * TRANSLATION_DECAY ** (n + 1))
                        for n, t in enumerate(translations) for f in dictionary.inflections(t)]
                     + [(w.term, typed) for w in content])
            for form, weight in forms:
                add_cognates(form, weight, start)
        if not translations and not kept:
            # A learned word no dictionary gives, as French would end it ("etymology":
            # « étymologie »), where a passage holds it.
            for spelling in (s for w in content for s in french_endings(w.term)):
                add_cognates(spelling, boost, start)
        # An ordinal in figures as French writes it ("20th": « XXe », « 20e »), where held.
        for spelling in (s for w in content for s in french_ordinals(w.term)):
            add_cognates(spelling, boost, start)
        for name in (w.term for w in content if _is_name(w.term, w.start)):
            names.update(t.term for t in QUESTION_ANALYZER(name))
            # As French may spell it (« Oulianovsk »), where a passage holds it.
            for spelling in french_spellings(name):
                names.update(add_cognates(spelling, boost, start))
    return Query(question, boosts, groups, english=True,
                 names=frozenset(names), untranslated=frozenset(untranslated),
                 cognates=frozenset(cognates))


@lru_cache(maxsize=100_000)
def _is_content(word: str) -> bool:
    """An English word that says something of the question's subject."""
    return word.casefold() not in _NOT_CONTENT and bool(QUESTION_ANALYZER(word))


def _longest_entry(words: list[Token], n: int,
                   dictionary: Dictionary) -> tuple[int, tuple[str, ...]]:
    """The longest run of words from the n-th that the dictionary knows as one entry, beginning
    and ending with a content word ("United States" → « États-Unis », not "United" and
    "States" apart), and its translations; else the n-th word alone."""
    for size in range(min(MAX_PHRASE_WORDS, len(words) - n), 1, -1):
        run = words[n:n + size]
        if _is_content(run[0].term) and (_is_content(run[-1].term)
                                          or run[-1].term.casefold() in ENGLISH_PARTICLES):
            if translations := dictionary.translate(" ".join(w.term for w in run)):
                return size, translations
    return 1, dictionary.translate(words[n].term)


def held_senses(boosts: dict[str, float], groups: dict[str, int], cognates: frozenset[str],
                holds: Callable[[str], bool]) -> dict[str, float]:
    """An English question's terms without the translations no passage holds, those held
    weighed again in their order as if the others had never been offered: a sense the articles
    never use costs its word nothing ("survey": « enquête » held nowhere leaves « sondage » the
    word's full weight, not half). A word none of whose alternatives is held keeps them all;
    the English words as typed (Query.cognates) are never raised, since a French word of the
    same stem is seldom the same word ("sales": « sale »)."""
    found = {term for term in boosts if holds(term)}
    held: dict[int, list[float]] = {}
    for term, boost in boosts.items():
        if term in found and term not in cognates:
            held.setdefault(groups[term], []).append(boost)
    top: dict[int, float] = {}
    for term, boost in boosts.items():
        top[groups[term]] = max(top.get(groups[term], 0.0), boost)
    levels = {group: sorted(set(weights), reverse=True) for group, weights in held.items()}
    kept = {}
    for term, boost in boosts.items():
        group = groups[term]
        if group not in levels:
            kept[term] = boost
        elif term in found:
            kept[term] = (boost if term in cognates
                          else top[group] * TRANSLATION_DECAY ** levels[group].index(boost))
    return kept


class Coverage:
    """The weighted share of the question's words that a set of terms holds: each word counts
    once, at the weight of its best alternative held (an English word's translations)."""

    def __init__(self, weights: dict[str, float], groups: dict[str, int]) -> None:
        self.weights = weights
        self.groups = groups
        best: dict[int, float] = {}
        for term, weight in weights.items():
            best[groups[term]] = max(best.get(groups[term], 0.0), weight)
        self.group_weights = best  # each question word's weight
        self.total = sum(best.values())

    def __call__(self, matched: Iterable[str]) -> float:
        held: dict[int, float] = {}
        weights, groups = self.weights, self.groups
        for term in matched:
            group = groups[term]
            if weights[term] > held.get(group, 0.0):
                held[group] = weights[term]
        # Summed exactly: `matched` is often a set, whose order (and so a float sum's last
        # bits) changes from one process to the next; the same window scores the same in all.
        return math.fsum(held.values()) / self.total if self.total else 0.0
