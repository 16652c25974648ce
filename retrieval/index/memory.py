"""The in-memory BM25 index (the default): numpy, embedded, nothing to install.

rank-bm25 scores every passage in a Python loop for every query term, so a query costs O(N)
(200 ms at 100k passages). Here each term's BM25 weight in each passage that holds it is worked
out once, when indexing, with rank-bm25's formula: a query only reads the columns of its own
terms, like an inverted index, and adds them up. The scores stay rank-bm25's (`LuceneBM25`,
kept as the reference the tests compare against), to the last bits.

Each term's count in each passage and each passage's length are kept beside the weights: a
corpus that changed by one article re-analyses that one only, and the weights of all are worked
out again from the counts (numpy, a fraction of a second) exactly as a whole new index's are.
"""

from __future__ import annotations

import bisect
import logging
import sys
import time
from array import array
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from itertools import accumulate, chain, compress
from typing import Protocol

import numpy as np
from rank_bm25 import BM25Okapi

from ..articles.documents import Document, Header, Outline, Place, byte_places
from ..text.analysis import DOCUMENT_ANALYZER, Analyzer
from ..text.sentences import sentence_spans
from .contract import GROUP_TIE, BM25, Match, PassageWords, grouped, indexed_text, lucene_idf

try:  # built at install (setup.py) where a C compiler is: the Python references otherwise
    from . import _memory
except ImportError:
    _memory = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

# Corpora smaller than this index too fast for a progress bar.
PROGRESS_MIN_PASSAGES = 20_000
# A question whose postings number at least 1/DENSE_SHARE of the passages adds its scores up
# in a dense array of one slot a passage rather than through np.unique's sort: at 100k
# passages they cost the same at about 1/150 (a few dozen microseconds), and at 1M a sort of
# 60k postings took 3.6 ms where zeroing and scanning 1M slots takes about 0.5 ms.
DENSE_SHARE = 64
# A term held by at least 1/LONG_SHARE of the passages is a long column: a question that
# has one and rarer terms too reads it only where the rarer terms are (max-score pruning),
# whenever its best score cannot lift a passage without them into the top k.
LONG_SHARE = 64
# Pruning pays when the rarer terms' postings are at most 1/PRUNE_RATIO of the long columns':
# each long column is then searched at a few candidates rather than read whole (measured at
# 100k passages: a third of the time where they are; slower where they are as many).
PRUNE_RATIO = 8
# One term in this many is kept as bytes for the vocabulary's binary searches (a list of 1/16
# of the terms: about 0.5 MB for 200k terms).
FENCE_STEP = 16
# Up to this many candidates, the top k are found by one stable sort of them all (a few
# microseconds for the few hundred a question mostly has); beyond, by a partition first.
SORTED_TOP_MAX = 4096
# How many terms' columns are remembered (`_Columns`, forgotten all at once past that): a
# question's terms are looked up three times (spelling, weight, search), and users ask about
# the same words again.
COLUMN_CACHE_SIZE = 100_000


class LuceneBM25(BM25Okapi):
    """BM25Okapi with Lucene's idf (see `lucene_idf`): the reference the indexes are tested
    against."""

    def _calc_idf(self, nd: dict[str, int]) -> None:
        self.df = dict(nd)
        self.idf = {word: float(lucene_idf(self.corpus_size, df)) for word, df in nd.items()}


