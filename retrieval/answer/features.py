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

import heapq
import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property, lru_cache

import numpy as np

from ..text.analysis import DOCUMENT_ANALYZER, Analyzer, Token, remove_accents
from ..text.sentences import sentence_spans
from ..text.vectors import WordVectors
from .question import Coverage
from .results import Hit

MAX_CHARS = 300
MAX_SENTENCES = 3


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
        return tuple((t.start - self.start, t.end - self.start) for t in self.matched)


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


class _FoldTable(dict):
    """str.translate's table that removes accents one character for one, filled as it goes."""

    def __missing__(self, code: int) -> str:
        self[code] = remove_accents(chr(code))[:1] or chr(code)
        return self[code]


_FOLD_TABLE = _FoldTable()


# A character that may carry an accent: ASCII ones never do.
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _fold_in_place(text: str) -> str:
    """Accents removed character by character, so that offsets stay those of the text (only
    the few non-ASCII characters looked up: str.translate looks up every one)."""
    return text if text.isascii() else _NON_ASCII.sub(
        lambda m: _FOLD_TABLE[ord(m.group())], text)


def _by_sentence(tokens: list[Token], sentences: list[tuple[int, int]]) -> list[list[Token]]:
    """The tokens of each sentence (both in order: one pass)."""
    out: list[list[Token]] = [[] for _ in sentences]
    s = 0
    for t in tokens:
        while s < len(sentences) - 1 and t.start >= sentences[s][1]:
            s += 1
        out[s].append(t)
    return out


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
        self.column = {g: n for n, g in enumerate(self.coverage.group_weights)}
        self.word_weights = np.array(list(self.coverage.group_weights.values()))  # by column
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
            self.vector = mean / (np.linalg.norm(mean) or 1.0)


@lru_cache(maxsize=TITLE_CACHE_SIZE)
def _title_terms(title: str, analyzer: Analyzer) -> frozenset[str]:
    """The terms of an article's title (read for each of its passages that is a hit)."""
    return frozenset(analyzer.terms(title))


