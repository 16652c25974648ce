"""The answer engine: question in, verbatim excerpts with their sources out."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .cache import load_indexed_corpus
from .corpus import Corpus
from .documents import Document, corpus_folder
from .excerpts import FEATURES, Candidate, Excerpt, Question, Source, best_excerpts, candidates
from .index import BM25, Hit, Index, IndexUnavailable, Match, MemoryIndex
from .query import Coverage, Query, parse_query
from .ranker import WindowRanker, shipped_ranker
from .spelling import Speller
from .translation import shipped_dictionary
from .vectors import shipped_vectors

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


# The indexes an engine can answer from (INDEX_BACKEND).
BACKENDS = ("memory", "xapian")
# A remote Xapian shard, as xapian-tcpsrv serves it: a host name, IPv4 or [IPv6], and a port.
REMOTE = re.compile(r"tcp://(?P<host>[^/:\s]+|\[[0-9a-fA-F:.]+\]):(?P<port>\d{1,5})")
XAPIAN_MISSING = "the Xapian index needs the xapian extra: pip install -e '.[xapian]'"


def parse_remote(spec: str) -> tuple[str, int] | None:
    """(host, port) of a tcp://HOST:PORT Xapian shard, None for a local path; ValueError when
    it is written like a URL but is not a valid tcp://HOST:PORT."""
    if "://" not in spec:
        return None
    m = REMOTE.fullmatch(spec)
    if not m or not 1 <= int(m["port"]) <= 65535:
        raise ValueError(f"{spec!r} is neither tcp://HOST:PORT (a port from 1 to 65535) nor a "
                         f"local path")
    return m["host"].strip("[]"), int(m["port"])


@dataclass(frozen=True)
class IndexStore:
    """Where an engine's index comes from: the memory index (stored in `cache_dir`, by default
    the user's cache folder) or Xapian databases (local paths and tcp://HOST:PORT shards)."""

    backend: str = "memory"  # memory | xapian
    cache_dir: Path | None = None
    databases: tuple[str, ...] = ()
    bm25: BM25 = BM25()


class AnswerEngine:
    """Holds the corpus and its index; safe to share between concurrent callers (read-only)."""

    def __init__(self, documents: Sequence[Document], index: Index | None = None,
                 store: IndexStore = IndexStore(), ranker: WindowRanker | None = None) -> None:
        """An engine over the documents (a Corpus, or documents already parsed) and their
        index (built in memory when not given); `store` says how it was opened, so that it
        can be opened again the same way when the articles change; `ranker` chooses the
        quotes (by default the one shipped, learned on PIAF)."""
        self.documents = documents if isinstance(documents, Corpus) else Corpus.of(documents)
        self.index = MemoryIndex.build(documents, bm25=store.bm25) if index is None else index
        self.store = store
        self.speller = Speller(self.index.terms_starting)
        self.ranker = shipped_ranker(FEATURES) if ranker is None else ranker
        self.vectors = shipped_vectors()
        self.dictionary = shipped_dictionary()

    @classmethod
    def from_folder(cls, folder: str | Path, store: IndexStore = IndexStore()) -> AnswerEngine:
        """An engine over the articles of a corpus folder (CorpusError if there is none): the
        memory index through its store on disk, or the Xapian databases (IndexUnavailable,
        a ConnectionError, if one cannot be opened)."""
        if store.backend == "xapian":
            corpus = Corpus.listing(corpus_folder(folder))
            return cls(corpus, _xapian().XapianIndex.open(store.databases, store.bm25), store)
        return cls(*load_indexed_corpus(folder, store.cache_dir, store.bm25), store)

    def answer(self, question: str, top_k: int = 3) -> Answer:
        """The best excerpts for the question, or none if the articles do not answer it."""
        read = self._read(question)
        if read is None or top_k < 1:
            return Answer(question, ())
        hits, asked = read
        return Answer(question, tuple(best_excerpts(hits, asked, top_k, self.ranker,
                                                    self.vectors)))

    def candidates(self, question: str) -> tuple[list[Candidate], np.ndarray]:
        """Every window the ranker would choose from, with its features (what the ranker is
        trained on); none when the articles do not answer."""
        read = self._read(question)
        if read is None:
            return [], np.zeros((0, len(FEATURES)))
        return candidates(*read, self.vectors)

    def _read(self, question: str) -> tuple[list[Hit], Question] | None:
        """The best passages and the question as the excerpts need it, or None when the
        articles do not answer."""
        query = parse_query(question, self.dictionary)
        boosts, groups = self._respelled(query)
        if not boosts:
            return None
        hits = self._hits(self.index.search(list(boosts), CANDIDATE_PASSAGES, weights=boosts))
        # The share of the question's words (each weighted by its rarity in general language,
        # not in the corpus, so that a share means the same on any corpus).
        if not hits or Coverage(boosts, groups)(hits[0].matched) < MIN_COVERAGE:
            return None
        weights = {t: self.index.idf(t) * boost for t, boost in boosts.items()}
        return hits, Question(weights, groups, query.wanted)

    def context(self, document_id: str, start: int, end: int) -> Context | None:
        """The paragraph that holds document[start:end], or None when the document or such a
        paragraph is not (or no longer) there."""
        document = self.documents.get(document_id)
        paragraph = document and next(
            (p for p in document.paragraphs if p.start <= start < end <= p.end), None)
        if not paragraph:
            return None
        source = Source(document.id, document.title, document.url, paragraph.number, start, end,
                        document.date)
        return Context(paragraph.text, (start - paragraph.start, end - paragraph.start), source)

    def _hits(self, matches: list[Match]) -> list[Hit]:
        """The matches as passages read from their articles; a match whose article or
        paragraph is not there (an index of other files, or damaged) is left out."""
        hits = []
        for m in matches:
            passage = self.documents.passage(m.document, m.paragraph, m.digest)
            if passage is not None:
                hits.append(Hit(passage, m.score, m.matched))
        return hits

    def _respelled(self, query: Query) -> tuple[dict[str, float], dict[str, int]]:
        """Each question term that no passage holds replaced by the nearest one that does
        (standing for the same question word)."""
        boosts: dict[str, float] = {}
        groups: dict[str, int] = {}
        for term, boost in query.boosts.items():
            group = query.groups[term]
            if term not in self.index:
                term = self.speller.nearest(term) or term
            boosts[term] = max(boosts.get(term, 0.0), boost)
            groups.setdefault(term, group)
        return boosts, groups


def _xapian():
    """The Xapian index's module, imported only when asked for (an optional dependency)."""
    try:
        from . import xapian_index
    except ImportError:
        raise IndexUnavailable(XAPIAN_MISSING) from None
    return xapian_index


def build_xapian(directory: Path, folder: str | Path, shards: int = 1):
    """Index a corpus folder into Xapian databases DIRECTORY/shard-0 … (see xapian_index)."""
    return _xapian().build(directory, folder, shards)


def update_xapian(directory: Path, folder: str | Path, paths: Iterable[Path] | None = None):
    """Re-index the changed, added and removed articles only (see xapian_index.update)."""
    return _xapian().update(directory, folder, paths)
