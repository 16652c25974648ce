"""Files written whole or not at all: readers (the bot, a restart, the corpus watcher) see the
old content or the new, never half of it, even when the disk fills up or the process dies."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any


@contextmanager
def replaced_atomically(path: Path, mode: str = "wb", **options: Any) -> Iterator[IO[Any]]:
    """A temporary file beside `path` to write the new content to; once written and synced
    it is renamed over `path`, and on any error it is removed. Its name is hidden
    (".name.….tmp"), so that the corpus and its watcher ignore it."""
    with tempfile.NamedTemporaryFile(mode, dir=path.parent, prefix=f".{path.name}.",
                                     suffix=".tmp", delete=False, **options) as f:
        try:
            yield f
            f.flush()
            os.fsync(f.fileno())
        except BaseException:
            os.unlink(f.name)
            raise
    os.replace(f.name, path)