class _Passage:
    """One passage read for a question: its sentences, matched words and per-sentence facts,
    from which each window's features are put together in constant time."""

    def __init__(self, hit: Hit, rank: int, top: float, asked: _Asked,
                 analyzer: Analyzer) -> None:
        self.hit = hit
        self.text = text = hit.passage.paragraph.text
        weights = asked.weights
        self.asked, self.coverage = asked, asked.coverage
        stored = hit.words  # as the index analysed it, if it keeps that
        title = stored.title if stored else _title_terms(hit.passage.document.title, analyzer)
        self.titled = (Coverage({t: w * TITLE_TERM_WEIGHT if t in title else w
                                 for t, w in weights.items()}, asked.groups)
                       if not title.isdisjoint(weights) else asked.coverage)
        # Else a paragraph of ordinary length is analysed once, for exact and soft matches.
        self.sentences = stored.sentences if stored else sentence_spans(text)
        self.words = (stored[:3] if stored else
                      analyzer.columns(text) if len(text) <= ANALYSE_WHOLE_CHARS else None)
        tokens = ([Token(t, a, b) for t, a, b in zip(*self.words) if t in weights]
                  if self.words is not None else analyzer.matches(text, weights))
        # A name is matched only by a capitalised word: « bois » does not stand for « Boise ».
        self.tokens = ([t for t in tokens if t.term not in asked.names or text[t.start].isupper()]
                       if asked.names else tokens)
        self.by_sentence = _by_sentence(self.tokens, self.sentences)
        self.shares = [self.titled({t.term for t in ts}) if ts else 0.0 for ts in self.by_sentence]
        self.passage = (hit.score / top if top else 0.0, 1 / (1 + rank), self.coverage(hit.matched))
        self.windows = self._windows()
        # The sentences of its windows, each a row of the question's sentence facts.
        self.relevant = sorted({s for i, j in self.windows for s in range(i, j + 1)})
        self.kinds = self._kinds(self.relevant, asked.wanted)

    def _windows(self) -> list[tuple[int, int]]:
        """(first, last) sentence of every window around the sentences that hold the most, and
        of their neighbours alone."""
        held = [i for i, s in enumerate(self.shares) if s > 0]
        best = (held if len(held) <= MAX_SCORED_SENTENCES else
                heapq.nlargest(MAX_SCORED_SENTENCES, held, key=self.shares.__getitem__))
        sentences, windows = self.sentences, set()
        for s in best:
            for i in range(max(0, s - MAX_SENTENCES + 1), s + 1):
                for j in range(s, min(i + MAX_SENTENCES, len(sentences))):
                    if j == i or sentences[j][1] - sentences[i][0] <= MAX_CHARS:
                        windows.add((i, j))
            # The sentence just before or after, alone: the answer is often the sentence next
            # to the question's words, and the two together may be too long to quote
            # (+2 points of PIAF questions with an answering window).
            windows.update((n, n) for n in (s - 1, s + 1) if 0 <= n < len(sentences))
        return sorted(windows)

    def sentence_words(self, offset: int, analyzer: Analyzer) -> tuple[list[str], np.ndarray]:
        """The terms of the words of its windows' sentences, and the row of each one's
        sentence among the question's sentence facts (this passage's start at `offset`)."""
        starts = [self.sentences[s][0] for s in self.relevant]
        terms: list[str] = []
        positions: list[int] = []
        for first, last in _runs(self.relevant):
            run = self._words(self.sentences[first][0], self.sentences[last][1], analyzer)
            terms.extend(run[0])
            positions.extend(run[1])
        return terms, offset + np.searchsorted(starts, positions, side="right") - 1

    def _words(self, start: int, end: int, analyzer: Analyzer) -> tuple[list[str], list[int]]:
        """The terms of every word of text[start:end] and where they start in the paragraph."""
        if self.words is not None:
            terms, starts, _ = self.words
            low, high = bisect_left(starts, start), bisect_left(starts, end)
            return terms[low:high], starts[low:high]
        terms, starts, _ = analyzer.columns(self.text[start:end])
        return terms, [start + s for s in starts]

    def _kinds(self, relevant: list[int], wanted: re.Pattern[str] | None
               ) -> dict[int, tuple[float, float]]:
        """Per relevant sentence holding a thing of the wanted kind beyond the question's
        words: (closeness to a question word, share of the question around it), the best."""
        kinds: dict[int, tuple[float, float]] = {}
        if wanted is None or not self.tokens:
            return kinds
        tokens = self.tokens
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


def candidates(hits: list[Hit], question: Question, vectors: WordVectors | None = None,
               names: tuple[str, ...] | None = None, analyzer: Analyzer = DOCUMENT_ANALYZER
               ) -> tuple[list[Candidate], np.ndarray]:
    """Every candidate window of the hits and its features, one row each, the columns named
    by `names` in that order (all FEATURES by default)."""
    found, features = windows_found(hits, question, vectors, names, analyzer)
    return [found.candidate(n) for n in range(len(found))], features


