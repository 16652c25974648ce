"""The corpus folder, watched: articles added, changed or removed by any means (`add`, the bot,
an editor, `cp`) are noticed at once, and a new engine is built for them.

watchfiles (the Rust `notify` crate: inotify on Linux, FSEvents on macOS) reports changes as
they happen and costs nothing while nothing changes, where polling would stat every article
of an archive every second. On a file system without change events (some network mounts), set
WATCHFILES_FORCE_POLLING=true: watchfiles then polls.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

from watchfiles import awatch

from .documents import EXTENSIONS, CorpusError
from .engine import AnswerEngine, IndexStore, update_xapian

log = logging.getLogger(__name__)

# Changes that come together (a copy of many files, an editor's save in steps) are reported
# as one batch once the folder has been quiet this long, and at the latest after DEBOUNCE_MS.
QUIET_MS = 100
DEBOUNCE_MS = 1000


def is_article_file(path: Path) -> bool:
    """Whether a path is (or was) an article of the folder: a .txt or .md file, not hidden
    (temporary files are: see files.replaced_atomically)."""
    return path.suffix in EXTENSIONS and not path.name.startswith(".")


async def article_changes(folder: Path) -> AsyncIterator[set[Path]]:
    """The article files of the folder that changed, a batch at a time, until cancelled. Only
    the folder itself is watched: not its `.cache/` nor `.removed/`."""
    async for changes in awatch(folder, recursive=False, debounce=DEBOUNCE_MS, step=QUIET_MS,
                                watch_filter=lambda _, path: is_article_file(Path(path))):
        yield {Path(path) for _, path in changes}


def rebuilt(engine: AnswerEngine | None, folder: Path, changed: frozenset[Path]
            ) -> AnswerEngine:
    """The engine for the folder as it is now, built beside `engine`, which keeps answering
    meanwhile, from the same kind of index. The memory index reads the whole folder again
    (through its cache); local Xapian databases re-index only the changed articles (remote
    shards are their operator's to update). A folder left without articles gives an engine
    that answers nothing."""
    store = engine.store if engine else IndexStore()
    if store.backend == "xapian" and (directory := _local_xapian_directory(store)) is not None:
        update_xapian(directory, folder, changed)
    try:
        return AnswerEngine.from_folder(folder, store)
    except CorpusError as e:
        log.warning("%s: answering from no article", e)
        return AnswerEngine([])


def _local_xapian_directory(store: IndexStore) -> Path | None:
    """DIR when the databases are all of DIR/shard-0 … on this machine, as `index --xapian DIR`
    builds them; else None."""
    paths = [Path(spec) for spec in store.databases if "://" not in spec]
    parents = {p.parent for p in paths}
    if len(paths) != len(store.databases) or len(parents) != 1:
        return None
    directory = parents.pop()
    return directory if {p.name for p in paths} == {f"shard-{i}" for i in range(len(paths))} \
        else None
