"""Misspelt question words: the word meant, among those the articles use.

People type fast on a phone ("Seelly", "letre", "Pentagonne", « avaeint »). A French question
word that is no word (wordfreq does not list it, or hardly: `frequency.is_word`) is read as
the commonest word one typo away whose term a passage holds, as Peter Norvig's speller does
with a language's word frequencies, slips of the fingers first (a letter dropped, added,
swapped with its neighbour, or struck beside the right key). Failing that, and for the terms of
real words no passage holds, the nearest term of the index's vocabulary within a few edits
(rapidfuzz's Levenshtein distance, in C), as a fuzzy query in Lucene, or the term kept as it
is, unknown, when none is near. As with Lucene's FuzzyQuery and its prefix length, the first
letters must be right: typos rarely fall there (about 7% of misspellings, Pollock and Zamora,
1983), and without that rule "Paris" would become "pris" and "coût" "tout".
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from .analysis import QUESTION_ANALYZER, remove_accents
from .frequency import is_word, listed, typed_zipf

PREFIX_LENGTH = 2
# The shortest mistyped word read as the commonest word one typo away: a shorter one has many
# (« uaz »: « ua », « usa », « gaz »), and is more likely a name or an acronym than a typo.
MIN_TYPO_LETTERS = 4
# How many unknown terms' nearest terms are remembered: a few MB at most.
NEAREST_CACHE_SIZE = 10_000


def max_edits(term: str) -> int:
    """How many edits a stem may be off: none up to 4 letters ("mort" is not a typo for
    "mont"; but see doubled), 1 up to 7, then 2."""
    if len(term) <= 4:
        return 0
    return 1 if len(term) <= 7 else 2


def doubled(term: str, candidate: str) -> bool:
    """Whether the candidate is the term with one of its letters doubled: the commonest French
    typo (« letre » for « lettre », « apeler » for « appeler »), and the one correction a short
    stem gets (« letre » is stemmed « letr »: 4 letters, no edit allowed by max_edits)."""
    return len(candidate) == len(term) + 1 and any(
        candidate[i] == candidate[i - 1] and candidate[:i] + candidate[i + 1:] == term
        for i in range(1, len(candidate)))


def meant(word: str, term: str, correction: str) -> str:
    """The word a mistyped one stands for, once its term is corrected: the correction and
    what the word has beyond its term (« letre », stemmed « letr », corrected « lettr »:
    « lettre »); the correction itself when the word does not start with its term."""
    bare = remove_accents(word.casefold())
    return correction + bare[len(term):] if bare.startswith(term) else correction


LETTERS = "abcdefghijklmnopqrstuvwxyz"
# The letter rows of the keyboards readers type on, French (AZERTY) and English (QWERTY), and
# how far each row starts to the right of the top one, in keys.
AZERTY = (("azertyuiop", 0.0), ("qsdfghjklm", 0.25), ("wxcvbn", 0.75))
QWERTY = (("qwertyuiop", 0.0), ("asdfghjkl", 0.25), ("zxcvbnm", 0.75))
Keyboard = tuple[tuple[str, float], ...]


def neighbours(keyboards: tuple[Keyboard, ...]) -> dict[str, str]:
    """Each letter's neighbours on the keyboards: beside it on its row, or touching it on the
    row above or below."""
    near: dict[str, set[str]] = {c: set() for c in LETTERS}
    for keyboard in keyboards:
        places = {c: (row, offset + i) for row, (keys, offset) in enumerate(keyboard)
                  for i, c in enumerate(keys)}
        for c, (row, x) in places.items():
            near[c] |= {d for d, (row2, x2) in places.items() if d != c and (
                (row2 == row and abs(x2 - x) == 1) or (abs(row2 - row) == 1 and abs(x2 - x) < 1))}
    return {c: "".join(sorted(n)) for c, n in near.items()}


NEIGHBOURS = neighbours((AZERTY, QWERTY))


def one_typo_away(word: str) -> dict[str, bool]:
    """The words one typo away from a bare word, its first letter kept (a letter dropped,
    added, changed, or two neighbours swapped: Damerau's four), each with whether it is a
    slip of the fingers: any but a letter changed for one not beside it on the keyboard, which
    is likelier a word mistaken than mistyped."""
    cut = [(word[:i], word[i:]) for i in range(1, len(word) + 1)]
    changed = {a + c + b[1:]: c in NEIGHBOURS.get(b[0], "") for a, b in cut if b for c in LETTERS}
    slips = ({a + b[1:] for a, b in cut if b} | {a + b[1] + b[0] + b[2:] for a, b in cut
                                                  if len(b) > 1}
             | {a + c + b for a, b in cut for c in LETTERS})
    return {**changed, **dict.fromkeys(slips, True)}


class Speller:
    """Finds, for a mistyped word or a term the corpus does not hold, the one meant."""

    def __init__(self, terms_starting: Callable[[str], list[str]],
                 holds: Callable[[str], bool]) -> None:
        """`terms_starting(prefix)` lists the index's terms that start with the prefix, and
        `holds(term)` says whether a passage holds the term: the index is asked when a word
        is unknown, nothing is built at start. Each term's nearest
        is remembered (questions repeat their unknown words: « l'article », "what"; reading a
        prefix's terms takes up to a millisecond); a memory index never changes under its
        engine, and Xapian databases updated while it runs offer their new terms as
        corrections only to the next engine (the watcher's, or after a restart)."""
        self._terms_starting = terms_starting
        self._holds = holds
        self._remembered = lru_cache(maxsize=NEAREST_CACHE_SIZE)(self._nearest)
        self._meant = lru_cache(maxsize=NEAREST_CACHE_SIZE)(self._corrected)

    def corrected(self, word: str, term: str) -> tuple[str, str] | None:
        """The term a mistyped French question word (no word: is_word; analysed as `term`,
        which no passage holds) stands for, and the word meant: the commonest word one typo
        away whose term a passage holds, slips of the fingers first, as Norvig's speller reads
        wordfreq's frequencies (« letre »: « lettre », not « lettré »; "" for a stop word,
        left out of the question); else the nearest term (nearest)."""
        return self._meant(remove_accents(word.casefold()), term)

    def _corrected(self, word: str, term: str) -> tuple[str, str] | None:
        if len(word) >= MIN_TYPO_LETTERS:
            typos = one_typo_away(word)
            near = [(w, meant_term) for w in sorted(listed(typos)) if is_word(w)
                    and (meant_term := self._held_term(w)) is not None]
            if near:
                best, best_term = max(near, key=lambda n: (typos[n[0]], typed_zipf(n[0], "fr")))
                return best_term, best
        correction = self.nearest(term)
        return (correction, meant(word, term, correction)) if correction else None

    def _held_term(self, word: str) -> str | None:
        """The word's term if a passage holds it, "" for a stop word, else None."""
        terms = QUESTION_ANALYZER.terms(word)
        if not terms:
            return ""
        return terms[0] if self._holds(terms[0]) else None

    def nearest(self, term: str) -> str | None:
        """The term fewest edits away with the same first letters, if within max_edits."""
        return self._remembered(term)

    def _nearest(self, term: str) -> str | None:
        """The term fewest edits away with the same first letters, if within max_edits.
        Numbers are never corrected: 5300 is not a typo for 5200, nor 530 for 5300."""
        if len(term) < PREFIX_LENGTH or any(c.isdigit() for c in term):
            return None
        edits = max_edits(term)
        candidates = self._terms_starting(term[:PREFIX_LENGTH])
        if not edits:
            return next((c for c in candidates if doubled(term, c)), None)
        if not candidates:
            return None
        match = process.extractOne(term, candidates, scorer=Levenshtein.distance,
                                   score_cutoff=edits)
        return match[0] if match else None
