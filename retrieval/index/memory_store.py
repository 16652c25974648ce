"""The memory index's store on disk: a restart does not re-read nor re-analyse unchanged
articles, and starts in a second at a million passages.

One folder per corpus folder, in the cache folder (`CACHE_DIR`, by default the user's cache
folder, so that a read-only corpus caches too): plain numeric arrays (`.npy`, memory-mapped as
they are or read a slice at a time, never unpickled) and one JSON file. It holds index data
only (terms, postings, which article and paragraph each passage is, each article's outline:
title, url, date and where its paragraphs stand in its text and in its file's bytes, with the
digest of each paragraph's bytes; each paragraph's analysis: its words' terms and offsets, its
sentences, its title's terms): every quoted text is read from the article files, a paragraph
alone only when its bytes have the digest stored (which covers its number and span in the text
too), else sliced from the whole file within a span that fits the text (else the article is
parsed again), and a stored analysis is read only where its offsets fit the paragraph (else
the paragraph is analysed), so a damaged or forged store can at worst rank badly or quote
another stretch of the same article (a forged one, whose digests were worked out again, can
also misstate where in its file a quote stands).

Its key hashes the index signature (signature.py: the code of the analysis, the parser, what a
passage is indexed by and the memory index's weighting; BM25's k1 and b) and every article
file's name and the digest of its content. A store whose key differs is brought up to date:
the articles whose file is as it was when stored keep their passages' term counts, only the
others are read and analysed, and every weight is worked out again (memory.py), so that one
article added to or removed from a large folder costs that article, not the folder. A store of
another analysis is rebuilt whole; one that does not fit together is rebuilt, never trusted.

Which files changed is told by their status, as git tells it: a file whose size, mtime, ctime
and inode are those stored beside its digest has that digest, and is not read at start (reading
and hashing a million passages' 400 MB took 3 s of a 4 s start). Only the others are read and
hashed, and so is a "racy" one, whose mtime or ctime is not older than the check that stored
its status (files.RACY_NS): it may have been written again in the same tick of the file
system's clock. A file edited and given back its size and mtime (`touch -d`, `rsync -t`) is
read again: its ctime changed, and no tool sets that back. A change that keeps all four (the
clock set back, a disk edited offline) is not seen at start, and yet never quoted: every quote
checks its file (corpus.py: the quoted paragraph's bytes against their digest when the file's
status is the one stored, else its whole content against the digest indexed), and the watcher
re-reads a file it sees written.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import time
import weakref
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import platformdirs
from numpy.typing import DTypeLike

from ..articles.corpus import Corpus, Indexed, digest
from ..articles.documents import Document, parsed_article
from ..articles.files import (CorpusError, corpus_folder, corpus_names, document_id,
                              read_article_status, replaced_atomically, status_of, unchanged)
from ..text import sentences
from ..text.analysis import DOCUMENT_ANALYZER, Analyzer
from . import memory
from .contract import BM25
from .memory import Analyses, MemoryIndex, Outlines, Postings, Vocabulary
from .signature import index_signature

log = logging.getLogger(__name__)

# Bumped when the layout of the store changes: a store of another format is rebuilt, never
# read as this one (4: the articles' outlines, so that answering parses no article; 5: each
# paragraph's analysis, so that answering analyses none; 6: each paragraph's span in its file's
# bytes and their digest, so that a quote reads its paragraph, not its article; 7: each
# passage's analysis in one slice, read in one system call, not three).
CACHE_FORMAT = "7"
# The store's arrays and their types; anything else is not read.
ARRAYS = {"terms": np.uint8, "term_offsets": np.int64, "starts": np.int64,
          "passages": np.int32, "weights": np.float64, "counts": np.int32,
          "lengths": np.int32, "first": np.int64, "paragraph_starts": np.int64,
          "paragraph_ends": np.int64, "paragraph_places": np.int64, "analyses": np.int64,
          "analysis_data": np.int32}
# Those read a slice at a time (FileVector), not memory-mapped.
READ_ARRAYS = frozenset({"analysis_data"})
# The modules whose output the store keeps besides the index's own: each paragraph's
# sentences (its words are the analysis's, already in the index signature).
STORED_MODULES = (sentences,)
# The file of when the article files were checked, then each one's status (size, mtime, ctime,
# inode) when its digest was taken, in the order of the digests in meta.json: int64 numbers, a
# hundredth of the time JSON takes to read 50k of them. Only a cache of what reading the files
# would say (missing or damaged: they are read).
STATUSES = "statuses.npy"

@dataclass(frozen=True)
class StoredIndex:
    """A store as read: the index, the key it was stored under, the signature of the analysis
    that made its counts, the digest of each article file's content it indexed (by name), and
    each file's status when that digest was taken (by name) with when they were checked (ns
    since the epoch)."""

    index: MemoryIndex
    key: str
    analysis: str
    digests: dict[str, str]
    statuses: dict[str, list[int]]
    checked_ns: int

    @property
    def names(self) -> dict[str, str]:
        """Each indexed article's file name, by id."""
        return {document_id(name): name for name in self.digests}


