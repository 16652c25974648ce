"""Text analysis: the chain that turns text into index terms, one small step at a time.

Like Lucene's analysis chain: tokenize → normalise → elision → lowercase → stop words →
accent folding → stemming → final e. Every step is a pure function of one token (a word), giving
its new token or None when it drops the word, so each can be tested alone, and every token
keeps the character span it came from in the original text (that is what lets the excerpts
highlight the matched words).

Accents are folded *before* stemming: the French Snowball stemmer stems "envoyée" to "envoi"
but "envoyee" to "envoye", so only folding first lets a question typed without accents meet
the article (measured on PIAF in the README: folding first costs nothing at rank 1).
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Callable, Container, Iterable
from itertools import accumulate, islice
from threading import Lock
from typing import NamedTuple

import Stemmer


class Token(NamedTuple):
    """A term and the span of the original text it was read from (a named tuple: a paragraph
    makes one per word, three times quicker to build than a frozen dataclass)."""

    term: str
    start: int
    end: int


# A step of the chain: a word's token made into its next one, or None when the word is dropped.
Step = Callable[[Token], Token | None]

# A word: letters/digits, with inner apostrophes or hyphen-free joins (l'armée, aujourd'hui).
_WORD = re.compile(r"[^\W_]+(?:['’‘ʼ][^\W_]+)*")
# The apostrophes of typed and typeset French other than "'", all read as "'" (replaced by a
# regex: str.translate looks every character up in a dict, four times slower for a word and
# fifteen for a paragraph).
_OTHER_APOSTROPHES = re.compile("[’‘ʼ`]")

ELISIONS = frozenset(
    "l d j m n s t c qu jusqu lorsqu puisqu quoiqu".split()
)

# Snowball's French stop list (snowballstem.org/algorithms/french/stop.txt) and a short
# English one: words that carry no topic.
FRENCH_STOP_WORDS = frozenset(
    """
    au aux avec ce ces dans de des du elle en et eux il ils je la le les leur lui ma mais me
    même mes moi mon ne nos notre nous on ou par pas pour qu que qui sa se ses son sur ta te
    tes toi ton tu un une vos votre vous c d j l à m n s t y été étée étées étés étant étante
    étants étantes suis es est sommes êtes sont serai seras sera serons serez seront serais
    serait serions seriez seraient étais était étions étiez étaient fus fut fûmes fûtes
    furent sois soit soyons soyez soient fusse fusses fût fussions fussiez fussent ayant
    ayante ayantes ayants eu eue eues eus ai as avons avez ont aurai auras aura aurons aurez
    auront aurais aurait aurions auriez auraient avais avait avions aviez avaient eut eûmes
    eûtes eurent aie aies ait ayons ayez aient eusse eusses eût eussions eussiez eussent
    ceci cela celà cet cette ici ils les leurs quel quels quelle quelles sans soi
    """.split()
)
ENGLISH_STOP_WORDS = frozenset(
    """
    a an and are as at be been but by did do does for from had has have he her his i if in
    into is it its of on or she so than that the their them then there these they this to
    was we were will with you your
    """.split()
)
STOP_WORDS = FRENCH_STOP_WORDS | ENGLISH_STOP_WORDS

# Words that say what kind of answer is wanted, not what it is about: stop words in questions.
QUESTION_WORDS = frozenset(
    """
    qui que quoi quand combien pourquoi comment où ou quel quels quelle quelles lequel laquelle
    lesquels lesquelles dont est-ce qu'est-ce
    who what when where why how which whom whose many much
    """.split()
)


def tokenize(text: str) -> list[Token]:
    """Split text into word tokens, keeping each token's span in the text."""
    return [Token(m.group(), m.start(), m.end()) for m in _WORD.finditer(text)]


def fold_apostrophes(text: str) -> str:
    """Every kind of apostrophe written as "'", one character for one (offsets stay)."""
    return _OTHER_APOSTROPHES.sub("'", text)


def normalize(token: Token) -> Token:
    """Unicode NFKC (ligatures, full-width forms) and one apostrophe: ’ → '. A token left as it
    is is not made again (most words are: ASCII is its own NFKC form, and "`" its one
    apostrophe other than "'")."""
    if token.term.isascii() and "`" not in token.term:
        return token
    term = fold_apostrophes(unicodedata.normalize("NFKC", token.term))
    return token if term == token.term else Token(term, token.start, token.end)


def lowercase(token: Token) -> Token:
    """Case folding, so that "Irak" and "irak" meet (a word in lower case kept as it is)."""
    term = token.term.casefold()
    return token if term == token.term else Token(term, token.start, token.end)


