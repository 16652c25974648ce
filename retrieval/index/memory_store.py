"""The memory index's store on disk: a restart does not re-read nor re-analyse unchanged
articles, and starts in a second at a million passages.

One folder per corpus folder, in the cache folder (`CACHE_DIR`, by default the user's cache
folder, so that a read-only corpus caches too): plain numeric arrays (`.npy`, memory-mapped as
they are, never unpickled) and one JSON file. It holds index data only (terms, postings, which
article and paragraph each passage is, each article's outline: title, url, date and where its
paragraphs stand in its text): every quoted text is sliced from the article files as read at
start, within a paragraph's span only when that span fits the text (else the article is parsed
again), so a damaged or forged store can at worst rank badly or quote another stretch of the
same article.

Its key hashes the index signature (signature.py: the code of the analysis, the parser, what a
passage is indexed by and the memory index's weighting; BM25's k1 and b) and every article
file's name and content. A store whose key differs is brought up to date: the articles whose
file is as it was when stored keep their passages' term counts, only the others are read and
analysed, and every weight is worked out again (memory.py), so that one article added to or
removed from a large folder costs that article, not the folder. A store of another analysis
is rebuilt whole; one that does not fit together is rebuilt, never trusted.
Content, not size and mtime: hashing 1M passages (400 MB) costs about a second, and a file
rewritten with the same size within the same second still counts as changed.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import platformdirs

from ..articles.corpus import Corpus, digest
from ..articles.documents import Document, parsed_article
from ..articles.files import CorpusError, corpus_folder, read_articles
from ..text.analysis import DOCUMENT_ANALYZER, Analyzer
from . import memory
from .contract import BM25
from .memory import MemoryIndex, Outlines, Postings, Vocabulary
from .signature import index_signature

log = logging.getLogger(__name__)

# Bumped when the layout of the store changes: a store of another format is rebuilt, never
# read as this one (4: the articles' outlines, so that answering parses no article).
CACHE_FORMAT = "4"
# The store's arrays and their types; anything else is not read.
ARRAYS = {"terms": np.uint8, "term_offsets": np.int64, "starts": np.int64,
          "passages": np.int32, "weights": np.float64, "counts": np.int32,
          "lengths": np.int32, "first": np.int64, "paragraph_starts": np.int64,
          "paragraph_ends": np.int64}


@dataclass(frozen=True)
class StoredIndex:
    """A store as read: the index, the key it was stored under, the signature of the analysis
    that made its counts, and the digest of each article file's content it indexed (by name)."""

    index: MemoryIndex
    key: str
    analysis: str
    digests: dict[str, str]


def default_cache_dir() -> Path:
    """The user's cache folder for citebot (~/.cache/citebot on Linux)."""
    return platformdirs.user_cache_path("citebot")


def cache_path(folder: Path, cache_dir: Path | None = None) -> Path:
    """Where the store of a corpus folder lives, named after the folder's path."""
    folder_id = hashlib.sha256(str(folder.resolve()).encode()).hexdigest()[:16]
    return (cache_dir or default_cache_dir()) / f"index-{folder_id}"


def corpus_key(contents: dict[Path, bytes], analyzer: Analyzer = DOCUMENT_ANALYZER,
               bm25: BM25 = BM25()) -> str:
    """A hash of everything the stored index is made from."""
    signature = json.dumps([CACHE_FORMAT, index_signature(memory, analyzer, bm25)])
    h = hashlib.sha256(signature.encode() + b"\0")
    for path, content in sorted(contents.items()):
        h.update(path.name.encode() + b"\0")
        h.update(hashlib.sha256(content).digest())
    return h.hexdigest()


def analysis_signature(analyzer: Analyzer = DOCUMENT_ANALYZER) -> str:
    """What a store's term counts are made by: BM25's parameters aside, as counts do not
    depend on them."""
    return json.dumps([CACHE_FORMAT, index_signature(memory, analyzer)])


