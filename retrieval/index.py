"""The BM25 index over passages (one passage = one body paragraph).

rank-bm25 scores every passage in a Python loop for every query term, so a query costs O(N)
(200 ms at 100k passages). Here each term's BM25 weight in each passage that holds it is worked
out once, when indexing, with rank-bm25's formula: a query only reads the columns of its own
terms, like an inverted index, and adds them up. The scores stay rank-bm25's (`LuceneBM25`,
kept as the reference the tests compare against), to the last bits.
"""

from __future__ import annotations

import logging
import math
import sys
import time
from array import array
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from rank_bm25 import BM25Okapi
from tqdm import tqdm

from .analysis import DOCUMENT_ANALYZER, Analyzer
from .documents import Document, Paragraph

log = logging.getLogger(__name__)

# Corpora smaller than this index too fast for a progress bar.
PROGRESS_MIN_PASSAGES = 20_000
# rank-bm25's BM25Okapi defaults.
K1 = 1.5
B = 0.75


class LuceneBM25(BM25Okapi):
    """BM25Okapi with Lucene's idf, log(1 + (N - df + 0.5) / (df + 0.5)).

    rank-bm25's own idf is log((N - df + 0.5) / (df + 0.5)): on a small corpus (one article
    is a dozen passages) a term found in half the passages gets idf 0 or a negative value
    floored to an arbitrary epsilon, and a passage can score below zero. Lucene's idf is
    always positive and falls smoothly with df.
    """

    def _calc_idf(self, nd: dict[str, int]) -> None:
        n = self.corpus_size
        self.df = dict(nd)
        self.idf = {word: math.log(1 + (n - df + 0.5) / (df + 0.5)) for word, df in nd.items()}


@dataclass(frozen=True, slots=True)
class Passage:
    """A paragraph of a document, the unit BM25 ranks."""

    document: Document
    paragraph: Paragraph

    @property
    def indexed_text(self) -> str:
        """What BM25 reads: the paragraph and its article's title, so that a question naming
        the article's subject finds the paragraphs that only say "il" (+2 points at rank 1
        on PIAF)."""
        return f"{self.document.title}\n{self.paragraph.text}"


@dataclass(frozen=True, slots=True)
class Hit:
    """A ranked passage, and which of the query's terms it holds."""

    passage: Passage
    score: float
    matched: frozenset[str]


@dataclass(frozen=True)
class Postings:
    """For each term, the passages that hold it and the term's BM25 weight in each.

    A sparse matrix in CSC layout, one column per term: the passages of term `terms[t]` are
    `passages[starts[t]:starts[t + 1]]` (ascending), with their weights at the same places.
    """

    terms: list[str]
    starts: np.ndarray  # int64, len(terms) + 1
    passages: np.ndarray  # int32
    weights: np.ndarray  # float64
    size: int  # how many passages the corpus has, holding terms or not

    def check(self) -> None:
        """Raise ValueError unless the arrays fit together (a cache may hold anything)."""
        starts, passages = self.starts, self.passages
        if not (
            len(starts) == len(self.terms) + 1
            and starts[0] == 0
            and starts[-1] == len(passages) == len(self.weights)
            and np.all(np.diff(starts) >= 0)
            and (len(passages) == 0 or 0 <= passages.min() and passages.max() < self.size)
            and len(set(self.terms)) == len(self.terms)
        ):
            raise ValueError("postings do not fit together")


def analyse(texts: Iterable[str], count: int, analyzer: Analyzer = DOCUMENT_ANALYZER) -> Postings:
    """BM25 postings of the texts, as rank-bm25's BM25Okapi with the Lucene idf scores them.

    The texts are read one at a time (at 1M passages, holding them all takes 500 MB); count
    says how many there are, for the progress bar."""
    term_ids: dict[str, int] = {}
    rows, columns, counts, lengths = array("i"), array("i"), array("i"), array("i")
    # A progress bar on a terminal for a corpus worth waiting for; none in logs and pipes.
    shown = count >= PROGRESS_MIN_PASSAGES and sys.stderr.isatty()
    for row, text in enumerate(tqdm(texts, "indexing", total=count, unit=" passages",
                                    disable=not shown, mininterval=0.5)):
        terms = analyzer.terms(text)
        lengths.append(len(terms))
        for term, tf in Counter(terms).items():
            rows.append(row)
            columns.append(term_ids.setdefault(term, len(term_ids)))
            counts.append(tf)
    arrays = (np.frombuffer(a, dtype=np.intc) for a in (rows, columns, counts, lengths))
    return _weigh(list(term_ids), *arrays)


