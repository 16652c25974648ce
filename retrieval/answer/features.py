"""Window features: what the ranker knows of each candidate window of the passages read.

A window is one sentence, or up to three neighbouring ones that fit in MAX_CHARS. Each
candidate window is described by features: how much of the question it holds, exactly and in
meaning through word vectors, how good its passage is, whether it holds the kind of thing the
question asks for (a number for "combien", a date for "quand", a name for "qui") and how well
that thing's own neighbourhood matches the question, its length... All the work is linear in
the passage's length.

Each feature is declared once, by name: one function of the question's windows (`@feature`),
the registry `FEATURE_FUNCTIONS` in the order of declaration (`FEATURES`). The features of a
window are stacked in the order a ranker lists them (`feature_matrix`), so a column can never
be read as another.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain, compress
from operator import itemgetter

import numpy as np

from ..text.analysis import (DOCUMENT_ANALYZER, Analyzer, CharacterTable, Token,
                             remove_accents)
from ..text.sentences import sentence_spans
from ..text.vectors import WordVectors
from .question import Coverage
from .results import Hit

try:  # built at install (setup.py) where a C compiler is: the numpy reference otherwise
    from . import _windows
except ImportError:
    _windows = None  # type: ignore[assignment]

MAX_CHARS = 300
MAX_SENTENCES = 3
# The windows around a sentence that holds some of the question, as (first, last) sentence
# offsets from it: each of one to MAX_SENTENCES sentences that holds it, and the sentence just
# before or after it alone (the answer is often the sentence next to the question's words,
# and the two together may be too long to quote: +2 points of PIAF questions with an
# answering window).
_AROUND_PAIRS = np.array([(i, j) for i in range(1 - MAX_SENTENCES, 1)
                          for j in range(0, i + MAX_SENTENCES)] + [(-1, -1), (1, 1)],
                         dtype=np.int64)
_AROUND = _AROUND_PAIRS.T[:, :, None]  # as numpy adds them to the sentences
# A window's own facts, as _window_facts gives them (one row each, in _windows.c's order):
# whole numbers (its passage, span, question words' slice of the passage's tokens, and its
# first, middle and last sentence's row among the sentence facts) and the others.
_WINDOW_INTS = ("passage", "start", "end", "low", "high", "first_row", "middle_row", "last_row")
_WINDOW_FLOATS = ("sentences", "after", "length", "overlong", "first", "in_order", "compact",
                  "share_before", "share_after")


# Per passage, windows are scored only around the sentences that hold the most of the question:
# a paragraph of a few sentences is read whole, and one of a megabyte costs about the same.
MAX_SCORED_SENTENCES = 20
# Paragraphs up to this long are analysed whole once; longer ones only where windows are
# scored, so that a paragraph of megabytes costs about as much as a page.
ANALYSE_WHOLE_CHARS = 20_000
# The question's words this close (characters) to a number, date or name of the wanted kind
# are that thing's neighbourhood: what tells the one asked for from the others of its kind.
NEIGHBOURHOOD_CHARS = 60
# Closeness of a wanted-kind thing to the nearest question word: 1 beside it, 1/2 this far.
PROXIMITY_CHARS = 50
# A word of the article's title is implied by all its sentences ("il" for its subject), so it
# says little about which sentence answers: it counts this much in the "share" feature.
TITLE_TERM_WEIGHT = 0.2
# Two question words this close (characters) in a window, in the question's order, are side by
# side: a short word or two between them ("la lettre de Seely").
IN_ORDER_CHARS = 12
# Two unrelated words' vectors have about this cosine: only what is above is a soft match.
SOFT_FLOOR = 0.35

# How many articles' title terms are remembered: the titles of the passages being answered from.
TITLE_CACHE_SIZE = 10_000
# Soft shares equal to this many decimals rank the same.
SOFT_RANK_DECIMALS = 6
# A sentence's end: what a token's sentence is searched by.
_END = itemgetter(1)

@dataclass(frozen=True, slots=True)
class Candidate:
    """A window of a passage that may answer: its span in the paragraph, the question's words
    in it."""

    hit: Hit
    start: int
    end: int
    matched: list[Token]  # the question's words in it, offsets in the paragraph

    @property
    def highlights(self) -> tuple[tuple[int, int], ...]:
        """The matched words' spans, relative to the window (worked out for a chosen one)."""
        return _highlights(self.matched, self.start)


def _highlights(tokens: list[Token], start: int) -> tuple[tuple[int, int], ...]:
    """The tokens' spans relative to a window that starts at `start`."""
    return tuple((t.start - start, t.end - start) for t in tokens)


@dataclass(frozen=True)
class Question:
    """What the excerpts need of a question: term weights, which word each term stands for,
    the wanted kind of answer."""

    weights: dict[str, float]
    groups: dict[str, int]
    wanted: re.Pattern[str] | None
    names: frozenset[str] = frozenset()  # terms of the question's names: matched capitalised
    respelled: frozenset[str] = frozenset()  # terms standing for a word no passage held
    english: bool = False  # read as English: its terms are translations