class Vocabulary(Sequence[str]):
    """Sorted terms as one UTF-8 byte array and their offsets in it: memory-mapped from the
    store as they are, looked up by binary search, with no Python object per term at start
    (UTF-8 order is code point order, Python's order of strings)."""

    def __init__(self, blob: np.ndarray, offsets: np.ndarray) -> None:
        # Plain views of the (maybe memory-mapped) arrays: still mapped, but each of a binary
        # search's look-ups costs a tenth of a np.memmap's (no subclass to finalise).
        self.blob, self.offsets = np.asarray(blob), np.asarray(offsets)
        # Both as memoryviews for binary searches: a term's bytes are sliced from them in a
        # fraction of the time numpy takes to index, slice and decode (a search reads about
        # twenty terms).
        self._bytes, self._offsets = self.blob.data, self.offsets.data
        # Every FENCE_STEP-th term as bytes, in a list that `bisect` searches in C: a look-up
        # then compares a few terms in Python, not twenty.
        self._fences = [self._term(i) for i in range(0, len(self), FENCE_STEP)]

    @classmethod
    def of(cls, terms: Iterable[str]) -> Vocabulary:
        encoded = [t.encode() for t in sorted(terms)]
        offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
        np.cumsum([len(e) for e in encoded], out=offsets[1:])
        return cls(np.frombuffer(b"".join(encoded), dtype=np.uint8), offsets)

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def __getitem__(self, i: int) -> str:  # type: ignore[override]
        return self._term(i).decode()

    def _term(self, i: int) -> bytes:
        return self._bytes[self._offsets[i]:self._offsets[i + 1]].tobytes()

    def _bisect(self, key: bytes, lo: int = 0) -> int:
        """The position of the first term not below `key` (UTF-8), from `lo` on: in C where
        the extension is built (a fifth of the time, for a question's new words), else by the
        fences and a few steps in Python, the reference."""
        if _memory is not None:
            return _memory.position(self.blob, self.offsets, key, lo)
        # The fences below `key` say which FENCE_STEP terms it falls among.
        fences = bisect.bisect_left(self._fences, key)
        lo = max(lo, (fences - 1) * FENCE_STEP + 1) if fences else lo
        hi = min(len(self), fences * FENCE_STEP)
        data, offsets = self._bytes, self._offsets
        while lo < hi:
            mid = (lo + hi) // 2
            if data[offsets[mid]:offsets[mid + 1]].tobytes() < key:
                lo = mid + 1
            else:
                hi = mid
        return lo

    def find(self, term: str) -> int | None:
        """The term's position, or None (in C where the extension is built: checking the term
        found in Python cost a question's new term as much as the search)."""
        key = term.encode()
        if _memory is not None:
            i = _memory.position(self.blob, self.offsets, key, 0, True)
            return None if i < 0 else i
        i = self._bisect(key)
        return i if i < len(self) and self._bytes[self._offsets[i]:self._offsets[i + 1]] == key \
            else None

    def starting(self, prefix: str) -> list[str]:
        """The terms that start with the prefix, in order."""
        first = self._bisect(prefix.encode())
        last = self._bisect((prefix + "\U0010ffff").encode(), first)
        # One slice of the bytes for all of them: a common prefix has a thousand terms.
        block = self.blob[self.offsets[first]:self.offsets[last]].tobytes()
        ends = (self.offsets[first:last + 1] - self.offsets[first]).tolist()
        return [block[a:b].decode() for a, b in zip(ends, ends[1:])]

    def check(self) -> None:
        """Raise ValueError unless the arrays make sorted UTF-8 terms (a store may hold
        anything); UnicodeDecodeError is a ValueError."""
        offsets = self.offsets
        if not (len(offsets) >= 1 and offsets[0] == 0 and offsets[-1] == len(self.blob)
                and np.all(np.diff(offsets) > 0)):
            raise ValueError("vocabulary offsets do not fit")
        self.blob.tobytes().decode()


@dataclass(frozen=True)
class Postings:
    """For each term, the passages that hold it and the term's BM25 weight in each.

    A sparse matrix in CSC layout, one column per term of the vocabulary (sorted): the
    passages of term `vocabulary[t]` are `passages[starts[t]:starts[t + 1]]` (ascending),
    with their weights, and the term's counts in them, at the same places. What the weights are
    made of is kept too: the counts, and each passage's length in terms.
    """

    vocabulary: Vocabulary
    starts: np.ndarray  # int64, len(vocabulary) + 1
    passages: np.ndarray  # int32
    weights: np.ndarray  # float64
    counts: np.ndarray  # int32, the term's count in the passage
    lengths: np.ndarray  # int32, one per passage of the corpus, holding terms or not

    @property
    def size(self) -> int:
        """How many passages the corpus has."""
        return len(self.lengths)

    def check(self) -> None:
        """Raise ValueError unless the arrays fit together (a store may hold anything)."""
        self.vocabulary.check()
        starts, passages = self.starts, self.passages
        if not (
            len(starts) == len(self.vocabulary) + 1
            and starts[0] == 0
            and starts[-1] == len(passages) == len(self.weights) == len(self.counts)
            and np.all(np.diff(starts) >= 0)
            and (len(passages) == 0 or 0 <= passages.min() and passages.max() < self.size)
        ):
            raise ValueError("postings do not fit together")


# How many numbers a passage's place in its file takes in Outlines.places: its byte start
# and end and their digest (documents.paragraph_digest), side by side, so that a quote reads
# one page of the store, not three (at 1M passages, quotes soon touch every page: 8 MB of
# serve memory a column).
PLACE_FIELDS = 3


@dataclass(frozen=True)
class Outlines:
    """Every article's outline (what parsing it decided: documents.Outline), kept with the
    index so that answering parses no article: each passage's span in its article's text and
    in its file's bytes, and the digest of those bytes (documents.Place), rows as in the
    postings; and each article's title, url and date."""

    starts: np.ndarray  # int64, one per passage
    ends: np.ndarray  # int64
    places: np.ndarray  # int64, PLACE_FIELDS per passage
    headers: list[list[str | None]]  # [title, url, date] per article

    @classmethod
    def of(cls, articles: Sequence[Document | tuple[Outlines, int, int, int]]) -> Outlines:
        """The outlines of articles in order: each a document, or article n of other Outlines
        with its passages' rows first..last (an article kept from a previous index)."""
        parts: list[list[np.ndarray]] = [[], [], []]
        headers = []
        for a in articles:
            if isinstance(a, Document):
                rows = [np.array([p.start for p in a.paragraphs], dtype=np.int64),
                        np.array([p.end for p in a.paragraphs], dtype=np.int64),
                        np.array(byte_places(a), dtype=np.int64).reshape(-1)]
                headers.append([a.title, a.url, a.date])
            else:
                kept, n, first, last = a
                rows = [np.asarray(kept.starts[first:last]), np.asarray(kept.ends[first:last]),
                        np.asarray(kept.places[PLACE_FIELDS * first:PLACE_FIELDS * last])]
                headers.append(kept.headers[n])
            for part, row in zip(parts, rows):
                part.append(row)
        starts, ends, places = (np.concatenate(part or [np.zeros(0, np.int64)])
                                for part in parts)
        return cls(starts, ends, places, headers)

    def outline(self, article: int, first: int, last: int) -> Outline:
        """The outline of article number `article`, whose passages are rows first..last."""
        title, url, date = self.headers[article]
        spans = tuple(zip(self.starts[first:last].tolist(), self.ends[first:last].tolist()))
        return Outline(str(title), url, date, spans)

    def check(self, passages: int, articles: int) -> None:
        """Raise ValueError unless there is a span per passage and a header per article whose
        title is text (a store may hold anything; a span that does not fit its article's text
        is refused when the article is read, one whose digest is not its bytes' when the
        paragraph is)."""
        if not (len(self.starts) == len(self.ends) == passages
                and len(self.places) == PLACE_FIELDS * passages and len(self.headers) == articles
                and all(isinstance(h, list) and len(h) == 3 and isinstance(h[0], str)
                        and all(v is None or isinstance(v, str) for v in h[1:])
                        for h in self.headers)):
            raise ValueError("outlines do not fit the index")


