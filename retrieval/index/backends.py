"""Which index an engine answers from (INDEX_BACKEND): the memory index through its store on
disk, or Xapian databases, local or remote. Xapian is an optional dependency, imported only
when asked for."""

from __future__ import annotations

import socket
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from ..articles.corpus import Corpus
from ..articles.files import corpus_folder
from .contract import BM25, Index, IndexUnavailable
from .memory_store import load_indexed_corpus
from .remote import parse_remote

# The indexes an engine can answer from (INDEX_BACKEND).
BACKENDS = ("memory", "xapian")
XAPIAN_MISSING = "the Xapian index needs the xapian extra: pip install -e '.[xapian]'"


@dataclass(frozen=True)
class IndexStore:
    """Where an engine's index comes from: the memory index (stored in `cache_dir`, by default
    the user's cache folder) or Xapian databases (local paths and tcp://HOST:PORT shards)."""

    backend: str = "memory"  # memory | xapian
    cache_dir: Path | None = None
    databases: tuple[str, ...] = ()
    bm25: BM25 = BM25()
    reopen_seconds: float | None = None  # Xapian: how often to look for a newer revision

    def local_xapian_directory(self) -> Path | None:
        """DIR when the databases are all of DIR/shard-0 … on this machine, as `index --xapian
        DIR` builds them; else None (remote shards are their operator's to update)."""
        paths = [Path(spec) for spec in self.databases if "://" not in spec]
        parents = {p.parent for p in paths}
        if self.backend != "xapian" or len(paths) != len(self.databases) or len(parents) != 1:
            return None
        directory = parents.pop()
        return directory if {p.name for p in paths} == {f"shard-{i}" for i in range(len(paths))} \
            else None


    def unreachable(self, timeout: float) -> list[str]:
        """The databases that cannot be reached now (for a health check, without Xapian): a
        local one that is not there, a remote shard that does not take a TCP connection
        within `timeout` seconds. None for the memory index."""
        down = []
        for spec in self.databases if self.backend == "xapian" else ():
            remote = parse_remote(spec)
            if remote is None:
                if not Path(spec).is_dir():
                    down.append(spec)
                continue
            try:
                socket.create_connection(remote, timeout).close()
            except OSError:
                down.append(spec)
        return down


def open_index(folder: str | Path, store: IndexStore) -> tuple[Corpus, Index]:
    """The articles of a corpus folder and their index, as the store says (CorpusError if
    there is no article; IndexUnavailable, a ConnectionError, if a database cannot be opened)."""
    if store.backend == "xapian":
        xapian = xapian_module()
        reopen = xapian.REOPEN_SECONDS if store.reopen_seconds is None else store.reopen_seconds
        index = xapian.XapianIndex.open(store.databases, store.bm25, reopen)
        return Corpus.listing(corpus_folder(folder), index.outline, index.place), index
    return load_indexed_corpus(folder, store.cache_dir, store.bm25)


def xapian_module() -> ModuleType:
    """The Xapian index's module, imported only when asked for (an optional dependency)."""
    try:
        from . import xapian_index
    except ImportError:
        raise IndexUnavailable(XAPIAN_MISSING) from None
    return xapian_index


def build_xapian(directory: Path, folder: str | Path, shards: int = 1):
    """Index a corpus folder into Xapian databases DIRECTORY/shard-0 … (see xapian_index)."""
    return xapian_module().build(directory, folder, shards)


def update_xapian(directory: Path, folder: str | Path, paths: Iterable[Path] | None = None):
    """Re-index the changed, added and removed articles only (see xapian_index.update)."""
    return xapian_module().update(directory, folder, paths)
