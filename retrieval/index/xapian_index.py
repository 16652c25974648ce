"""The index on Xapian: on disk, in shards, over the network, updated one article at a time.

Xapian (a C++ search library, `xapian-bindings-binary` on PyPI, the `xapian` extra) keeps the
postings on disk, opens in milliseconds at any size, and searches several databases as one,
local or served by `xapian-tcpsrv` on other machines, with their statistics combined.

Our own analysed terms are Xapian's terms (no Xapian stemming: both indexes read the same
terms), weighed by Xapian's BM25Weight with our k1 and b (k2 = 0, k3 = 1, min_normlen = 0:
rank-bm25's formula), and each query term's boost is an OP_SCALE_WEIGHT. One difference is
Xapian's: its idf is log((N − df + 0.5)/(df + 0.5)), and below 2 it is halved and raised by 1
(1 + idf/2): terms in more than about 1/8 of the passages weigh more than Lucene's idf gives
them, up to twice as much for the commonest (measured in BENCHMARKS.md: the first passage is
the same for nearly every question). The idf the engine reads (`idf`) is Lucene's, from
Xapian's document frequencies.

A Xapian document is a passage: its terms, a unique term Q<article id> that every passage of
the article holds (to delete an article's passages at once), and as data (`_data`) its
article's id, paragraph number and the digest of the article's content when indexed; the
article's first passage also holds its outline (title, url, date, where its paragraphs stand:
what parsing it decided), so that answering slices quotes from the file without parsing it
again. Each article goes to shard crc32(id) mod N, and each shard remembers the digest of every
article it holds (metadata `digest:<id>`), which is what `update` compares.

Each passage's data also keeps its analysis, as the memory index's store does: its words' terms
and offsets, its sentences, its title's terms (`words`), so that answering analyses no
paragraph; in the data, not beside it, so that remote shards send it with the passage. The
terms it holds are read from there too (which of the question's it matches) rather than asked
of Xapian one passage at a time. And its place (`place`): its article's title, url and date,
its span in the text and in the file's bytes, their digest, and the file's name and status
when it was indexed, so that a quote of a file still as it was reads its paragraph alone
(articles/corpus.py; a shard built on another machine names statuses its files do not have
here: their quotes read the whole file, as before).
"""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np
import xapian
from tqdm import tqdm

from ..articles.corpus import digest
from ..articles.documents import (Document, Header, Outline, Place, byte_places,
                                  parsed_article)
from ..articles.files import (CorpusError, article_max_bytes, corpus_files, corpus_folder,
                              is_corpus_file, read_article_status, set_article_max_bytes,
                              status_of)
from ..text import sentences
from ..text.analysis import DOCUMENT_ANALYZER
from .contract import BM25, IndexUnavailable, Match, PassageWords, lucene_idf
from .remote import parse_remote
from .signature import index_signature

log = logging.getLogger(__name__)

SHARD_NAME = "shard-{}"
# Xapian's convention for a unique id term: a capital prefix (our terms are lower case).
ID_PREFIX = "Q"
DIGEST_KEY = "digest:"
SIGNATURE_KEY = "citebot:index"
# Xapian refuses terms longer than this many bytes (a very long "word": a URL, a hash).
MAX_TERM_BYTES = 245
# A remote shard that does not answer within this long is reported down: users get an
# apology, not a hang. Connecting gets less: a refused or unroutable address fails fast.
REMOTE_TIMEOUT_MS = 5000
CONNECT_TIMEOUT_MS = 2000
# After a failure, questions fail at once (an apology, not a wait) for as long as that failure
# took, at most this long: a hung shard costs each try REMOTE_TIMEOUT_MS, and the questions
# asked meanwhile must not wait for it one after another; one that refused at once is tried
# again at once. Then the next question tries again, so the bot answers soon after it is back.
RETRY_SECONDS = 2.0
# How often a running engine looks for a newer revision of the databases (index --update).
REOPEN_SECONDS = 1.0
# How many more passages than asked for are read, so that passages of equal score are ranked
# in corpus order whatever the shards (a tie larger than this may still differ).
TIE_MARGIN = 10
# A shard written in memory this many passages at a time: fewer, larger flushes.
FLUSH_PASSAGES = "50000"
# Corpora smaller than this are built in one process: starting more would cost more.
PARALLEL_MIN_ARTICLES = 5000
# Corpora smaller than this index too fast for a progress bar.
PROGRESS_MIN_ARTICLES = 1000
# The numbers of a passage's analysis in its data, by the byte that comes before them: the
# narrowest of these types that holds them all (16 bits for all but the longest paragraphs:
# half the bytes to read), little-endian on every machine, read with numpy.frombuffer (never
# unpickled).
NUMBER_TYPES: dict[int, np.dtype] = {2: np.dtype("<u2"), 4: np.dtype("<u4")}
# How many numbers of an analysis come before its words': the paragraph's length, its count
# of words and of sentences.
HEADER_NUMBERS = 3

