"""The BM25 index over passages (one passage = one body paragraph), built with rank-bm25."""

from __future__ import annotations

import math
from dataclasses import dataclass

from rank_bm25 import BM25Okapi

from .analysis import DOCUMENT_ANALYZER, Analyzer
from .documents import Document, Paragraph


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

    def idf_of(self, term: str) -> float:
        """A term's idf; an unknown term counts as rarer than any known one."""
        return self.idf.get(term) or math.log(1 + (self.corpus_size + 0.5) / 0.5)


@dataclass(frozen=True, slots=True)
class Passage:
    """A paragraph of a document, the unit BM25 ranks."""

    document: Document
    paragraph: Paragraph


@dataclass(frozen=True, slots=True)
class Hit:
    """A ranked passage, and which of the query's terms it holds."""

    passage: Passage
    score: float
    matched: frozenset[str]


class PassageIndex:
    """Every body paragraph of the corpus, analysed and indexed for BM25."""

    def __init__(self, documents: list[Document], analyzer: Analyzer = DOCUMENT_ANALYZER) -> None:
        self.passages = [Passage(d, p) for d in documents for p in d.paragraphs]
        self.bm25 = LuceneBM25([analyzer.terms(p.paragraph.text) for p in self.passages])

    def __len__(self) -> int:
        return len(self.passages)

    def idf(self, term: str) -> float:
        """The term's idf in this corpus (an unknown term counts as rarer than any known)."""
        return self.bm25.idf_of(term)

    def search(self, terms: list[str], k: int, weights: dict[str, float] | None = None) -> list[Hit]:
        """The k best passages for the query terms, best first, leaving out passages that
        match nothing. With weights, each term's BM25 score is multiplied by its weight
        (a query-time boost, as in Lucene); without, the scores are rank-bm25's own."""
        query = list(dict.fromkeys(terms))
        if not query:
            return []
        if weights is None:
            scores = self.bm25.get_scores(query)
        else:
            scores = sum(weights.get(t, 1.0) * self.bm25.get_scores([t]) for t in query)
        best = sorted(range(len(scores)), key=lambda i: -scores[i])[:k]
        return [
            Hit(self.passages[i], float(scores[i]), frozenset(query) & self.bm25.doc_freqs[i].keys())
            for i in best
            if scores[i] > 0
        ]
