"""The articles an engine quotes: read from their files, parsed when first needed.

Every quoted text is sliced from the article files' content, never from an index: a damaged or
forged index can at worst rank badly. Parsing a million passages' articles takes two minutes,
so an engine starting from a stored index parses only the articles its answers quote
(about a millisecond each), and remembers the last few thousand.

Each file is read when first quoted (holding a million passages' articles would take 400 MB),
and read again only when its status (size, mtime, ctime, inode: files.unchanged) changed: a quote
costs a stat, not a read and a hash. Each passage the index finds carries the digest of its
article's content as indexed: an article changed since is not quoted until the index has seen
it (the memory index's store at the next start or by the watcher, `index --update` for
Xapian). The index keeps each article's outline: its paragraphs are sliced from the file's
content as the outline says, without parsing it again.

An index that keeps where each paragraph stands in its file's bytes (documents.Place: the
memory index's store, given the status each file had when its digest was taken; Xapian, with
the file's status in each passage's data) has a quote read its paragraph alone: a file whose
status is still that one (as a start trusts it) is read at the paragraph's bytes only, and
those are quoted if their digest is the one indexed, which also covers the paragraph's number
and span in the text. Otherwise, the whole file is read, as above (changed since indexing: not
quoted). Reading a paragraph costs an open, a status, a read of its bytes and a hash of them
(a whole article was read, hashed and decoded); quoting it again, a stat, as long as the file's
status is the same.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from threading import Lock
from typing import NamedTuple

from .documents import (Document, Outline, Paragraph, Passage, Place, outlined_article,
                        paragraph_digest, parsed_article)
from .files import (EXTENSIONS, corpus_names, document_id, is_article_name, is_corpus_file,
                    read_article_status, read_unchanged, status_of, unchanged)

log = logging.getLogger(__name__)

# How many parsed articles are remembered: a few MB, and the articles users ask about again.
PARSED_ARTICLES = 4096
# How many paragraphs read alone are remembered (about 0.75 kB each, 12 MB): a quote of one
# again costs a stat (about 2 µs), not an open, a read and a hash (about 12; six quotes a
# question). As many as six quotes each of a few thousand questions asked again: fewer, and
# asking them over again in turn finds none of them left.
READ_PARAGRAPHS = 16384


def digest(content: bytes) -> str:
    """A short fingerprint of an article file's content."""
    return hashlib.sha256(content).hexdigest()[:16]


class Read(NamedTuple):
    """An article as last read: its content's digest, the document parsed from it, its file
    (None: given parsed), the file's status then, and when it was checked (files.unchanged)."""

    digest: str
    document: Document | None
    path: Path | None
    status: list[int]
    checked_ns: int


class ReadAlone(NamedTuple):
    """A paragraph as read alone: the passage, its file, and the file's status as indexed
    (the one it had when read) and when that was checked (files.unchanged)."""

    passage: Passage
    path: str
    status: list[int]
    checked_ns: int


class Indexed(NamedTuple):
    """The article files as their index saw them, by name: the digest of each one's content
    and its status when that was taken (status_of), and when those were checked
    (files.unchanged)."""

    digests: dict[str, str]
    statuses: dict[str, list[int]]
    checked_ns: int