T = TypeVar("T")


def signature() -> str:
    """The signature a database built by this code records (signature.py): Xapian stores no
    BM25 weight, so its parameters are not part of it; each paragraph's sentences are."""
    return index_signature(sys.modules[__name__], stored=(sentences,))


def recorded_signature(db: xapian.Database) -> str | None:
    """The signature a database was built under, None when it records none."""
    try:
        return json.loads(db.get_metadata(SIGNATURE_KEY).decode() or "null")["index"]
    except (ValueError, TypeError, KeyError):
        return None


def _open_shard(spec: str) -> xapian.Database:
    """One shard, opened and checked: IndexUnavailable (one clear line) when it cannot be
    reached or was built by other analysis code, whose terms would not meet the questions'."""
    remote = parse_remote(spec)
    where = f"the Xapian shard at {spec}" if remote else f"the Xapian database {spec}"
    try:
        if remote:
            db = xapian.remote_open(*remote, REMOTE_TIMEOUT_MS, CONNECT_TIMEOUT_MS)
        elif not Path(spec).is_dir():
            raise IndexUnavailable(f"no Xapian database at {spec}: build one with "
                                   f"python -m bot index --xapian DIR")
        else:
            db = xapian.Database(spec)
        stale = recorded_signature(db) != signature()
    except xapian.Error as e:
        raise IndexUnavailable(f"cannot open {where}: {e.get_msg()}") from None
    if stale:
        raise IndexUnavailable(f"{where} was built by another version of the analysis: update "
                               f"it (python -m bot index --xapian DIR --update) or build it anew")
    return db