def windows_found(hits: list[Hit], question: Question, vectors: WordVectors | None = None,
                  names: tuple[str, ...] | None = None, analyzer: Analyzer = DOCUMENT_ANALYZER
                  ) -> tuple[Found, np.ndarray]:
    """candidates' windows as arrays (Found) and their features. What a window holds is the
    best of what its (up to three) sentences hold, worked out with numpy for all the
    question's windows at once: a question has tens of windows, and a Python object for each
    costs more than their arithmetic."""
    names = FEATURES if names is None else names
    asked = _Asked(question, vectors)
    passages = [_Passage(hit, rank, hits[0].score, asked, analyzer)
                for rank, hit in enumerate(hits)]
    if not any(p.windows for p in passages):
        empty = np.zeros(0, dtype=np.int64)
        return Found([], empty, empty, empty, empty, empty), np.zeros((0, len(names)))
    # The passages' sentences, tokens and windows laid end to end, in the passages' order,
    # each kind in one array (numpy's cost is per call): where each passage's start
    # (sentence, token and relevant sentence), each sentence's span, each token's span and
    # column, each window's passage and first and last sentence.
    sentence_base, token_base, row_base = np.cumsum(
        [(0, 0, 0)] + [(len(p.sentences), len(p.tokens), len(p.relevant)) for p in passages],
        axis=0).T
    starts, ends = np.array([s for p in passages for s in p.sentences],
                            dtype=np.int64).reshape(-1, 2).T
    shares = np.array([x for p in passages for x in p.shares], dtype=np.float64)
    counts = np.array([len(ts) for p in passages for ts in p.by_sentence], dtype=np.int64)
    offsets = np.concatenate(([0], np.cumsum(counts)))  # a sentence's first token
    tokens = [t for p in passages for t in p.tokens]
    token_starts, token_ends, columns = np.array(
        [(t.start, t.end, asked.order[t.term]) for t in tokens], dtype=np.int64).reshape(-1, 3).T
    relevant = np.array([base + s for p, base in zip(passages, sentence_base.tolist())
                         for s in p.relevant], dtype=np.int64)
    which, first, last = np.array([(n, i, j) for n, p in enumerate(passages) for i, j in p.windows],
                                  dtype=np.int64).T
    i, j = first + sentence_base[which], last + sentence_base[which]

    start, end = starts[i], ends[j]
    length = end - start
    low, high = offsets[i], offsets[j + 1]
    held = high > low
    last_word = np.where(held, token_ends[np.maximum(high - 1, 0)], start)
    following = i + np.arange(MAX_SENTENCES)[:, None]  # its sentences, each row one of them
    after = ((following <= j) & (starts[np.minimum(following, len(starts) - 1)] >= last_word)
             ).sum(axis=0)
    # in_order_sums[k]: how many of tokens[:k + 1]'s neighbouring pairs are in order (a window's
    # pairs are within its passage: those across two passages are never counted).
    pairs_in_order = ((token_starts[1:] - token_ends[:-1] <= IN_ORDER_CHARS)
                      & (columns[1:] == columns[:-1] + 1))
    in_order_sums = np.concatenate(([0], np.cumsum(pairs_in_order)))
    pairs = max(len(asked.column) - 1, 1)
    top = np.maximum(high - 1, 0)
    in_order = np.where(held, (in_order_sums[top] - in_order_sums[np.minimum(low, top)]) / pairs,
                        0.0)
    compact = np.zeros(len(i))
    spanned = held & (length > 0)
    compact[spanned] = ((last_word - token_starts[np.minimum(low, top)])[spanned]
                        / length[spanned])
    count = np.array([len(p.sentences) for p in passages], dtype=np.int64)[which]
    rows = np.searchsorted(relevant, i)
    # Each window's own facts, by name (Windows[name]), one value per window.
    facts = {
        # Its first, middle and last sentence's rows among the question's sentence facts (a
        # window of one or two sentences repeats the first as its middle).
        "first_row": rows.astype(np.float64),
        "middle_row": np.where(last - first == 2, rows + 1, rows).astype(np.float64),
        "last_row": np.searchsorted(relevant, j).astype(np.float64),
        "sentences": (last - first + 1).astype(np.float64),
        # Its passage's: the question's titled weight in it, its BM25 score over the best
        # passage's, 1 / (1 + its rank), the share of the question it holds.
        **dict(zip(("titled_total", "passage_score", "passage_rank", "passage_share"),
                   np.array([(p.titled.total or 1.0, *p.passage) for p in passages],
                            dtype=np.float64)[which].T)),
        "after": after.astype(np.float64),  # sentences after the last question word
        "length": length / MAX_CHARS,
        "overlong": np.maximum(0, length - MAX_CHARS) / MAX_CHARS,
        "first": (first == 0).astype(np.float64),  # 1 when it starts its paragraph
        # Neighbouring question words side by side, in the question's order.
        "in_order": in_order,
        "compact": compact,  # span from the first to the last question word over its length
        # The share of the question held by the sentence before it, and after it.
        "share_before": np.where(first > 0, shares[i - 1], 0.0),
        "share_after": np.where(last + 1 < count, shares[np.minimum(j + 1, len(shares) - 1)],
                                0.0),
    }

    # Each relevant sentence's facts (rows), from its question words (columns).
    size = (len(relevant), len(asked.column))
    titled, untitled, held_words = np.zeros(size), np.zeros(size), np.zeros(size)
    sentence_of = np.repeat(np.arange(len(counts)), counts)
    token_rows = np.searchsorted(relevant, sentence_of)
    kept = token_rows < len(relevant)
    kept[kept] = relevant[token_rows[kept]] == sentence_of[kept]
    at = (token_rows[kept], columns[kept])
    np.maximum.at(titled, at, np.array([p.titled.weights[t.term] for p in passages
                                        for t in p.tokens], dtype=np.float64)[kept])
    np.maximum.at(untitled, at, np.array([asked.weights[t.term] for t in tokens],
                                         dtype=np.float64)[kept])
    held_words[at] = 1.0  # a question word of weight 0 is held all the same
    kinds = np.zeros((len(relevant), 3))
    for p, base in zip(passages, row_base):
        for r, s in enumerate(p.relevant):
            if s in p.kinds:
                kinds[base + r] = (1.0, *p.kinds[s])

    words: list[str] = []
    where: list[np.ndarray] = []
    if asked.vector is not None:
        for p, base in zip(passages, row_base):
            terms, rows_of = p.sentence_words(int(base), analyzer)
            words.extend(terms)
            where.append(rows_of)
    soft, sums = _soft(asked, words, np.concatenate(where) if where else np.zeros(0, np.int64),
                       len(relevant))
    windows = Windows(facts, titled, untitled, held_words, kinds, soft, sums, asked)
    found = Found(passages, which, start, end, low - token_base[which],
                  high - token_base[which])
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
    # Words are in order of their sentences: each sentence's are one slice of the columns.
    first = np.flatnonzero(np.diff(rows, prepend=-1))
    best = np.maximum.reduceat(asked.term_vectors @ vectors.T, first, axis=1)  # term × sentence
    by_column = np.zeros((len(asked.column), len(first)), dtype=np.float32)
    assert asked.term_columns is not None  # set whenever vectors know a question word
    np.maximum.at(by_column, asked.term_columns, best)
    soft[rows[first]] = np.clip((by_column.T - SOFT_FLOOR) / (1 - SOFT_FLOOR), 0.0, 1.0)
    sums[rows[first]] = np.add.reduceat(vectors, first, axis=0)
    return soft, sums