class Vector(Protocol):
    """A vector read a slice at a time: a numpy array, or one read from a file (the store's
    analyses: memory_store.FileVector)."""

    def __len__(self) -> int: ...

    def __getitem__(self, where: slice, /) -> np.ndarray: ...


# How many numbers each word and sentence takes in a passage's analysis, and how many head it
# (its word count, its sentence count; its title's terms are the numbers after its sentences).
WORD_FIELDS = 3  # term id, start, end
SENTENCE_FIELDS = 2  # start, end
HEAD_FIELDS = 2  # words, sentences
# How many passages' term ids are renumbered at a time: the positions of a million passages'
# words would take 300 MB.
RENUMBER_PASSAGES = 65_536


@dataclass(frozen=True)
class Analyses:
    """Every passage as analysed when indexing, so that answering analyses no paragraph and
    no title: each word of its paragraph (its term's position in the vocabulary, its start
    and end in the paragraph), the paragraph's sentences, and the terms of its article's
    title. Passage r's are `data[offsets[r]:offsets[r + 1]]`, all its numbers side by side
    so that it is read in one slice (one system call from the store; three were a third of
    reading it): its word and sentence counts, then WORD_FIELDS numbers a word, SENTENCE_FIELDS
    a sentence, then its title's term ids."""

    offsets: np.ndarray  # int64, one more than passages: where each passage's numbers start
    data: Vector  # int32

    @classmethod
    def counted(cls, columns: tuple[array, array]) -> Analyses:
        """The analyses as `_analysed` appends them: each passage's count of numbers, and
        the numbers."""
        sizes, data = (np.frombuffer(c, dtype=np.intc) if len(c) else np.zeros(0, np.intc)
                       for c in columns)
        return cls(_offsets(sizes), data.astype(np.int32))

    @classmethod
    def of(cls, parts: Sequence[tuple[Analyses, int, int]]) -> Analyses:
        """Rows first..last of each of the analyses in turn, as one (the articles of an index
        taken from a new one's or a previous one's)."""
        runs: list[tuple[Analyses, int, int]] = []
        for kept, first, last in parts:  # neighbouring rows of one source taken at once
            if runs and runs[-1][0] is kept and runs[-1][2] == first:
                runs[-1] = (kept, runs[-1][1], last)
            else:
                runs.append((kept, first, last))
        empty = [np.zeros(0, np.int32)]
        sizes = [np.diff(kept.offsets[first:last + 1]) for kept, first, last in runs]
        data = [kept.data[int(kept.offsets[first]):int(kept.offsets[last])]
                for kept, first, last in runs]
        return cls(_offsets(np.concatenate(sizes or empty)),
                   np.concatenate(data or empty).astype(np.int32))

    def passage(self, row: int, length: int, terms: _Terms) -> PassageWords | None:
        """Passage `row`'s words (`terms`: each id's term), sentences and title terms; None
        unless they fit its paragraph's `length` and the vocabulary (a store may hold
        anything). In C where the extension is built: in Python, turning its numbers into
        lists was a third of the 18 us a passage cost."""
        data = self.data[int(self.offsets[row]):int(self.offsets[row + 1])]
        vocabulary = terms.vocabulary
        if _memory is not None:
            read = _memory.passage_words(data, length, vocabulary.blob, vocabulary.offsets,
                                         terms)
            return None if read is None else PassageWords(*read)
        numbers = data.tolist()
        n, m = numbers[:HEAD_FIELDS] if len(numbers) >= HEAD_FIELDS else (-1, -1)
        title_at = HEAD_FIELDS + WORD_FIELDS * n + SENTENCE_FIELDS * m
        if n < 0 or m < 0 or title_at > len(numbers):
            return None
        words = numbers[HEAD_FIELDS:HEAD_FIELDS + WORD_FIELDS * n]
        sentences, title = numbers[HEAD_FIELDS + WORD_FIELDS * n:title_at], numbers[title_at:]
        ids, starts, ends = (words[f::WORD_FIELDS] for f in range(WORD_FIELDS))
        if (ids and not (min(ids) >= 0 and min(starts) >= 0 and max(ends) <= length)) or (
                sentences and not (min(sentences) >= 0 and max(sentences) <= length)) or (
                title and min(title) < 0):
            return None
        try:
            found = list(map(terms.term, ids))
            titled = frozenset(map(terms.term, title))
        except IndexError:  # beyond the vocabulary
            return None
        return PassageWords(found, starts, ends, list(zip(sentences[::2], sentences[1::2])),
                            titled)

    def renumbered(self, terms: np.ndarray) -> Analyses:
        """The same with each term id t as terms[t] (the vocabulary's order once sorted), in
        place, as they are 500 MB at 1M passages (analyses just made, not stored), a block of
        passages at a time."""
        data = self.data[0:len(self.data)]
        for block in range(0, len(self.offsets) - 1, RENUMBER_PASSAGES):
            at = self.offsets[block:block + RENUMBER_PASSAGES + 1]
            words, sentences = data[at[:-1]], data[at[:-1] + 1]
            title_at = at[:-1] + HEAD_FIELDS + WORD_FIELDS * words + SENTENCE_FIELDS * sentences
            ids = np.concatenate([_spread(at[:-1] + HEAD_FIELDS, words, WORD_FIELDS),
                                  _spread(title_at, at[1:] - title_at, 1)])
            data[ids] = terms[data[ids]]
        return Analyses(self.offsets, data)

    def check(self, passages: int) -> None:
        """Raise ValueError unless there are numbers for each passage (a store may hold
        anything; each passage's are checked against its paragraph when read)."""
        offsets = self.offsets
        if not (len(offsets) == passages + 1 and offsets[0] == 0
                and offsets[-1] == len(self.data) and np.all(np.diff(offsets) >= HEAD_FIELDS)):
            raise ValueError("stored analyses do not fit the index")


