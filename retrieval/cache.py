"""The on-disk index cache: a restart does not re-read nor re-analyse unchanged articles.

One file per corpus folder holds its parsed documents and their postings, under a key: a hash
of the analysis settings and BM25 parameters, of the article parser, and of every article
file's name and content. A changed, added or removed file changes the key; a cache whose key
differs, or that cannot be read whole (zip members carry a CRC, checked on reading), is
rebuilt, never trusted.
Content, not size and mtime: hashing 1M passages (400 MB) costs about a second, and a file
rewritten with the same size within the same second still counts as changed.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from pathlib import Path

import numpy as np

from . import documents as documents_module
from .analysis import ANALYSIS_VERSION
from .documents import Document, Paragraph, corpus_files, corpus_folder, load_corpus
from .files import replaced_atomically
from .index import B, K1, PassageIndex, Postings

log = logging.getLogger(__name__)

# Bumped when the layout of the cache file changes.
CACHE_FORMAT = "1"


class StaleCache(Exception):
    """The cache is whole but of other articles or another analysis: expected, not an error."""


def cache_file(folder: Path, cache_dir: Path | None = None) -> Path:
    """Where the cache of a corpus folder lives: in cache_dir if given (named after the
    folder's path), else in the folder's own `.cache/`."""
    folder_id = hashlib.sha256(str(folder.resolve()).encode()).hexdigest()[:16]
    return (cache_dir or folder / ".cache") / f"index-{folder_id}.npz"


def corpus_key(files: list[Path]) -> str:
    """A hash of everything the cached documents and postings are made from."""
    h = hashlib.sha256()
    parser = Path(documents_module.__file__).read_text("utf-8")
    for part in (CACHE_FORMAT, ANALYSIS_VERSION, f"k1={K1} b={B}", parser):
        h.update(part.encode() + b"\0")
    for path in files:
        h.update(path.name.encode() + b"\0")
        h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def load_indexed_corpus(
    folder: str | Path, cache_dir: Path | None = None
) -> tuple[list[Document], PassageIndex]:
    """The documents of a corpus folder and their index: from the cache when it is the
    folder's, else read and indexed, then cached (CorpusError if there is no corpus)."""
    folder = corpus_folder(folder)
    path = cache_file(folder, cache_dir)
    key = corpus_key(corpus_files(folder))
    try:
        return read_cache(path, key)
    except FileNotFoundError:
        log.info("no index cache yet for %s", folder)
    except StaleCache:
        log.info("the articles or their analysis changed: indexing %s again", folder)
    except Exception as e:  # a cache is untrusted input: whatever is wrong with it, rebuild
        log.warning("index cache %s not used (%s: %s); rebuilding", path, type(e).__name__, e)
    return _build(folder, path, key)


def _build(folder: Path, path: Path, key: str) -> tuple[list[Document], PassageIndex]:
    documents = load_corpus(folder)
    index = PassageIndex(documents)
    try:
        write_cache(path, key, documents, index.postings)
    except OSError as e:
        log.warning("index cache not written to %s: %s", path, e)
    return documents, index


def write_cache(path: Path, key: str, documents: list[Document], postings: Postings) -> None:
    """Store documents and their postings under the key, whole or not at all: written to a
    temporary file, then renamed over the old one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    docs = np.empty(len(documents), dtype=object)
    docs[:] = [_stored(d) for d in documents]
    with replaced_atomically(path) as f:
        np.savez(
            f,
            key=np.array(key),
            documents=docs,
            terms=np.array(postings.terms, dtype=object),
            starts=postings.starts,
            passages=postings.passages,
            weights=postings.weights,
        )


def read_cache(path: Path, key: str) -> tuple[list[Document], PassageIndex]:
    """The documents and index stored under the key; any error if the file is not that."""
    with np.load(path, allow_pickle=True) as z:
        if str(z["key"]) != key:
            raise StaleCache(path)
        documents = [_restored(*d) for d in z["documents"]]
        passages = sum(len(d.paragraphs) for d in documents)
        postings = Postings(list(z["terms"]), z["starts"], z["passages"], z["weights"], passages)
    postings.check()
    return documents, PassageIndex(documents, postings=postings)


def _stored(document: Document) -> tuple[dict, list[tuple[int, int, int]]]:
    """A document as plain values: unpickling a million frozen dataclasses takes 20 s, these
    a second. A paragraph's text is its span of the document's text."""
    fields = {f.name: getattr(document, f.name) for f in dataclasses.fields(Document)}
    del fields["paragraphs"]
    return fields, [(p.number, p.start, p.end) for p in document.paragraphs]


def _restored(fields: dict, paragraphs: list[tuple[int, int, int]]) -> Document:
    text = fields["text"]
    return Document(**fields, paragraphs=tuple(
        Paragraph(number, start, end, text[start:end]) for number, start, end in paragraphs))
