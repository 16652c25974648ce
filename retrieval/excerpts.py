"""Excerpts: the short verbatim windows of a passage that answer a question.

A window is one sentence, or up to three neighbouring ones that fit in MAX_CHARS. Each
candidate window is described by features (FEATURES: how much of the question it holds, exactly
and in meaning through word vectors, how good its passage is, whether it holds the kind of thing
the question asks for (a number for "combien", a date for "quand", a name for "qui") and how
well that thing's own neighbourhood matches the question, its length...), and a ranker learned
on PIAF (`ranker.py`) scores them. All the work is linear in the passage's length.
"""

from __future__ import annotations

import heapq
import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .analysis import DOCUMENT_ANALYZER, Analyzer, Token, remove_accents
from .index import Hit
from .query import Coverage
from .ranker import WindowRanker
from .vectors import WordVectors

MAX_CHARS = 300
MAX_SENTENCES = 3
# How far before a full stop the word it ends is looked for: longer than any abbreviation or
# initials ("J.-C."), and bounded, so that splitting stays linear in the paragraph's length.
LAST_WORD_LOOKBACK = 40

# A sentence ends with . ! ? or … (then maybe closing quotes or brackets, spaced in the French
# way: « Et après ? »), before white space and something that can start a sentence.
_SENTENCE_END = re.compile(r"[.!?…]+(?:[^\S\n]?[»\"”’)\]])*(?=\s+[«\"“(\[—–-]?\s*[A-ZÀ-ÖØ-Þ0-9])")
# The word before a full stop (initials such as "J.-C" included).
_LAST_WORD = re.compile(r"[\w.-]+\Z")
# A number just before a one-letter word: "18 h." is an hour and "5 m." a length, not initials.
_NUMBER_BEFORE = re.compile(r"\d\s?\Z")
# Words after which a full stop does not end the sentence.
_ABBREVIATIONS = frozenset(
    "m mm mme mmes mlle dr pr me st ste av apr j.-c jc etc cf p pp vol no art al gén col cap "
    "mr mrs ms prof sr jr vs fig ed éd chap".split()
)


@dataclass(frozen=True, slots=True)
class Source:
    """Where an excerpt comes from: the document, its paragraph, and the span in the file."""

    document: str
    title: str
    url: str | None
    paragraph: int
    start: int
    end: int
    date: str | None = None


@dataclass(frozen=True, slots=True)
class Excerpt:
    """A verbatim quote, its score, the matched words' spans (relative to the quote)."""

    text: str
    score: float
    highlights: tuple[tuple[int, int], ...]
    source: Source


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Spans of the sentences of a paragraph (initials and abbreviations do not end one)."""
    spans, start = [], 0
    for m in _SENTENCE_END.finditer(text):
        lookback = text[max(start, m.start() - LAST_WORD_LOOKBACK):m.start()]
        before = _LAST_WORD.search(lookback)
        word = before.group().casefold().rstrip(".") if before and m.group()[0] == "." else ""
        initial = (len(word) == 1 and word.isalpha()
                   and not _NUMBER_BEFORE.search(lookback, 0, before.start()))
        if word and (initial or word in _ABBREVIATIONS):
            continue
        spans.append((start, m.end()))
        start = m.end()
        while start < len(text) and text[start].isspace():
            start += 1
    if start < len(text) and text[start:].strip():
        spans.append((start, len(text.rstrip())))
    return spans


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

# What the ranker sees of each candidate window, in the order of its weights.
FEATURES = (
    "share",  # weighted share of the question's words held (title words: TITLE_TERM_WEIGHT)
    "share_untitled",  # the same with title words at full weight
    "best_sentence_share",  # the best "share" of one of its sentences
    "soft_share",  # share held in meaning: each word at its best vector similarity
    "soft_gain",  # soft_share minus share_untitled: what the words alone do not show
    "passage_score",  # its passage's BM25 score over the best passage's
    "passage_rank",  # 1 / (1 + its passage's rank)
    "passage_share",  # share of the question its whole passage holds
    "kind",  # holds a thing of the wanted kind beyond the question's own words
    "kind_closeness",  # how close the nearest such thing stands to a question word
    "kind_neighbourhood",  # the best share of the question around one such thing
    "after",  # sentences after the last question word (the answer often follows them)
    "sentences",  # how many sentences
    "length",  # characters / MAX_CHARS
    "overlong",  # characters beyond MAX_CHARS / MAX_CHARS
    "first",  # starts its paragraph
    "words_held",  # share of the question's words held, unweighted
    "in_order",  # neighbouring question words found side by side, in the question's order
    "compact",  # span from the first to the last question word over the window's length
    "share_before",  # share of the question held by the sentence before the window
    "share_after",  # share of the question held by the sentence after the window
    "centroid",  # cosine of the window's mean word vector and the question's
    "soft_rank",  # 1 / its rank by soft_share among all the question's windows (ties: best)
)


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


class _FoldTable(dict):
    """str.translate's table that removes accents one character for one, filled as it goes."""

    def __missing__(self, code: int) -> str:
        self[code] = remove_accents(chr(code))[:1] or chr(code)
        return self[code]