def _weigh(terms: list[str], rows: np.ndarray, columns: np.ndarray, counts: np.ndarray,
           lengths: np.ndarray) -> Postings:
    """Postings with rank-bm25's weights, idf × tf·(k1 + 1) / (tf + k1·(1 − b + b·dl/avgdl)),
    in its order of operations; in place, as each array is 250 MB at 1M passages."""
    size = len(lengths)
    df = np.bincount(columns, minlength=len(terms))
    idf = np.log(1 + (size - df + 0.5) / (df + 0.5))
    order = np.argsort(columns, kind="stable")  # rows stay ascending within each column
    passages = rows[order]
    tf = counts[order].astype(np.float64)
    del order
    avgdl = lengths.sum() / size if size else 1.0
    weights = lengths[passages] / avgdl
    weights *= B
    weights += 1 - B
    weights *= K1
    weights += tf
    tf *= K1 + 1
    np.divide(tf, weights, out=weights)
    weights *= np.repeat(idf, df)
    starts = np.concatenate([[0], np.cumsum(df)]).astype(np.int64)
    return Postings(terms, starts, passages, weights, size)


class PassageIndex:
    """Every body paragraph of the corpus, analysed and indexed for BM25."""

    def __init__(
        self,
        documents: list[Document],
        analyzer: Analyzer = DOCUMENT_ANALYZER,
        postings: Postings | None = None,
    ) -> None:
        """Index the documents' paragraphs, or take their postings as already analysed (from
        the cache)."""
        self.passages = [Passage(d, p) for d in documents for p in d.paragraphs]
        if postings is None:
            started = time.perf_counter()
            postings = analyse((p.indexed_text for p in self.passages), len(self), analyzer)
            elapsed = time.perf_counter() - started
            log.info("indexed %d passages in %.1f s (%.0f passages/s)", len(self.passages),
                     elapsed, len(self.passages) / max(elapsed, 1e-9))
        if postings.size != len(self.passages):
            raise ValueError("postings are not those of these passages")
        self.postings = postings
        self._columns = {t: i for i, t in enumerate(postings.terms)}

    def __len__(self) -> int:
        return len(self.passages)

    def __contains__(self, term: str) -> bool:
        """Whether some passage holds the term."""
        return term in self._columns

    @property
    def vocabulary(self) -> list[str]:
        """Every term some passage holds."""
        return self.postings.terms

    def idf(self, term: str) -> float:
        """The term's idf in this corpus (an unknown term counts as rarer than any known)."""
        column, starts = self._columns.get(term), self.postings.starts
        df = 0 if column is None else int(starts[column + 1] - starts[column])
        return math.log(1 + (len(self) - df + 0.5) / (df + 0.5))

    def search(self, terms: list[str], k: int, weights: dict[str, float] | None = None) -> list[Hit]:
        """The k best passages for the query terms, best first, leaving out passages that
        match nothing. With weights, each term's BM25 score is multiplied by its weight
        (a query-time boost, as in Lucene); without, the scores are rank-bm25's own."""
        query = [t for t in dict.fromkeys(terms) if t in self._columns]
        if not query or k < 1:
            return []
        p = self.postings
        spans = [(p.starts[self._columns[t]], p.starts[self._columns[t] + 1]) for t in query]
        boosts = [1.0 if weights is None else weights.get(t, 1.0) for t in query]
        passages = np.concatenate([p.passages[s:e] for s, e in spans])
        scores = np.concatenate([w * p.weights[s:e] for w, (s, e) in zip(boosts, spans)])
        # Each passage's terms are added in query order, as rank-bm25 adds them.
        candidates, where = np.unique(passages, return_inverse=True)
        totals = np.bincount(where, weights=scores)
        best = _top(totals, k)
        hits = []
        for i in best:
            passage = candidates[i]
            matched = frozenset(
                t for t, (s, e) in zip(query, spans) if _holds(p.passages[s:e], passage)
            )
            hits.append(Hit(self.passages[passage], float(totals[i]), matched))
        return hits


def _top(scores: np.ndarray, k: int) -> np.ndarray:
    """Positions of the k highest positive scores, highest first (ties: lowest position)."""
    positive = np.flatnonzero(scores > 0)
    if len(positive) > k:
        kth = np.partition(scores[positive], len(positive) - k)[len(positive) - k]
        positive = positive[scores[positive] >= kth]
    return positive[np.lexsort((positive, -scores[positive]))][:k]


def _holds(column: np.ndarray, passage: int) -> bool:
    """Whether a term's passage list (ascending) holds the passage."""
    i = np.searchsorted(column, passage)
    return bool(i < len(column) and column[i] == passage)
