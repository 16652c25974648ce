"""Articles added while the bot runs: a web page or a local file in, a `.md` article of the
corpus folder out, which the `.md` parser of documents.py reads back.

Web pages are fetched with httpx under limits (size, time, redirects, content types) and never
from loopback, private or link-local addresses unless allowed: a bot that fetches any link it
is sent must not become a way into the network it runs in. trafilatura takes the article out of
the page (title, canonical url, date, paragraphs) and leaves menus, banners, share prompts and
comments behind. Files are written whole or not at all: a temporary file, then a rename.
"""

from __future__ import annotations

import hashlib
import ipaddress
import os
import re
import socket
import time
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import trafilatura
import yaml

from .documents import Document, is_leftover, parse_md, parse_txt
from .files import (EXTENSIONS, REMOVED_FOLDER, ArticleError, PrivateAddresses, corpus_files,
                    replaced_atomically)

# What a fetch may take: an article page is well under 5 MB; 20 s covers a slow site; 5
# redirects cover http -> https -> www -> the article, with room to spare.
MAX_BYTES = 5 * 1024 * 1024
FETCH_TIMEOUT = 20.0
MAX_REDIRECTS = 5
# Content types that hold an article as text; anything else (images, PDF, video) is refused.
HTML_TYPES = ("text/html", "application/xhtml+xml")
TEXT_TYPES = ("text/plain",)
MARKDOWN_TYPES = ("text/markdown", "text/x-markdown")
PAGE_TYPES = (*HTML_TYPES, *TEXT_TYPES, *MARKDOWN_TYPES)
# Files that can be added, by their extension.
HTML_FILES = (".html", ".htm")
FILE_TYPES = (*HTML_FILES, *EXTENSIONS)
USER_AGENT = "citebot/0.1 (article fetcher)"
# A document id: a slug of the title (readable in /sources and /remove) and a hash of the url.
SLUG_CHARS = 60
HASH_CHARS = 8
# A title made from the first paragraph when the page has none.
FALLBACK_TITLE_CHARS = 80
# How much of a file is looked at for NUL bytes, the mark of a binary file.
SNIFF_BYTES = 8192


@dataclass(frozen=True)
class Article:
    """An article ready to be saved: its title, paragraphs (each one line or block), url, date."""

    title: str
    paragraphs: tuple[str, ...]
    url: str | None = None
    date: str | None = None


@dataclass(frozen=True)
class Page:
    """What a fetch brought back: the final url, the content type and the body."""

    url: str
    content_type: str
    charset: str | None
    data: bytes


def is_link(source: str) -> bool:
    """Whether `add`'s argument is a link rather than a file path."""
    return bool(re.match(r"[a-zA-Z][a-zA-Z0-9+.-]*://", source.strip()))


def add_article(source: str, folder: Path, allow_private: PrivateAddresses = False) -> Document:
    """Fetch a page (a link) or read a file (a path), save its article into the corpus folder
    and return it as the corpus will read it."""
    if is_link(source):
        return save(extract_page(fetch(source.strip(), allow_private)), folder)
    path = Path(source).expanduser()
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ArticleError("no_file", name=source) from None
    except OSError as e:
        raise ArticleError("unreadable_file", name=source, error=e.strerror or str(e)) from None
    return add_file(path.name, data, folder)


def add_file(name: str, data: bytes, folder: Path) -> Document:
    """Save the article of a file (by name and content) into the corpus folder."""
    return save(read_file(name, data), folder)


# Fetching.


def is_public(address: str) -> bool:
    """Whether an IP address is on the public internet (not loopback, private, link-local,
    shared, reserved or multicast); IPv4 written as IPv6 is judged as IPv4."""
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def is_allowed(address: str, allow_private: PrivateAddresses) -> bool:
    """Whether an address may be fetched: a public one, or a private one allowed."""
    if allow_private is True or is_public(address):
        return True
    ip = ipaddress.ip_address(address.split("%")[0])
    return bool(allow_private) and any(ip in network for network in allow_private)