class XapianIndex:
    """The index contract (contract.py) over Xapian databases, local or remote.

    One connection, used by one thread at a time; a question waits for it at most
    REMOTE_TIMEOUT_MS. A shard lost while running makes the question raise IndexUnavailable
    (the user gets an apology); the questions asked meanwhile fail at once rather than wait for
    it in turn (RETRY_SECONDS), and the next one after that reconnects, so the engine recovers
    when the shard returns."""

    def __init__(self, specs: tuple[str, ...], bm25: BM25 = BM25(),
                 reopen_seconds: float = REOPEN_SECONDS) -> None:
        self.specs, self.bm25, self.reopen_seconds = specs, bm25, reopen_seconds
        self._db: xapian.Database | None = None
        self._checked = 0.0
        # Statistics of the open revision, as searches bring them back: asking a remote shard
        # for each costs a round trip.
        self._size: int | None = None
        self._df: dict[str, int] = {}
        self._lock = threading.Lock()
        self._down_until = 0.0  # after a failure: questions until then fail at once
        # Each thread's last search's passages, by article and paragraph: their term table and
        # analysis, which `words` reads next for the same question, from the same revision.
        self._found = threading.local()

    @classmethod
    def open(cls, specs: Iterable[str], bm25: BM25 = BM25(),
             reopen_seconds: float = REOPEN_SECONDS) -> XapianIndex:
        """The databases opened as one; IndexUnavailable (one clear line) when one cannot be.
        A running index looks for a newer revision every `reopen_seconds`."""
        specs = tuple(specs)
        if not specs:
            raise IndexUnavailable("no Xapian database given: set XAPIAN_DATABASES")
        index = cls(specs, bm25, reopen_seconds)
        index._call(lambda db: None)
        return index

    def _connect(self) -> xapian.Database:
        db = xapian.Database()
        for spec in self.specs:
            db.add_database(_open_shard(spec))
        self._checked = time.monotonic()
        self._size, self._df = None, {}
        return db

    def _call(self, ask: Callable[[xapian.Database], T]) -> T:
        """ask(database), connecting or reopening first when due; IndexUnavailable on a lost
        shard, after which the next call connects again, and at once while the index is known
        to be down or busy past a question's time."""
        if time.monotonic() < self._down_until or not self._lock.acquire(
                timeout=REMOTE_TIMEOUT_MS / 1000):
            raise IndexUnavailable("the Xapian index is unavailable: a shard is not answering")
        try:
            if time.monotonic() < self._down_until:  # failed while this question waited
                raise IndexUnavailable("the Xapian index is unavailable: a shard is not "
                                       "answering")
            started = time.monotonic()
            try:
                return self._ask(ask)
            except xapian.Error as e:
                self._db = None  # reported by the caller, one line per question
                failed = time.monotonic()
                self._down_until = failed + min(failed - started, RETRY_SECONDS)
                raise IndexUnavailable(f"the Xapian index is unavailable: {e.get_msg()}") from None
        finally:
            self._lock.release()

    def _ask(self, ask: Callable[[xapian.Database], T]) -> T:
        """ask(database) on the connection (made, or reopened, first when due)."""
        if self._db is None:
            self._db = self._connect()
        elif time.monotonic() - self._checked > self.reopen_seconds:
            if self._db.reopen():
                self._size, self._df = None, {}
            self._checked = time.monotonic()
        try:
            return ask(self._db)
        except xapian.DatabaseModifiedError:  # updated under our feet: read the new one
            self._db.reopen()
            self._size, self._df = None, {}
            return ask(self._db)

    def __len__(self) -> int:
        return self._call(self._doccount)

    def _doccount(self, db: xapian.Database) -> int:
        if self._size is None:
            self._size = db.get_doccount()
        return self._size

    def __contains__(self, term: str) -> bool:
        return self._termfreq(term) > 0

    def terms_starting(self, prefix: str) -> list[str]:
        return self._call(lambda db: [t.term.decode() for t in db.allterms(prefix)])

    def idf(self, term: str) -> float:
        df = self._termfreq(term)
        size = self._size
        return float(lucene_idf(len(self) if size is None else size, df))

    def _termfreq(self, term: str) -> int:
        """How many passages hold the term: as the open revision's searches brought it back
        (a question asks about each of its terms several times), else asked."""
        df = self._df.get(term)
        if df is None:
            df = self._df[term] = self._call(lambda db: db.get_termfreq(term))
        return df

    def search(self, terms: list[str], k: int, weights: dict[str, float] | None = None,
               groups: dict[str, int] | None = None) -> list[Match]:
        """The terms' scores summed, a group's too: Xapian 1.4's OP_MAX, which would count a
        group once, crashes over several databases (a shard's MaxPostList whose sublists all
        ended is read again by MergePostList::recalc_maxweight when the next shard starts), so
        an English question may rank its passages otherwise than on the memory index."""
        query_terms = [t for t in dict.fromkeys(terms) if t and len(t.encode()) <= MAX_TERM_BYTES]
        if not query_terms or k < 1:
            return []
        query = xapian.Query(xapian.Query.OP_OR, [
            xapian.Query(xapian.Query.OP_SCALE_WEIGHT, xapian.Query(t),
                         1.0 if weights is None else weights.get(t, 1.0))
            for t in query_terms])

        def ask(db: xapian.Database) -> list[Match]:
            enquire = xapian.Enquire(db)
            enquire.set_query(query)
            enquire.set_weighting_scheme(
                xapian.BM25Weight(self.bm25.k1, 0, 1, self.bm25.b, 0))
            mset = enquire.get_mset(0, k + TIE_MARGIN)
            self._df.update((t, mset.get_termfreq(t)) for t in query_terms)
            items = _best(mset, k)
            mset.fetch()  # the documents' data in one round trip from remote shards
            matches, found = [], {}
            for item in items:
                head, _, analysis = item.document.get_data().split(b"\n", 2)
                document, paragraph, article_digest, table, place = json.loads(head)
                matched = frozenset(set(table).intersection(query_terms))
                matches.append(Match(document, paragraph, item.weight, matched, article_digest))
                found[document, paragraph] = table, analysis, place
            self._found.passages = found
            # Equal scores in corpus order, as the memory index ranks them: Xapian's own order
            # (by document number) depends on how passages are spread over the shards.
            matches.sort(key=lambda m: (-m.score, m.document, m.paragraph))
            return matches[:k]

        return self._call(ask)

    def words(self, document: str, paragraph: int) -> PassageWords | None:
        """The paragraph's analysis as its data keeps it: from this thread's last search when
        it found the paragraph (no second read), else read; None when there is no such
        paragraph or its analysis does not fit together (a damaged database: the caller
        analyses the text)."""
        kept = getattr(self._found, "passages", {}).get((document, paragraph))
        if kept is None:
            kept = self._call(lambda db: _kept_analysis(db, document, paragraph))
        return None if kept is None else _passage_words(*kept[:2])

    def place(self, document: str, paragraph: int) -> Place | None:
        """Where the paragraph stood in its file when indexed, as its data keeps it, when this
        thread's last search found it; None otherwise, or when it does not fit together (a
        damaged database: the whole file is read)."""
        kept = getattr(self._found, "passages", {}).get((document, paragraph))
        return None if kept is None else _place(document, paragraph, kept[2])

    def outline(self, document_id: str) -> Outline | None:
        """An article's outline as its first passage keeps it, with the digest of the content
        it was made from; None when there is none or it is not one (a damaged database: the
        article is parsed)."""
        def ask(db: xapian.Database) -> Outline | None:
            for posting in db.postlist(ID_PREFIX + document_id):
                outline = db.get_document(posting.docid).get_data().split(b"\n", 2)[1]
                if outline:
                    return _outline(json.loads(outline))
            return None

        return self._call(ask)


