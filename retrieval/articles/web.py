"""Articles added while the bot runs: a web page or a local file in, a `.md` article of the
corpus folder out, which the `.md` parser of documents.py reads back.

Web pages are fetched with httpx under limits (size, one deadline for the whole fetch,
redirects, content types) and never from loopback, private or link-local addresses unless
allowed: a bot that fetches any link it is sent must not become a way into the network it runs
in. A host's name is resolved once per connection, and the connection goes to the very address
that was checked. trafilatura takes the article out of the page (title, canonical url, date,
paragraphs) and leaves menus, banners, share prompts and comments behind; it runs in a child
process under a time limit, on pages of a bounded number of elements. Files are written whole
or not at all: a temporary file, then a rename.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import logging
import os
import re
import socket
import subprocess
import sys
import time
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpcore
import httpx
import yaml

from .documents import Document, is_leftover, parse_md, parse_txt
from .files import (EXTENSIONS, REMOVED_FOLDER, ArticleError, NotAFileError, PrivateAddresses,
                    TooLargeError,
                    article_max_bytes, is_article_name, is_corpus_file, read_regular_file,
                    replaced_atomically, shortened)

log = logging.getLogger(__name__)

# What a fetch may take: an article page is well under 5 MB; 20 s covers a slow site (a
# deadline for the whole fetch: connecting, every redirect, headers and body); 5 redirects
# cover http -> https -> www -> the article, with room to spare.
MAX_BYTES = 5 * 1024 * 1024
FETCH_TIMEOUT = 20.0
MAX_REDIRECTS = 5
# The shape of a page extraction accepts: a news page has 1,000 to 10,000 elements;
# trafilatura takes about a second per 10,000 on one core, so a page of 190,000 empty
# paragraphs (1.5 MB) would hold a core for minutes.
MAX_ELEMENTS = 30_000
# How long extraction may take at most, in its own process (killed then): several times what
# the biggest accepted page takes on a busy machine.
EXTRACT_TIMEOUT = 15.0
# The script that runs trafilatura in a child process (by path: it imports trafilatura alone,
# and the bot's own process never loads it).
EXTRACTION_SCRIPT = Path(__file__).with_name("extraction.py")
# The start of an element in HTML, to count them without parsing the page.
ELEMENT = re.compile(r"<[A-Za-z]")
# NAT64 prefixes (RFC 6052, RFC 8215): the well-known one carries a public IPv4 address in its
# last 32 bits; the local-use one belongs to a private network.
NAT64 = ipaddress.ip_network("64:ff9b::/96")
LOCAL_NAT64 = ipaddress.ip_network("64:ff9b:1::/48")
# IPv4-compatible IPv6 addresses (::a.b.c.d, deprecated but still routed by some stacks).
IPV4_COMPATIBLE = ipaddress.ip_network("::/96")
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
    """An article ready to be saved: its title, paragraphs (each one line or block), url, date;
    `fetched` when it is a web page's, whose url (its own, or a canonical one of the same
    host) then names it. A file's url is only what the file claims."""

    title: str
    paragraphs: tuple[str, ...]
    url: str | None = None
    date: str | None = None
    fetched: bool = False


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
    """Fetch a page (a link) or read a file of this machine (a path), save its article into the
    corpus folder and return it as the corpus will read it. For the command line: a path
    names any file the bot can read."""
    if is_link(source):
        return add_page(source, folder, allow_private)
    path = Path(source).expanduser()
    try:
        data = read_regular_file(path, MAX_BYTES)
    except FileNotFoundError:
        raise ArticleError("no_file", name=source) from None
    except NotAFileError:
        raise ArticleError("not_a_file", name=source) from None
    except TooLargeError:
        raise ArticleError("too_large", bytes=MAX_BYTES) from None
    except OSError as e:
        raise ArticleError("unreadable_file", name=source, error=e.strerror or str(e)) from None
    return add_file(path.name, data, folder)


def add_page(url: str, folder: Path, allow_private: PrivateAddresses = False) -> Document:
    """Fetch a web page and save its article: links only (what a chat may send), never a
    path of this machine."""
    return save(extract_page(fetch(url.strip(), allow_private)), folder)