def load_indexed_corpus(folder: str | Path, cache_dir: Path | None = None, bm25: BM25 = BM25()
                        ) -> tuple[Corpus, MemoryIndex]:
    """The articles of a corpus folder and their index: from the store when it is the
    folder's, else brought up to date (only new and changed articles analysed), then stored
    (CorpusError if there is no article)."""
    folder = corpus_folder(folder)
    contents = read_articles(folder)
    if not contents:
        raise CorpusError("no_articles", folder=folder)
    path = cache_path(folder, cache_dir)
    key = corpus_key(contents, bm25=bm25)
    stored = None
    try:
        stored = read_store(path, bm25)
    except FileNotFoundError:
        log.info("no index cache yet for %s", folder)
    except Exception as e:  # a store is untrusted input: whatever is wrong with it, rebuild
        log.warning("index cache %s not used (%s: %s); rebuilding", path, type(e).__name__, e)
    if stored is not None and stored.key == key:
        return _corpus(contents, stored.index), stored.index
    if stored is not None and stored.analysis != analysis_signature():
        log.info("the analysis changed: indexing %s again", folder)
        stored = None
    index, digests = _updated(contents, stored, bm25)
    if not index.documents:
        raise CorpusError("no_articles", folder=folder)
    try:
        write_store(path, key, index, digests)
    except OSError as e:
        log.warning("index cache not written to %s: %s", path, e)
    return _corpus(contents, index), index


def _updated(contents: dict[Path, bytes], stored: StoredIndex | None, bm25: BM25
             ) -> tuple[MemoryIndex, dict[str, str]]:
    """The index of the articles read, taking from the stored one every article whose file is
    as it was then (by the digest of its content); the digest of each article indexed."""
    documents: list[Document | str] = []
    digests = {}
    for file, content in contents.items():
        found = digest(content)
        if stored is not None and stored.digests.get(file.name) == found:
            documents.append(file.stem)
        elif (document := parsed_article(file, content)) is not None:
            documents.append(document)
        else:
            continue
        digests[file.name] = found
    reused = sum(isinstance(d, str) for d in documents)
    if reused:
        log.info("the articles changed: %d indexed again, %d as they were",
                 len(documents) - reused, reused)
    index = MemoryIndex.build(documents, bm25=bm25,
                              previous=stored.index if stored is not None and reused else None)
    return index, digests


def _corpus(contents: dict[Path, bytes], index: MemoryIndex) -> Corpus:
    """The articles the index holds, with their content as read at start."""
    indexed = set(index.documents)
    return Corpus([p for p in contents if p.stem in indexed], contents, outline=index.outline)


def write_store(path: Path, key: str, index: MemoryIndex, digests: dict[str, str] | None = None
                ) -> None:
    """Store the index under the key, with the digest of each article file it indexed (by
    name; none: nothing of it is reused when the articles change), whole or not at all:
    written to a new folder, which then takes the old one's place (a running engine keeps its
    memory-mapped old files)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    p = index.postings
    arrays = {"terms": p.vocabulary.blob, "term_offsets": p.vocabulary.offsets,
              "starts": p.starts, "passages": p.passages, "weights": p.weights,
              "counts": p.counts, "lengths": p.lengths, "first": index.first,
              "paragraph_starts": index.outlines.starts, "paragraph_ends": index.outlines.ends}
    new = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"))
    try:
        for name, dtype in ARRAYS.items():
            np.save(new / f"{name}.npy", np.ascontiguousarray(arrays[name], dtype=dtype))
        meta = {"format": CACHE_FORMAT, "key": key, "analysis": analysis_signature(),
                "documents": index.documents, "digests": digests or {},
                "headers": index.outlines.headers}
        (new / "meta.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
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


def read_store(path: Path, bm25: BM25 = BM25()) -> StoredIndex:
    """The stored index, whatever articles it is of; an error if the folder is not a whole
    store that fits together. Arrays are memory-mapped, never unpickled."""
    meta = json.loads((path / "meta.json").read_text(encoding="utf-8"))
    if not (isinstance(meta, dict) and meta.get("format") == CACHE_FORMAT):
        raise ValueError("meta.json is not of this version's store")
    arrays = {}
    for name, dtype in ARRAYS.items():
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
            and isinstance(digests, dict) and all(isinstance(d, str) for d in digests.values())
            and {Path(name).stem for name in digests} <= set(documents)):
        raise ValueError("meta.json does not list documents and their digests")
    postings = Postings(Vocabulary(arrays["terms"], arrays["term_offsets"]), arrays["starts"],
                        arrays["passages"], arrays["weights"], arrays["counts"],
                        arrays["lengths"])
    postings.check()
    headers = meta.get("headers")
    if not isinstance(headers, list):
        raise ValueError("meta.json does not list the articles' headers")
    outlines = Outlines(arrays["paragraph_starts"], arrays["paragraph_ends"], headers)
    return StoredIndex(MemoryIndex(postings, documents, arrays["first"], outlines, bm25), key,
                       analysis, digests)