def _kept_analysis(db: xapian.Database, document_id: str, paragraph: int
                   ) -> tuple[list[str], bytes] | None:
    """A paragraph's term table and analysis as its passage's data keeps them, looked up."""
    for posting in db.postlist(ID_PREFIX + document_id):
        head, _, analysis = db.get_document(posting.docid).get_data().split(b"\n", 2)
        data = json.loads(head)
        if data[1] == paragraph:
            return data[3], analysis
    return None


def _place(document: str, paragraph: int, kept: object) -> Place | None:
    """A paragraph's place as its passage's data keeps it (`_data`), checked: [title, url,
    date, its start and end in the text and in the file's bytes, their digest, the file's
    name, its status and when that was checked]."""
    if not (isinstance(kept, list) and len(kept) == 11):
        return None
    title, url, date, *numbers, name, status, checked_ns = kept
    if not (isinstance(title, str) and all(v is None or isinstance(v, str) for v in (url, date))
            and isinstance(name, str) and isinstance(status, list) and len(status) == 4
            and all(type(n) is int for n in [*numbers, *status, checked_ns])):
        return None
    start, end, byte_start, byte_end, bytes_digest = numbers
    return Place(Header(document, title, url, date), paragraph, start, end, byte_start, byte_end,
                 bytes_digest, (name, status, checked_ns))


