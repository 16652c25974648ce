"""The index contract: what the engine asks of an index, as Lucene's and Xapian's interfaces
do. The k best passages for weighted terms (with the terms each holds), a term's idf, and
whether it knows a term (or which terms start with a prefix, for the speller).

Two indexes fulfil it: `MemoryIndex` (memory.py: numpy, embedded, nothing to install) and
`XapianIndex` (xapian_index.py: on disk, in shards, over the network). Both score with BM25 and
the same parameters, over the same analysed terms, and name a passage by its article and
paragraph number: the text itself always comes from the article files (articles/corpus.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple, Protocol

import numpy as np

from ..articles.documents import Document, Paragraph


# Terms of one group (alternatives for one question word: an English word's French senses)
# count once in a passage's score: the best one's, plus this share of the others' (Lucene's
# DisjunctionMaxQuery tie-breaker), as best + GROUP_TIE × (sum − best), the sum in the terms'
# order. Summed, a passage holding two senses of one English word outranked one holding two
# of the question's words. Chosen on the 413 English training questions (README, *English,
# counted once*): 0.3 and 0.4 alike, 0 to 0.2 and 0.5 a question less right first, 0.7 three
# less.
GROUP_TIE = 0.3


def lucene_idf(size: int | np.ndarray, df: int | np.ndarray) -> np.ndarray:
    """Lucene's idf, log(1 + (N - df + 0.5) / (df + 0.5)), of one df or an array of them.

    rank-bm25's own idf is log((N - df + 0.5) / (df + 0.5)): on a small corpus (one article is
    a dozen passages) a term found in half the passages gets idf 0 or a negative value floored
    to an arbitrary epsilon, and a passage can score below zero. Lucene's idf is always
    positive and falls smoothly with df."""
    return np.log(1 + (size - df + 0.5) / (df + 0.5))


@dataclass(frozen=True)
class BM25:
    """BM25's two parameters, rank-bm25's defaults: how fast a term's weight saturates with
    its count (k1) and how much a passage's length counts against it (b)."""

    k1: float = 1.5
    b: float = 0.75


def indexed_text(document: Document, paragraph: Paragraph) -> str:
    """What BM25 reads of a passage: the paragraph and its article's title, so that a question
    naming the article's subject finds the paragraphs that only say "il" (+2 points at rank 1
    on PIAF)."""
    return f"{document.title}\n{paragraph.text}"



def grouped(terms: Iterable[str], groups: dict[str, int]) -> list[list[str]]:
    """The terms by group, groups in the order of their first term and terms in theirs; a
    term without a group is a group of its own."""
    runs: dict[int | str, list[str]] = {}
    for term in terms:
        runs.setdefault(groups.get(term, term), []).append(term)
    return list(runs.values())


class Match(NamedTuple):
    """A ranked passage as an index knows it: its article's id and paragraph number (from 1),
    its score, which of the query's terms it holds, and the digest of the article's content
    when it was indexed, if the index keeps it (an index of files: each is read when quoted,
    and may have changed since). A named tuple: a search makes one per passage found, three
    times quicker to build than a frozen dataclass."""

    document: str
    paragraph: int
    score: float
    matched: frozenset[str]
    digest: str | None = None


class PassageWords(NamedTuple):
    """A passage as an index analysed it: each word of its paragraph's term, start and end in
    the paragraph (as Analyzer.columns gives them), the paragraph's sentences' spans (as
    sentence_spans does), and its article's title's terms."""

    terms: list[str]
    starts: list[int]
    ends: list[int]
    sentences: list[tuple[int, int]]
    title: frozenset[str]


class IndexUnavailable(ConnectionError):
    """The index cannot be reached (a Xapian shard down): the question cannot be answered now,
    the next one may be."""


class Index(Protocol):
    """What the engine asks of an index."""

    def __len__(self) -> int:
        """How many passages it holds."""

    def __contains__(self, term: str) -> bool:
        """Whether some passage holds the term."""

    def terms_starting(self, prefix: str) -> list[str]:
        """Every term some passage holds that starts with the prefix (for the speller)."""

    def idf(self, term: str) -> float:
        """The term's Lucene idf (an unknown term counts as rarer than any known)."""

    def search(self, terms: list[str], k: int, weights: dict[str, float] | None = None,
               groups: dict[str, int] | None = None) -> list[Match]:
        """The k best passages for the terms, best first, leaving out passages that match
        nothing; each term's BM25 score multiplied by its weight (a query-time boost). Terms
        of one group (`groups`: each term's; a term without one is a group of its own) count
        once in a passage's score (GROUP_TIE), the groups' scores added in the order of their
        first terms (`grouped`); the Xapian index sums them (XapianIndex.search says why)."""

    def words(self, document: str, paragraph: int) -> PassageWords | None:
        """The paragraph's words and sentences and its title's terms as analysed when
        indexing, if the index keeps them (optional: None, and the caller analyses the
        paragraph's text)."""
