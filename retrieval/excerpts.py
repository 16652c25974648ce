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
    """A window of a passage that may answer: its span in the paragraph, matched words' spans."""

    hit: Hit
    start: int
    end: int
    highlights: tuple[tuple[int, int], ...]


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


class _Passage:
    """One passage read for a question: its sentences, matched words and per-sentence facts,
    from which each window's features are put together in constant time."""

    def __init__(self, hit: Hit, rank: int, top: float, question: Question,
                 vectors: WordVectors | None, analyzer: Analyzer) -> None:
        self.hit = hit
        self.text = text = hit.passage.paragraph.text
        weights, groups = question.weights, question.groups
        self.coverage = Coverage(weights, groups)
        title = {t.term for t in analyzer.matches(hit.passage.document.title, weights)}
        self.titled = Coverage({t: w * TITLE_TERM_WEIGHT if t in title else w
                                for t, w in weights.items()}, groups)
        self.sentences = sentence_spans(text)
        # A paragraph of ordinary length is analysed once, for both exact and soft matches.
        self.words = analyzer(text) if len(text) <= ANALYSE_WHOLE_CHARS else None
        self.tokens = ([t for t in self.words if t.term in weights] if self.words is not None
                       else analyzer.matches(text, weights))
        self.by_sentence = _by_sentence(self.tokens, self.sentences)
        self.shares = [self.titled({t.term for t in ts}) if ts else 0.0 for ts in self.by_sentence]
        self.passage = (hit.score / top if top else 0.0, 1 / (1 + rank), self.coverage(hit.matched))
        self.windows = self._windows()
        relevant = sorted({s for i, j in self.windows for s in range(i, j + 1)})
        self.soft = self._soft(relevant, question, vectors, analyzer)
        self.order = {t: n for n, t in enumerate(question.weights)}
        self.kinds = self._kinds(relevant, question.wanted)

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

    def _soft(self, relevant: list[int], question: Question, vectors: WordVectors | None,
              analyzer: Analyzer) -> dict[int, np.ndarray]:
        """Per relevant sentence, each question word's best similarity to one of its words
        (1 for a word it holds); on the way, the sum of each sentence's word vectors and the
        question's mean vector (its words weighted), for the "centroid" feature."""
        groups = self.coverage.group_weights
        index = {g: n for n, g in enumerate(groups)}
        terms = [t for t in question.weights if vectors is not None and t in vectors]
        soft = {s: np.zeros(len(groups), dtype=np.float32) for s in relevant}
        self.vector_sums: dict[int, np.ndarray] = {}
        self.question_vector = None
        if terms:
            assert vectors is not None
            q = vectors.matrix[vectors.rows(terms)]
            q_group = np.array([index[question.groups[t]] for t in terms])
            mean = np.array([question.weights[t] for t in terms], dtype=np.float32) @ q
            self.question_vector = mean / (np.linalg.norm(mean) or 1.0)
            starts = [self.sentences[s][0] for s in relevant]
            for first, last in _runs(relevant):
                a, b = self.sentences[first][0], self.sentences[last][1]
                words = self._words(a, b, analyzer)
                rows = vectors.rows(w.term for w in words)
                known = rows >= 0
                if not known.any():
                    continue
                positions = np.array([w.start for w in words])[known]
                where = np.searchsorted(starts, positions, side="right") - 1
                found = vectors.matrix[rows[known]]
                sims = q @ found.T
                for k in np.unique(where):
                    np.maximum.at(soft[relevant[k]], q_group, sims[:, where == k].max(axis=1))
                    self.vector_sums[relevant[k]] = found[where == k].sum(axis=0)
        for s in relevant:
            for t in self.by_sentence[s]:
                soft[s][index[question.groups[t.term]]] = 1.0
        return soft

    def _words(self, start: int, end: int, analyzer: Analyzer) -> list[Token]:
        """Every word of text[start:end], offsets in the paragraph."""
        if self.words is not None:
            return [w for w in self.words if start <= w.start < end]
        return [Token(w.term, start + w.start, start + w.end)
                for w in analyzer(self.text[start:end])]

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

    def _in_order(self, tokens: list[Token]) -> float:
        """Share of neighbouring matched words that come in the question's order, next to each
        other (within IN_ORDER_CHARS): the question's phrase, not only its words."""
        if len(self.order) < 2:
            return 0.0
        pairs = sum(1 for a, b in zip(tokens, tokens[1:])
                    if b.start - a.end <= IN_ORDER_CHARS
                    and self.order[b.term] == self.order[a.term] + 1)
        return pairs / (len(self.order) - 1)

    def _centroid(self, first: int, last: int) -> float:
        """Cosine of the mean vector of sentences first..last's words and the question's."""
        sums = [self.vector_sums[s] for s in range(first, last + 1) if s in self.vector_sums]
        if not sums or self.question_vector is None:
            return 0.0
        total = np.sum(sums, axis=0)
        return float(total @ self.question_vector) / (float(np.linalg.norm(total)) or 1.0)

    def candidates(self) -> list[tuple[Candidate, list[float]]]:
        """Each window and its features."""
        out = []
        weights = self.coverage.group_weights
        total = self.coverage.total or 1.0
        group_weights = np.array(list(weights.values()), dtype=np.float32)
        for i, j in self.windows:
            start, end = self.sentences[i][0], self.sentences[j][1]
            tokens = [t for s in range(i, j + 1) for t in self.by_sentence[s]]
            terms = {t.term for t in tokens}
            share_untitled = self.coverage(terms)
            soft = np.max([self.soft[s] for s in range(i, j + 1)], axis=0)
            soft = np.clip((soft - SOFT_FLOOR) / (1 - SOFT_FLOOR), 0.0, 1.0)
            soft_share = float(soft @ group_weights) / total
            kinds = [self.kinds[s] for s in range(i, j + 1) if s in self.kinds]
            last = tokens[-1].end if tokens else start
            length = end - start
            features = [
                self.titled(terms), share_untitled, max(self.shares[i:j + 1]),
                soft_share, soft_share - share_untitled, *self.passage,
                float(bool(kinds)), max((k[0] for k in kinds), default=0.0),
                max((k[1] for k in kinds), default=0.0),
                sum(1 for s in range(i, j + 1) if self.sentences[s][0] >= last),
                j - i + 1, length / MAX_CHARS, max(0, length - MAX_CHARS) / MAX_CHARS,
                float(i == 0),
            ]
            features.extend([
                len({self.coverage.groups[t] for t in terms}) / len(weights),
                self._in_order(tokens),
                (last - tokens[0].start) / length if tokens and length else 0.0,
                self.shares[i - 1] if i > 0 else 0.0,
                self.shares[j + 1] if j + 1 < len(self.shares) else 0.0,
                self._centroid(i, j), 0.0,  # soft_rank: set once every passage is read
            ])
            highlights = tuple((t.start - start, t.end - start) for t in tokens)
            out.append((Candidate(self.hit, start, end, highlights), features))
        return out


def candidates(hits: list[Hit], question: Question, vectors: WordVectors | None = None,
               analyzer: Analyzer = DOCUMENT_ANALYZER) -> tuple[list[Candidate], np.ndarray]:
    """Every candidate window of the hits and its features (one row each, FEATURES)."""
    if not hits:
        return [], np.zeros((0, len(FEATURES)))
    top = hits[0].score
    rows = [row for rank, hit in enumerate(hits)
            for row in _Passage(hit, rank, top, question, vectors, analyzer).candidates()]
    features = np.array([f for _, f in rows], dtype=np.float64).reshape(len(rows), len(FEATURES))
    soft = features[:, FEATURES.index("soft_share")]
    better = np.searchsorted(-np.sort(soft)[::-1], -soft, side="left")  # how many score higher
    features[:, FEATURES.index("soft_rank")] = 1 / (1 + better)
    return [c for c, _ in rows], features


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