_FOLD_TABLE = _FoldTable()


def _fold_in_place(text: str) -> str:
    """Accents removed character by character, so that offsets stay those of the text."""
    return text.translate(_FOLD_TABLE)


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
        self.coverage = Coverage(question.weights, question.groups)
        self.column = {g: n for n, g in enumerate(self.coverage.group_weights)}
        self.order = {t: n for n, t in enumerate(question.weights)}
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
        title = _title_terms(hit.passage.document.title, analyzer)
        self.titled = (Coverage({t: w * TITLE_TERM_WEIGHT if t in title else w
                                 for t, w in weights.items()}, asked.groups)
                       if not title.isdisjoint(weights) else asked.coverage)
        self.sentences = sentence_spans(text)
        # A paragraph of ordinary length is analysed once, for both exact and soft matches.
        self.words = analyzer.columns(text) if len(text) <= ANALYSE_WHOLE_CHARS else None
        self.tokens = ([Token(*word) for word in zip(*self.words) if word[0] in weights]
                       if self.words is not None else analyzer.matches(text, weights))
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
        best = heapq.nlargest(MAX_SCORED_SENTENCES,
                              (i for i, s in enumerate(self.shares) if s > 0),
                              key=self.shares.__getitem__)
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
                around = self.coverage({t.term for t in tokens[low:high]})
                while s < last and start >= self.sentences[s][1]:
                    s += 1
                old = kinds.get(s, (0.0, 0.0))
                kinds[s] = (max(old[0], 1 / (1 + distance / PROXIMITY_CHARS)),
                            max(old[1], around))
        return kinds

    def sentence_facts(self) -> list[tuple]:
        """Per sentence of a window, in order: the titled and untitled weight of each question
        word it holds (0 when it does not), whether it holds it, and the wanted-kind facts
        (held, closeness, neighbourhood). Soft matches are _soft's, for all passages at once."""
        column = self.asked.column
        facts = []
        for s in self.relevant:
            titled, untitled = [0.0] * len(column), [0.0] * len(column)
            held = [False] * len(column)
            for t in self.by_sentence[s]:
                g = column[self.coverage.groups[t.term]]
                titled[g] = max(titled[g], self.titled.weights[t.term])
                untitled[g] = max(untitled[g], self.coverage.weights[t.term])
                held[g] = True  # a question word of weight 0 is held all the same
            kind = (1.0, *self.kinds[s]) if s in self.kinds else (0.0, 0.0, 0.0)
            facts.append((titled, untitled, held, kind))
        return facts

    def window_facts(self, offset: int) -> tuple[list[tuple], list[Candidate]]:
        """Per window: the rows of its first, middle and last sentence among all the
        question's sentence facts (this passage's start at `offset`; a window of one or two
        sentences repeats one), its sentence count, its passage's titled total and facts, and
        what its span and words say (after, length, overlong, first, in_order, compact,
        share_before, share_after); and the window as a Candidate."""
        tokens, sentences, shares = self.tokens, self.sentences, self.shares
        row = {s: offset + r for r, s in enumerate(self.relevant)}
        # Sentence s's tokens are tokens[offsets[s]:offsets[s + 1]].
        offsets = [0]
        for ts in self.by_sentence:
            offsets.append(offsets[-1] + len(ts))
        # in_order[k]: how many of tokens[:k + 1]'s neighbouring pairs are in order.
        in_order, order = [0], self.asked.order
        for a, b in zip(tokens, tokens[1:]):
            in_order.append(in_order[-1] + (b.start - a.end <= IN_ORDER_CHARS
                                            and order[b.term] == order[a.term] + 1))
        pairs = max(len(order) - 1, 1)
        passage = (self.titled.total or 1.0, *self.passage)
        facts, found = [], []
        for i, j in self.windows:
            start, end = sentences[i][0], sentences[j][1]
            low, high = offsets[i], offsets[j + 1]
            length = end - start
            last = tokens[high - 1].end if high > low else start
            facts.append((
                row[i], row[i + 1] if j - i == 2 else row[i], row[j], j - i + 1, *passage,
                sum(1 for s in range(i, j + 1) if sentences[s][0] >= last),
                length / MAX_CHARS, max(0, length - MAX_CHARS) / MAX_CHARS, float(i == 0),
                (in_order[high - 1] - in_order[low]) / pairs if high > low else 0.0,
                (last - tokens[low].start) / length if high > low and length else 0.0,
                shares[i - 1] if i > 0 else 0.0,
                shares[j + 1] if j + 1 < len(shares) else 0.0,
            ))
            found.append(Candidate(self.hit, start, end, tokens[low:high]))
        return facts, found


