"""Article files: which files of a corpus folder are articles, reading them (a bad one is
skipped with one warning, the same words everywhere), and writing them whole or not at all.

Every reader of a corpus folder (the memory index, Xapian, the quoting corpus, the watcher,
`add` and `remove`) asks this module, so that "an article" means one thing everywhere: a
regular file of the folder itself, named `*.txt` or `*.md`, not hidden, at most
`article_max_bytes()` long. A symbolic link is never an article, wherever it points: one
pointing out of the folder would have the bot quote any file it can read (`../.env`,
`/etc/passwd`), and one in a loop would fail every reading of the folder.
"""

from __future__ import annotations

import errno
import ipaddress
import logging
import os
import secrets
import stat
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

log = logging.getLogger(__name__)

# The extensions of an article file (`.txt`: first line the title; `.md`: front matter).
EXTENSIONS = (".txt", ".md")
# Where removed articles go, inside the corpus folder: out of the corpus, not lost.
REMOVED_FOLDER = ".removed"
# The largest article file read, unless the operator sets another (ARTICLE_MAX_BYTES): the
# same 5 MB as a page `add` fetches, some twenty times the longest news article. A bigger
# file (a 200 MB dump dropped into the folder) would hold every answer up while it is read
# and indexed.
DEFAULT_ARTICLE_MAX_BYTES = 5 * 1024 * 1024
_article_max_bytes = DEFAULT_ARTICLE_MAX_BYTES
# How much of a user's text an error message repeats: enough to recognise it, and a reply to a
# 4,096-character message still fits in Telegram's 4,096.
ECHO_CHARS = 100
# Why a symbolic link with an article's name is skipped.
SYMBOLIC_LINK = "a symbolic link (an article is a file of the folder itself)"
# Files are written readable as the umask allows, like any file a tool writes.
FILE_MODE = 0o666
# A temporary file's random name part: 48 bits, no clash between writers of one folder.
TEMPORARY_NAME_BYTES = 6
# A file whose mtime or ctime is less than this older than a look at its status may have
# changed again after it, in the same tick of the file system's clock (a few milliseconds on
# Linux, 2 s on FAT; a network file system's clock may be a little off ours): its status says
# nothing of its content ("racy", in git's words), and it is read again (see unchanged).
RACY_NS = 2_000_000_000
# How much more of a file that grew while it is read is read at a time.
READ_BYTES = 64 * 1024
# How many inode numbers there are (64 bits).
INODES = 2**64
# Which non-public addresses `add` and feeds may fetch: none (False), all (True: an intranet,
# tests), or those of the networks listed (one intranet host, not the rest of the network).
PrivateAddresses = bool | Collection[ipaddress.IPv4Network | ipaddress.IPv6Network]


class CorpusError(Exception):
    """The corpus cannot be used at all: `reason` names why (no_folder, no_articles,
    no_database; faces word it, see bot/messages.py: "corpus_<reason>"), `values` fill in the
    details."""

    def __init__(self, reason: str, **values: object) -> None:
        super().__init__(f"{reason}: {values}" if values else reason)
        self.reason = reason
        self.values = values


class ArticleError(Exception):
    """An article cannot be added or removed: `reason` names why (faces word it, see
    bot/messages.py: "article_<reason>"), `values` fill in the details (what a user sent comes
    back shortened)."""

    def __init__(self, reason: str, **values: object) -> None:
        values = {k: shortened(v, ECHO_CHARS) if isinstance(v, str) else v
                  for k, v in values.items()}
        super().__init__(f"{reason}: {values}" if values else reason)
        self.reason = reason
        self.values = values


def shortened(text: str, limit: int) -> str:
    """The text, cut at a word before `limit` characters (with "…") when it is longer."""
    if len(text) <= limit:
        return text
    return text[:text.rfind(" ", 0, limit) if " " in text[:limit] else limit] + "…"


class NotAFileError(OSError):
    """A path is a device, a pipe, a folder or (where links are not followed) a symbolic link:
    nothing to read as an article."""