def strip_elision(token: Token) -> Token:
    """Drop elided articles and pronouns (l'armée → armée, qu'il → il) and English 's."""
    start, term = token.start, token.term
    if "'" not in term and token.end - start == len(term):
        return token  # most words: nothing to strip, the span already the term's
    head, apostrophe, rest = term.partition("'")
    if apostrophe and rest and head.casefold() in ELISIONS:
        start, term = start + len(head) + 1, rest
    if term.casefold().endswith("'s"):
        term = term[:-2]
    return Token(term, start, start + len(term))


strip_elision.settings = {"elisions": sorted(ELISIONS)}  # type: ignore[attr-defined]


def stop_filter(stop_words: frozenset[str]) -> Step:
    """A step that drops the given stop words, written with or without accents."""
    words = stop_words | {remove_accents(w) for w in stop_words}

    def remove_stop_words(token: Token) -> Token | None:
        return None if token.term in words else token

    remove_stop_words.settings = {"words": sorted(words)}  # type: ignore[attr-defined]
    return remove_stop_words


def fold_accents(token: Token) -> Token:
    """Remove diacritics (États → etats, envoyée → envoyee); œ and æ are spelled out."""
    term = remove_accents(token.term)
    return token if term == token.term else Token(term, token.start, token.end)


def remove_accents(term: str) -> str:
    """The term without diacritics."""
    if term.isascii():  # most words: nothing to decompose
        return term
    return term.translate(_BARE)


def _bare(character: str) -> str:
    """One character without diacritics: its compatibility decomposition without its combining
    marks, œ and æ spelled out. A text's is its characters' one after the other (NFKD
    decomposes each alone and only reorders the combining marks, which all go)."""
    decomposed = unicodedata.normalize("NFKD", character)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return bare.replace("œ", "oe").replace("æ", "ae")


# The characters whose forms a CharacterTable remembers: up to the CJK punctuation, which holds
# every Latin, Greek, Cyrillic and Arabic letter (at most 12,288 entries, about 1.5 MB a table,
# whatever characters a hostile text brings).
CHARACTERS_REMEMBERED = 0x3000


class CharacterTable(dict[int, str]):
    """A str.translate table of each character's `form`, worked out when first met: the
    text is then mapped in C, a character at a time, where a Python loop or a Unicode
    decomposition of the whole text cost far more (every question is folded)."""

    def __init__(self, form: Callable[[str], str]) -> None:
        super().__init__()
        self._form = form

    def __missing__(self, code: int) -> str:
        form = self._form(chr(code))
        if code < CHARACTERS_REMEMBERED:
            self[code] = form
        return form


_BARE = CharacterTable(_bare)


class SnowballStep:
    """Snowball stemming (PyStemmer), French by default."""

    def __init__(self, language: str = "french") -> None:
        self.language = language
        self.settings = {"language": language, "snowball": Stemmer.version()}
        self._stemmer = Stemmer.Stemmer(language)
        # The analyzer remembers its words: PyStemmer's own cache of stems only made new words
        # three times slower to stem (3 us instead of 1).
        self._stemmer.maxCacheSize = 0

    def __call__(self, token: Token) -> Token:
        stem = self._stemmer.stemWord(token.term)
        return token if stem == token.term else Token(stem, token.start, token.end)


def strip_final_e(token: Token) -> Token:
    """Drop a stem's final e, so that "signée" and "signé" meet once accents are folded.

    Snowball's French rules for -é, -ée, -ées only fire on accented words: folded first,
    "signee" stems to "signe" but "signe" (from "signé") to "sign".
    """
    term = token.term
    return Token(term[:-1], token.start, token.end) if len(term) > 2 and term.endswith("e") \
        else token


# How many distinct words the analyzer remembers: the vocabulary of a million passages of news
# is a few hundred thousand words, at about 250 bytes an entry. The analyzer is the only cache
# of the chain: no step caches on its own.
WORD_CACHE_SIZE = 1_000_000

# A word with what stands before it: re.split over it gives separators and words alternately,
# whose lengths summed give each word's start without a match object for each word.
WORD_AND_SEPARATOR = re.compile(f"({_WORD.pattern})")

# A word's analysis: its term and the span of the word it was read from; () when it has none.
Analysed = tuple[str, int, int] | tuple[()]


