"""Hostile links, folders and input, the engine and command-line side: no file outside the
corpus is ever quoted, no request reaches a private address, and no page, file or folder can
hold a fetch, an extraction or a read past its bound. (The Telegram side:
test_telegram_articles.py.)"""

from __future__ import annotations

import gzip
import logging
import os
import socket
import socketserver
import ssl
import stat
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
import trustme

from bot.settings import SettingsError, load_settings
from bot.terminal.cli import main
from retrieval import (AnswerEngine, ArticleError, IndexStore, add_article, add_file, add_page,
                       build_xapian, rebuilt, remove_article, update_xapian)
from retrieval.articles import files as article_files
from retrieval.articles import web
from retrieval.articles.corpus import Corpus

from article_server import (FLOOD, FLOOD_TITLE, STRIKE, STRIKE_TITLE, ArticleSite, Response,
                            article_page, html)

# An article the tests' folders hold, and a question only it answers.
HARVEST = ("Vendanges précoces dans l'Hérault\n\nLes vendanges ont commencé le 8 août dans "
           "l'Hérault, trois semaines plus tôt que la moyenne.\n")
HARVEST_QUESTION = "Quand ont commencé les vendanges dans l'Hérault ?"
# A secret outside the corpus folder, and a question only it answers.
SECRET = "Identifiants du serveur\n\nLe mot de passe du serveur de production est hippopotame.\n"
SECRET_QUESTION = "Quel est le mot de passe du serveur de production ?"
# How long a hostile server keeps trickling when nobody stops reading: far beyond any bound.
TRICKLE_SECONDS = 60.0
# A fetch deadline for the tests, and how long a bounded fetch may take at most on a busy
# machine: generous, and still far below TRICKLE_SECONDS.
SHORT_DEADLINE = 2.0
BOUNDED_SECONDS = 20.0


def answered_from(folder: Path, question: str) -> str:
    """The quotes the engine of a folder gives, joined."""
    return " ".join(e.text for e in AnswerEngine.from_folder(folder).answer(question).excerpts)


def warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "vendanges.txt").write_text(HARVEST, encoding="utf-8")
    return folder


# The folder.


@pytest.mark.parametrize("target", ["outside", "absolute", "inside"])
def test_a_symbolic_link_is_never_indexed_nor_quoted(corpus, tmp_path, caplog, target):
    """The rule: a symbolic link in the corpus folder is never an article, wherever it points
    (out of the folder by a relative or an absolute path, or to an article of the folder)."""
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET, encoding="utf-8")
    link = corpus / "lien.txt"
    link.symlink_to({"outside": Path("..") / "secret.txt", "absolute": secret,
                     "inside": Path("vendanges.txt")}[target])
    with caplog.at_level(logging.WARNING):
        engine = AnswerEngine.from_folder(corpus)
    assert engine.article_ids() == ["vendanges"]
    assert warnings(caplog) == [
        "skipped lien.txt: a symbolic link (an article is a file of the folder itself)"]
    assert "hippopotame" not in answered_from(corpus, SECRET_QUESTION)
    # An index that names it (Xapian's corpus finds articles by id) cannot have it quoted.
    assert Corpus.listing(corpus).get("lien") is None
    assert Corpus.listing(corpus).get("vendanges") is not None


def test_xapian_indexes_no_symbolic_link_and_no_file_over_the_limit(corpus, tmp_path):
    (tmp_path / "secret.txt").write_text(SECRET, encoding="utf-8")
    (corpus / "lien.txt").symlink_to(tmp_path / "secret.txt")
    with open(corpus / "archive.txt", "wb") as f:
        f.truncate(article_files.DEFAULT_ARTICLE_MAX_BYTES + 1)
    report = build_xapian(tmp_path / "db", corpus)
    assert [articles for _, articles, _ in report.shards] == [1]
    store = IndexStore("xapian", databases=(str(tmp_path / "db" / "shard-0"),))
    assert "hippopotame" not in " ".join(
        e.text for e in AnswerEngine.from_folder(corpus, store).answer(SECRET_QUESTION).excerpts)
    # An article replaced by a link, seen by the watcher: out of the index.
    (corpus / "vendanges.txt").unlink()
    (corpus / "vendanges.txt").symlink_to(tmp_path / "secret.txt")
    assert update_xapian(tmp_path / "db", corpus, [corpus / "vendanges.txt"]).removed == 1