class TooLargeError(OSError):
    """A file is bigger than the limit it is read under."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(f"larger than {max_bytes:,} bytes")
        self.max_bytes = max_bytes


def article_max_bytes() -> int:
    """The size limit of an article file."""
    return _article_max_bytes


def set_article_max_bytes(max_bytes: int) -> None:
    """Sets the size limit of article files for this process (the ARTICLE_MAX_BYTES setting;
    worker processes are given it again, see xapian_index.build)."""
    global _article_max_bytes
    if max_bytes < 1:
        raise ValueError("the article size limit must be at least one byte")
    _article_max_bytes = max_bytes


def is_article_name(name: str) -> bool:
    """Whether a file name is an article's: a .txt or .md file, not hidden (temporary files
    are: see replaced_atomically)."""
    return name.endswith(EXTENSIONS) and not name.startswith(".")


def document_id(name: str) -> str:
    """The id of the article in a file: its name without extension (as Path.stem, in a tenth
    of the time: a million passages' store holds 50k names)."""
    return name.rsplit(".", 1)[0]


def is_article_file(path: Path) -> bool:
    """Whether a path is (or was) an article of its folder, by its name alone."""
    return is_article_name(path.name)


def corpus_files(folder: Path) -> list[Path]:
    """The article files of a corpus folder, in a stable order (see corpus_names)."""
    return [folder / name for name in corpus_names(folder)]


def corpus_names(folder: Path) -> list[str]:
    """The names of the article files of a corpus folder, sorted; a symbolic link with an
    article's name is skipped with one warning (os.scandir knows which entries are files
    and links without a stat call each: 50k articles are listed in a tenth of a second, and
    as many Paths take as long again)."""
    names = []
    with os.scandir(folder) as entries:
        for entry in entries:
            if not is_article_name(entry.name):
                continue
            if entry.is_symlink():
                skipped(folder / entry.name, SYMBOLIC_LINK)
            elif entry.is_file(follow_symlinks=False):
                names.append(entry.name)
    return sorted(names)  # sorting paths takes ten times longer


def is_corpus_file(path: Path) -> bool:
    """Whether a path is a regular file with an article's name, not a symbolic link: what
    corpus_files would list."""
    try:
        return is_article_file(path) and stat.S_ISREG(path.lstat().st_mode)
    except OSError:
        return False


def corpus_folder(folder: str | Path) -> Path:
    """The corpus folder as a Path; CorpusError when there is no such folder."""
    folder = Path(folder)
    if not folder.is_dir():
        raise CorpusError("no_folder", folder=folder)
    return folder


def skipped(path: Path, reason: object) -> None:
    """The one warning for an article file that cannot be used, wherever it is read."""
    log.warning("skipped %s: %s", path.name, reason)


def read_regular_file(path: Path, max_bytes: int, follow_symlinks: bool = True) -> bytes:
    """A regular file's content, read only when it is one and no bigger than max_bytes, and
    never more than max_bytes + 1 bytes of it (a file may grow while it is read; /dev/zero
    never ends): NotAFileError, TooLargeError or the OSError of opening or reading it. Opened
    without waiting (a named pipe would block until written to) and, unless told to follow
    them, without following a symbolic link."""
    return read_regular_file_status(path, max_bytes, follow_symlinks)[0]


def read_regular_file_status(path: Path, max_bytes: int, follow_symlinks: bool = True
                             ) -> tuple[bytes, os.stat_result]:
    """read_regular_file's content, with the file's status as it was just before reading it
    (so that a later status that is the same says the content is too: memory_store.py)."""
    flags = os.O_RDONLY | os.O_NONBLOCK | (0 if follow_symlinks else os.O_NOFOLLOW)
    try:
        fd = os.open(path, flags)
    except OSError as e:
        if e.errno == errno.ELOOP and not follow_symlinks:
            raise NotAFileError(SYMBOLIC_LINK) from None
        raise
    try:
        status = os.fstat(fd)
        if not stat.S_ISREG(status.st_mode):
            raise NotAFileError("not a regular file")
        if status.st_size > max_bytes:
            raise TooLargeError(max_bytes)
        # Read as big as fstat says, and on to the end (it may have grown): a read of
        # max_bytes + 1 at once made a 5 MB buffer for each 10 kB article (70 µs, not 17).
        chunks = [os.read(fd, status.st_size + 1)]
        size = len(chunks[0])
        while size <= max_bytes and (chunk := os.read(fd, min(READ_BYTES, max_bytes + 1 - size))):
            chunks.append(chunk)
            size += len(chunk)
        if size > max_bytes:
            raise TooLargeError(max_bytes)
    finally:
        os.close(fd)
    return b"".join(chunks) if len(chunks) > 1 else chunks[0], status


def file_status(path: str | Path) -> list[int] | None:
    """A file's status now, as status_of gives it (None: gone, or cannot be looked at)."""
    try:
        return status_of(os.lstat(path))
    except OSError:
        return None


def status_of(status: os.stat_result) -> list[int]:
    """What tells that a file changed, as git tells it: its size, mtime, ctime (set by every
    change, and set back by no tool) and inode (a file replaced by renaming; as a signed 64-bit
    number, which is how it is stored: some file systems use the top bit)."""
    inode = status.st_ino
    return [status.st_size, status.st_mtime_ns, status.st_ctime_ns,
            inode - INODES if inode >= INODES // 2 else inode]


def unchanged(path: str | Path, status: list[int], checked_ns: int) -> bool:
    """Whether the file's content is the one read when `status` (status_of) was taken, after
    `checked_ns` (time.time_ns()), with the content read after it: its status is the same now,
    and was not racy then (mtime or ctime within RACY_NS of the check: it may have changed
    again in the same tick of the clock)."""
    return _settled(status, checked_ns) and file_status(path) == status


def _settled(status: list[int], checked_ns: int) -> bool:
    """Whether a status (status_of) taken after `checked_ns` can tell the file's content: its
    mtime and ctime are older than RACY_NS before the check (else the file may have been
    written again in the same tick of the clock)."""
    return max(status[1], status[2]) < checked_ns - RACY_NS


def read_unchanged(path: str | Path, status: list[int], checked_ns: int, start: int, end: int
                   ) -> bytes | None:
    """Bytes start..end of a file whose content is the one read when `status` (status_of)
    was taken, as `unchanged` tells it (the same status now, of the file opened, and not racy
    then), read without the rest of it; None when it is not that file any more, or cannot be
    read (gone, cut short, a symbolic link now)."""
    if not (0 <= start <= end <= status[0] and _settled(status, checked_ns)):
        return None
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW)
    except OSError:
        return None
    try:
        found = os.fstat(fd)
        if not stat.S_ISREG(found.st_mode) or status_of(found) != status:
            return None
        data = os.pread(fd, end - start, start)
    except OSError:
        return None
    finally:
        os.close(fd)
    return data if len(data) == end - start else None


def read_article(path: Path) -> bytes | None:
    """An article file's content, or None (with one warning) when it cannot be read: no
    permission, gone since it was listed, an I/O error, a symbolic link, bigger than the
    article size limit (not read at all then)."""
    read = read_article_status(path)
    return None if read is None else read[0]


def read_article_status(path: Path) -> tuple[bytes, os.stat_result] | None:
    """read_article's content, with the file's status just before it was read."""
    try:
        return read_regular_file_status(path, _article_max_bytes, follow_symlinks=False)
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
    is hidden (".name.….tmp"), so that the corpus and its watcher ignore it. Created with
    the umask's permissions (tempfile's files are 0600 whatever the umask: a bot running as
    another user of the group could not read the articles)."""
    temporary = path.parent / f".{path.name}.{secrets.token_hex(TEMPORARY_NAME_BYTES)}.tmp"
    with open(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE), mode,
              **options) as f:
        try:
            yield f
            f.flush()
            os.fsync(f.fileno())
        except BaseException:
            os.unlink(temporary)
            raise
    os.replace(temporary, path)