class Corpus(Sequence[Document]):
    """The articles of a corpus folder, in a fixed order, by id; parsed on first use."""

    def __init__(self, folder: Path | None, names: dict[str, str] | None = None,
                 outline: Callable[[str], Outline | None] | None = None,
                 place: Callable[[str, int], Place | None] | None = None,
                 indexed: Indexed | None = None) -> None:
        """The articles of `folder`: `names` their file names by id, in order (None: the
        folder's article files, listed when first needed); `outline` an article's outline by
        id, as decided when indexing it (an article without one, or whose outline does not fit
        its text, is parsed); `place` where a paragraph (by article id and number) stood in its
        file when indexed, and `indexed` the files then: a quote of a file still as it was
        reads its paragraph alone."""
        self._folder = folder
        self._names = names
        self._ids: list[str] | None = None
        self._outline = outline
        self._place = place
        self._indexed = indexed
        # The folder as a string to join names to: a Path a quote cost as much as reading it.
        self._prefix = None if folder is None else os.path.join(folder, "")
        self._parsed: OrderedDict[str, Read] = OrderedDict()
        self._read_alone: OrderedDict[tuple[str, int], ReadAlone] = OrderedDict()
        self._capacity = PARSED_ARTICLES
        self._lock = Lock()  # answers may run in several threads

    @classmethod
    def of(cls, documents: Sequence[Document]) -> Corpus:
        """A corpus of documents already parsed (evaluation sets, tests)."""
        corpus = cls(None, {})
        corpus._ids = [d.id for d in documents]
        corpus._parsed = OrderedDict((d.id, Read("", d, None, [], 0)) for d in documents)
        corpus._capacity = max(len(documents), PARSED_ARTICLES)  # nothing to read them again from
        return corpus

    @classmethod
    def listing(cls, folder: Path, outline: Callable[[str], Outline | None] | None = None,
                place: Callable[[str, int], Place | None] | None = None) -> Corpus:
        """The articles of a folder, each read when quoted, found by its id (an article added
        since start, and indexed by `index --update`, too); the folder is listed only when the
        list is asked for (an archive's 500k files take seconds). `outline`: as the index
        keeps it, with the digest of the content it was made from; `place`: where a paragraph
        stood, with its file as indexed (Xapian keeps both with each paragraph)."""
        return cls(folder, outline=outline, place=place)

    @property
    def names(self) -> dict[str, str]:
        """Each article's file name by id."""
        if self._names is None:
            assert self._folder is not None  # a corpus is given its names or its folder
            self._names = {document_id(name): name for name in corpus_names(self._folder)}
        return self._names

    @property
    def ids(self) -> list[str]:
        """The articles' ids, in order."""
        if self._ids is None:
            self._ids = list(self.names)
        return self._ids

    def _path(self, document_id: str) -> Path | None:
        """The article's file: listed, or found in the folder (an id is a file name without
        extension, never a path, and the file is an article file, never a symbolic link: an
        index cannot point outside the folder)."""
        if self._folder is None:
            return None
        name = self._names.get(document_id) if self._names is not None else None
        if name is not None:
            return self._folder / name
        if document_id != Path(document_id).name:
            return None
        return next((p for e in EXTENSIONS
                     if is_corpus_file(p := self._folder / f"{document_id}{e}")), None)

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, i):
        """A document, or a list of them for a slice (articles that cannot be parsed any
        more are left out of a slice)."""
        if isinstance(i, slice):
            return [d for d in map(self.get, self.ids[i]) if d is not None]
        document = self.get(self.ids[i])
        if document is None:
            raise IndexError(f"article {self.ids[i]} cannot be read")
        return document

    def __iter__(self) -> Iterator[Document]:
        return iter(self[:])

    def get(self, document_id: str, expected: str | None = None) -> Document | None:
        """The document, or None when there is no such article or it cannot be read or
        parsed. Read from the file now, unless its status says it is as read last time (a
        quote costs a stat, not a search of the folder, a read and a hash); parsed again only
        when it changed. With
        `expected`, an article whose content's digest is not that counts as gone: it changed
        since it was indexed, and its paragraphs may have moved."""
        with self._lock:
            known = self._parsed.get(document_id)
        if (known is not None and known.path is not None
                and unchanged(known.path, known.status, known.checked_ns)):
            with self._lock:
                if document_id in self._parsed:
                    self._parsed.move_to_end(document_id)
            return self._expected(document_id, known, expected)
        path = self._path(document_id)
        if path is None:  # given parsed (Corpus.of), or no such article
            return None if known is None else self._expected(document_id, known, expected)
        checked_ns = time.time_ns()
        read = read_article_status(path)
        if read is None:
            return None
        content, status = read
        found = digest(content)
        if known is not None and known.digest == found:
            document = known.document
        else:
            outline = self._outline(document_id) if self._outline is not None else None
            if outline is not None and outline.digest not in (None, found):
                outline = None  # made from another content of the file
            document = ((outline and outlined_article(path, content, outline))
                        or parsed_article(path, content))
        now = Read(found, document, path, status_of(status), checked_ns)
        with self._lock:
            self._parsed[document_id] = now
            self._parsed.move_to_end(document_id)
            if len(self._parsed) > self._capacity:
                self._parsed.popitem(last=False)
        return self._expected(document_id, now, expected)

    @staticmethod
    def _expected(document_id: str, read: Read, expected: str | None) -> Document | None:
        document = read.document
        if document is not None and expected is not None and read.digest != expected:
            log.warning("article %s changed since it was indexed: not quoted until the index "
                        "is updated (the corpus watcher, a restart, or for Xapian python -m "
                        "bot index --update)", document_id)
            return None
        return document

    def passage(self, document_id: str, paragraph: int, expected: str | None = None
                ) -> Passage | None:
        """A paragraph (numbered from 1) of an article, or None when the article or the
        paragraph is not there (an index of other articles, or damaged: ranked, not quoted).
        Read alone when it can be, else from the whole article."""
        alone = self._alone(document_id, paragraph, expected)
        if alone is not None:
            return alone
        document = self.get(document_id, expected)
        if document is None or not 1 <= paragraph <= len(document.paragraphs):
            return None
        return Passage(document.header, document.paragraphs[paragraph - 1])

    def _alone(self, document_id: str, paragraph: int, expected: str | None) -> Passage | None:
        """The paragraph read alone from its file, where it stood when indexed: when the
        file's status is the one taken with the digest indexed (`expected`, if given), and the
        bytes read have the digest indexed; else None (the whole file is read). Read again
        only when the file's status changed since."""
        if self._place is None or self._prefix is None:
            return None
        key = (document_id, paragraph)
        with self._lock:
            known = self._read_alone.get(key)
        if known is not None and unchanged(known.path, known.status, known.checked_ns):
            with self._lock:
                if key in self._read_alone:
                    self._read_alone.move_to_end(key)
            return known.passage
        place = self._place(document_id, paragraph)
        if place is None:
            return None
        file = place.file or self._file(document_id, expected)
        if file is None:
            return None
        name, status, checked_ns = file
        # A name the index gives is an article file's of this folder, with this id.
        if not (name.startswith(document_id) and name[len(document_id):] in EXTENSIONS
                and is_article_name(name) and os.sep not in name):
            return None
        path = self._prefix + name
        data = read_unchanged(path, status, checked_ns, place.byte_start, place.byte_end)
        if data is None or paragraph_digest(place.number, place.start, place.end,
                                            data) != place.digest:
            return None
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return None
        passage = Passage(place.header, Paragraph(place.number, place.start, place.end, text))
        with self._lock:
            self._read_alone[key] = ReadAlone(passage, path, status, checked_ns)
            if len(self._read_alone) > READ_PARAGRAPHS:
                self._read_alone.popitem(last=False)
        return passage

    def _file(self, document_id: str, expected: str | None) -> tuple[str, list[int], int] | None:
        """The article's file as indexed (name, status, when checked), when the corpus was
        given it, and its digest then was `expected` (if given)."""
        indexed, names = self._indexed, self._names
        name = None if indexed is None or names is None else names.get(document_id)
        if indexed is None or name is None:
            return None
        status = indexed.statuses.get(name)
        if status is None or (expected is not None and indexed.digests.get(name) != expected):
            return None
        return name, status, indexed.checked_ns