def _passage_words(table: list[str], analysis: bytes) -> PassageWords | None:
    """A passage's analysis as `_data` keeps it (`table`: its distinct terms, which its words
    and title name by position); None unless it fits together: counts that add up, terms in
    the table, offsets within the paragraph."""
    kind = NUMBER_TYPES.get(analysis[0]) if analysis else None
    if kind is None or (len(analysis) - 1) % kind.itemsize:
        return None
    numbers = np.frombuffer(analysis, kind, offset=1).tolist()
    length, count, spans = numbers[:HEADER_NUMBERS] if len(numbers) >= HEADER_NUMBERS else (
        -1, -1, -1)
    words_end = HEADER_NUMBERS + 3 * count
    spans_end = words_end + 2 * spans
    if min(length, count, spans) < 0 or spans_end > len(numbers):
        return None
    ids = numbers[HEADER_NUMBERS:HEADER_NUMBERS + count]
    starts = numbers[HEADER_NUMBERS + count:HEADER_NUMBERS + 2 * count]
    ends = numbers[HEADER_NUMBERS + 2 * count:words_end]
    cut = numbers[words_end:spans_end]
    title = numbers[spans_end:]
    named = ids + title
    if (named and not 0 <= min(named) <= max(named) < len(table)) or (
            count and not (min(starts) >= 0 and max(ends) <= length)) or (
            cut and not (min(cut) >= 0 and max(cut) <= length)):
        return None
    return PassageWords([table[i] for i in ids], starts, ends, list(zip(cut[::2], cut[1::2])),
                        frozenset(table[i] for i in title))


def _best(mset: xapian.MSet, k: int) -> list[xapian.MSetItem]:
    """The k best items of the MSet (best first), and those tied with the k-th; none weighted 0
    (only terms weighted 0: a passage that matches nothing that counts). Read one by one, as
    each item read costs: past the k-th, only while tied."""
    items: list[xapian.MSetItem] = []
    for item in mset:
        if item.weight <= 0 or (len(items) >= k and item.weight < items[k - 1].weight):
            break
        items.append(item)
    return items


def _outline(kept: object) -> Outline | None:
    """An outline as a passage's data keeps it, checked: [digest of the content it was made
    from, title, url, date, each paragraph's start and end one after the other]."""
    if not (isinstance(kept, list) and len(kept) == 5):
        return None
    article_digest, title, url, date, spans = kept
    if not (isinstance(article_digest, str) and isinstance(title, str)
            and all(v is None or isinstance(v, str) for v in (url, date))
            and isinstance(spans, list) and len(spans) % 2 == 0
            and all(type(n) is int for n in spans)):
        return None
    return Outline(title, url, date, tuple(zip(spans[::2], spans[1::2])), article_digest)


@dataclass
class IndexReport:
    """What a build or an update did, for the command line."""

    shards: list[tuple[Path, int, int]]  # each shard: path, articles, passages
    added: int = 0
    changed: int = 0
    removed: int = 0
    unchanged: int = 0
    seconds: float = 0.0


def shard_of(document_id: str, shards: int) -> int:
    """Which shard holds an article: the same on every machine and every run."""
    return zlib.crc32(document_id.encode()) % shards


def _passages(document: Document, article_digest: str, file: tuple[str, list[int], int]
              ) -> Iterator[xapian.Document]:
    """The Xapian documents of an article's passages (`file`: its file's name, status and
    when that was checked). A passage's terms are its title's then its paragraph's, each word
    analysed alone, as the memory index reads `indexed_text`: the title analysed once an
    article, each paragraph once for its terms and its analysis."""
    outline = Outline.of(document)
    kept = json.dumps([article_digest, outline.title, outline.url, outline.date,
                       [n for span in outline.spans for n in span]], ensure_ascii=False)
    title = DOCUMENT_ANALYZER.terms(document.title)
    for paragraph, place in zip(document.paragraphs, byte_places(document)):
        terms, starts, ends = DOCUMENT_ANALYZER.columns(paragraph.text)
        passage = xapian.Document()
        for term, wdf in Counter(title + terms).items():
            if len(term.encode()) <= MAX_TERM_BYTES:
                passage.add_term(term, wdf)
        passage.add_boolean_term(ID_PREFIX + document.id)
        words = PassageWords(terms, starts, ends, sentences.sentence_spans(paragraph.text),
                             frozenset(title))
        where = [document.title, document.url, document.date, paragraph.start, paragraph.end,
                 *place, *file]
        passage.set_data(_data([document.id, paragraph.number, article_digest],
                               kept if paragraph.number == 1 else "", len(paragraph.text), words,
                               where))
        yield passage