def candidates(hits: list[Hit], question: Question, vectors: WordVectors | None = None,
               analyzer: Analyzer = DOCUMENT_ANALYZER) -> tuple[list[Candidate], np.ndarray]:
    """Every candidate window of the hits and its features (one row each, FEATURES): what a
    window holds is the best of what its (up to three) sentences hold, taken for all the
    question's windows at once with numpy."""
    if not hits:
        return [], np.zeros((0, len(FEATURES)))
    sentences: list[tuple] = []
    windows: list[tuple] = []
    found: list[Candidate] = []
    words: list[str] = []
    rows: list[np.ndarray] = []
    asked = _Asked(question, vectors)
    for rank, hit in enumerate(hits):
        passage = _Passage(hit, rank, hits[0].score, asked, analyzer)
        facts, windows_found = passage.window_facts(len(sentences))
        if asked.vector is not None:
            terms, where = passage.sentence_words(len(sentences), analyzer)
            words.extend(terms)
            rows.append(where)
        sentences.extend(passage.sentence_facts())
        windows.extend(facts)
        found.extend(windows_found)
    if not found:
        return [], np.zeros((0, len(FEATURES)))
    titled, untitled, held, kinds = (np.array(x, dtype=np.float64) for x in zip(*sentences))
    soft, sums = _soft(asked, words, np.concatenate(rows) if rows else np.zeros(0, np.int64),
                       len(sentences))
    return found, _features(titled, untitled, held, kinds, np.maximum(soft, held), sums,
                            np.array(windows, dtype=np.float64), asked)


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
    np.maximum.at(by_column, asked.term_columns, best)
    soft[rows[first]] = np.clip((by_column.T - SOFT_FLOOR) / (1 - SOFT_FLOOR), 0.0, 1.0)
    sums[rows[first]] = np.add.reduceat(vectors, first, axis=0)
    return soft, sums


def _features(titled: np.ndarray, untitled: np.ndarray, held: np.ndarray, kinds: np.ndarray,
              soft: np.ndarray, sums: np.ndarray | None, windows: np.ndarray, asked: _Asked
              ) -> np.ndarray:
    """The FEATURES of every window from its sentences' facts (one row each: see _Passage's
    sentence_facts and window_facts, and _soft)."""
    first, middle, last = (windows[:, k].astype(np.int64) for k in range(3))
    count, titled_total = windows[:, 3], windows[:, 4]

    def best(facts: np.ndarray) -> np.ndarray:
        return np.maximum(np.maximum(facts[first], facts[middle]), facts[last])

    coverage = asked.coverage
    total = coverage.total or 1.0
    untitled_share = best(untitled).sum(axis=1) / total
    soft_share = best(soft) @ np.array(list(coverage.group_weights.values())) / total
    centroid = np.zeros(len(windows))
    if sums is not None:
        summed = (sums[first] + sums[middle] * (count == 3)[:, None]
                  + sums[last] * (count > 1)[:, None])
        centroid = summed @ asked.vector / np.maximum(np.linalg.norm(summed, axis=1), 1e-9)
    return np.column_stack([
        best(titled).sum(axis=1) / titled_total, untitled_share,
        best(titled.sum(axis=1)) / titled_total, soft_share, soft_share - untitled_share,
        windows[:, 5:8], best(kinds), windows[:, 8], count, windows[:, 9:12],
        best(held).sum(axis=1) / len(coverage.group_weights), windows[:, 12:], centroid,
        _soft_rank(soft_share),
    ])


def _soft_rank(soft_share: np.ndarray) -> np.ndarray:
    """1 / (1 + how many windows have a higher soft share); shares equal to
    SOFT_RANK_DECIMALS tie (other sums of the same weights)."""
    rounded = soft_share.round(SOFT_RANK_DECIMALS)
    return 1 / (1 + np.searchsorted(-np.sort(rounded)[::-1], -rounded, side="left"))


def best_excerpts(hits: list[Hit], question: Question, k: int, ranker: WindowRanker,
                  vectors: WordVectors | None = None,
                  analyzer: Analyzer = DOCUMENT_ANALYZER) -> list[Excerpt]:
    """Up to k non-overlapping excerpts from the hits, best first by the ranker's score;
    between equals, the shorter."""
    found, features = candidates(hits, question, vectors, analyzer)
    if not found:
        return []
    scores = ranker.score(features)
    order = sorted(range(len(found)), key=lambda n: (-scores[n], found[n].end - found[n].start))
    chosen: list[Excerpt] = []
    for n in order:
        c = found[n]
        doc, paragraph = c.hit.passage.document, c.hit.passage.paragraph
        start, end = paragraph.start + c.start, paragraph.start + c.end
        if any(e.source.document == doc.id and e.source.start < end and start < e.source.end
               for e in chosen):
            continue
        source = Source(doc.id, doc.title, doc.url, paragraph.number, start, end, doc.date)
        chosen.append(Excerpt(doc.text[start:end], round(float(scores[n]), 4), c.highlights,
                              source))
        if len(chosen) == k:
            break
    return chosen