@dataclass(frozen=True)
class ArticleFiles:
    """The article files of a folder as found at start, by name, in order: the digest of each
    one's content, its status when that digest was taken (size, mtime, ctime, inode), and the
    content of those read now (the others are as the store says)."""

    folder: Path
    digests: dict[str, str]
    statuses: dict[str, list[int]]
    contents: dict[str, bytes]

    def indexed(self, index: MemoryIndex) -> list[str]:
        """The names of the files the index holds."""
        held = set(index.documents)
        return [name for name in self.digests if document_id(name) in held]


def default_cache_dir() -> Path:
    """The user's cache folder for citebot (~/.cache/citebot on Linux)."""
    return platformdirs.user_cache_path("citebot")


def cache_path(folder: Path, cache_dir: Path | None = None) -> Path:
    """Where the store of a corpus folder lives, named after the folder's path."""
    folder_id = hashlib.sha256(str(folder.resolve()).encode()).hexdigest()[:16]
    return (cache_dir or default_cache_dir()) / f"index-{folder_id}"


def corpus_key(digests: dict[str, str], analyzer: Analyzer = DOCUMENT_ANALYZER,
               bm25: BM25 = BM25()) -> str:
    """A hash of everything the stored index is made from: the index signature and each
    article file's name and content's digest."""
    signature = json.dumps([CACHE_FORMAT, index_signature(memory, analyzer, bm25,
                                                          STORED_MODULES)])
    h = hashlib.sha256(signature.encode() + b"\0")
    for name, found in sorted(digests.items()):
        h.update(f"{name}\0{found}\0".encode())
    return h.hexdigest()


def analysis_signature(analyzer: Analyzer = DOCUMENT_ANALYZER) -> str:
    """What a store's term counts are made by: BM25's parameters aside, as counts do not
    depend on them."""
    return json.dumps([CACHE_FORMAT, index_signature(memory, analyzer, stored=STORED_MODULES)])


def load_indexed_corpus(folder: str | Path, cache_dir: Path | None = None, bm25: BM25 = BM25()
                        ) -> tuple[Corpus, MemoryIndex]:
    """The articles of a corpus folder and their index: from the store when it is the
    folder's, else brought up to date (only new and changed articles analysed), then stored
    (CorpusError if there is no article)."""
    folder = corpus_folder(folder)
    path = cache_path(folder, cache_dir)
    stored, unused = None, None
    try:
        stored = read_store(path, bm25)
    except Exception as e:  # a store is untrusted input: whatever is wrong with it, rebuild
        unused = e
    if stored is not None and stored.analysis != analysis_signature():
        log.info("the analysis changed: indexing %s again", folder)
        stored = None
    checked_ns = time.time_ns()  # before any file is looked at: see RACY_NS
    files = article_files(folder, stored)
    if not files.digests:  # said alone: nothing about a store of no articles
        raise CorpusError("no_articles", folder=folder)
    if isinstance(unused, FileNotFoundError):
        log.info("no index cache yet for %s", folder)
    elif unused is not None:
        log.warning("index cache %s not used (%s: %s); rebuilding", path, type(unused).__name__,
                    unused)
    key = corpus_key(files.digests, bm25=bm25)
    if stored is not None and stored.key == key:
        if files.contents:  # files read now (changed, or racy): their status, for next time
            try:
                _write_statuses(path, list(stored.digests), files, checked_ns)
            except OSError as e:
                log.warning("index cache's file statuses not written to %s: %s", path, e)
        # The same files as stored: those it indexed are the store's.
        return Corpus(folder, stored.names, stored.index.outline, stored.index.place,
                      Indexed(files.digests, files.statuses, checked_ns)), stored.index
    index = _updated(files, stored, bm25)
    if not index.documents:
        raise CorpusError("no_articles", folder=folder)
    try:
        write_store(path, key, index, files, checked_ns)
    except OSError as e:
        log.warning("index cache not written to %s: %s", path, e)
    return Corpus(folder, {document_id(name): name for name in files.indexed(index)},
                  index.outline, index.place,
                  Indexed(files.digests, files.statuses, checked_ns)), index