def test_a_symbolic_link_swapped_in_after_listing_is_not_read(corpus, tmp_path, caplog):
    (tmp_path / "secret.txt").write_text(SECRET, encoding="utf-8")
    listed = article_files.corpus_files(corpus)
    (corpus / "vendanges.txt").unlink()
    (corpus / "vendanges.txt").symlink_to(tmp_path / "secret.txt")
    with caplog.at_level(logging.WARNING):
        assert article_files.read_article(listed[0]) is None
    assert warnings(caplog) == [
        "skipped vendanges.txt: a symbolic link (an article is a file of the folder itself)"]


@pytest.mark.parametrize("limit, read", [(100_000, True), (70_000, False)])
def test_a_file_grown_since_its_size_was_taken_is_read_whole_or_refused_past_the_limit(
        tmp_path, monkeypatch, limit, read):
    """The size fstat gives is read at once; a file that grew since is read on to its end, and
    refused once past the limit (never more than the limit and one byte read)."""
    path = tmp_path / "grown.txt"
    path.write_bytes(b"x" * 80_000)
    fstat = os.fstat

    def earlier(fd):  # the size it had before it grew
        taken = fstat(fd)
        return os.stat_result((*taken[:6], 1_000, *taken[7:]))

    monkeypatch.setattr(os, "fstat", earlier)
    if read:
        assert article_files.read_regular_file(path, limit) == b"x" * 80_000
    else:
        with pytest.raises(article_files.TooLargeError):
            article_files.read_regular_file(path, limit)


def test_a_symbolic_link_loop_is_skipped_and_the_folder_still_read(corpus, caplog, capsys):
    (corpus / "boucle.txt").symlink_to("boucle.txt")
    (corpus / "a.md").symlink_to("b.md")
    (corpus / "b.md").symlink_to("a.md")
    with caplog.at_level(logging.WARNING):
        engine = AnswerEngine.from_folder(corpus)
    assert engine.article_ids() == ["vendanges"]
    assert sorted(w.split(":")[0] for w in warnings(caplog)) == [
        "skipped a.md", "skipped b.md", "skipped boucle.txt"]
    caplog.clear()
    # A rebuild (what the watcher does) sees what was added meanwhile.
    (corpus / "crue.txt").write_text(f"{FLOOD_TITLE}\n\n{FLOOD[0]}\n", encoding="utf-8")
    assert rebuilt(engine, corpus, frozenset({corpus / "crue.txt"})).article_ids() == [
        "crue", "vendanges"]
    # And `ask` answers, with a warning, never ELOOP.
    assert main(["ask", HARVEST_QUESTION, "--corpus", str(corpus)]) == 0
    out, err = capsys.readouterr()
    assert "8 août" in out and err == ""  # the warnings are logged (caplog has them here)
    assert any("boucle.txt" in w for w in warnings(caplog))


def test_an_article_over_the_size_limit_is_skipped_without_being_read(corpus, caplog):
    """A 200 MB file (sparse: nothing is written) is skipped by its size, never read (read,
    it would be skipped as binary, after a second and 200 MB)."""
    with open(corpus / "archive.txt", "wb") as f:
        f.write(b"Archive\n\n")
        f.truncate(200 * 1024 * 1024)
    with caplog.at_level(logging.WARNING):
        engine = AnswerEngine.from_folder(corpus)
    assert engine.article_ids() == ["vendanges"]
    assert warnings(caplog) == ["skipped archive.txt: larger than 5,242,880 bytes"]


def test_the_article_size_limit_is_a_setting_every_reader_follows(corpus, capsys, caplog,
                                                                   monkeypatch):
    (corpus / "long.txt").write_text("Chronique\n\n" + "Un long article de chronique. " * 200,
                                     encoding="utf-8")
    monkeypatch.setenv("ARTICLE_MAX_BYTES", "4096")
    try:
        assert main(["ask", HARVEST_QUESTION, "--corpus", str(corpus)]) == 0
        out, _ = capsys.readouterr()
        assert "8 août" in out
        assert warnings(caplog) == ["skipped long.txt: larger than 4,096 bytes"]
        # `add` does not save an article the corpus would not read.
        big = corpus.parent / "long.md"
        big.write_text("# Long\n\n" + "Un paragraphe de plus. " * 400, encoding="utf-8")
        assert main(["add", str(big), "--corpus", str(corpus)]) == 1
        _, err = capsys.readouterr()
        assert "more than 4 kB: too long for an article" in err  # not "0.00391 MB"
        assert sorted(p.name for p in corpus.iterdir()) == ["long.txt", "vendanges.txt"]
    finally:
        article_files.set_article_max_bytes(article_files.DEFAULT_ARTICLE_MAX_BYTES)