def check_host(url: str, allow_private: PrivateAddresses) -> None:
    """Refuses a url that is not http(s), or whose host resolves to any address that is not
    public (unless allowed): before each request, redirects included."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ArticleError("not_http", url=url)
    if allow_private is True:
        return
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        infos = socket.getaddrinfo(parts.hostname, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError, ValueError):
        raise ArticleError("unreachable", host=parts.hostname) from None
    if not all(is_allowed(info[4][0], allow_private) for info in infos):
        raise ArticleError("private_address", host=parts.hostname)


def fetch(url: str, allow_private: PrivateAddresses = False, timeout: float = FETCH_TIMEOUT,
          max_bytes: int = MAX_BYTES, accept: tuple[str, ...] = PAGE_TYPES) -> Page:
    """The page at url, following at most MAX_REDIRECTS redirects, each one checked like the
    first; ArticleError for anything else than a page of the `accept` types within the
    limits."""
    deadline = time.monotonic() + timeout
    headers = {"User-Agent": USER_AGENT,
               "Accept": "text/html,application/xhtml+xml,text/plain;q=0.9,text/markdown;q=0.9"}
    # trust_env=False: no proxy from the environment, so the address checked is the one used.
    with httpx.Client(headers=headers, trust_env=False, follow_redirects=False) as client:
        for _ in range(MAX_REDIRECTS + 1):
            check_host(url, allow_private)
            try:
                with client.stream("GET", url, timeout=max(deadline - time.monotonic(), 0.1)
                                   ) as response:
                    if allow_private is not True:
                        _check_peer(response, url, allow_private)
                    if response.is_redirect and "location" in response.headers:
                        url = str(response.url.join(response.headers["location"]))
                        continue
                    return _page(response, deadline, max_bytes, accept)
            except httpx.TimeoutException:
                raise ArticleError("timeout", seconds=round(timeout)) from None
            except (httpx.HTTPError, httpx.InvalidURL):
                raise ArticleError("unreachable", host=urlsplit(url).hostname or url) from None
    raise ArticleError("too_many_redirects", count=MAX_REDIRECTS)


def _check_peer(response: httpx.Response, url: str, allow_private: PrivateAddresses) -> None:
    """The address actually connected to must be public too: a name can resolve to another
    address between the check and the connection (DNS rebinding). Checked before the body is
    read."""
    stream = response.extensions.get("network_stream")
    peer = stream and stream.get_extra_info("server_addr")
    if peer and not is_allowed(peer[0], allow_private):
        raise ArticleError("private_address", host=urlsplit(url).hostname)


def _page(response: httpx.Response, deadline: float, max_bytes: int,
          accept: tuple[str, ...]) -> Page:
    """The body of a final response, read within the time and size limits."""
    if response.status_code != 200:
        raise ArticleError("http_status", status=response.status_code)
    content_type, _, params = response.headers.get("content-type", "").partition(";")
    content_type = content_type.strip().lower()
    if content_type not in accept:
        raise ArticleError("content_type", type=content_type or "?")
    if int(response.headers.get("content-length") or 0) > max_bytes:
        raise ArticleError("too_large", megabytes=max_bytes // (1024 * 1024))
    body = bytearray()
    for chunk in response.iter_bytes():
        body += chunk
        if len(body) > max_bytes:
            raise ArticleError("too_large", megabytes=max_bytes // (1024 * 1024))
        if time.monotonic() > deadline:
            raise httpx.ReadTimeout("the whole page took too long", request=response.request)
    charset = re.search(r"charset\s*=\s*\"?([\w.:-]+)", params, re.IGNORECASE)
    return Page(str(response.url), content_type, charset and charset[1], bytes(body))


# Extraction.


def extract_page(page: Page) -> Article:
    """The article of a fetched page: extracted from HTML, read as text or Markdown."""
    if b"\x00" in page.data[:SNIFF_BYTES]:
        raise ArticleError("binary")
    if page.content_type in HTML_TYPES:
        html: str | bytes = page.data
        if page.charset:
            try:
                html = page.data.decode(page.charset)
            except (LookupError, UnicodeDecodeError):
                raise ArticleError("bad_encoding", charset=page.charset) from None
        return extract_html(html, page.url)
    try:
        text = page.data.decode(page.charset or "utf-8").lstrip("\ufeff")
    except (LookupError, UnicodeDecodeError):
        raise ArticleError("bad_encoding", charset=page.charset or "utf-8") from None
    name = "page.md" if page.content_type in MARKDOWN_TYPES else "page.txt"
    article = _from_text(name, text)
    return article if article.url else Article(article.title, article.paragraphs, page.url,
                                               article.date)


def extract_html(html: str | bytes, url: str | None = None) -> Article:
    """The article of an HTML page: trafilatura's title, canonical url, date and main text,
    one paragraph per block (paragraph, heading, list item, quote), leftovers dropped."""
    extracted = trafilatura.bare_extraction(
        html, url=url, with_metadata=True, include_comments=False, include_tables=False,
        include_images=False, include_links=False, favor_precision=True)
    if extracted is None or extracted.body is None:
        raise ArticleError("no_text")
    title = _one_line(extracted.title or "")
    paragraphs = []
    for block in extracted.body:
        for part in (block.findall("item") if block.tag == "list" else [block]):
            text = _one_line("".join(part.itertext()))
            if text and not (text == title and not paragraphs):  # the page's <h1> again
                paragraphs.append(text)
    canonical = extracted.url if extracted.url and is_link(extracted.url) else url
    return _article(title, paragraphs, canonical, extracted.date)


def read_file(name: str, data: bytes) -> Article:
    """The article of a file given by name and content: .html, .htm, .txt or .md, UTF-8."""
    suffix = Path(name).suffix.lower()
    if suffix not in FILE_TYPES:
        raise ArticleError("file_type", name=name, types=", ".join(FILE_TYPES))
    if len(data) > MAX_BYTES:
        raise ArticleError("too_large", megabytes=MAX_BYTES // (1024 * 1024))
    if b"\x00" in data:
        raise ArticleError("binary")
    try:
        text = data.decode("utf-8").lstrip("\ufeff")
    except UnicodeDecodeError:
        raise ArticleError("not_utf8", name=name) from None
    if suffix in HTML_FILES:
        return extract_html(text)
    return _from_text(name, text)


def _from_text(name: str, text: str) -> Article:
    """A .txt or .md article read by the corpus parsers: their paragraphs, title and metadata."""
    if not text.strip():
        raise ArticleError("no_text")
    parse = parse_md if Path(name).suffix.lower() == ".md" else parse_txt
    try:
        document = parse(Path(name).stem, text)
    except ValueError:
        raise ArticleError("no_text") from None
    return _article(document.title, [p.text for p in document.paragraphs], document.url,
                    document.date)


def _article(title: str, paragraphs: list[str], url: str | None, date: str | None) -> Article:
    """An Article of the paragraphs that are text (furniture dropped); ArticleError without."""
    kept = tuple(p.strip() for p in paragraphs if p.strip() and not is_leftover(p))
    if not kept:
        raise ArticleError("no_text")
    title = _one_line(title) or _shortened(_one_line(kept[0]), FALLBACK_TITLE_CHARS)
    url = url.split("#")[0] if url else None
    return Article(title, kept, url or None, date or None)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _shortened(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[:text.rfind(" ", 0, limit) if " " in text[:limit] else limit] + "…"


# Saving and removing.


def article_text(article: Article, added: datetime) -> str:
    """The `.md` file of an article: front matter (YAML-escaped by PyYAML), the title as a
    heading, then one block per paragraph, separated by blank lines."""
    title = _one_line(article.title)
    meta = {"title": title, "url": article.url, "date": article.date,
            "added": added.isoformat(timespec="seconds")}
    front = yaml.safe_dump({k: v for k, v in meta.items() if v}, allow_unicode=True,
                           sort_keys=False, width=float("inf"))
    body = "\n\n".join(re.sub(r"\n[^\S\n]*(?=\n)", "\n", p) for p in article.paragraphs)
    return f"---\n{front}---\n\n# {title}\n\n{body}\n"


def document_id(article: Article) -> str:
    """The file name (without .md) of an article: a slug of its title, then a short hash of its
    url (or, without one, of its title), which finds the same article when it is added again."""
    ascii_title = unicodedata.normalize("NFKD", article.title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:SLUG_CHARS].strip("-")
    return f"{slug or 'article'}-{_identity_hash(article)}"


def _identity_hash(article: Article) -> str:
    return hashlib.sha256((article.url or article.title).encode()).hexdigest()[:HASH_CHARS]


def save(article: Article, folder: Path) -> Document:
    """Writes the article into the corpus folder (over the same url's article if there is one)
    and returns it as the corpus parser reads it back."""
    folder.mkdir(parents=True, exist_ok=True)
    same = sorted(folder.glob(f"*-{_identity_hash(article)}.md"))
    path = same[0] if same else folder / f"{document_id(article)}.md"
    text = article_text(article, datetime.now(timezone.utc))
    document = parse_md(path.stem, text)
    if not document.paragraphs:
        raise ArticleError("no_text")
    with replaced_atomically(path, "w", encoding="utf-8") as f:
        f.write(text)
    return document


def remove_article(folder: Path, document: str) -> Path:
    """Moves an article out of the corpus into the folder's `.removed/`, where it stays; the
    path it now has."""
    found = [p for p in corpus_files(folder) if p.stem == document.strip()] if (
        folder.is_dir()) else []
    if not found:
        raise ArticleError("no_document", document=document)
    removed = folder / REMOVED_FOLDER
    removed.mkdir(exist_ok=True)
    target = removed / found[0].name
    os.replace(found[0], target)
    return target