def _folded_character(character: str) -> str:
    """The character without its accent, one character for one."""
    return remove_accents(character)[:1] or character


_FOLD_TABLE = CharacterTable(_folded_character)


# A character that may carry an accent: ASCII ones never do.
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _fold_in_place(text: str) -> str:
    """Accents removed character by character, so that offsets stay those of the text (only
    the few non-ASCII characters looked up: str.translate looks up every one)."""
    return text if text.isascii() else _NON_ASCII.sub(
        lambda m: _FOLD_TABLE[ord(m.group())], text)


def _runs(indices: list[int]) -> list[tuple[int, int]]:
    """Sorted sentence indices as runs of neighbours: [(first, last), ...]."""
    runs: list[tuple[int, int]] = []
    for i in indices:
        if runs and runs[-1][1] == i - 1:
            runs[-1] = (runs[-1][0], i)
        else:
            runs.append((i, i))
    return runs


class _Asked:
    """The question as every passage reads it, worked out once: its coverage, each word's
    column, its terms' order, and for soft matches its terms' vectors."""

    def __init__(self, question: Question, vectors: WordVectors | None) -> None:
        self.weights, self.groups, self.wanted = question.weights, question.groups, question.wanted
        self.names, self.respelled = question.names, question.respelled
        self.coverage = Coverage(question.weights, question.groups)
        # The share of the question each set of matched terms holds: passages that hold the
        # same terms share one set (the index's), worked out once.
        self.shares: dict[frozenset[str], float] = {}
        self.column = {g: n for n, g in enumerate(self.coverage.group_weights)}
        weights = list(self.coverage.group_weights.values())
        self.word_weights = np.array(weights)  # by column
        # Each term's question word, by place: an English word's translations share one, so
        # that "in order" means the question's words, not its alternatives, side by side.
        self.order = {t: self.column[question.groups[t]] for t in question.weights}
        self.vectors = vectors
        terms = [t for t in question.weights if vectors is not None and t in vectors]
        self.term_vectors = self.term_columns = self.vector = None
        if terms:
            assert vectors is not None
            self.term_vectors = vectors.matrix[vectors.rows(terms)]
            self.term_columns = np.array([self.column[question.groups[t]] for t in terms])
            mean = np.array([question.weights[t] for t in terms], dtype=np.float32) @ \
                self.term_vectors
            # Its norm as np.linalg.norm(mean) works it out, without its checks.
            self.vector = mean / (np.sqrt(mean.dot(mean)) or 1.0)
        # The question's rarer half of words (at or above the median weight; the median as
        # np.median gives it, without its cost on a few values), by column, 0 for the others.
        ordered = sorted(weights)
        half = len(ordered) // 2
        median = ordered[half] if len(ordered) % 2 else (ordered[half - 1] + ordered[half]) / 2
        self.rare = np.array([w if w >= median else 0.0 for w in weights])
        # The columns of its names, and of its words that no passage holds (an English word
        # when none of its translations is held): most questions have neither.
        self.name_columns = self.columns_of(question.names)
        self.unknown_columns = (self.columns_of(question.respelled)
                                & ~self.columns_of(frozenset(question.weights)
                                                   - question.respelled)
                                if question.respelled else self.columns_of(frozenset()))

    def columns_of(self, terms: frozenset[str]) -> np.ndarray:
        """Which of the question's words (columns) the terms stand for."""
        mask = np.zeros(len(self.column), dtype=bool)
        for t in terms:
            if t in self.groups:
                mask[self.column[self.groups[t]]] = True
        return mask


def _held(terms: list[str], starts: list[int], ends: list[int], weights: dict[str, float]
          ) -> list[Token]:
    """The words whose terms are the question's: a few of a paragraph's tens, each found by
    a lookup in C (map), not a step of a Python loop."""
    found = compress(range(len(terms)), map(weights.__contains__, terms))
    return [Token(terms[n], starts[n], ends[n]) for n in found]


@lru_cache(maxsize=TITLE_CACHE_SIZE)
def _title_terms(title: str, analyzer: Analyzer) -> frozenset[str]:
    """The terms of an article's title (read for each of its passages that is a hit)."""
    return frozenset(analyzer.terms(title))


