"""Documents: articles read from a corpus folder, split into clean paragraphs with offsets.

A `.txt` article has its title on the first line and paragraphs separated by blank lines. A
`.md` article may start with YAML front matter (`title`, `url`, `date`, other keys kept as
metadata), then a `# Title` line or not, then paragraphs. Every paragraph knows its exact
`start`/`end` in the file's text as read, so `document.text[p.start:p.end] == p.text`.

Web-page leftovers (comment notices, cookie banners, share and subscribe prompts) are not the
article's words and are dropped: see `LEFTOVER_PATTERNS`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple, overload

import yaml

from ..text.analysis import fold_apostrophes
from .files import CorpusError, corpus_folder, read_articles, skipped


# Short paragraphs that match one of these are page furniture, not article text. Each pattern
# describes a kind of leftover in general terms (French and English), never one article.
LEFTOVER_PATTERNS = [
    re.compile(p, re.IGNORECASE)
    for p in (
        # comment sections
        r"\b(les )?commentaires sont (fermés|clos|désactivés)\b",
        r"\bcomments are (closed|disabled)\b",
        r"\b(laisser|ajouter|écrire) un commentaire\b",
        r"\bleave a (comment|reply)\b",
        r"\bvous devez être connecté pour (commenter|publier|réagir)\b",
        # cookie and consent banners
        r"\b(ce|notre) site( web| internet)? utilise des (cookies|traceurs)\b",
        r"\b(this|our) (web)?site uses cookies\b",
        r"\bwe use cookies\b",
        r"\b(accepter|refuser|gérer) (les|mes) cookies\b",
        r"\b(accept|reject|manage) (all )?cookies\b",
        # share and subscribe prompts
        r"^\s*(partager|partagez|share)( (cet |l')article| this( article)?| (sur|on) \w+)?\s*:?\s*$",
        r"\b(partager|partagez) (sur|via) (facebook|twitter|x|linkedin|whatsapp)\b",
        r"\bshare (on|via) (facebook|twitter|x|linkedin|whatsapp)\b",
        r"\babonnez-vous\b",
        r"\bsubscribe (to|now)\b",
        r"\b(inscrivez-vous|abonnez-vous) à (notre|la) (newsletter|lettre d'information)\b",
        r"\bsign up for (our|the) newsletter\b",
        r"^\s*(lire aussi|à lire aussi|voir aussi|read more|see also|related)\s*:?",
        r"\btous droits réservés\b",
        r"\ball rights reserved\b",
    )
]
# A leftover is short; a longer paragraph that merely mentions cookies is article text.
LEFTOVER_MAX_CHARS = 400
# The patterns as one: a paragraph is read once by the regex engine, not once per pattern
# (parsing a million passages' articles spent most of its time trying them one by one).
_LEFTOVER = re.compile("|".join(f"(?:{p.pattern})" for p in LEFTOVER_PATTERNS),
                       re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Paragraph:
    """A body paragraph: its 1-based number among the article's paragraphs and its span."""

    number: int
    start: int
    end: int
    text: str


class OutlinedParagraphs(Sequence[Paragraph]):
    """The paragraphs of an article laid out by its outline, each made when read: an answer
    quotes one or two of an article's paragraphs, and making all twenty of them was most of
    what reading an article for its first quote cost. Equal to the tuple of them all."""

    __slots__ = ("_text", "_spans")

    def __init__(self, text: str, spans: tuple[tuple[int, int], ...]) -> None:
        self._text, self._spans = text, spans

    def __len__(self) -> int:
        return len(self._spans)

    @overload
    def __getitem__(self, i: int) -> Paragraph: ...

    @overload
    def __getitem__(self, i: slice) -> tuple[Paragraph, ...]: ...

    def __getitem__(self, i: int | slice) -> Paragraph | tuple[Paragraph, ...]:
        if isinstance(i, slice):
            return tuple(self[n] for n in range(len(self))[i])
        n = range(len(self._spans))[i]  # an IndexError past the end, as a tuple's
        start, end = self._spans[n]
        return Paragraph(n + 1, start, end, self._text[start:end])

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and tuple(self) == tuple(other)

    def __hash__(self) -> int:
        return hash(tuple(self))


class Header(NamedTuple):
    """What a quote says of its article: its id (file name without extension), title, url
    and date (a tuple: a quote makes one, and a frozen dataclass takes three times as long)."""

    id: str
    title: str
    url: str | None = None
    date: str | None = None