def _spread(starts: np.ndarray, counts: np.ndarray, step: int) -> np.ndarray:
    """The positions starts[i], starts[i] + step, ... (counts[i] of them) for each i in turn."""
    ends = np.cumsum(counts)
    within = np.arange(ends[-1] if len(ends) else 0) - np.repeat(ends - counts, counts)
    return np.repeat(starts, counts) + step * within


class _Terms(list[str | None]):
    """The vocabulary's terms by position, each decoded when first read (None until then; a
    passage's words are kept as positions): a list, read at a word's position without a
    number made for a dict's key. The compiled reader decodes and keeps the terms it first
    meets itself, from `vocabulary`'s bytes (a Python call a term was ~20 us of a question)."""

    def __init__(self, vocabulary: Vocabulary) -> None:
        super().__init__([None] * len(vocabulary))
        self.vocabulary = vocabulary

    def term(self, position: int) -> str:
        """The term at `position` (IndexError beyond the vocabulary)."""
        term = self[position]
        if term is None:
            self[position] = term = self.vocabulary[position]
        return term


def _offsets(sizes: np.ndarray) -> np.ndarray:
    """Where each of consecutive slices of these sizes starts, and where the last ends."""
    offsets = np.zeros(len(sizes) + 1, dtype=np.int64)
    np.cumsum(sizes, out=offsets[1:])
    return offsets


def passage_terms(documents: Iterable[Document], analyzer: Analyzer = DOCUMENT_ANALYZER
                  ) -> Iterable[list[str]]:
    """The analysed terms of every passage of the documents, in order: what both indexes
    index."""
    for document in documents:
        for paragraph in document.paragraphs:
            yield analyzer.terms(indexed_text(document, paragraph))


def analyse(texts: Iterable[str], count: int, analyzer: Analyzer = DOCUMENT_ANALYZER,
            bm25: BM25 = BM25()) -> Postings:
    """BM25 postings of the texts, as rank-bm25's BM25Okapi with the Lucene idf scores them.

    The texts are read one at a time (at 1M passages, holding them all takes 500 MB); count
    says how many there are, for the progress bar."""
    term_ids: dict[str, int] = {}
    counted = _count(map(analyzer.terms, texts), count, term_ids)
    return _weigh(list(term_ids), *counted, bm25=bm25)[0]


def _analysed(documents: Iterable[Document], analyzer: Analyzer, term_ids: dict[str, int],
              columns: tuple[array, array]) -> Iterator[list[str]]:
    """The terms BM25 reads of each passage of the documents, analysed once for both: its
    article's title's, then its paragraph's (`indexed_text`'s, as every word is analysed
    alone: the title once an article). The paragraph's words (term ids, new terms numbered on
    in `term_ids`; starts and ends), its sentences and its title's terms are appended to
    `columns` as they go (as Analyses.counted reads them)."""
    sizes, data = columns
    for document in documents:
        title = analyzer.terms(document.title)
        title_terms = [term_ids.setdefault(term, len(term_ids)) for term in title]
        for paragraph in document.paragraphs:
            found, at, to = analyzer.columns(paragraph.text)
            cut = sentence_spans(paragraph.text)
            size = len(data)
            data.extend((len(found), len(cut)))
            data.extend(chain.from_iterable(zip(
                [term_ids.setdefault(term, len(term_ids)) for term in found], at, to)))
            data.extend(chain.from_iterable(cut))
            data.extend(title_terms)
            sizes.append(len(data) - size)
            yield title + found