def add_file(name: str, data: bytes, folder: Path) -> Document:
    """Save the article of a file (by name and content) into the corpus folder."""
    return save(file_article(name, data), folder)


# Fetching.


def is_public(address: str) -> bool:
    """Whether an IP address is on the public internet (not loopback, private, link-local,
    shared, reserved or multicast); an IPv6 address that carries an IPv4 one (IPv4-mapped,
    IPv4-compatible, NAT64, 6to4) is public only if that IPv4 address is too."""
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address):
        if ip in LOCAL_NAT64:
            return False
        embedded = ip.ipv4_mapped or ip.sixtofour or (
            ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
            if ip in NAT64 or ip in IPV4_COMPATIBLE else None)
        if embedded is not None and not is_public(str(embedded)):
            return False
    return ip.is_global and not ip.is_multicast


def check_url(url: str) -> None:
    """Refuses a url that is not http(s) with a host (a path of this machine, file:, ftp:)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ArticleError("not_http", url=url)


def is_allowed(address: str, allow_private: PrivateAddresses) -> bool:
    """Whether an address may be fetched: a public one, or a private one allowed."""
    if allow_private is True or is_public(address):
        return True
    if allow_private is False:
        return False
    ip = ipaddress.ip_address(address.split("%")[0])
    return any(ip in network for network in allow_private)


def checked_addresses(host: str, port: int, allow_private: PrivateAddresses) -> list[str]:
    """The addresses of a host, resolved now, every one of them public (unless allowed):
    the ones to connect to, and no others."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, ValueError):
        raise ArticleError("unreachable", host=host) from None
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not all(is_allowed(address, allow_private) for address in addresses):
        raise ArticleError("private_address", host=host)
    return addresses


def fetch(url: str, allow_private: PrivateAddresses = False, timeout: float = FETCH_TIMEOUT,
          max_bytes: int = MAX_BYTES, accept: tuple[str, ...] = PAGE_TYPES) -> Page:
    """The page at url, following at most MAX_REDIRECTS redirects, each one checked like the
    first, all within `timeout` seconds; ArticleError for anything else than a page of the
    `accept` types within the limits."""
    backend = _CheckedBackend(time.monotonic() + timeout, allow_private)
    headers = {"User-Agent": USER_AGENT, "Accept": ",".join(accept)}
    # trust_env=False: no proxy from the environment, so the address checked is the one used.
    with httpx.Client(headers=headers, trust_env=False, follow_redirects=False,
                      transport=_Transport(backend), timeout=timeout) as client:
        for _ in range(MAX_REDIRECTS + 1):
            check_url(url)
            try:
                with client.stream("GET", url) as response:
                    if response.is_redirect and "location" in response.headers:
                        url = str(response.url.join(response.headers["location"]))
                        continue
                    return _page(response, max_bytes, accept)
            except httpx.TimeoutException:
                raise ArticleError("timeout", seconds=round(timeout)) from None
            except (httpx.HTTPError, httpx.InvalidURL):
                raise ArticleError("unreachable", host=urlsplit(url).hostname or url) from None
    raise ArticleError("too_many_redirects", count=MAX_REDIRECTS)