@pytest.mark.parametrize("value", ["cinq", "0", "-5", "5MB"])
def test_a_bad_article_size_limit_is_one_clear_line(value, monkeypatch):
    monkeypatch.setenv("ARTICLE_MAX_BYTES", value)
    with pytest.raises(SettingsError, match="ARTICLE_MAX_BYTES"):
        load_settings()


def test_the_article_size_limit_is_documented():
    project = Path(__file__).resolve().parent.parent
    assert "\nARTICLE_MAX_BYTES=\n" in (project / ".env.example").read_text()
    assert "ARTICLE_MAX_BYTES" in (project / "README.md").read_text()


# Adding: files of this machine.


@pytest.mark.parametrize("make", ["device", "fifo", "folder", "too_large"])
def test_add_reads_only_a_regular_file_within_the_limit(tmp_path, capsys, make):
    """`add /dev/zero` must not read forever (memory grew by 1.6 GB in 3 s), a named pipe must
    not block, and a file over the limit is not read at all."""
    source = {"device": Path("/dev/zero"), "fifo": tmp_path / "tube.md",
              "folder": tmp_path / "dossier.md", "too_large": tmp_path / "gros.html"}[make]
    if make == "fifo":
        os.mkfifo(source)
    elif make == "folder":
        source.mkdir()
    elif make == "too_large":
        with open(source, "wb") as f:
            f.truncate(web.MAX_BYTES + 1)
    corpus = tmp_path / "corpus"
    assert main(["add", str(source), "--corpus", str(corpus)]) == 1
    _, err = capsys.readouterr()
    assert err.count("\n") == 1
    assert ("too long" if make == "too_large" else "is not a regular file") in err
    assert not corpus.exists() or list(corpus.iterdir()) == []


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o027, 0o640), (0o077, 0o600)])
def test_added_articles_follow_the_umask(tmp_path, umask, mode):
    old = os.umask(umask)
    try:
        document = add_file("crue.txt", f"{FLOOD_TITLE}\n\n{FLOOD[0]}\n".encode(), tmp_path)
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / f"{document.id}.md").stat().st_mode) == mode


def test_two_files_with_one_title_and_no_url_are_two_articles(tmp_path):
    first = add_file("a.txt", f"Communiqué\n\n{FLOOD[0]}\n".encode(), tmp_path)
    second = add_file("b.txt", f"Communiqué\n\n{STRIKE[0]}\n".encode(), tmp_path)
    assert first.id != second.id
    assert sorted(p.stem for p in tmp_path.glob("*.md")) == sorted([first.id, second.id])
    again = add_file("a.txt", f"Communiqué\n\n{FLOOD[0]}\n".encode(), tmp_path)
    assert again.id == first.id and len(list(tmp_path.glob("*.md"))) == 2


def test_a_file_claiming_an_articles_url_does_not_replace_it(site, tmp_path):
    site.pages["/vraie"] = html(article_page(STRIKE_TITLE, STRIKE))
    page = add_page(site.url("/vraie"), tmp_path, allow_private=True)
    forged = f"---\ntitle: '{STRIKE_TITLE}'\nurl: {site.url('/vraie')}\n---\n\nFaux.\n"
    add_file("faux.md", forged.encode(), tmp_path)
    assert len(list(tmp_path.glob("*.md"))) == 2
    assert "dockers du port de Sète" in (tmp_path / f"{page.id}.md").read_text()


# Adding: pages.


def test_another_hosts_canonical_link_neither_names_nor_replaces_an_article(site, tmp_path):
    """127.0.0.1 and localhost are two hosts of the local site: a page of one claiming (by its
    canonical link) the url of an article of the other is saved under its own url."""
    site.pages["/original"] = html(article_page(STRIKE_TITLE, STRIKE))
    site.pages["/usurpateur"] = html(article_page(STRIKE_TITLE, FLOOD,
                                                  canonical=site.url("/original")))
    original = add_page(site.url("/original"), tmp_path, allow_private=True)
    forged = add_page(site.url("/usurpateur", "localhost"), tmp_path, allow_private=True)
    assert forged.id != original.id and forged.url == site.url("/usurpateur", "localhost")
    assert "dockers du port de Sète" in (tmp_path / f"{original.id}.md").read_text()
    # The same host's canonical link is trusted: the page added again updates it in place.
    site.pages["/copie?utm=x"] = html(article_page(STRIKE_TITLE, [*STRIKE, FLOOD[0]],
                                                   canonical=site.url("/original")))
    again = add_page(site.url("/copie?utm=x"), tmp_path, allow_private=True)
    assert again.id == original.id and again.url == site.url("/original")
    assert len(list(tmp_path.glob("*.md"))) == 2