class Analyzer:
    """A tokenizer followed by steps; calling it turns text into tokens.

    Every step turns one word into at most one term, whatever its neighbours and wherever it
    stands, so each distinct word is analysed once and remembered (news repeats its words, and
    analysis is what costs). A new word goes through the chain alone, one step after another
    (a question meets two or three new words: run over lists of tokens, the chain cost 9 µs
    for one word, 6 µs a word for three).
    """

    def __init__(self, steps: Iterable[Step], cache_size: int = WORD_CACHE_SIZE) -> None:
        self.steps = list(steps)
        self._plain_steps = [s for s in self.steps if s not in KEEPS_PLAIN]  # for a PLAIN_WORD
        self.cache_size = cache_size
        # The words analysed, oldest first (forgotten in that order past cache_size).
        self._known: dict[str, Analysed] = {}
        self._lock = Lock()  # texts may be analysed in several threads

    def analysed(self, words: list[str]) -> list[Analysed]:
        """Each word's analysis (its term and the term's span in the word, or ()): looked up
        when known (one dict lookup, in C, per word), the others through the chain."""
        known = self._known
        found = list(map(known.get, words))
        if None not in found:
            return found  # type: ignore[return-value]  # no word is new
        with self._lock:
            for n, analysed in enumerate(found):
                if analysed is None:
                    analysed = known.get(words[n])  # twice in the text, or by another thread
                    if analysed is None:
                        analysed = known[words[n]] = self.analyse(words[n])
                    found[n] = analysed
            for old in list(islice(known, max(len(known) - self.cache_size, 0))):
                del known[old]
        return found  # type: ignore[return-value]  # every word analysed

    def analyse(self, word: str) -> Analysed:
        """The word through the chain, not remembered: for a caller that remembers what it
        read itself (a question's words, each read once a process into one record: the
        analyzer's memory, its lock and its look-ups cost a question's new words a tenth of
        their reading)."""
        token = Token(word, 0, len(word))
        for step in self._plain_steps if PLAIN_WORD.fullmatch(word) else self.steps:
            stepped = step(token)
            if stepped is None:
                return ()
            token = stepped
        return (token.term, token.start, token.end) if token.term else ()

    def __call__(self, text: str) -> list[Token]:
        return self._tokens(text, None)

    def signature(self) -> str:
        """What makes this analyzer's terms what they are, for the key of a stored index: the
        tokenizer, each step's name, code and settings (stop words, elisions, stemmer
        language). Not its comments nor docstrings: editing those keeps a stored index."""
        return json.dumps([{"tokenizer": _WORD.pattern}] + [_describe(s) for s in self.steps],
                          ensure_ascii=False, sort_keys=True)

    def terms(self, text: str) -> list[str]:
        """Only the terms, for indexing (no Token built: a million passages is many words)."""
        return [analysed[0] for analysed in self.analysed(_WORD.findall(text)) if analysed]

    def columns(self, text: str) -> tuple[list[str], list[int], list[int]]:
        """Every word's term, start and end, as three lists: a whole paragraph read for exact
        and soft matches, without a Token for each word."""
        pieces = WORD_AND_SEPARATOR.split(text)  # separator, word, separator, ..., separator
        ends = list(accumulate(map(len, pieces)))  # ends[2k]: where word k starts
        found = [(analysed[0], at + analysed[1], at + analysed[2]) for analysed, at
                 in zip(self.analysed(pieces[1::2]), ends[::2]) if analysed]
        if not found:
            return [], [], []
        terms, starts, stops = zip(*found)
        return list(terms), list(starts), list(stops)

    def matches(self, text: str, terms: Container[str]) -> list[Token]:
        """Only the tokens of the given terms: what to highlight."""
        return self._tokens(text, terms)

    def _tokens(self, text: str, only: Container[str] | None) -> list[Token]:
        return [Token(*analysed) for analysed in zip(*self.columns(text))
                if only is None or analysed[0] in only]


# A word of lower-case Latin letters alone (a-z, à-ö, ø-ÿ and œ: most words of French and
# English text): each letter is its own NFKC form and its own case folding, the word has no
# apostrophe, and wordfreq's tokenizer keeps it as one token, as it is (text/frequency.py;
# tests/test_analysis.py and tests/test_frequency.py check all of it).
PLAIN_WORD = re.compile(r"[a-zà-öø-ÿœ]+")
# The steps that leave a plain word as it is: an analyzer does not run them on one (three
# calls of the seven, a tenth of a new word's reading; tests/test_analysis.py checks them).
KEEPS_PLAIN: frozenset[Step] = frozenset({normalize, lowercase, strip_elision})


def _describe(step: Step) -> dict:
    """A step's name, a hash of its bytecode (which changes with its logic, not with its
    comments) and its settings."""
    code = getattr(step, "__code__", None) or type(step).__call__.__code__
    return {"step": getattr(step, "__name__", type(step).__name__),
            "code": hashlib.sha256(code.co_code + repr(code.co_names).encode()).hexdigest()[:16],
            **getattr(step, "settings", {})}


def french_analyzer(extra_stop_words: frozenset[str] = frozenset()) -> Analyzer:
    """The chain used for articles; questions add the question words to the stop words."""
    return Analyzer(
        [
            normalize,
            lowercase,
            strip_elision,
            stop_filter(STOP_WORDS | extra_stop_words),
            fold_accents,
            SnowballStep("french"),
            strip_final_e,
        ]
    )


DOCUMENT_ANALYZER = french_analyzer()
QUESTION_ANALYZER = french_analyzer(QUESTION_WORDS)