class _Passage:
    """One passage read for a question: its sentences and words, the question's words in it
    and its own facts. What its sentences and windows hold is worked out for all the
    question's passages at once (windows_found)."""

    def __init__(self, hit: Hit, rank: int, top: float, asked: _Asked,
                 analyzer: Analyzer) -> None:
        self.hit = hit
        self.text = text = hit.passage.paragraph.text
        weights = asked.weights
        self.coverage = asked.coverage
        stored = hit.words  # as the index analysed it, if it keeps that
        title = stored.title if stored else _title_terms(hit.passage.document.title, analyzer)
        self.titled = (Coverage({t: w * TITLE_TERM_WEIGHT if t in title else w
                                 for t, w in weights.items()}, asked.groups)
                       if not title.isdisjoint(weights) else asked.coverage)
        # Else a paragraph of ordinary length is analysed once, for exact and soft matches.
        self.sentences = stored.sentences if stored else sentence_spans(text)
        self.words = (stored[:3] if stored else
                      analyzer.columns(text) if len(text) <= ANALYSE_WHOLE_CHARS else None)
        tokens = (_held(*self.words, weights) if self.words is not None
                  else analyzer.matches(text, weights))
        # A name is matched only by a capitalised word: « bois » does not stand for « Boise ».
        self.tokens = ([t for t in tokens if t.term not in asked.names or text[t.start].isupper()]
                       if asked.names else tokens)
        share = asked.shares.get(hit.matched)
        if share is None:
            share = asked.shares[hit.matched] = self.coverage(hit.matched)
        self.passage = (hit.score / top if top else 0.0, 1 / (1 + rank), share)

    def sentence_words(self, relevant: list[int], analyzer: Analyzer
                       ) -> tuple[list[str], list[int]]:
        """The terms of the words of its `relevant` sentences (those of its windows), in
        order, and how many of them each sentence holds (a word belongs to the last sentence
        that starts at or before it)."""
        sentences = self.sentences
        terms: list[str] = []
        counts: list[int] = []
        for first, last in _runs(relevant):
            run, starts = self._words(sentences[first][0], sentences[last][1], analyzer)
            terms.extend(run)
            low = 0
            for s in range(first + 1, last + 1):
                high = bisect_left(starts, sentences[s][0])
                counts.append(high - low)
                low = high
            counts.append(len(starts) - low)
        return terms, counts

    def _words(self, start: int, end: int, analyzer: Analyzer) -> tuple[list[str], list[int]]:
        """The terms of every word of text[start:end] and where they start in the paragraph."""
        if self.words is not None:
            terms, starts, _ = self.words
            low, high = bisect_left(starts, start), bisect_left(starts, end)
            return terms[low:high], starts[low:high]
        terms, starts, _ = analyzer.columns(self.text[start:end])
        return terms, [start + s for s in starts]

    def kinds(self, relevant: list[int], wanted: re.Pattern[str]
              ) -> dict[int, tuple[float, float]]:
        """Per `relevant` sentence holding a thing of the wanted kind beyond the question's
        words: (closeness to a question word, share of the question around it), the best."""
        kinds: dict[int, tuple[float, float]] = {}
        tokens = self.tokens
        if not tokens:
            return kinds
        starts = [t.start for t in tokens]
        ends = [t.end for t in tokens]
        # The share of the question around each slice of the tokens (neighbouring things of
        # the wanted kind often have the same question words around them).
        around: dict[tuple[int, int], float] = {}
        for first, last in _runs(relevant):
            a = self.sentences[first][0]
            s = first
            for m in wanted.finditer(_fold_in_place(self.text[a:self.sentences[last][1]])):
                start, end = a + m.start(), a + m.end()
                n = bisect_right(starts, start) - 1
                if n >= 0 and start < ends[n]:
                    continue  # one of the question's own words
                distance = min(max(t.start - end, start - t.end, 0)
                               for t in tokens[max(n, 0):n + 2])
                low = bisect_left(ends, start - NEIGHBOURHOOD_CHARS)
                high = bisect_right(starts, end + NEIGHBOURHOOD_CHARS)
                if (low, high) not in around:
                    around[low, high] = self.coverage({t.term for t in tokens[low:high]})
                while s < last and start >= self.sentences[s][1]:
                    s += 1
                old = kinds.get(s, (0.0, 0.0))
                kinds[s] = (max(old[0], 1 / (1 + distance / PROXIMITY_CHARS)),
                            max(old[1], around[low, high]))
        return kinds


class Found:
    """Every candidate window of a question's passages, as arrays: its passage, its span in the
    paragraph and its question words' slice of the passage's tokens. A window becomes a
    Candidate only when asked for (the chosen few, or all of them for training)."""

    def __init__(self, passages: list[_Passage], passage: np.ndarray, start: np.ndarray,
                 end: np.ndarray, low: np.ndarray, high: np.ndarray) -> None:
        self.passages = passages
        self.passage, self.start, self.end, self.low, self.high = passage, start, end, low, high

    def __len__(self) -> int:
        return len(self.start)

    def candidate(self, n: int) -> Candidate:
        """Window n as a Candidate."""
        passage = self.passages[int(self.passage[n])]
        return Candidate(passage.hit, int(self.start[n]), int(self.end[n]),
                         passage.tokens[int(self.low[n]):int(self.high[n])])

    def highlights(self, n: int) -> tuple[tuple[int, int], ...]:
        """Window n's Candidate.highlights, without the Candidate."""
        tokens = self.passages[int(self.passage[n])].tokens
        return _highlights(tokens[int(self.low[n]):int(self.high[n])], int(self.start[n]))


def candidates(hits: list[Hit], question: Question, vectors: WordVectors | None = None,
               names: tuple[str, ...] | None = None, analyzer: Analyzer = DOCUMENT_ANALYZER
               ) -> tuple[list[Candidate], np.ndarray]:
    """Every candidate window of the hits and its features, one row each, the columns named
    by `names` in that order (all FEATURES by default)."""
    found, features = windows_found(hits, question, vectors, names, analyzer)
    return [found.candidate(n) for n in range(len(found))], features