def test_a_refusal_echoes_a_long_text_shortened(tmp_path):
    with pytest.raises(ArticleError) as error:
        add_page("/" + "x" * 4095, tmp_path)
    assert error.value.reason == "not_http"
    assert len(error.value.values["url"]) <= article_files.ECHO_CHARS + 1


def test_add_page_never_reads_a_path(tmp_path):
    secret = tmp_path / "secret.md"
    secret.write_text("# Secret\n\nLe mot de passe est hippopotame.\n", encoding="utf-8")
    for source in (str(secret), f"file://{secret}"):
        with pytest.raises(ArticleError) as error:
            add_page(source, tmp_path / "corpus")
        assert error.value.reason == "not_http"
    assert not (tmp_path / "corpus").exists()


@pytest.fixture
def resolver(monkeypatch) -> dict[str, list[str]]:
    """Names the tests resolve as they like: name → the addresses of each lookup in turn (the
    last one repeats); every other name as the system does."""
    answers: dict[str, list[str]] = {}
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host not in answers:
            return real(host, port, *args, **kwargs)
        address = answers[host].pop(0) if len(answers[host]) > 1 else answers[host][0]
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return answers


def test_dns_rebinding_never_reaches_the_private_address(site, tmp_path, resolver,
                                                         monkeypatch):
    """The name answers a "public" address (127.0.0.2 counts as public here; nothing listens
    there), then 127.0.0.1, where the site is: the request must go to the address checked,
    and never arrive."""
    monkeypatch.setattr(web, "is_public", lambda address: address == "127.0.0.2")
    resolver["rebind.test"] = ["127.0.0.2", "127.0.0.1"]
    site.pages["/rebind"] = html(article_page(FLOOD_TITLE, FLOOD))
    asked = len(site.requests)
    with pytest.raises(ArticleError) as error:
        add_page(site.url("/rebind", "rebind.test"), tmp_path)
    assert error.value.reason == "unreachable"
    assert len(site.requests) == asked


def test_the_checked_address_is_used_with_the_names_host_header(site, tmp_path, resolver,
                                                                 monkeypatch):
    monkeypatch.setattr(web, "is_public", lambda address: address == "127.0.0.1")
    resolver["gazette.test"] = ["127.0.0.1", "10.0.0.1"]
    site.pages["/nommee"] = html(article_page(FLOOD_TITLE, FLOOD))
    document = add_page(site.url("/nommee", "gazette.test"), tmp_path)
    assert document.title == FLOOD_TITLE
    assert site.hosts[-1] == f"gazette.test:{site.server.server_address[1]}"


def test_https_to_the_checked_address_is_still_for_the_links_name(tmp_path, resolver,
                                                                  monkeypatch):
    """Connecting to the address checked, TLS is still the name's: SNI, the certificate
    checked for the name (a certificate that names only gazette.test), the Host header."""
    authority = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("gazette.test").configure_cert(server_context)
    names: list[str | None] = []
    server_context.sni_callback = lambda connection, name, context: names.append(name)
    client_context = ssl.create_default_context()
    authority.configure_trust(client_context)
    monkeypatch.setattr(httpx, "create_ssl_context", lambda **options: client_context)
    monkeypatch.setattr(web, "is_public", lambda address: address == "127.0.0.1")
    resolver["gazette.test"] = ["127.0.0.1"]
    with ArticleSite() as site:
        site.server.socket = server_context.wrap_socket(site.server.socket, server_side=True)
        site.pages["/tls"] = html(article_page(FLOOD_TITLE, FLOOD))
        url = f"https://gazette.test:{site.server.server_address[1]}/tls"
        document = add_page(url, tmp_path)
    assert document.title == FLOOD_TITLE and document.url == url
    assert names == ["gazette.test"]
    assert site.hosts == [f"gazette.test:{site.server.server_address[1]}"]