class Windows:
    """Every candidate window of a question with its sentences' facts, by name: what the
    feature functions read."""

    def __init__(self, facts: dict[str, np.ndarray], titled: np.ndarray, untitled: np.ndarray,
                 held: np.ndarray, kinds: np.ndarray, soft: np.ndarray, sums: np.ndarray | None,
                 asked: _Asked) -> None:
        self.facts = facts  # each window's own facts by name (windows_found)
        # Per sentence (row) and question word (column): its weight held, title words at
        # TITLE_TERM_WEIGHT; at full weight; 1 when held (a word of weight 0 all the same).
        self.titled, self.untitled, self.held = titled, untitled, held
        self.kinds = kinds  # per sentence: holds the wanted kind; its closeness; neighbourhood
        self.soft = np.maximum(soft, held)  # a word held is a soft match of 1
        self.sums = sums
        self.asked = asked
        self.first_row, self.middle_row, self.last_row = (
            facts[name].astype(np.int64) for name in ("first_row", "middle_row", "last_row"))

    def __getitem__(self, name: str) -> np.ndarray:
        """One of the windows' own facts (windows_found), one value per window."""
        return self.facts[name]

    def best(self, per_sentence: np.ndarray) -> np.ndarray:
        """Per window, the best of its sentences' values."""
        return np.maximum(np.maximum(per_sentence[self.first_row], per_sentence[self.middle_row]),
                          per_sentence[self.last_row])

    @cached_property
    def bests(self) -> dict[str, np.ndarray]:
        """best() of each sentence fact the features read, all in one: numpy's cost is per
        call, not per value, on a question's tens of windows. Each is laid out as best() gives
        it, so that sums and products over it are those of best()'s own result."""
        facts = {"titled": self.titled, "untitled": self.untitled, "soft": self.soft,
                 "held": self.held, "kinds": self.kinds,
                 "sentence_titled": self.titled.sum(axis=1)[:, None]}
        stacked = self.best(np.concatenate(list(facts.values()), axis=1))
        bests, at = {}, 0
        for name, fact in facts.items():
            bests[name] = np.ascontiguousarray(stacked[:, at:at + fact.shape[1]])
            at += fact.shape[1]
        return bests

    @cached_property
    def total(self) -> float:
        return self.asked.coverage.total or 1.0

    @cached_property
    def untitled_share(self) -> np.ndarray:
        return self.bests["untitled"].sum(axis=1) / self.total

    @cached_property
    def soft_share(self) -> np.ndarray:
        return self.bests["soft"] @ self.asked.word_weights / self.total

    @cached_property
    def best_kind(self) -> np.ndarray:
        return self.bests["kinds"]

    @cached_property
    def best_held(self) -> np.ndarray:
        return self.bests["held"]


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
    matrix = np.empty((len(windows.first_row), len(names)))
    for column, name in enumerate(names):
        matrix[:, column] = FEATURE_FUNCTIONS[name](windows)
    return matrix


