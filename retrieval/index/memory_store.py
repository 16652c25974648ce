"""The memory index's store on disk: a restart does not re-read nor re-analyse unchanged
articles, and starts in a second at a million passages.

One folder per corpus folder, in the cache folder (`CACHE_DIR`, by default the user's cache
folder, so that a read-only corpus caches too): plain numeric arrays (`.npy`, memory-mapped as
they are, never unpickled) and one JSON file. It holds index data only (terms, postings, which
article and paragraph each passage is): every quoted text is sliced from the article files as
read at start, so a damaged or forged store can at worst rank badly.

Its key hashes the index signature (signature.py: the code of the analysis, the parser, what a
passage is indexed by and the memory index's weighting; BM25's k1 and b) and every article
file's name and content. A store whose key differs, or that does not fit together, is rebuilt,
never trusted.
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
from pathlib import Path

import numpy as np
import platformdirs

from ..articles.corpus import Corpus
from ..articles.documents import parse_articles
from ..articles.files import CorpusError, corpus_folder, read_articles
from ..text.analysis import DOCUMENT_ANALYZER, Analyzer
from . import memory
from .contract import BM25
from .memory import MemoryIndex, Postings, Vocabulary
from .signature import index_signature

log = logging.getLogger(__name__)

# Bumped when the layout of the store changes.
CACHE_FORMAT = "2"
# The store's arrays and their types; anything else is not read.
ARRAYS = {"terms": np.uint8, "term_offsets": np.int64, "starts": np.int64,
          "passages": np.int32, "weights": np.float64, "first": np.int64}


class StaleCache(Exception):
    """The store is whole but of other articles or another analysis: expected, not an error."""


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


def load_indexed_corpus(folder: str | Path, cache_dir: Path | None = None, bm25: BM25 = BM25()
                        ) -> tuple[Corpus, MemoryIndex]:
    """The articles of a corpus folder and their index: from the store when it is the
    folder's, else parsed and indexed, then stored (CorpusError if there is no article)."""
    folder = corpus_folder(folder)
    contents = read_articles(folder)
    if not contents:
        raise CorpusError("no_articles", folder=folder)
    path = cache_path(folder, cache_dir)
    key = corpus_key(contents, bm25=bm25)
    try:
        index = read_store(path, key, bm25)
    except FileNotFoundError:
        log.info("no index cache yet for %s", folder)
    except StaleCache:
        log.info("the articles or their analysis changed: indexing %s again", folder)
    except Exception as e:  # a store is untrusted input: whatever is wrong with it, rebuild
        log.warning("index cache %s not used (%s: %s); rebuilding", path, type(e).__name__, e)
    else:
        return _corpus(contents, index), index
    documents = parse_articles(contents)
    if not documents:
        raise CorpusError("no_articles", folder=folder)
    index = MemoryIndex.build(documents, bm25=bm25)
    try:
        write_store(path, key, index)
    except OSError as e:
        log.warning("index cache not written to %s: %s", path, e)
    return _corpus(contents, index), index


def _corpus(contents: dict[Path, bytes], index: MemoryIndex) -> Corpus:
    """The articles the index holds, with their content as read at start."""
    indexed = set(index.documents)
    return Corpus([p for p in contents if p.stem in indexed], contents)


def write_store(path: Path, key: str, index: MemoryIndex) -> None:
    """Store the index under the key, whole or not at all: written to a new folder, which then
    takes the old one's place (a running engine keeps its memory-mapped old files)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    p = index.postings
    arrays = {"terms": p.vocabulary.blob, "term_offsets": p.vocabulary.offsets,
              "starts": p.starts, "passages": p.passages, "weights": p.weights,
              "first": index.first}
    new = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"))
    try:
        for name, dtype in ARRAYS.items():
            np.save(new / f"{name}.npy", np.ascontiguousarray(arrays[name], dtype=dtype))
        meta = {"format": CACHE_FORMAT, "key": key, "size": p.size, "documents": index.documents}
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


def read_store(path: Path, key: str, bm25: BM25 = BM25()) -> MemoryIndex:
    """The index stored under the key; StaleCache if it is another's, any other error if the
    folder is not a whole store. Arrays are memory-mapped, never unpickled."""
    meta = json.loads((path / "meta.json").read_text(encoding="utf-8"))
    if not isinstance(meta, dict) or meta.get("key") != key:
        raise StaleCache(path)
    arrays = {}
    for name, dtype in ARRAYS.items():
        array = np.load(path / f"{name}.npy", mmap_mode="r", allow_pickle=False)
        if array.dtype != dtype or array.ndim != 1:
            raise ValueError(f"{name}.npy is not a vector of {np.dtype(dtype)}")
        arrays[name] = array
    documents, size = meta.get("documents"), meta.get("size")
    if not (isinstance(documents, list) and all(isinstance(d, str) for d in documents)
            and isinstance(size, int)):
        raise ValueError("meta.json does not list documents and a size")
    postings = Postings(Vocabulary(arrays["terms"], arrays["term_offsets"]), arrays["starts"],
                        arrays["passages"], arrays["weights"], size)
    postings.check()
    return MemoryIndex(postings, documents, arrays["first"], bm25)