@pytest.mark.parametrize("addresses", [["10.0.0.1"], ["93.184.216.34", "192.168.1.1"],
                                       ["::1"], ["64:ff9b::7f00:1"]])
def test_a_name_with_any_private_address_is_refused_before_any_request(site, tmp_path,
                                                                      monkeypatch, addresses):
    """A name of the hosts file or of a hostile DNS: one private address among its answers is
    enough (nothing is connected to, not even the public one)."""
    def every_address(host, port, *args, **kwargs):
        return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "",
                 (a, port)) for a in addresses]

    monkeypatch.setattr(socket, "getaddrinfo", every_address)
    with pytest.raises(ArticleError) as error:
        add_page(site.url("/crue", "intranet.test"), tmp_path)
    assert error.value.reason == "private_address"


LOOPBACK_SPELLINGS = ["127.0.0.1", "127.1", "127.0.1", "2130706433", "0x7f000001", "0x7f.0.0.1",
                      "0177.0.0.1", "127.000.000.001", "127.0.0.1.", "localhost", "LocalHost.",
                      "[::1]", "[0:0:0:0:0:0:0:1]", "[::ffff:127.0.0.1]", "[::ffff:7f00:1]",
                      "0.0.0.0", "0"]


@pytest.mark.parametrize("host", LOOPBACK_SPELLINGS)
def test_every_spelling_of_loopback_is_refused_before_any_request(site, tmp_path, host):
    asked = len(site.requests)
    with pytest.raises(ArticleError) as error:
        add_page(site.url("/crue", host), tmp_path)
    assert error.value.reason in ("private_address", "unreachable")
    assert len(site.requests) == asked


@pytest.mark.parametrize("address, public", [
    ("64:ff9b::7f00:1", False), ("64:ff9b::a00:1", False), ("64:ff9b::5db8:d822", True),
    ("64:ff9b:1::5db8:d822", False),  # local-use NAT64: a private network's
    ("2002:7f00:1::1", False), ("2002:c0a8:101::1", False), ("2002:5db8:d822::1", True),
    ("::7f00:1", False), ("::a00:1", False), ("::ffff:7f00:1", False), ("::ffff:a00:1", False),
    ("2001::1", False),  # Teredo
])
def test_ipv6_forms_are_judged_by_the_ipv4_address_they_carry(address, public):
    assert web.is_public(address) is public