def _best_sentences(shares: np.ndarray, passage: np.ndarray) -> np.ndarray:
    """The sentences (indices end to end, in order) that hold some of the question, at most
    MAX_SCORED_SENTENCES of each passage (`passage`: each sentence's): its best, the earlier
    first between equals."""
    best = np.flatnonzero(shares > 0)
    if len(best) <= MAX_SCORED_SENTENCES:
        return best
    of = passage[best]
    if np.bincount(of).max() <= MAX_SCORED_SENTENCES:
        return best
    order = np.lexsort((best, -shares[best], of))
    ranked, of = best[order], of[order]
    place = np.arange(len(ranked)) - np.searchsorted(of, of)  # its place in its passage
    return np.sort(ranked[place < MAX_SCORED_SENTENCES])


def _window_facts(best: np.ndarray, sentence_passage: np.ndarray, bases: np.ndarray,
                  spans: np.ndarray, sentence_of: np.ndarray, tokens: np.ndarray,
                  shares: np.ndarray, pairs: int
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """_window_facts_reference's arrays, to the bit, from compiled code (_windows.c) where it
    was built: its forty-odd numpy calls on a question's tens of windows cost more than their
    arithmetic."""
    if _windows is None:
        return _window_facts_reference(best, sentence_passage, bases, spans, sentence_of, tokens,
                                       shares, pairs)
    capacity = len(best) * _AROUND_PAIRS.shape[0]
    ints = np.empty((len(_WINDOW_INTS), capacity), dtype=np.int64)
    floats = np.empty((len(_WINDOW_FLOATS), capacity))
    covered = np.zeros(len(spans), dtype=np.uint8)
    row_of = np.empty(len(spans), dtype=np.int64)
    count = _windows.windows(best, _AROUND_PAIRS, sentence_passage, bases, spans, sentence_of,
                             tokens, shares, MAX_SENTENCES, MAX_CHARS, IN_ORDER_CHARS, pairs,
                             ints, floats, covered, row_of)
    return ints[:, :count], floats[:, :count], covered.view(bool), row_of


def _window_facts_reference(best: np.ndarray, sentence_passage: np.ndarray, bases: np.ndarray,
                            spans: np.ndarray, sentence_of: np.ndarray, tokens: np.ndarray,
                            shares: np.ndarray, pairs: int
                            ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The windows around the `best` sentences and their own facts: per window its
    _WINDOW_INTS and _WINDOW_FLOATS (a row each), which sentences they cover and each one's
    row among those. The passages' sentences and tokens are laid end to end: each sentence's
    passage, span (a row of `spans`) and share, each passage's first sentence and token (a row
    of `bases`, and one past the last passage), each token's sentence and (start, end,
    column) (a row of `tokens`); `pairs`: how many neighbouring pairs the question's words
    make, at least 1."""
    sentence_base, token_base = bases.T
    starts, ends = spans.T
    token_starts, token_ends, columns = tokens.T
    # Every window around them within their passage (first and last sentence, end to end),
    # each marked once in a table of every sentence's MAX_SENTENCES possible windows, which
    # reads them in order: by passage, first sentence, last.
    i, j = best + _AROUND
    passage = sentence_passage[best]
    inside = (i >= sentence_base[passage]) & (j < sentence_base[passage + 1])
    i, j = i[inside], j[inside]
    fits = (i == j) | (ends[j] - starts[i] <= MAX_CHARS)
    marked = np.zeros(len(starts) * MAX_SENTENCES, dtype=bool)
    marked[(i * MAX_SENTENCES + j - i)[fits]] = True
    i, size = np.divmod(np.flatnonzero(marked), MAX_SENTENCES)
    j = i + size
    middle = (i + j) // 2  # a window of three sentences holds its middle one
    which = sentence_passage[i]
    first, last = i - sentence_base[which], j - sentence_base[which]
    covered = np.zeros(len(starts), dtype=bool)
    covered[i] = covered[j] = covered[middle] = True
    row_of = covered.cumsum() - 1
    start, end = starts[i], ends[j]
    length = end - start
    # Its tokens (sentence_of is in order).
    low, high = sentence_of.searchsorted(i), sentence_of.searchsorted(j, side="right")
    held = high > low
    top = np.maximum(high - 1, 0)  # its last token (when it holds one)
    bottom = np.minimum(low, top)  # its first
    last_word = np.where(held, token_ends[top], start)
    following = i + np.arange(MAX_SENTENCES)[:, None]  # its sentences, each row one of them
    after = ((following <= j) & (starts[np.minimum(following, len(starts) - 1)] >= last_word)
             ).sum(axis=0)
    # in_order_sums[k]: how many of tokens[:k + 1]'s neighbouring pairs are in order (a window's
    # pairs are within its passage: those across two passages are never counted).
    pairs_in_order = ((token_starts[1:] - token_ends[:-1] <= IN_ORDER_CHARS)
                      & (columns[1:] == columns[:-1] + 1))
    in_order_sums = np.zeros(len(pairs_in_order) + 1, dtype=np.int64)
    np.cumsum(pairs_in_order, out=in_order_sums[1:])
    in_order = np.where(held, (in_order_sums[top] - in_order_sums[bottom]) / pairs, 0.0)
    compact = np.divide(last_word - token_starts[bottom], length, out=np.zeros(len(i)),
                        where=held & (length > 0))
    ints = np.array([which, start, end, low - token_base[which], high - token_base[which],
                     row_of[i], row_of[middle], row_of[j]], dtype=np.int64)
    floats = np.array([
        last - first + 1,  # sentences
        after,  # sentences after the last question word
        length / MAX_CHARS,
        np.maximum(0, length - MAX_CHARS) / MAX_CHARS,  # overlong
        first == 0,  # first: 1 when it starts its paragraph
        in_order,  # neighbouring question words side by side, in the question's order
        compact,  # span from the first to the last question word over its length
        # The share of the question held by the sentence before it, and after it.
        np.where(first > 0, shares[i - 1], 0.0),
        np.where(j + 1 < sentence_base[which + 1], shares[np.minimum(j + 1, len(shares) - 1)],
                 0.0)], dtype=np.float64)
    return ints, floats, covered, row_of


def windows_found(hits: list[Hit], question: Question, vectors: WordVectors | None = None,
                  names: tuple[str, ...] | None = None, analyzer: Analyzer = DOCUMENT_ANALYZER
                  ) -> tuple[Found, np.ndarray]:
    """candidates' windows as arrays (Found) and their features. Which windows there are and
    what each holds (the best of what its up to three sentences hold) are worked out for all
    the question's passages at once, with numpy and the windows themselves in compiled code
    (_window_facts): a question has tens of windows, and a Python object or loop for each
    costs more than their arithmetic."""
    names = FEATURES if names is None else names
    asked = _Asked(question, vectors)
    passages = [_Passage(hit, rank, hits[0].score, asked, analyzer)
                for rank, hit in enumerate(hits)]
    # The passages' sentences and tokens laid end to end, in the passages' order, each kind in
    # one array (numpy's cost is per call): where each passage's sentences and tokens start,
    # each sentence's span and passage, each token's span and column.
    sizes = np.array([(0, 0)] + [(len(p.sentences), len(p.tokens)) for p in passages],
                     dtype=np.int64)
    bases = sizes.cumsum(axis=0)  # (sentence, token) each passage starts at, and the ends
    sentence_base = bases[:, 0]
    sentence_passage = np.arange(-1, len(passages), dtype=np.int64).repeat(sizes[:, 0])
    # (np.fromiter over the spans' numbers: np.array reads a list of pairs a pair at a time.)
    spans = np.fromiter(chain.from_iterable(chain.from_iterable(
        p.sentences for p in passages)), dtype=np.int64, count=2 * int(sentence_base[-1])
                        ).reshape(-1, 2)
    tokens = [t for p in passages for t in p.tokens]
    token_facts = np.array([(t.start, t.end, asked.order[t.term]) for t in tokens],
                           dtype=np.int64).reshape(-1, 3)  # (start, end, column) a token
    # Each token's sentence (the first that ends after its start, else its passage's last) and
    # the question's terms each sentence holds: the question's few tokens read in Python.
    sentence_list: list[int] = []
    terms_of: dict[int, tuple[int, set[str]]] = {}
    for n, (p, base) in enumerate(zip(passages, sentence_base.tolist())):
        final = len(p.sentences) - 1
        for t in p.tokens:
            s = base + min(bisect_right(p.sentences, t.start, key=_END), final)
            sentence_list.append(s)
            terms_of.setdefault(s, (n, set()))[1].add(t.term)
    sentence_of = np.array(sentence_list, dtype=np.int64)
    # The share of the question each sentence holds (title words at TITLE_TERM_WEIGHT), each
    # summed exactly (Coverage).
    shares = np.zeros(len(spans))
    for s, (n, held_terms) in terms_of.items():
        shares[s] = passages[n].titled(held_terms)
    best = _best_sentences(shares, sentence_passage)
    if not len(best):
        empty = np.zeros(0, dtype=np.int64)
        return Found([], empty, empty, empty, empty, empty), np.zeros((0, len(names)))
    window_ints, window_floats, covered, row_of = _window_facts(
        best, sentence_passage, bases, spans, sentence_of, token_facts, shares,
        max(len(asked.column) - 1, 1))
    which, start, end, low, high, first_row, middle_row, last_row = window_ints
    # The sentences of the windows, each a row of the question's sentence facts (row_of), and
    # each passage's among them (as its own indices) and where their rows start.
    rows = np.flatnonzero(covered)
    relevant, row_base = rows.tolist(), rows.searchsorted(sentence_base).tolist()
    own = [[s - base for s in relevant[row_base[n]:row_base[n + 1]]]
           for n, base in enumerate(sentence_base.tolist()[:-1])]
    # Each window's own facts, by name (Windows[name]), one value per window; and its
    # passage's: the question's titled weight in it, its BM25 score over the best passage's,
    # 1 / (1 + its rank), the share of the question it holds.
    facts = {**dict(zip(_WINDOW_FLOATS, window_floats)),
             **dict(zip(("titled_total", "passage_score", "passage_rank", "passage_share"),
                        np.array([(p.titled.total or 1.0, *p.passage) for p in passages],
                                 dtype=np.float64)[which].T))}

    # Each relevant sentence's facts (rows), from its question words (columns).
    shape = (len(relevant), len(asked.column))
    titled, untitled, held_words = np.zeros(shape), np.zeros(shape), np.zeros(shape)
    kept = covered[sentence_of]
    at = (row_of[sentence_of][kept], token_facts[:, 2][kept])
    titled_weights, untitled_weights = np.array(
        [(p.titled.weights[t.term], asked.weights[t.term]) for p in passages for t in p.tokens],
        dtype=np.float64).reshape(-1, 2)[kept].T
    np.maximum.at(titled, at, titled_weights)
    np.maximum.at(untitled, at, untitled_weights)
    held_words[at] = 1.0  # a question word of weight 0 is held all the same
    kinds = np.zeros((len(relevant), 3))
    if asked.wanted is not None:
        for p, sentences, row in zip(passages, own, row_base):
            for s, kind in p.kinds(sentences, asked.wanted).items():
                kinds[row + bisect_left(sentences, s)] = (1.0, *kind)

    words: list[str] = []
    counts: list[int] = []  # of each relevant sentence
    if asked.vector is not None:
        for p, sentences in zip(passages, own):
            terms, held_counts = p.sentence_words(sentences, analyzer)
            words.extend(terms)
            counts.extend(held_counts)
    soft, sums = _soft(asked, words, np.arange(len(relevant)).repeat(counts) if counts
                       else np.zeros(0, np.int64), len(relevant))
    windows = Windows(facts, (first_row, middle_row, last_row), titled, untitled,
                      held_words, kinds, soft, sums, asked)
    found = Found(passages, which, start, end, low, high)
    return found, feature_matrix(windows, names)


def _soft(asked: _Asked, words: list[str], rows: np.ndarray, count: int
          ) -> tuple[np.ndarray, np.ndarray | None]:
    """Per sentence (`count` of them), each question word's best similarity to one of its
    `words` (`rows`: each word's sentence, in order), above SOFT_FLOOR, scaled to 0..1; and
    the sum of each sentence's word vectors (None without vectors)."""
    soft = np.zeros((count, len(asked.column)))
    if asked.vectors is None or asked.term_vectors is None:
        return soft, None
    sums = np.zeros((count, asked.term_vectors.shape[1]), dtype=np.float32)
    found = asked.vectors.rows(words)
    known = found >= 0
    if not known.any():
        return soft, sums
    rows = rows[known]
    vectors = asked.vectors.matrix[found[known]]
    # Words are in order of their sentences: each sentence's are one slice of the columns,
    # from the first word whose sentence is not the one before's.
    starts = np.empty(len(rows), dtype=bool)
    starts[0] = True
    np.not_equal(rows[1:], rows[:-1], out=starts[1:])
    first = np.flatnonzero(starts)
    best = np.maximum.reduceat(asked.term_vectors @ vectors.T, first, axis=1)  # term × sentence
    by_column = np.zeros((len(asked.column), len(first)), dtype=np.float32)
    assert asked.term_columns is not None  # set whenever vectors know a question word
    np.maximum.at(by_column, asked.term_columns, best)
    # Clipped to 0..1 as np.clip does it, without its cost per call.
    soft[rows[first]] = np.minimum(np.maximum((by_column.T - SOFT_FLOOR) / (1 - SOFT_FLOOR), 0.0),
                                   1.0)
    sums[rows[first]] = np.add.reduceat(vectors, first, axis=0)
    return soft, sums


class Windows:
    """Every candidate window of a question with its sentences' facts, by name: what the
    feature functions read."""

    def __init__(self, facts: dict[str, np.ndarray], rows: tuple[np.ndarray, ...],
                 titled: np.ndarray, untitled: np.ndarray, held: np.ndarray, kinds: np.ndarray,
                 soft: np.ndarray, sums: np.ndarray | None, asked: _Asked) -> None:
        self.facts = facts  # each window's own facts by name (windows_found)
        # Its first, middle and last sentence's rows among the sentence facts (a window of
        # one or two sentences repeats the first as its middle).
        self.first_row, self.middle_row, self.last_row = rows
        # Per sentence (row) and question word (column): its weight held, title words at
        # TITLE_TERM_WEIGHT; at full weight; 1 when held (a word of weight 0 all the same).
        self.titled, self.untitled, self.held = titled, untitled, held
        self.kinds = kinds  # per sentence: holds the wanted kind; its closeness; neighbourhood
        self.soft = np.maximum(soft, held)  # a word held is a soft match of 1
        self.sums = sums
        self.asked = asked
        # What most features read, worked out once (every model reads them all). Sums with
        # np.add.reduce, here and in the features: an array's sum() method, the same reduce
        # behind a Python wrapper, costs more than a question's tens of values.
        self.bests = self._bests()
        self.total = asked.coverage.total or 1.0
        self.untitled_share = np.add.reduce(self.bests["untitled"], axis=1) / self.total
        self.soft_share = self.bests["soft"] @ asked.word_weights / self.total
        self.best_kind, self.best_held = self.bests["kinds"], self.bests["held"]

    def __getitem__(self, name: str) -> np.ndarray:
        """One of the windows' own facts (windows_found), one value per window."""
        return self.facts[name]

    def best(self, per_sentence: np.ndarray) -> np.ndarray:
        """Per window, the best of its sentences' values."""
        return np.maximum(np.maximum(per_sentence[self.first_row], per_sentence[self.middle_row]),
                          per_sentence[self.last_row])

    def _bests(self) -> dict[str, np.ndarray]:
        """best() of each sentence fact the features read, all in one: numpy's cost is per
        call, not per value, on a question's tens of windows (one C call where _windows.c was
        built, one numpy call its reference). Each is laid out as best() gives it, so that sums
        and products over it are those of best()'s own result."""
        facts = {"titled": self.titled, "untitled": self.untitled, "soft": self.soft,
                 "held": self.held, "kinds": self.kinds,
                 "sentence_titled": np.add.reduce(self.titled, axis=1)[:, None]}
        bests, at = {}, 0
        if _windows is None:  # the reference
            stacked = self.best(np.concatenate(list(facts.values()), axis=1))
            for name, fact in facts.items():
                bests[name] = np.ascontiguousarray(stacked[:, at:at + fact.shape[1]])
                at += fact.shape[1]
            return bests
        # Compiled (_windows.c): each fact's best laid out in a block of its own.
        count = len(self.first_row)
        blocks = np.empty(count * sum(fact.shape[1] for fact in facts.values()))
        _windows.bests(self.first_row, self.middle_row, self.last_row, tuple(facts.values()),
                       len(self.titled), blocks)
        for name, fact in facts.items():
            bests[name] = blocks[at:at + count * fact.shape[1]].reshape(count, fact.shape[1])
            at += count * fact.shape[1]
        return bests


# The window features by name, each declared once; a ranker lists the ones it was trained on.
FEATURE_FUNCTIONS: dict[str, Callable[[Windows], np.ndarray]] = {}
# The features that tell whether to answer but not which window: the ranker is not trained on
# them (the answerability model reads every feature).
_UNRANKED: set[str] = set()


def feature(name: str, ranked: bool = True) -> Callable[[Callable[[Windows], np.ndarray]],
                                                         Callable[[Windows], np.ndarray]]:
    """Declares the function that computes feature `name` for every window of a question;
    `ranked`: whether the window ranker is trained on it."""
    def declare(function: Callable[[Windows], np.ndarray]) -> Callable[[Windows], np.ndarray]:
        if name in FEATURE_FUNCTIONS:
            raise ValueError(f"feature {name} is declared twice")
        FEATURE_FUNCTIONS[name] = function
        if not ranked:
            _UNRANKED.add(name)
        return function
    return declare


def feature_matrix(windows: Windows, names: tuple[str, ...]) -> np.ndarray:
    """One row per window, one column per named feature, in the order of `names`."""
    # Stacked in one call, column-major: the ranker reads its first columns as one block (its
    # product sums over a column-major block in its own order, which its scores keep to the
    # last bit).
    columns = [FEATURE_FUNCTIONS[name](windows) for name in names]
    return np.array(columns, dtype=np.float64).reshape(len(names), len(windows.first_row)).T


@feature("share")
def _share(w: Windows) -> np.ndarray:
    """Weighted share of the question's words held (title words: TITLE_TERM_WEIGHT)."""
    return np.add.reduce(w.bests["titled"], axis=1) / w["titled_total"]


@feature("share_untitled")
def _share_untitled(w: Windows) -> np.ndarray:
    """The same with title words at full weight."""
    return w.untitled_share


@feature("best_sentence_share")
def _best_sentence_share(w: Windows) -> np.ndarray:
    """The best "share" of one of its sentences."""
    return w.bests["sentence_titled"][:, 0] / w["titled_total"]


@feature("soft_share")
def _soft_share(w: Windows) -> np.ndarray:
    """Share held in meaning: each word at its best vector similarity."""
    return w.soft_share


@feature("soft_gain")
def _soft_gain(w: Windows) -> np.ndarray:
    """What the words alone do not show: soft_share minus share_untitled."""
    return w.soft_share - w.untitled_share


@feature("passage_score")
def _passage_score(w: Windows) -> np.ndarray:
    """Its passage's BM25 score over the best passage's."""
    return w["passage_score"]


@feature("passage_rank")
def _passage_rank(w: Windows) -> np.ndarray:
    """1 / (1 + its passage's rank)."""
    return w["passage_rank"]


@feature("passage_share")
def _passage_share(w: Windows) -> np.ndarray:
    """Share of the question its whole passage holds."""
    return w["passage_share"]


@feature("kind")
def _kind(w: Windows) -> np.ndarray:
    """Holds a thing of the wanted kind beyond the question's own words."""
    return w.best_kind[:, 0]


@feature("kind_closeness")
def _kind_closeness(w: Windows) -> np.ndarray:
    """How close the nearest such thing stands to a question word."""
    return w.best_kind[:, 1]


@feature("kind_neighbourhood")
def _kind_neighbourhood(w: Windows) -> np.ndarray:
    """The best share of the question around one such thing."""
    return w.best_kind[:, 2]


@feature("after")
def _after(w: Windows) -> np.ndarray:
    """Sentences after the last question word (the answer often follows them)."""
    return w["after"]


@feature("sentences")
def _sentences(w: Windows) -> np.ndarray:
    """How many sentences."""
    return w["sentences"]


@feature("length")
def _length(w: Windows) -> np.ndarray:
    """Characters / MAX_CHARS."""
    return w["length"]


@feature("overlong")
def _overlong(w: Windows) -> np.ndarray:
    """Characters beyond MAX_CHARS / MAX_CHARS."""
    return w["overlong"]


@feature("first")
def _first(w: Windows) -> np.ndarray:
    """Starts its paragraph."""
    return w["first"]


@feature("words_held")
def _words_held(w: Windows) -> np.ndarray:
    """Share of the question's words held, unweighted."""
    return np.add.reduce(w.best_held, axis=1) / len(w.asked.coverage.group_weights)


@feature("in_order")
def _in_order(w: Windows) -> np.ndarray:
    """Neighbouring question words found side by side, in the question's order."""
    return w["in_order"]


@feature("compact")
def _compact(w: Windows) -> np.ndarray:
    """Span from the first to the last question word over the window's length."""
    return w["compact"]


@feature("share_before")
def _share_before(w: Windows) -> np.ndarray:
    """Share of the question held by the sentence before the window."""
    return w["share_before"]


@feature("share_after")
def _share_after(w: Windows) -> np.ndarray:
    """Share of the question held by the sentence after the window."""
    return w["share_after"]


@feature("centroid")
def _centroid(w: Windows) -> np.ndarray:
    """Cosine of the window's mean word vector and the question's (0 without vectors)."""
    if w.sums is None:
        return np.zeros(len(w.first_row))
    count = w["sentences"]
    summed = (w.sums[w.first_row] + w.sums[w.middle_row] * (count == 3)[:, None]
              + w.sums[w.last_row] * (count > 1)[:, None])
    # Its norm as np.linalg.norm(summed, axis=1) works it out, without its checks.
    norm = np.sqrt(np.add.reduce(summed * summed, axis=1))
    return summed @ w.asked.vector / np.maximum(norm, 1e-9)


@feature("soft_rank")
def _soft_rank(w: Windows) -> np.ndarray:
    """1 / (1 + how many of the question's windows have a higher soft share); shares equal to
    SOFT_RANK_DECIMALS tie (other sums of the same weights)."""
    rounded = w.soft_share.round(SOFT_RANK_DECIMALS).tolist()
    # Ranked in Python: numpy's sort and search cost more per call than tens of windows do.
    ordered = sorted(rounded)
    return np.array([1 / (1 + len(ordered) - bisect_right(ordered, r)) for r in rounded])


@feature("rare_missing")
def _rare_missing(w: Windows) -> np.ndarray:
    """Weighted share of the question's rarer half of words (at or above the median weight)
    that the window does not hold as such: the words that anchor a question."""
    rare = w.asked.rare
    return (1 - w.best_held) @ rare / (np.add.reduce(rare) or 1.0)


@feature("names_missing")
def _names_missing(w: Windows) -> np.ndarray:
    """Share of the question's names the window does not hold (0 for a question without)."""
    names = w.asked.name_columns
    if not names.any():
        return np.zeros(len(w.first_row))
    return (1 - w.best_held[:, names]).mean(axis=1)


@feature("question_unknown")
def _question_unknown(w: Windows) -> np.ndarray:
    """Weighted share of the question's words that no passage holds (respelled to the
    nearest one that does): the same for all its windows. An English word is unknown when
    none of its translations is held, not when one is not."""
    if not w.asked.respelled:  # most questions: every word as asked (0 without the arithmetic)
        return np.zeros(len(w.first_row))
    return np.full(len(w.first_row), w.asked.word_weights @ w.asked.unknown_columns / w.total)


@feature("title_share", ranked=False)
def _title_share(w: Windows) -> np.ndarray:
    """Share of the question its article's title holds: a question names its article's
    subject, where one on a subject no article is about finds its words in passages only. It
    tells the answerability model when not to answer (in cross-validation, unanswerable
    questions refused 80.0% → 83.3% at the same coverage); the ranker, whose passage score
    reads the title already, gains nothing from it (+0.2 points of first quote right, noise)."""
    return (w.total - w["titled_total"]) / ((1 - TITLE_TERM_WEIGHT) * w.total)


# Every feature's name, in the order of declaration; those the window ranker is trained on.
FEATURES = tuple(FEATURE_FUNCTIONS)
RANKED_FEATURES = tuple(name for name in FEATURES if name not in _UNRANKED)