def article_files(folder: Path, stored: StoredIndex | None) -> ArticleFiles:
    """Every article file of the folder that can be read, with its content's digest: the
    stored one for a file whose status is the one stored and was not racy then (see
    RACY_NS), else read and hashed now."""
    statuses = {} if stored is None else stored.statuses
    checked_ns = 0 if stored is None else stored.checked_ns
    prefix = os.path.join(folder, "")  # names joined as strings: a Path each costs as much
    found = ArticleFiles(folder, {}, {}, {})
    digests = {} if stored is None else stored.digests
    for name in corpus_names(folder):
        was, known = statuses.get(name), digests.get(name)
        if known and was is not None and unchanged(prefix + name, was, checked_ns):
            found.digests[name], found.statuses[name] = known, was
        elif (read := read_article_status(folder / name)) is not None:
            content, status = read
            found.digests[name], found.statuses[name] = digest(content), status_of(status)
            found.contents[name] = content
    return found


def _updated(files: ArticleFiles, stored: StoredIndex | None, bm25: BM25) -> MemoryIndex:
    """The index of the article files, taking from the stored one every article whose file is
    as it was then (by the digest of its content); a file not read now is one of those."""
    documents: list[Document | str] = []
    digests = []
    for name, found in files.digests.items():
        if stored is not None and stored.digests.get(name) == found:
            documents.append(document_id(name))
        elif (document := parsed_article(files.folder / name, files.contents[name])) is not None:
            documents.append(document)
        else:
            continue
        digests.append(found)
    reused = sum(isinstance(d, str) for d in documents)
    if reused:
        log.info("the articles changed: %d indexed again, %d as they were",
                 len(documents) - reused, reused)
    return MemoryIndex.build(documents, bm25=bm25, digests=digests,
                             previous=stored.index if stored is not None and reused else None)