class HostileServer(socketserver.ThreadingTCPServer):
    """A web server on 127.0.0.1 that answers every request with `behaviour(socket)`."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, behaviour: Callable[[socket.socket], None]) -> None:
        self.behaviour = behaviour
        super().__init__(("127.0.0.1", 0), _HostileHandler)

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.server_address[1]}{path}"


class _HostileHandler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        self.request.recv(65536)  # the request: its content does not matter
        try:
            self.server.behaviour(self.request)  # type: ignore[attr-defined]
        except OSError:
            pass  # the client gave up: what a bounded fetch does


@pytest.fixture
def hostile() -> Iterator[Callable[[Callable[[socket.socket], None]], HostileServer]]:
    servers: list[HostileServer] = []

    def start(behaviour: Callable[[socket.socket], None]) -> HostileServer:
        server = HostileServer(behaviour)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def trickle(connection: socket.socket, head: bytes, pieces: Iterator[bytes]) -> None:
    """Sends `head`, then a piece every half second, until TRICKLE_SECONDS have passed."""
    connection.sendall(head)
    end = time.monotonic() + TRICKLE_SECONDS
    for piece in pieces:
        if time.monotonic() > end:
            return
        connection.sendall(piece)
        time.sleep(0.5)


def slow_headers(connection: socket.socket) -> None:
    headers = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n" + b"X-Slow: a\r\n" * 10_000
    trickle(connection, b"", (headers[i:i + 1] for i in range(len(headers))))


# An empty deflate block (stored, not final, length 0): a gzip body can hold any number of
# them, and no text ever comes out of them.
EMPTY_DEFLATE_BLOCK = b"\x00\x00\x00\xff\xff"


def empty_gzip_blocks(connection: socket.socket) -> None:
    gzip_header = zlib.compressobj(wbits=16 + zlib.MAX_WBITS).compress(b"")
    head = (b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Encoding: gzip\r\n"
            b"Connection: close\r\n\r\n" + gzip_header)
    trickle(connection, head, iter(lambda: EMPTY_DEFLATE_BLOCK, None))


@pytest.mark.parametrize("behaviour", [slow_headers, empty_gzip_blocks])
def test_the_fetch_timeout_is_a_deadline_for_the_whole_fetch(hostile, behaviour):
    server = hostile(behaviour)
    started = time.monotonic()
    with pytest.raises(ArticleError) as error:
        web.fetch(server.url(), allow_private=True, timeout=SHORT_DEADLINE)
    assert error.value.reason == "timeout"
    assert time.monotonic() - started < BOUNDED_SECONDS


def test_a_gzip_bomb_is_refused_at_the_size_limit(hostile):
    bomb = gzip.compress(b"<p>" + b"a" * (web.MAX_BYTES * 4) + b"</p>")

    def send_bomb(connection: socket.socket) -> None:
        connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Encoding: "
                           b"gzip\r\nContent-Length: %d\r\n\r\n" % len(bomb) + bomb)

    with pytest.raises(ArticleError) as error:
        web.fetch(hostile(send_bomb).url(), allow_private=True)
    assert error.value.reason == "too_large"


# Extraction.


def test_a_page_of_too_many_elements_is_refused_before_extraction(site, tmp_path, capsys):
    """190,000 empty paragraphs (1.5 MB) held a core for minutes; refused by its shape, at
    once, from the web and from a file."""
    page = b"<html><body>" + b"<p>a</p>" * 190_000 + b"</body></html>"
    site.pages["/paragraphes"] = Response(page)
    with pytest.raises(ArticleError) as error:
        add_page(site.url("/paragraphes"), tmp_path, allow_private=True)
    assert error.value.reason == "too_complex"
    (tmp_path / "paragraphes.html").write_bytes(page)
    assert main(["add", str(tmp_path / "paragraphes.html"), "--corpus", str(tmp_path / "c")]) == 1
    _, err = capsys.readouterr()
    assert "more than 30000 elements" in err and err.count("\n") == 1


def test_extraction_is_stopped_at_its_time_limit():
    """The child process is killed at the limit (here shorter than Python takes to start)."""
    with pytest.raises(ArticleError) as error:
        web.extract_html(article_page(FLOOD_TITLE, FLOOD), timeout=0.05)
    assert error.value.reason == "extract_timeout"


# Removing.


def test_concurrent_removals_of_one_article_first_wins_the_others_are_told(tmp_path):
    """Six administrators remove one article at once, in a folder that also holds 40,000
    files that are not articles: one removal, five "already removed", nothing else."""
    for i in range(40_000):
        (tmp_path / f"donnees-{i}.json").touch()
    for _ in range(5):
        add_file("crue.txt", f"{FLOOD_TITLE}\n\n{FLOOD[0]}\n".encode(), tmp_path)
        [article] = tmp_path.glob("*.md")
        start = threading.Barrier(6)
        outcomes: list[object] = []

        def remove(start: threading.Barrier, article: Path, outcomes: list[object]) -> None:
            start.wait()
            try:
                outcomes.append(remove_article(tmp_path, article.stem))
            except Exception as error:  # noqa: BLE001 (any other error is the failure)
                outcomes.append(error)

        threads = [threading.Thread(target=remove, args=(start, article, outcomes))
                   for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert outcomes.count(tmp_path / ".removed" / article.name) == 1
        assert sorted(getattr(e, "reason", repr(e)) for e in outcomes
                      if not isinstance(e, Path)) == ["already_removed"] * 5
        assert not article.exists() and (tmp_path / ".removed" / article.name).exists()


@pytest.mark.parametrize("document", ["../secret", "/etc/passwd", ".cache", "", "a/../b",
                                      "lien"])
def test_remove_takes_only_an_article_of_the_folder(tmp_path, document):
    (tmp_path / "secret.md").write_text("# Secret\n\nNe pas retirer.\n")
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "lien.md").symlink_to(tmp_path / "secret.md")
    with pytest.raises(ArticleError) as error:
        remove_article(folder, document)
    assert error.value.reason == "no_document"
    assert (tmp_path / "secret.md").exists() and (folder / "lien.md").is_symlink()
    assert not (folder / ".removed").exists()


def test_add_article_of_a_missing_file_is_no_file(tmp_path):
    with pytest.raises(ArticleError) as error:
        add_article(str(tmp_path / "absent.md"), tmp_path)
    assert error.value.reason == "no_file"