def _data(head: list, outline: str, length: int, words: PassageWords, place: list) -> bytes:
    """A passage's data, three parts a newline apart (JSON writes none): its head (article id,
    paragraph number, digest of the article's content, its distinct terms, the title's and
    the paragraph's, and its place: `_place`), the article's outline (`_outline`, on its first passage, else empty),
    then its analysis: NUMBER_TYPES of its paragraph's length, word count and sentence count, its words'
    terms (by position in the head's terms), starts and ends, its sentences' starts and ends,
    and its title's terms (sorted: the same bytes at every build)."""
    title = sorted(words.title)
    table = list(dict.fromkeys(title + words.terms))
    position = {term: n for n, term in enumerate(table)}
    numbers = [length, len(words.terms), len(words.sentences),
               *(position[t] for t in words.terms), *words.starts, *words.ends,
               *(n for span in words.sentences for n in span),
               *(position[t] for t in title)]
    size = 2 if max(numbers) < 2 ** 16 else 4
    return b"\n".join([json.dumps([*head, table, place], ensure_ascii=False).encode(),
                       outline.encode(),
                       bytes([size]) + np.array(numbers, NUMBER_TYPES[size]).tobytes()])


def _index_article(db: xapian.WritableDatabase, path: Path, read: tuple[bytes, os.stat_result],
                   checked_ns: int) -> int:
    """(Re)index one article in its shard: its old passages out, its new ones in; how many.
    `read`: its content and its file's status just before it was read, after `checked_ns`."""
    content, status = read
    db.delete_document(ID_PREFIX + path.stem)
    article_digest = digest(content)
    db.set_metadata(DIGEST_KEY + path.stem, article_digest)
    document = parsed_article(path, content)
    if document is None:
        return 0
    count = 0
    for passage in _passages(document, article_digest,
                             (path.name, status_of(status), checked_ns)):
        db.add_document(passage)
        count += 1
    return count


def _progress(items: list[Path], what: str) -> Iterable[Path]:
    shown = len(items) >= PROGRESS_MIN_ARTICLES and sys.stderr.isatty()
    return tqdm(items, what, unit=" articles", disable=not shown, mininterval=0.5)


def build(directory: Path, folder: str | Path, shards: int = 1) -> IndexReport:
    """Index every article of the corpus folder into `shards` new databases
    DIRECTORY/shard-0 … (any older ones there are replaced). A large corpus builds its shards
    in parallel, one process each, up to one per core."""
    started = time.perf_counter()
    files = corpus_files(corpus_folder(folder))
    if not files:
        raise CorpusError("no_articles", folder=folder)
    if shards < 1:
        raise ValueError("--shards must be at least 1")
    directory.mkdir(parents=True, exist_ok=True)
    for old in _shard_paths(directory)[shards:]:
        _remove_database(old)
    parts: list[list[Path]] = [[] for _ in range(shards)]
    for path in files:
        parts[shard_of(path.stem, shards)].append(path)
    paths = [directory / SHARD_NAME.format(i) for i in range(shards)]
    workers = min(shards, os.cpu_count() or 1)
    if workers > 1 and len(files) >= PARALLEL_MIN_ARTICLES:
        # Each worker reads its articles under this process's size limit.
        with ProcessPoolExecutor(workers, initializer=set_article_max_bytes,
                                 initargs=(article_max_bytes(),)) as pool:
            counts = list(pool.map(_build_shard, paths, parts, [shards] * shards))
    else:
        counts = [_build_shard(p, part, shards) for p, part in zip(paths, parts)]
    return IndexReport([(p, a, n) for p, (a, n) in zip(paths, counts)],
                       added=sum(a for a, _ in counts), seconds=time.perf_counter() - started)