def write_store(path: Path, key: str, index: MemoryIndex, files: ArticleFiles,
                checked_ns: int) -> None:
    """Store the index under the key, with the digest of each article file it indexed (by
    name) and its status as checked at `checked_ns`, whole or not at all: written to a new
    folder, which then takes the old one's place (a running engine keeps its memory-mapped old
    files)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    p = index.postings
    arrays = {"terms": p.vocabulary.blob, "term_offsets": p.vocabulary.offsets,
              "starts": p.starts, "passages": p.passages, "weights": p.weights,
              "counts": p.counts, "lengths": p.lengths, "first": index.first,
              "paragraph_starts": index.outlines.starts, "paragraph_ends": index.outlines.ends,
              "paragraph_places": index.outlines.places}
    a = index.analyses
    arrays.update({"analyses": a.offsets, "analysis_data": a.data[0:len(a.data)]})
    digests = {name: files.digests[name] for name in files.indexed(index)}
    new = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"))
    try:
        for name, dtype in ARRAYS.items():
            np.save(new / f"{name}.npy", np.ascontiguousarray(arrays[name], dtype=dtype))
        meta = {"format": CACHE_FORMAT, "key": key, "analysis": analysis_signature(),
                "documents": index.documents, "digests": digests,
                "headers": index.outlines.headers}
        (new / "meta.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        _write_statuses(new, list(digests), files, checked_ns)
        if path.exists():
            old = path.with_name(f".{path.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            os.rename(path, old)
            os.rename(new, path)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(new, path)
    except BaseException:
        shutil.rmtree(new, ignore_errors=True)
        raise


def _write_statuses(path: Path, names: list[str], files: ArticleFiles, checked_ns: int
                    ) -> None:
    """When the files were checked and the status of each named one (the store's, in its
    order), into the store at `path` (replacing the statuses there whole)."""
    numbers = np.array([checked_ns, *(n for name in names for n in files.statuses[name])],
                       dtype=np.int64)
    with replaced_atomically(path / STATUSES) as f:
        np.save(f, numbers)


def read_store(path: Path, bm25: BM25 = BM25()) -> StoredIndex:
    """The stored index, whatever articles it is of; an error if the folder is not a whole
    store that fits together. Arrays are memory-mapped or read a slice at a time, never
    unpickled."""
    meta = json.loads((path / "meta.json").read_text(encoding="utf-8"))
    if not (isinstance(meta, dict) and meta.get("format") == CACHE_FORMAT):
        raise ValueError("meta.json is not of this version's store")
    arrays = {}
    for name, dtype in ARRAYS.items():
        if name in READ_ARRAYS:
            continue
        array = np.load(path / f"{name}.npy", mmap_mode="r", allow_pickle=False)
        if array.dtype != dtype or array.ndim != 1:
            raise ValueError(f"{name}.npy is not a vector of {np.dtype(dtype)}")
        # A plain view, still mapped: slicing a np.memmap costs ten times more (a subclass to
        # finalise), and a question slices a few dozen times.
        arrays[name] = np.asarray(array)
    key, analysis = meta.get("key"), meta.get("analysis")
    documents, digests = meta.get("documents"), meta.get("digests")
    if not (isinstance(key, str) and isinstance(analysis, str)
            and isinstance(documents, list) and all(isinstance(d, str) for d in documents)
            and isinstance(digests, dict) and all(isinstance(d, str) for d in digests.values())):
        raise ValueError("meta.json does not list documents and their digests")
    by_id = {document_id(name): found for name, found in digests.items()}
    if by_id.keys() != set(documents):
        raise ValueError("meta.json does not give each document one digest")
    postings = Postings(Vocabulary(arrays["terms"], arrays["term_offsets"]), arrays["starts"],
                        arrays["passages"], arrays["weights"], arrays["counts"],
                        arrays["lengths"])
    postings.check()
    headers = meta.get("headers")
    if not isinstance(headers, list):
        raise ValueError("meta.json does not list the articles' headers")
    outlines = Outlines(arrays["paragraph_starts"], arrays["paragraph_ends"],
                        arrays["paragraph_places"], headers)
    read = {name: FileVector(path / f"{name}.npy", ARRAYS[name]) for name in READ_ARRAYS}
    analyses = Analyses(arrays["analyses"], read["analysis_data"])
    index = MemoryIndex(postings, documents, arrays["first"], outlines, analyses, bm25,
                        [by_id[d] for d in documents])
    return StoredIndex(index, key, analysis, digests, *_read_statuses(path, list(digests)))


class FileVector:
    """A vector of a .npy file of the store, read a slice at a time (os.pread), never mapped:
    the pages of a mapped file that a process reads count in its memory, and the passages a
    bot's questions read, a few at a time, soon touch most pages of the analyses (+46 MB of
    serve RSS at 100k passages, mapped). A read costs a system call (about a microsecond)."""

    def __init__(self, path: Path, dtype: DTypeLike) -> None:
        self._fd = os.open(path, os.O_RDONLY)
        weakref.finalize(self, os.close, self._fd)
        with open(os.dup(self._fd), "rb") as f:
            version = np.lib.format.read_magic(f)
            if version not in ((1, 0), (2, 0)):
                raise ValueError(f"{path.name} is not a .npy file this version reads")
            shape, fortran, found = (np.lib.format.read_array_header_1_0(f) if version == (1, 0)
                                     else np.lib.format.read_array_header_2_0(f))
            self._offset = f.tell()
        self.dtype = np.dtype(dtype)
        if found != self.dtype or len(shape) != 1 or fortran:
            raise ValueError(f"{path.name} is not a vector of {self.dtype}")
        self._length = shape[0]
        if os.fstat(self._fd).st_size != self._offset + self._length * self.dtype.itemsize:
            raise ValueError(f"{path.name} is not as long as it says")

    def __len__(self) -> int:
        return self._length

    def __getitem__(self, where: slice, /) -> np.ndarray:
        start, stop, step = where.indices(self._length)
        if step != 1:
            raise ValueError("a FileVector is read in slices of neighbours")
        size = max(stop - start, 0) * self.dtype.itemsize
        data = os.pread(self._fd, size, self._offset + start * self.dtype.itemsize)
        if len(data) != size:
            raise ValueError("the store's file was cut short since it was opened")
        return np.frombuffer(data, dtype=self.dtype)


def _read_statuses(path: Path, names: list[str]) -> tuple[dict[str, list[int]], int]:
    """The stored status of each named file (the store's, in its order) and when they were
    checked; none when the file is missing or does not fit (every file is read then, and its
    status stored anew)."""
    try:
        numbers = np.load(path / STATUSES, allow_pickle=False)
        if numbers.dtype != np.int64 or numbers.shape != (1 + 4 * len(names),):
            raise ValueError(f"{STATUSES} does not fit the store")
    except (OSError, ValueError) as e:
        log.info("index cache's file statuses not used (%s): every article file read", e)
        return {}, 0
    return dict(zip(names, numbers[1:].reshape(-1, 4).tolist())), int(numbers[0])