class _CheckedBackend(httpcore.NetworkBackend):
    """The connections of one fetch: each goes to an address of its host that was checked
    public (the very address checked: a name resolved again could answer 127.0.0.1 the second
    time, DNS rebinding), and every connect, TLS handshake, read and write ends by the fetch's
    deadline (a server sending a byte a second never trips a per-read timeout). TLS is
    started by httpcore with the url's host name, so SNI, the certificate check and the Host
    header are the name's, not the address's."""

    def __init__(self, deadline: float, allow_private: PrivateAddresses) -> None:
        self._deadline = deadline
        self._allow_private = allow_private
        self._backend = httpcore.SyncBackend()

    def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                    local_address: str | None = None, socket_options: Any = None
                    ) -> httpcore.NetworkStream:
        failure: Exception = httpcore.ConnectError(f"no address for {host}")
        for address in checked_addresses(host, port, self._allow_private):
            try:
                stream = self._backend.connect_tcp(
                    address, port, _left(self._deadline, timeout, httpcore.ConnectTimeout),
                    local_address, socket_options)
            except httpcore.ConnectError as e:
                failure = e  # the next address, as socket.create_connection does
            else:
                return _DeadlineStream(stream, self._deadline)
        raise failure

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class _DeadlineStream(httpcore.NetworkStream):
    """A connection whose every operation ends by the deadline."""

    def __init__(self, stream: httpcore.NetworkStream, deadline: float) -> None:
        self._stream = stream
        self._deadline = deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, _left(self._deadline, timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _left(self._deadline, timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(self, ssl_context: Any, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        return _DeadlineStream(self._stream.start_tls(
            ssl_context, server_hostname, _left(self._deadline, timeout, httpcore.ConnectTimeout)
        ), self._deadline)

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


def _left(deadline: float, timeout: float | None, error: type[Exception]) -> float:
    """The time an operation may take: its own timeout, cut to what is left before the
    deadline; `error` once there is nothing left."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise error("the whole fetch took too long")
    return left if timeout is None else min(timeout, left)


class _Transport(httpx.HTTPTransport):
    """httpx's transport on a connection pool of our network backend (httpx has no setting
    for it; httpcore's pool has)."""

    def __init__(self, backend: httpcore.NetworkBackend) -> None:
        super().__init__(trust_env=False)
        self._pool = httpcore.ConnectionPool(ssl_context=httpx.create_ssl_context(
            trust_env=False), network_backend=backend)


def _page(response: httpx.Response, max_bytes: int, accept: tuple[str, ...]) -> Page:
    """The body of a final response, read within the time and size limits."""
    if response.status_code != 200:
        raise ArticleError("http_status", status=response.status_code)
    content_type, _, params = response.headers.get("content-type", "").partition(";")
    content_type = content_type.strip().lower()
    if content_type not in accept:
        raise ArticleError("content_type", type=content_type or "?")
    if int(response.headers.get("content-length") or 0) > max_bytes:
        raise ArticleError("too_large", bytes=max_bytes)
    body = bytearray()
    for chunk in response.iter_bytes():
        body += chunk
        if len(body) > max_bytes:
            raise ArticleError("too_large", bytes=max_bytes)
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
    return Article(article.title, article.paragraphs, trusted_url(article.url, page.url),
                   article.date, fetched=True)


def trusted_url(claimed: str | None, fetched: str) -> str:
    """The url a fetched page is known by: the one it claims (a canonical link, front
    matter) when that is on the host it was fetched from, else the url it was fetched from.
    A page of another site claiming an article's url must not pass for it (nor replace it)."""
    if claimed and is_link(claimed) and _site(claimed) == _site(fetched):
        return claimed
    return fetched


def _site(url: str) -> str:
    """A url's host, without a leading "www." (example.org and www.example.org are one site)."""
    host = (urlsplit(url).hostname or "").lower()
    return host.removeprefix("www.")


def extract_html(html: str | bytes, url: str | None = None,
                 timeout: float = EXTRACT_TIMEOUT) -> Article:
    """The article of an HTML page (fetched from `url`, or a file when None): trafilatura's
    title, canonical url, date and main text, one paragraph per block (paragraph, heading,
    list item, quote), leftovers dropped. Refused when the page has more than MAX_ELEMENTS
    elements; trafilatura runs in a child process killed after `timeout` seconds (a thread
    cannot be stopped), which hands back plain JSON."""
    if len(ELEMENT.findall(html if isinstance(html, str) else html.decode("latin-1"))
           ) > MAX_ELEMENTS:
        raise ArticleError("too_complex", elements=MAX_ELEMENTS)
    data = html.encode() if isinstance(html, str) else html
    try:
        done = subprocess.run(
            [sys.executable, "-I", str(EXTRACTION_SCRIPT), "text" if isinstance(html, str)
             else "bytes", url or ""], input=data, capture_output=True, timeout=timeout,
            check=True)
    except subprocess.TimeoutExpired:
        raise ArticleError("extract_timeout", seconds=round(timeout)) from None
    except subprocess.CalledProcessError as e:
        log.warning("extraction failed (exit status %s): %s", e.returncode,
                    e.stderr.decode(errors="replace").strip().splitlines()[-1:])
        raise ArticleError("no_text") from None
    extracted = json.loads(done.stdout)
    if extracted is None:
        raise ArticleError("no_text")
    title = _one_line(extracted["title"] or "")
    paragraphs: list[str] = []
    for text in map(_one_line, extracted["blocks"]):
        if text and not (text == title and not paragraphs):  # the page's <h1> again
            paragraphs.append(text)
    canonical = extracted["url"] if extracted["url"] and is_link(extracted["url"]) else None
    if url is None:
        return _article(title, paragraphs, canonical, extracted["date"])
    return _article(title, paragraphs, trusted_url(canonical, url), extracted["date"],
                    fetched=True)


def file_article(name: str, data: bytes) -> Article:
    """The article of a file given by name and content: .html, .htm, .txt or .md, UTF-8."""
    suffix = Path(name).suffix.lower()
    if suffix not in FILE_TYPES:
        raise ArticleError("file_type", name=name, types=", ".join(FILE_TYPES))
    if len(data) > MAX_BYTES:
        raise ArticleError("too_large", bytes=MAX_BYTES)
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


def _article(title: str, paragraphs: list[str], url: str | None, date: str | None,
             fetched: bool = False) -> Article:
    """An Article of the paragraphs that are text (furniture dropped); ArticleError without."""
    kept = tuple(p.strip() for p in paragraphs if p.strip() and not is_leftover(p))
    if not kept:
        raise ArticleError("no_text")
    title = _one_line(title) or shortened(_one_line(kept[0]), FALLBACK_TITLE_CHARS)
    url = url.split("#")[0] if url else None
    return Article(title, kept, url or None, date or None, fetched)


def _one_line(text: str) -> str:
    return " ".join(text.split())


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
    """The file name (without .md) of an article: a slug of its title, then a short hash of
    what identifies it (identity_hash), which finds the same article when it is added again."""
    ascii_title = unicodedata.normalize("NFKD", article.title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:SLUG_CHARS].strip("-")
    return f"{slug or 'article'}-{identity_hash(article)}"


def identity_hash(article: Article) -> str:
    """What makes two additions the same article: a web page's url (its own, or its canonical
    one on the same host), so that adding a page again updates it; a file's text (its title
    and paragraphs), so that two files never replace each other because they share a title
    or claim the same url."""
    if article.fetched and article.url:
        key = article.url
    else:
        key = "\n\n".join((article.title, *article.paragraphs))
    return hashlib.sha256(key.encode()).hexdigest()[:HASH_CHARS]


def save(article: Article, folder: Path) -> Document:
    """Writes the article into the corpus folder (over the same article if it is there) and
    returns it as the corpus parser reads it back; refused when the file would be bigger than
    the corpus reads (ARTICLE_MAX_BYTES)."""
    folder.mkdir(parents=True, exist_ok=True)
    same = sorted(folder.glob(f"*-{identity_hash(article)}.md"))
    path = same[0] if same else folder / f"{document_id(article)}.md"
    text = article_text(article, datetime.now(UTC))
    if len(text.encode()) > (limit := article_max_bytes()):
        raise ArticleError("too_large", bytes=limit)
    document = parse_md(path.stem, text)
    if not document.paragraphs:
        raise ArticleError("no_text")
    with replaced_atomically(path, "w", encoding="utf-8") as f:
        f.write(text)
    return document


def remove_article(folder: Path, document: str) -> Path:
    """Moves an article out of the corpus into the folder's `.removed/`, where it stays; the
    path it now has. One rename, without listing the folder: of several removals of one
    article at once, the first moves it and the others are told it is already removed."""
    name = document.strip()
    removed = folder / REMOVED_FOLDER
    # An id is a file name of the folder: never a path, a hidden file or a symbolic link.
    files = [file for extension in EXTENSIONS
             if is_article_name(file := f"{name}{extension}") and Path(file).name == file]
    for file in files:
        if is_corpus_file(folder / file):
            removed.mkdir(exist_ok=True)
            try:
                os.replace(folder / file, removed / file)
                return removed / file
            except FileNotFoundError:
                pass  # another removal was first
    if any((removed / file).exists() for file in files):
        raise ArticleError("already_removed", document=name)
    raise ArticleError("no_document", document=name)