def _count(passages: Iterable[list[str]], count: int, term_ids: dict[str, int]
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each passage's terms counted: (passage, term id, count) entries in passage order, and
    each passage's length; a new term gets the next id in `term_ids`."""
    rows, columns, counts, lengths = array("i"), array("i"), array("i"), array("i")
    # A progress bar on a terminal for a corpus worth waiting for; none in logs and pipes.
    shown = count >= PROGRESS_MIN_PASSAGES and sys.stderr.isatty()
    from tqdm import tqdm  # only when indexing: answering from a stored index never shows it

    for row, terms in enumerate(tqdm(passages, "indexing", total=count, unit=" passages",
                                     disable=not shown, mininterval=0.5)):
        lengths.append(len(terms))
        for term, tf in Counter(terms).items():
            rows.append(row)
            columns.append(term_ids.setdefault(term, len(term_ids)))
            counts.append(tf)
    rows_, columns_, counts_, lengths_ = (np.frombuffer(a, dtype=np.intc)
                                          for a in (rows, columns, counts, lengths))
    return rows_, columns_, counts_, lengths_


def _weigh(terms: list[str], rows: np.ndarray, columns: np.ndarray, counts: np.ndarray,
           lengths: np.ndarray, bm25: BM25) -> tuple[Postings, np.ndarray]:
    """Postings with rank-bm25's weights, idf × tf·(k1 + 1) / (tf + k1·(1 − b + b·dl/avgdl)),
    in its order of operations; in place, as each array is 250 MB at 1M passages. Columns
    are renumbered in the order of the sorted vocabulary (returned too: each term id's new
    one); rows must come in ascending order."""
    k1, b = bm25.k1, bm25.b
    size = len(lengths)
    rank = np.empty(len(terms), dtype=np.intc)
    rank[sorted(range(len(terms)), key=terms.__getitem__)] = np.arange(len(terms))
    columns = rank[columns]
    df = np.bincount(columns, minlength=len(terms))
    idf = lucene_idf(size, df)
    order = np.argsort(columns, kind="stable")  # rows stay ascending within each column
    del columns
    passages = rows[order]
    tf = counts[order].astype(np.float64)
    counts = counts[order]
    del order
    avgdl = lengths.sum() / size if size else 1.0
    weights = lengths[passages] / avgdl
    weights *= b
    weights += 1 - b
    weights *= k1
    weights += tf
    tf *= k1 + 1
    np.divide(tf, weights, out=weights)
    weights *= np.repeat(idf, df)
    starts = np.concatenate([[0], np.cumsum(df)]).astype(np.int64)
    return Postings(Vocabulary.of(terms), starts, passages, weights, counts, lengths), rank


class MemoryIndex:
    """Every body paragraph of the corpus, analysed and indexed for BM25, in numpy arrays
    (memory-mapped from the store: nothing is built per passage at start).

    Passage number r (in corpus order) is paragraph r - first[d] + 1 of document d, where
    first[d] <= r < first[d + 1]; `outlines` say where each passage stands in its article
    and `analyses` how its paragraph was analysed; `digests`, when the documents are files,
    the digest of each one's content as indexed (each match carries its article's: a file
    changed since is not quoted)."""

    def __init__(self, postings: Postings, documents: list[str], first: np.ndarray,
                 outlines: Outlines, analyses: Analyses, bm25: BM25 = BM25(),
                 digests: list[str] | None = None) -> None:
        if len(first) != len(documents) + 1 or first[0] != 0 or first[-1] != postings.size \
                or np.any(np.diff(first) < 0) \
                or (digests is not None and len(digests) != len(documents)):
            raise ValueError("postings are not those of these documents")
        outlines.check(postings.size, len(documents))
        analyses.check(postings.size)
        self.postings, self.documents, self.first, self.bm25 = postings, documents, first, bm25
        self.outlines, self.analyses, self.digests = outlines, analyses, digests
        self._terms = _Terms(postings.vocabulary)
        self._columns = _Columns(postings.vocabulary, postings.starts)
        self._column_max = lru_cache(maxsize=COLUMN_CACHE_SIZE)(self._max_weight)
        # Each document's first row, and each passage's place in its file, as Python ints
        # read straight from the (maybe memory-mapped) arrays: a quote reads one of each.
        self._first = np.asarray(first).data
        self._places = [np.asarray(c).data for c in (outlines.starts, outlines.ends,
                                                     outlines.places)]
        # The compiled scorer's totals and marks, one slot a passage (made at its first
        # question).
        self._scratch: tuple[np.ndarray, np.ndarray] | None = None

    @cached_property
    def _positions(self) -> dict[str, int]:
        return {d: n for n, d in enumerate(self.documents)}

    def outline(self, document_id: str) -> Outline | None:
        """An article's outline as decided when it was indexed, None for an article it does
        not hold."""
        n = self._positions.get(document_id)
        if n is None:
            return None
        return self.outlines.outline(n, int(self.first[n]), int(self.first[n + 1]))

    def place(self, document_id: str, paragraph: int) -> Place | None:
        """Where a paragraph stood in its article's file when it was indexed (quoting reads
        that much of the file), None for one it does not hold."""
        n, row = self._row(document_id, paragraph)
        if row is None:
            return None
        title, url, date = self.outlines.headers[n]
        starts, ends, places = self._places
        at = PLACE_FIELDS * row
        return Place(Header(document_id, str(title), url, date), paragraph, starts[row],
                     ends[row], places[at], places[at + 1], places[at + 2])

    def words(self, document_id: str, paragraph: int) -> PassageWords | None:
        """A paragraph's words and sentences and its title's terms as analysed when it was
        indexed; None for one it does not hold, or whose stored analysis does not fit it (a
        damaged store: the caller analyses the text)."""
        _, row = self._row(document_id, paragraph)
        if row is None:
            return None
        starts, ends, _ = self._places
        return self.analyses.passage(row, ends[row] - starts[row], self._terms)

    def _row(self, document_id: str, paragraph: int) -> tuple[int, int | None]:
        """The article's number and the paragraph's row (None: not held)."""
        n = self._positions.get(document_id, -1)
        if n < 0:
            return n, None
        row = self._first[n] + paragraph - 1
        return n, row if self._first[n] <= row < self._first[n + 1] else None

    @classmethod
    def build(cls, documents: Sequence[Document | str], analyzer: Analyzer = DOCUMENT_ANALYZER,
              bm25: BM25 = BM25(), previous: MemoryIndex | None = None,
              digests: list[str] | None = None) -> MemoryIndex:
        """Index the documents' passages (`digests`: of their files' content, in order). A
        document given by its id alone is one of `previous`'s: its passages' counts are taken
        from there, not analysed again, so that a corpus changed by one article analyses that
        one only. The index is the same, to the last bit, as one of them all analysed anew."""
        ids = [d if isinstance(d, str) else d.id for d in documents]
        reused = {} if previous is None else previous._positions
        outlines = Outlines.of([d if not isinstance(d, str) else _kept(previous, d)
                                for d in documents])
        kept_sizes = [] if previous is None else np.diff(previous.first).tolist()
        sizes = [kept_sizes[reused[d]] if isinstance(d, str) else len(d.paragraphs)
                 for d in documents]
        first = np.zeros(len(documents) + 1, dtype=np.int64)
        np.cumsum(sizes, out=first[1:])
        new = [d for d in documents if not isinstance(d, str)]
        count = sum(len(d.paragraphs) for d in new)
        started = time.perf_counter()
        # The previous index's terms keep their ids (their positions in its vocabulary).
        term_ids = {} if previous is None else {
            t: n for n, t in enumerate(previous.postings.vocabulary)}
        columns = (array("i"), array("i"))
        counted = _count(_analysed(new, analyzer, term_ids, columns), count, term_ids)
        analysed = Analyses.counted(columns)
        del columns  # 400 MB at 1M passages, laid out again in `analysed`
        if previous is None:
            postings, renumbered = _weigh(list(term_ids), *counted, bm25=bm25)
        else:  # the previous index's counts and analyses are moved to their new rows
            postings, renumbered = _merged(previous, reused, documents, first, list(term_ids),
                                           counted, bm25)
            rows = np.cumsum([0] + [len(d.paragraphs) for d in new]).tolist()
            new_at = iter(zip(rows, rows[1:]))
            old_at = previous.first.tolist()
            analysed = Analyses.of([
                (previous.analyses, old_at[reused[d]], old_at[reused[d] + 1])
                if isinstance(d, str) else (analysed, *next(new_at)) for d in documents])
        elapsed = time.perf_counter() - started
        log.info("indexed %d passages in %.1f s (%.0f passages/s)", count, elapsed,
                 count / max(elapsed, 1e-9))
        return cls(postings, ids, first, outlines, analysed.renumbered(renumbered), bm25,
                   digests)

    def __len__(self) -> int:
        return self.postings.size

    def __contains__(self, term: str) -> bool:
        return self._columns[term] is not None

    def terms_starting(self, prefix: str) -> list[str]:
        return self.postings.vocabulary.starting(prefix)

    def idf(self, term: str) -> float:
        column = self._columns[term]
        return float(lucene_idf(len(self), 0 if column is None else column[1] - column[0]))

    def search(self, terms: list[str], k: int, weights: dict[str, float] | None = None,
               groups: dict[str, int] | None = None) -> list[Match]:
        """Without weights, the scores are rank-bm25's own."""
        columns = self._columns
        held = [(t, c) for t in dict.fromkeys(terms) if (c := columns[t]) is not None]
        if not held or k < 1:
            return []
        runs: list[int] = []  # 0, then where each group ends in the query (none: one term each)
        if groups is not None:
            column = dict(held)
            ordered = grouped(column, groups)
            if len(ordered) < len(held):
                held = [(t, column[t]) for t in chain.from_iterable(ordered)]
                runs = [0, *accumulate(map(len, ordered))]
        query = [t for t, _ in held]
        spans = [c for _, c in held]
        boosts = [1.0] * len(query) if weights is None else [weights.get(t, 1.0) for t in query]
        if _memory is not None:
            return self._best_compiled(query, spans, boosts, runs, k)
        p = self.postings
        rows, scores = _best(p, spans, boosts, runs, k)
        documents = np.searchsorted(self.first, rows, side="right") - 1
        first, names, digests = self._first, self.documents, self.digests
        # A question's k passages mostly hold the same few sets of its terms: each set made
        # once (as the compiled scorer makes them).
        sets: dict[tuple[bool, ...], frozenset[str]] = {}
        return [Match(names[d], row - first[d] + 1, score,
                      sets.get(holds) or sets.setdefault(holds, frozenset(compress(query, holds))),
                      None if digests is None else digests[d])
                for score, row, d, holds in zip(scores.tolist(), rows.tolist(),
                                                documents.tolist(), _held(p, spans, rows))]

    def _best_compiled(self, query: list[str], columns: list[Column], boosts: list[float],
                       runs: list[int], k: int) -> list[Match]:
        """`_best`'s passages, best first, scores to the bit, made by the compiled scorer as
        the matches `search` gives (numpy's arrays out, then each match built in Python, cost
        more than scoring a question's few hundred postings): a question whose rarer terms'
        postings are few beside the long columns' reads those only where the rarer terms are,
        while their best scores cannot lift another passage into the top k (max-score
        pruning)."""
        p = self.postings
        size = p.size
        spans, long = array("q"), bytearray()
        short = every = 0  # the short columns' postings, and all of them
        for start, end in columns:
            spans.extend((start, end))
            every += end - start
            if end > start and (end - start) * LONG_SHARE >= size:
                long.append(1)
            else:
                long.append(0)
                short += end - start
        outside = 0.0  # added in query order, as the scores are: no passage's exceeds it
        # (A bound is a term's best score times its weight: not one for a negative weight.)
        if short < every and short and short * PRUNE_RATIO <= every - short \
                and min(boosts) >= 0:
            outside = _outside([w * self._column_max(c) if is_long else None
                                for w, c, is_long in zip(boosts, columns, long)], runs)
        else:
            long = bytearray(len(columns))
        if self._scratch is None:  # one slot a passage, all zero between questions
            self._scratch = np.zeros(size), np.zeros(size, dtype=np.uint8)
        totals, marks = self._scratch
        return _memory.best(p.passages, p.weights, spans, array("d", boosts), long, outside,
                            array("q", runs), GROUP_TIE, k, totals, marks, self.first, query,
                            self.documents, self.digests, Match)

    def _max_weight(self, column: Column) -> float:
        """The highest weight of a term in any passage."""
        return float(self.postings.weights[column[0]:column[1]].max())


# A term's column as a search reads it: where its postings start and end.
Column = tuple[int, int]


class _Columns(dict[str, Column | None]):
    """Each term's column (None: no passage holds it), looked up in the vocabulary when first
    asked for: then one dict look-up a term, in C, for the spelling's check, the weight and
    the search alike. Forgotten all at once past COLUMN_CACHE_SIZE terms."""

    def __init__(self, vocabulary: Vocabulary, starts: np.ndarray) -> None:
        super().__init__()
        self._vocabulary = vocabulary
        # Python ints read straight from the (maybe memory-mapped) array.
        self._starts = np.asarray(starts).data

    def __missing__(self, term: str) -> Column | None:
        position = self._vocabulary.find(term)
        column = None if position is None else (self._starts[position],
                                                self._starts[position + 1])
        if len(self) >= COLUMN_CACHE_SIZE:
            self.clear()
        self[term] = column
        return column


def _best(p: Postings, spans: list[tuple[int, int]], boosts: list[float], runs: list[int],
          k: int) -> tuple[np.ndarray, np.ndarray]:
    """The k best passages (rows) and their scores, every posting of the terms read: the
    reference. `runs`: where each group of terms starts (none: each term is one)."""
    passages = np.concatenate([p.passages[s:e] for s, e in spans])
    scores = np.concatenate([w * p.weights[s:e] for w, (s, e) in zip(boosts, spans)])
    if runs:
        passages, scores = _group_scores(passages, scores, [e - s for s, e in spans], runs)
    candidates, totals = _totals(passages, scores, p.size)
    top = _top(totals, k)
    return (top if candidates is None else candidates[top]), totals[top]


def _group_scores(passages: np.ndarray, scores: np.ndarray, sizes: list[int], runs: list[int]
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Each passage's group scores, in the order of its rows and then of the groups (so that
    `_totals` adds a passage's groups in the query's order): a group's best term's score plus
    GROUP_TIE times the others', its sum added in the terms' order."""
    group_of = np.repeat(np.arange(len(runs) - 1), np.diff(runs))
    which = np.repeat(group_of, sizes)
    pairs, where = np.unique(passages.astype(np.int64) * (len(runs) - 1) + which,
                             return_inverse=True)
    sums = np.bincount(where, weights=scores)
    best = np.full(len(pairs), -np.inf)
    np.maximum.at(best, where, scores)
    return pairs // (len(runs) - 1), best + GROUP_TIE * (sums - best)


def _outside(bounds: list[float | None], runs: list[int]) -> float:
    """What the long terms alone can give a passage at most, from each term's bound (None: not
    long), added as the scores are: a group's is its best term's plus GROUP_TIE times its sum
    (the others' would be tighter, but rounding could then leave a passage's score above it)."""
    outside = 0.0
    for first, end in zip(runs or range(len(bounds)), runs[1:] or range(1, len(bounds) + 1)):
        held = [b for b in bounds[first:end] if b is not None]
        if len(held) == 1:
            outside += held[0]
        elif held:
            outside += max(held) + GROUP_TIE * sum(held)
    return outside


def _kept(previous: MemoryIndex | None, document: str) -> tuple[Outlines, int, int, int]:
    """A document kept from the previous index: where its outline is there."""
    assert previous is not None  # a document is given by id only when kept from one
    n = previous._positions[document]
    return previous.outlines, n, int(previous.first[n]), int(previous.first[n + 1])


def _merged(previous: MemoryIndex, reused: dict[str, int], documents: Sequence[Document | str],
            first: np.ndarray, terms: list[str],
            counted: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray], bm25: BM25
            ) -> tuple[Postings, np.ndarray]:
    """The postings of the previous index's passages kept (those of the documents given by id,
    moved to their new rows) and of the new documents' passages (`counted`, in their order,
    term ids into `terms`), weighed together as one new corpus; and each term id's position
    in the new vocabulary (-1: a term of no passage any more)."""
    p = previous.postings
    moved = np.full(p.size, -1, dtype=np.int64)  # each old passage's new row; -1: gone
    new_rows = []
    for n, d in enumerate(documents):
        if isinstance(d, str):
            old = reused[d]
            moved[previous.first[old]:previous.first[old + 1]] = np.arange(first[n], first[n + 1])
        else:
            new_rows.append(np.arange(first[n], first[n + 1]))
    at = np.concatenate(new_rows or [np.zeros(0, np.int64)])
    rows, columns, counts, lengths = counted
    old_columns = np.repeat(np.arange(len(p.vocabulary), dtype=np.intc), np.diff(p.starts))
    kept_rows = moved[p.passages]
    kept = kept_rows >= 0
    all_rows = np.concatenate([kept_rows[kept], at[rows]])
    all_columns = np.concatenate([old_columns[kept], columns])
    all_counts = np.concatenate([np.asarray(p.counts)[kept], counts])
    all_lengths = np.zeros(int(first[-1]), dtype=np.intc)
    all_lengths[moved[moved >= 0]] = np.asarray(p.lengths)[moved >= 0]
    all_lengths[at] = lengths
    order = np.argsort(all_rows, kind="stable")  # _weigh takes rows in ascending order
    # Terms of no passage any more (their articles gone) are left out of the vocabulary.
    used, all_columns = np.unique(all_columns[order], return_inverse=True)
    postings, renumbered = _weigh([terms[i] for i in used], all_rows[order].astype(np.intc),
                                  all_columns.astype(np.intc),
                                  all_counts[order].astype(np.intc), all_lengths, bm25)
    positions = np.full(len(terms), -1, dtype=np.intc)
    positions[used] = renumbered
    return postings, positions


def _top(scores: np.ndarray, k: int) -> np.ndarray:
    """Positions of the k highest positive scores, highest first (ties: lowest position)."""
    if len(scores) <= SORTED_TOP_MAX:
        top = np.argsort(-scores, kind="stable")[:k]
        return top[scores[top] > 0]
    positive = np.flatnonzero(scores > 0)
    if len(positive) > k:
        kth = np.partition(scores[positive], len(positive) - k)[len(positive) - k]
        positive = positive[scores[positive] >= kth]
    return positive[np.lexsort((positive, -scores[positive]))][:k]


def _held(p: Postings, spans: list[tuple[int, int]], rows: np.ndarray
          ) -> list[tuple[bool, ...]]:
    """Whether each of the rows holds each term (its passages: a span of the postings): one
    binary search per term for all of them."""
    holding = []
    for s, e in spans:
        column = p.passages[s:e]
        if len(column) == 0:  # only in a damaged store
            holding.append([False] * len(rows))
            continue
        i = np.minimum(np.searchsorted(column, rows), len(column) - 1)
        holding.append((column[i] == rows).tolist())
    return list(zip(*holding))


def _totals(passages: np.ndarray, scores: np.ndarray, size: int
            ) -> tuple[np.ndarray | None, np.ndarray]:
    """The passages that hold a term (ascending; None: every passage, in a dense array) and
    their summed scores. Each passage's terms are added in the order given (query order, as
    rank-bm25 adds them), so that both ways give the same floats to the bit: by np.unique (a
    sort of the postings read) for a question that reads few, in a dense array of one slot a
    passage for one that reads many."""
    if len(passages) * DENSE_SHARE >= size:
        return None, np.bincount(passages, weights=scores, minlength=size)
    candidates, where = np.unique(passages, return_inverse=True)
    return candidates, np.bincount(where, weights=scores)