@dataclass(frozen=True)
class Document:
    """An article: id (file name without extension), title, url, date, and its paragraphs."""

    id: str
    title: str
    text: str
    paragraphs: Sequence[Paragraph]
    url: str | None = None
    date: str | None = None

    @property
    def header(self) -> Header:
        return Header(self.id, self.title, self.url, self.date)


@dataclass(frozen=True)
class Outline:
    """What parsing an article decided: its title, url and date, and the span of each body
    paragraph in its text (page leftovers left out). An index keeps it, so that answering
    slices the quotes from the file's text without parsing the article again."""

    title: str
    url: str | None
    date: str | None
    spans: tuple[tuple[int, int], ...]
    # The digest of the content it was made from, when the index keeps it (Xapian: the file
    # is read when quoted and may have changed since); None when the content read is the one
    # indexed (the memory index's key hashes it).
    digest: str | None = None

    @classmethod
    def of(cls, document: Document, digest: str | None = None) -> Outline:
        return cls(document.title, document.url, document.date,
                   tuple((p.start, p.end) for p in document.paragraphs), digest)


@dataclass(frozen=True, slots=True)
class Passage:
    """A paragraph of an article, the unit BM25 ranks: what a quote needs of it."""

    document: Header
    paragraph: Paragraph


class Place(NamedTuple):
    """Where a paragraph stood in its article's file when it was indexed: its article's
    header, its number and span in the text, its span in the file's bytes, and their digest
    (paragraph_digest): what quoting it reads and checks, without the rest of the file. With
    `file` when the index keeps it with each paragraph (Xapian): the file's name, its status
    when it was read (files.status_of) and when that was checked (else the corpus knows)."""

    header: Header
    number: int
    start: int
    end: int
    byte_start: int
    byte_end: int
    digest: int
    file: tuple[str, list[int], int] | None = None


def paragraph_digest(number: int, start: int, end: int, data: bytes) -> int:
    """A paragraph's fingerprint, as a signed 64-bit number (a store keeps one a passage
    beside its offsets): its bytes in its file, and its number and span in the text, so that
    a span changed in a damaged store is caught as well as a changed file."""
    head = b"%d %d %d\n" % (number, start, end)
    return int.from_bytes(hashlib.sha256(head + data).digest()[:8], "little", signed=True)


def byte_places(document: Document) -> list[tuple[int, int, int]]:
    """Each paragraph's span in its file's bytes (its text encoded as UTF-8, the file's
    content) and its digest, in order: the text before each paragraph is encoded once (a
    text not read from a file may hold lone surrogates: kept as such, as no file has them)."""
    text, places, at, byte_at = document.text, [], 0, 0
    for p in document.paragraphs:
        byte_at += len(text[at:p.start].encode(errors="surrogatepass"))
        data = p.text.encode(errors="surrogatepass")
        places.append((byte_at, byte_at + len(data),
                       paragraph_digest(p.number, p.start, p.end, data)))
        byte_at, at = byte_at + len(data), p.end
    return places


def is_leftover(paragraph: str) -> bool:
    """True for page furniture such as a cookie banner or "Les commentaires sont fermés."."""
    # Folding apostrophes keeps the length: only a short paragraph is folded and searched.
    return (len(paragraph) <= LEFTOVER_MAX_CHARS
            and _LEFTOVER.search(fold_apostrophes(paragraph)) is not None)


def blocks(text: str, start: int = 0) -> list[tuple[int, int]]:
    """Spans of the blocks of non-blank lines in text[start:], trailing whitespace excluded."""
    spans = []
    for m in re.finditer(r"(?:^[^\S\n]*\S.*(?:\n|\Z))+", text[start:], re.MULTILINE):
        block_start = start + m.start()
        block_end = start + m.end()
        while block_end > block_start and text[block_end - 1].isspace():
            block_end -= 1
        while text[block_start].isspace():
            block_start += 1
        spans.append((block_start, block_end))
    return spans


def _paragraphs(text: str, spans: list[tuple[int, int]]) -> tuple[Paragraph, ...]:
    kept = [(s, e) for s, e in spans if not is_leftover(text[s:e])]
    return tuple(Paragraph(n, s, e, text[s:e]) for n, (s, e) in enumerate(kept, start=1))