def _build_shard(path: Path, files: list[Path], shards: int) -> tuple[int, int]:
    """One new database of these articles; how many articles and passages it holds."""
    os.environ.setdefault("XAPIAN_FLUSH_THRESHOLD", FLUSH_PASSAGES)
    db = xapian.WritableDatabase(str(path), xapian.DB_CREATE_OR_OVERWRITE)
    articles = passages = 0
    for file in _progress(files, path.name):
        checked_ns = time.time_ns()  # before the file is looked at: see files.RACY_NS
        read = read_article_status(file)
        if read is not None:
            passages += _index_article(db, file, read, checked_ns)
            articles += 1
    db.set_metadata(SIGNATURE_KEY, json.dumps({"index": signature(), "shards": shards}))
    db.commit()
    db.close()
    return articles, passages


def update(directory: Path, folder: str | Path, paths: Iterable[Path] | None = None
           ) -> IndexReport:
    """Re-index only the articles whose content changed since they were indexed, add new ones
    and remove those gone: all of the folder's, or only `paths` (a watcher's changed files).
    The seam for live articles: `update(directory, folder, [path])` re-indexes one article."""
    started = time.perf_counter()
    folder = corpus_folder(folder)
    shard_paths = _shard_paths(directory)
    if not shard_paths:
        raise CorpusError("no_database", directory=directory)
    dbs = [xapian.WritableDatabase(str(p), xapian.DB_OPEN) for p in shard_paths]
    report = IndexReport([])
    try:
        known = {key.decode()[len(DIGEST_KEY):]: db.get_metadata(key).decode()
                 for db in dbs for key in db.metadata_keys(DIGEST_KEY)}
        if any(recorded_signature(db) != signature() for db in dbs):
            # Built by other analysis code: every article is indexed again, as if changed.
            log.warning("%s was built by another version of the analysis: re-indexing every "
                        "article", directory)
            known = dict.fromkeys(known, "")
            paths = None
        if paths is None:
            files = corpus_files(folder)
            gone = set(known) - {p.stem for p in files}
        else:
            files = [p for p in paths if is_corpus_file(p)]
            gone = {p.stem for p in paths if not is_corpus_file(p)} & set(known)
        for path in _progress(files, "updating"):
            checked_ns = time.time_ns()
            read = read_article_status(path)
            if read is None or known.get(path.stem) == digest(read[0]):
                report.unchanged += read is not None
                continue
            if path.stem in known:
                report.changed += 1
            else:
                report.added += 1
            _index_article(dbs[shard_of(path.stem, len(dbs))], path, read, checked_ns)
        for document_id in gone:
            db = dbs[shard_of(document_id, len(dbs))]
            db.delete_document(ID_PREFIX + document_id)
            db.set_metadata(DIGEST_KEY + document_id, "")  # an empty value removes the key
            report.removed += 1
        for db in dbs:
            db.set_metadata(SIGNATURE_KEY, json.dumps({"index": signature(), "shards": len(dbs)}))
            db.commit()
        report.shards = [(p, sum(1 for _ in db.metadata_keys(DIGEST_KEY)), db.get_doccount())
                         for p, db in zip(shard_paths, dbs)]
    finally:
        for db in dbs:
            db.close()
    report.seconds = time.perf_counter() - started
    return report


def _shard_paths(directory: Path) -> list[Path]:
    """DIRECTORY/shard-0 … as far as they go without a gap."""
    paths: list[Path] = []
    while (path := directory / SHARD_NAME.format(len(paths))).is_dir():
        paths.append(path)
    return paths


def _remove_database(path: Path) -> None:
    for child in path.iterdir():
        child.unlink()
    path.rmdir()