@feature("share")
def _share(w: Windows) -> np.ndarray:
    """Weighted share of the question's words held (title words: TITLE_TERM_WEIGHT)."""
    return w.bests["titled"].sum(axis=1) / w["titled_total"]


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
    return w.best_held.sum(axis=1) / len(w.asked.coverage.group_weights)


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
    return summed @ w.asked.vector / np.maximum(np.linalg.norm(summed, axis=1), 1e-9)


@feature("soft_rank")
def _soft_rank(w: Windows) -> np.ndarray:
    """1 / (1 + how many of the question's windows have a higher soft share); shares equal to
    SOFT_RANK_DECIMALS tie (other sums of the same weights)."""
    rounded = w.soft_share.round(SOFT_RANK_DECIMALS)
    return 1 / (1 + np.searchsorted(-np.sort(rounded)[::-1], -rounded, side="left"))


def _columns_of(w: Windows, terms: frozenset[str]) -> np.ndarray:
    """Which of the question's words (columns) the terms stand for."""
    mask = np.zeros(len(w.asked.column), dtype=bool)
    for t in terms:
        if t in w.asked.groups:
            mask[w.asked.column[w.asked.groups[t]]] = True
    return mask


@feature("rare_missing")
def _rare_missing(w: Windows) -> np.ndarray:
    """Weighted share of the question's rarer half of words (at or above the median weight)
    that the window does not hold as such: the words that anchor a question."""
    ordered = sorted(w.asked.coverage.group_weights.values())
    half = len(ordered) // 2
    # The median as np.median gives it, without its cost on a few values.
    median = ordered[half] if len(ordered) % 2 else (ordered[half - 1] + ordered[half]) / 2
    weights = w.asked.word_weights
    rare = np.where(weights >= median, weights, 0.0)
    return (1 - w.best_held) @ rare / (rare.sum() or 1.0)


@feature("names_missing")
def _names_missing(w: Windows) -> np.ndarray:
    """Share of the question's names the window does not hold (0 for a question without)."""
    names = _columns_of(w, w.asked.names)
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
    weights = w.asked.word_weights
    held = frozenset(w.asked.weights) - w.asked.respelled
    unknown = _columns_of(w, w.asked.respelled) & ~_columns_of(w, held)
    return np.full(len(w.first_row), weights @ unknown / w.total)


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
