"""The corpus folder, watched: articles added, changed or removed by any means (`add`, the bot,
an editor, `cp`) are noticed at once (the engine then builds a new index: `engine.rebuilt`).

watchfiles (the Rust `notify` crate: inotify on Linux, FSEvents on macOS) reports changes as
they happen and costs nothing while nothing changes, where polling would stat every article
of an archive every second. On a file system without change events (some network mounts), set
WATCHFILES_FORCE_POLLING=true: watchfiles then polls.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

from watchfiles import awatch

from .files import is_article_file

# Changes that come together (a copy of many files, an editor's save in steps) are reported
# as one batch once the folder has been quiet this long, and at the latest after DEBOUNCE_MS.
QUIET_MS = 100
DEBOUNCE_MS = 1000


async def article_changes(folder: Path) -> AsyncIterator[set[Path]]:
    """The article files of the folder that changed, a batch at a time, until cancelled. Only
    the folder itself is watched: not its `.cache/` nor `.removed/`."""
    async for changes in awatch(folder, recursive=False, debounce=DEBOUNCE_MS, step=QUIET_MS,
                                watch_filter=lambda _, path: is_article_file(Path(path))):
        yield {Path(path) for _, path in changes}
