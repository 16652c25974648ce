"""Questions: the terms to search for, how much each weighs, and what kind of answer is wanted.

On one article, corpus statistics cannot tell a topic word from a common verb ("passé" may be
rarer than "Bagdad" in a single article). General-language frequency can: each term gets a
boost from how rare its word is in French at large (wordfreq's Zipf scale), the way a
searcher's query boosts work in Lucene.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from wordfreq import zipf_frequency

from .analysis import QUESTION_ANALYZER, remove_accents

# Zipf frequency of the most frequent words (de, la, le): a word that common is worth nothing.
_ZIPF_CEILING = 7.5
# Words rarer than this, and unknown ones (typos included), all count as this rare.
_ZIPF_FLOOR = 1.0


@lru_cache(maxsize=100_000)
def rarity(word: str) -> float:
    """How rare a word is in general French (or English), from 0 (very common) upward."""
    zipf = max(zipf_frequency(word, "fr"), zipf_frequency(word, "en") - 1.0)
    return max(_ZIPF_CEILING - max(zipf, _ZIPF_FLOOR), 0.0)


# What kind of answer a question wants, read from its words (accents folded).
_NUMBER = re.compile(r"\d|\b(deux|trois|quatre|cinq|six|sept|huit|neuf|dix|douze|quinze|vingt|"
                     r"trente|quarante|cinquante|soixante|cent|cents|mille|millions?|milliards?|"
                     r"dizaines?|centaines?|milliers?)\b", re.I)
_DATE = re.compile(r"\b(1\d{3}|20\d{2}|\d{1,2}(er)?\s+\w+\s+\d{4}|janvier|fevrier|mars|avril|mai|"
                   r"juin|juillet|aout|septembre|octobre|novembre|decembre|lundi|mardi|mercredi|"
                   r"jeudi|vendredi|samedi|dimanche|siecle|annees?|hier|veille)\b", re.I)
# A capitalised word that does not start a sentence, a quotation or a bracket.
_NAME = re.compile(r"(?<![.!?:«“\"(\[]\s)(?<![«“\"(\[])(?<!^)\b[A-Z][\w-]+")
ANSWER_TYPES = [
    (re.compile(r"\b(combien|how (many|much)|quel (nombre|montant|pourcentage|age)|"
                r"quelle (somme|quantite|proportion|part|taille|distance|duree))\b"), _NUMBER),
    (re.compile(r"\b(quand|when|quelle (annee|date|epoque|periode)|en quelle|a quelle date|"
                r"depuis quand|what year|quel (jour|mois|siecle))\b"), _DATE),
    (re.compile(r"\b(qui|who|whom|par qui|de qui)\b"), _NAME),
    (re.compile(r"\b(ou|where|dans quel(le)? (pays|ville|region)|d'ou)\b"), _NAME),
]


def wanted_pattern(question: str) -> re.Pattern[str] | None:
    """The pattern of the kind of answer the question asks for, if it says."""
    q = remove_accents(question.casefold())
    for asks, pattern in ANSWER_TYPES:
        if asks.search(q):
            return pattern
    return None


@dataclass(frozen=True)
class Query:
    """A question read for searching."""

    question: str
    boosts: dict[str, float]  # each term (deduplicated, in order) and its boost
    wanted: re.Pattern[str] | None

    @property
    def terms(self) -> list[str]:
        return list(self.boosts)


def parse_query(question: str) -> Query:
    """Terms (deduplicated, in order), their general-language boosts, the wanted answer kind."""
    boosts: dict[str, float] = {}
    for token in QUESTION_ANALYZER(question):
        word = question[token.start:token.end].casefold()
        boosts[token.term] = max(boosts.get(token.term, 0.0), rarity(word))
    return Query(question, boosts, wanted_pattern(question))
