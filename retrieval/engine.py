"""The answer engine: question in, verbatim excerpts with their sources out."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .cache import load_indexed_corpus
from .documents import Document
from .excerpts import Excerpt, Source, best_excerpts
from .index import Hit, PassageIndex
from .query import parse_query
from .spelling import Speller

# How many passages are read for excerpts: 6 does as well as 8 on PIAF, a quarter faster.
CANDIDATE_PASSAGES = 6
# Share of the question (each word weighted by its rarity in general language) that the best
# passage must hold to count as an answer. A share, not a raw BM25 score, so it means the same
# on one article as on a million passages (chosen on the dev questions and PIAF: README).
MIN_COVERAGE = 0.3


@dataclass(frozen=True, slots=True)
class Answer:
    """What the engine says to a question: excerpts, or none when the articles do not answer."""

    question: str
    excerpts: tuple[Excerpt, ...]

    @property
    def answered(self) -> bool:
        return bool(self.excerpts)


@dataclass(frozen=True, slots=True)
class Context:
    """The whole paragraph around a quote: what a reader opens to check it."""

    paragraph: str
    quote: tuple[int, int]  # the quote's span in `paragraph`
    source: Source  # the quote's source (its span in the file)


class AnswerEngine:
    """Holds the corpus and its index; safe to share between concurrent callers (read-only)."""

    def __init__(self, documents: list[Document], index: PassageIndex | None = None) -> None:
        self.documents = documents
        self.index = PassageIndex(documents) if index is None else index
        self.speller = Speller(self.index.vocabulary)
        self._documents = {d.id: d for d in documents}

    @classmethod
    def from_folder(cls, folder: str | Path, cache_dir: Path | None = None) -> AnswerEngine:
        """Load and index every article of a corpus folder (CorpusError if there is none),
        through the on-disk index cache (in cache_dir, or the folder's own `.cache/`)."""
        return cls(*load_indexed_corpus(folder, cache_dir))

    def answer(self, question: str, top_k: int = 3) -> Answer:
        """The best excerpts for the question, or none if the articles do not answer it."""
        query = parse_query(question)
        boosts = self._respelled(query.boosts)
        if not boosts or top_k < 1:
            return Answer(question, ())
        hits = self.index.search(list(boosts), CANDIDATE_PASSAGES, weights=boosts)
        if not hits or _coverage(hits[0], boosts) < MIN_COVERAGE:
            return Answer(question, ())
        weights = {t: self.index.idf(t) * boost for t, boost in boosts.items()}
        return Answer(question, tuple(best_excerpts(hits, weights, query.wanted, top_k)))

    def context(self, document_id: str, start: int, end: int) -> Context | None:
        """The paragraph that holds document[start:end], or None when the document or such a
        paragraph is not (or no longer) there."""
        document = self._documents.get(document_id)
        paragraph = document and next(
            (p for p in document.paragraphs if p.start <= start < end <= p.end), None)
        if not paragraph:
            return None
        source = Source(document.id, document.title, document.url, paragraph.number, start, end,
                        document.date)
        return Context(paragraph.text, (start - paragraph.start, end - paragraph.start), source)

    def _respelled(self, boosts: dict[str, float]) -> dict[str, float]:
        """Each question term that no passage holds replaced by the nearest one that does."""
        respelled: dict[str, float] = {}
        for term, boost in boosts.items():
            if term not in self.index:
                term = self.speller.nearest(term) or term
            respelled[term] = max(respelled.get(term, 0.0), boost)
        return respelled


def _coverage(hit: Hit, weights: dict[str, float]) -> float:
    """The share of the question's terms that the passage holds, each weighted by its rarity
    in general language (not in the corpus, so that a share means the same on any corpus)."""
    return sum(weights[t] for t in hit.matched) / sum(weights.values())
