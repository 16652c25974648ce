"""Article files: which files of a corpus folder are articles, reading them (a bad one is
skipped with one warning, the same words everywhere), and writing them whole or not at all.

Every reader of a corpus folder (the memory index, Xapian, the quoting corpus, the watcher,
`add` and `remove`) asks this module, so that "an article" means one thing everywhere.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import tempfile
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

log = logging.getLogger(__name__)

# The extensions of an article file (`.txt`: first line the title; `.md`: front matter).
EXTENSIONS = (".txt", ".md")
# Where removed articles go, inside the corpus folder: out of the corpus, not lost.
REMOVED_FOLDER = ".removed"
# Which non-public addresses `add` and feeds may fetch: none (False), all (True: an intranet,
# tests), or those of the networks listed (one intranet host, not the rest of the network).
PrivateAddresses = bool | Collection[ipaddress.IPv4Network | ipaddress.IPv6Network]


class CorpusError(Exception):
    """The corpus cannot be used at all (missing, empty, nothing readable)."""


class ArticleError(Exception):
    """An article cannot be added or removed: `reason` names why (faces word it, see
    bot/messages.py: "article_<reason>"), `values` fill in the details."""

    def __init__(self, reason: str, **values: object) -> None:
        super().__init__(f"{reason}: {values}" if values else reason)
        self.reason = reason
        self.values = values


def is_article_name(name: str) -> bool:
    """Whether a file name is an article's: a .txt or .md file, not hidden (temporary files
    are: see replaced_atomically)."""
    return os.path.splitext(name)[1] in EXTENSIONS and not name.startswith(".")


def is_article_file(path: Path) -> bool:
    """Whether a path is (or was) an article of its folder, by its name alone."""
    return is_article_name(path.name)


def corpus_files(folder: Path) -> list[Path]:
    """The article files of a corpus folder, in a stable order (os.scandir knows which
    entries are files without a stat call each: 50k articles are listed in a tenth of a
    second)."""
    with os.scandir(folder) as entries:
        names = sorted(e.name for e in entries if is_article_name(e.name) and e.is_file())
    return [folder / name for name in names]  # sorting paths takes ten times longer


def corpus_folder(folder: str | Path) -> Path:
    """The corpus folder as a Path; CorpusError when there is no such folder."""
    folder = Path(folder)
    if not folder.is_dir():
        raise CorpusError(f"corpus folder not found: {folder}")
    return folder


def skipped(path: Path, reason: object) -> None:
    """The one warning for an article file that cannot be used, wherever it is read."""
    log.warning("skipped %s: %s", path.name, reason)


def read_article(path: Path) -> bytes | None:
    """An article file's content, or None (with one warning) when it cannot be read: no
    permission, gone since it was listed, an I/O error."""
    try:
        return path.read_bytes()
    except OSError as e:
        skipped(path, e.strerror or e)
        return None


def read_articles(folder: Path) -> dict[Path, bytes]:
    """The content of every article file of the folder that can be read, as read now."""
    contents = {}
    for path in corpus_files(folder):
        if (content := read_article(path)) is not None:
            contents[path] = content
    return contents


@contextmanager
def replaced_atomically(path: Path, mode: str = "wb", **options: Any) -> Iterator[IO[Any]]:
    """A temporary file beside `path` to write the new content to; once written and synced
    it is renamed over `path`, and on any error it is removed, so that readers (the bot, a
    restart, the corpus watcher) see the old content or the new, never half of it. Its name
    is hidden (".name.….tmp"), so that the corpus and its watcher ignore it."""
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