def parse_txt(doc_id: str, text: str) -> Document:
    """A `.txt` article: title on the first line, then paragraphs."""
    spans = blocks(text)
    if not spans:
        raise ValueError("no text")
    first_line_end = text.find("\n", spans[0][0])
    first_line_end = spans[0][1] if first_line_end == -1 else min(first_line_end, spans[0][1])
    title = text[spans[0][0]:first_line_end].strip().lstrip("\ufeff")
    return Document(doc_id, title, text, _paragraphs(text, blocks(text, first_line_end)))


_FRONT_MATTER = re.compile(r"\A\ufeff?---[^\S\n]*\r?\n(.*?)^---[^\S\n]*(?:\r?\n|\Z)", re.S | re.M)
_HEADING = re.compile(r"#{1,6}[^\S\n]+")


def front_matter(text: str) -> tuple[dict[str, str], int]:
    """A `.md` article's front matter (every key, values as text) and where its body starts;
    ValueError when it cannot be read."""
    if not text.lstrip("\ufeff").startswith("---"):
        return {}, 0
    m = _FRONT_MATTER.match(text)
    if not m:
        raise ValueError("front matter is not closed by a '---' line")
    try:
        data = yaml.safe_load(m.group(1)) or {}
    except yaml.YAMLError as e:
        raise ValueError(f"unreadable front matter ({e.__class__.__name__})") from None
    if not isinstance(data, dict):
        raise ValueError("front matter is not a list of 'key: value' lines")
    return {str(k): str(v) for k, v in data.items() if v is not None}, m.end()


def parse_md(doc_id: str, text: str) -> Document:
    """A `.md` article: optional YAML front matter, optional `# Title`, then paragraphs."""
    meta, body_start = front_matter(text)
    spans = blocks(text, body_start)
    title = meta.pop("title", "")
    if spans and (h := _HEADING.match(text, spans[0][0])) and "\n" not in text[h.end():spans[0][1]]:
        title = title or text[h.end():spans[0][1]].strip()
        spans = spans[1:]
    # Headings inside the body are kept as paragraphs, without their '#' marks.
    spans = [(h.end(), e) if (h := _HEADING.match(text, s)) else (s, e) for s, e in spans]
    if not spans and not title:
        raise ValueError("no text")
    return Document(
        doc_id,
        title or doc_id,
        text,
        _paragraphs(text, spans),
        url=meta.get("url"),
        date=meta.get("date"),
    )


def load_document(path: Path, data: bytes | None = None) -> Document:
    """Read one article (from `data`, its content as already read, if given); ValueError says
    why a file cannot be used."""
    if data is None:
        data = path.read_bytes()
    if b"\x00" in data:
        raise ValueError("binary file")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError("not UTF-8 text") from None
    if not text.strip():
        raise ValueError("empty file")
    parse = parse_md if path.suffix == ".md" else parse_txt
    document = parse(path.stem, text)
    if not document.paragraphs:
        raise ValueError("no paragraphs after the title")
    return document


def parsed_article(path: Path, data: bytes) -> Document | None:
    """The document of an article file's content, or None (with one warning) when it cannot
    be used: every reader of the folder skips a bad file this way."""
    try:
        return load_document(path, data)
    except ValueError as e:
        skipped(path, e)
        return None


def outlined_article(path: Path, data: bytes, outline: Outline) -> Document | None:
    """The document of an article file's content as its outline lays it out, without parsing
    it; None when the outline does not fit the text (a store of other files, or damaged: the
    caller parses the file instead). Every paragraph is still sliced from the text, within it,
    in order, and starts and ends with a visible character, as a parsed paragraph does."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    end = 0
    for start, stop in outline.spans:
        if not (end <= start < stop <= len(text)) or text[start].isspace() \
                or text[stop - 1].isspace():
            return None
        end = stop
    return Document(path.stem, outline.title, text, OutlinedParagraphs(text, outline.spans),
                    outline.url, outline.date)


def parse_articles(contents: dict[Path, bytes]) -> list[Document]:
    """The documents of the article files read; bad files are skipped with one warning each."""
    return [d for path, data in contents.items() if (d := parsed_article(path, data)) is not None]


def load_corpus(folder: str | Path) -> list[Document]:
    """Every readable article of the folder; bad files are skipped with one warning each."""
    folder = corpus_folder(folder)
    documents = parse_articles(read_articles(folder))
    if not documents:
        raise CorpusError("no_articles", folder=folder)
    return documents
