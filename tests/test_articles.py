"""Live articles, the engine side: pages fetched from a local site (or files) become `.md`
articles of the corpus that hold the article's paragraphs, none of the page's furniture, and
quotes that point into the saved file; bad pages and files add nothing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.terminal.cli import main
from retrieval import AnswerEngine, ArticleError, add_article, add_file, parse_md, remove_article
from retrieval.articles import web as articles

from article_server import (FLOOD, FLOOD_TITLE, FURNITURE, STRIKE, STRIKE_TITLE, Response,
                            article_page, html)

# The canonical link of the strike page, on the site's own host (trusted: see test_hostile.py).
CANONICAL = "/economie/greve-port-sete"


@pytest.fixture(scope="module", autouse=True)
def pages(site):
    site.pages.update({
        "/greve?utm_source=x": html(article_page(STRIKE_TITLE, STRIKE,
                                                 canonical=site.url(CANONICAL))),
        "/crue": html(article_page(FLOOD_TITLE, FLOOD)),
        "/menu-seul": html(article_page("Accueil", [])),
        "/lent": Response(b"<p>trop tard</p>", delay=3),
        "/enorme": Response(b"<html><body>" + b"<p>bla bla bla</p>\n" * 400_000, length=False),
        "/image.png": Response(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", content_type="image/png"),
        "/binaire": Response(b"<html>\x00\x01\x02\x00\xff</html>"),
        "/latin1": Response(article_page(FLOOD_TITLE, FLOOD).encode("latin-1"),
                            content_type="text/html; charset=iso-8859-1"),
        **{f"/saut/{n}": Response(b"", status=302, location=f"/saut/{n - 1}")
           for n in range(1, 8)},
        "/saut/0": html(article_page(FLOOD_TITLE, FLOOD)),
    })


def files(folder: Path) -> list[str]:
    """Everything in the folder but the index cache: added articles, and any leftover."""
    return sorted(p.name for p in folder.iterdir() if p.name != ".cache") if folder.exists() else []


def refused(reason: str, source: str, folder: Path, **kwargs) -> None:
    """`add` refuses the source for `reason` and leaves the folder as it was."""
    before = files(folder)
    with pytest.raises(ArticleError) as error:
        add_article(source, folder, **kwargs)
    assert error.value.reason == reason
    assert files(folder) == before


def test_a_page_becomes_an_article_of_its_paragraphs_without_furniture(site, tmp_path):
    document = add_article(site.url("/greve?utm_source=x"), tmp_path, allow_private=True)
    saved = (tmp_path / f"{document.id}.md").read_text(encoding="utf-8")
    assert document.title == STRIKE_TITLE
    assert [p.text for p in document.paragraphs] == STRIKE
    assert document.url == site.url(CANONICAL) and document.date == "2024-03-12"
    for furniture in FURNITURE:
        assert furniture not in saved
    # Read back by the corpus parser, as the bot will: same title, url, paragraphs, offsets.
    reread = parse_md(document.id, saved)
    assert (reread.title, reread.url, [p.text for p in reread.paragraphs]) == (
        STRIKE_TITLE, site.url(CANONICAL), STRIKE)
    assert "added: " in saved.split("\n---\n")[0]


def test_quotes_from_an_added_page_are_verbatim_offsets_into_the_saved_file(site, tmp_path):
    document = add_article(site.url("/crue"), tmp_path, allow_private=True)
    answer = AnswerEngine.from_folder(tmp_path).answer("Combien d'habitants ont été évacués ?")
    excerpt = answer.excerpts[0]
    saved = (tmp_path / f"{document.id}.md").read_text(encoding="utf-8")
    assert "450 habitants" in excerpt.text
    assert saved[excerpt.source.start:excerpt.source.end] == excerpt.text
    assert excerpt.source.url == site.url("/crue")  # no canonical link: the page's own url


def test_the_same_url_added_again_replaces_its_article(site, tmp_path):
    url = site.url("/greve?utm_source=x")
    first = add_article(url, tmp_path, allow_private=True)
    site.pages["/greve?utm_source=x"] = html(article_page(
        STRIKE_TITLE + " (mis à jour)", [*STRIKE, "La grève a été levée jeudi soir."],
        canonical=site.url(CANONICAL)))
    try:
        second = add_article(url, tmp_path, allow_private=True)
    finally:
        site.pages["/greve?utm_source=x"] = html(article_page(STRIKE_TITLE, STRIKE,
                                                              canonical=site.url(CANONICAL)))
    assert second.id == first.id
    assert files(tmp_path) == [f"{first.id}.md"]
    assert "La grève a été levée jeudi soir." in (tmp_path / f"{first.id}.md").read_text()


def test_redirects_are_followed_up_to_five(site, tmp_path):
    document = add_article(site.url("/saut/5"), tmp_path, allow_private=True)
    assert document.title == FLOOD_TITLE
    refused("too_many_redirects", site.url("/saut/6"), tmp_path / "other", allow_private=True)


@pytest.mark.parametrize("path, reason", [
    ("/introuvable", "http_status"),
    ("/enorme", "too_large"),
    ("/image.png", "content_type"),
    ("/binaire", "binary"),
    ("/menu-seul", "no_text"),
])
def test_bad_pages_add_nothing(site, tmp_path, path, reason):
    refused(reason, site.url(path), tmp_path, allow_private=True)


def test_a_slow_page_times_out(site):
    with pytest.raises(ArticleError) as error:
        articles.fetch(site.url("/lent"), allow_private=True, timeout=1.0)
    assert error.value.reason == "timeout"


def test_a_page_in_its_declared_charset_is_read(site, tmp_path):
    document = add_article(site.url("/latin1"), tmp_path, allow_private=True)
    assert document.title == FLOOD_TITLE and [p.text for p in document.paragraphs] == FLOOD


def test_loopback_is_refused_unless_private_urls_are_allowed(site, tmp_path):
    asked = len(site.requests)
    for host in ("127.0.0.1", "localhost"):
        refused("private_address", site.url("/crue", host), tmp_path)
    assert len(site.requests) == asked  # refused before any request
    refused("not_http", "file:///etc/passwd", tmp_path)


def test_a_redirect_to_a_private_address_is_refused(site, tmp_path, monkeypatch):
    """The address of every hop is checked: here the site's own address counts as public, and
    its redirect to another loopback address must be refused."""
    monkeypatch.setattr(articles, "is_public", lambda address: address == "127.0.0.1")
    site.pages["/vers-prive"] = Response(b"", status=302,
                                         location=site.url("/crue", "127.0.0.2"))
    refused("private_address", site.url("/vers-prive"), tmp_path)
    assert site.url("/crue", "127.0.0.2") not in site.requests


@pytest.mark.parametrize("address, public", [
    ("93.184.216.34", True), ("2606:2800:220:1:248:1893:25c8:1946", True),
    ("127.0.0.1", False), ("10.1.2.3", False), ("172.16.0.1", False), ("192.168.1.1", False),
    ("169.254.169.254", False), ("100.64.0.1", False), ("0.0.0.0", False), ("::1", False),
    ("fe80::1", False), ("fd00::1", False), ("::ffff:127.0.0.1", False), ("224.0.0.1", False),
])
def test_only_public_addresses_count_as_public(address, public):
    assert articles.is_public(address) is public


@pytest.mark.parametrize("name, data, reason", [
    ("article.txt", "Titre\n\nUn été très chaud à Nîmes.".encode("latin-1"), "not_utf8"),
    ("article.md", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary"),
    ("article.pdf", b"%PDF-1.7", "file_type"),
    ("article.html", b"<html><body><nav>Accueil</nav></body></html>", "no_text"),
    ("article.md", b"   \n\n  ", "no_text"),
])
def test_bad_files_add_nothing(tmp_path, name, data, reason):
    with pytest.raises(ArticleError) as error:
        add_file(name, data, tmp_path)
    assert error.value.reason == reason
    assert files(tmp_path) == []


def test_files_are_added_and_awkward_titles_survive_the_front_matter(tmp_path):
    title = 'Réforme : « l\'État » paiera — 50 % & "plus" # ---'
    html_file = tmp_path / "source" / "page.html"
    html_file.parent.mkdir()
    html_file.write_text(article_page(title, FLOOD), encoding="utf-8")
    corpus = tmp_path / "corpus"
    document = add_article(str(html_file), corpus)
    assert document.title == title and [p.text for p in document.paragraphs] == FLOOD
    text_doc = add_file("note.txt", f"{title}\n\n{FLOOD[0]}\n\n{FLOOD[1]}\n".encode(), corpus)
    assert text_doc.title == title and len(text_doc.paragraphs) == 2
    engine = AnswerEngine.from_folder(corpus)
    assert {d.title for d in engine.articles} == {title}


def test_a_failed_write_leaves_the_old_article_and_no_temporary_file(site, tmp_path,
                                                                     monkeypatch):
    document = add_article(site.url("/crue"), tmp_path, allow_private=True)
    saved = (tmp_path / f"{document.id}.md").read_text()

    def disk_full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(OSError):
        add_article(site.url("/crue"), tmp_path, allow_private=True)
    assert files(tmp_path) == [f"{document.id}.md"]
    assert (tmp_path / f"{document.id}.md").read_text() == saved


def test_remove_moves_the_article_out_of_the_corpus_without_losing_it(site, tmp_path):
    kept = add_file("note.txt", f"{FLOOD_TITLE}\n\n{FLOOD[0]}\n".encode(), tmp_path)
    gone = add_article(site.url("/greve?utm_source=x"), tmp_path, allow_private=True)
    moved = remove_article(tmp_path, gone.id)
    assert moved == tmp_path / ".removed" / f"{gone.id}.md" and moved.exists()
    assert [d.id for d in AnswerEngine.from_folder(tmp_path).articles] == [kept.id]
    with pytest.raises(ArticleError) as error:
        remove_article(tmp_path, "../etc/passwd")
    assert error.value.reason == "no_document"


def test_cli_add_prints_id_title_and_paragraph_count(site, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("ALLOW_PRIVATE_URLS", "true")
    status = main(["add", site.url("/greve?utm_source=x"), "--corpus", str(tmp_path)])
    out, err = capsys.readouterr()
    [saved] = tmp_path.glob("*.md")
    assert status == 0 and err == ""
    assert saved.stem in out and STRIKE_TITLE in out and "4 paragraphs" in out


def test_cli_add_says_in_one_line_why_nothing_was_added(site, tmp_path, capsys):
    status = main(["add", site.url("/crue"), "--corpus", str(tmp_path)])  # private: refused
    _, err = capsys.readouterr()
    assert status == 1 and err.count("\n") == 1 and "ALLOW_PRIVATE_URLS" in err
    assert files(tmp_path) == []


@pytest.mark.parametrize("name, value", [("ADMIN_USER_IDS", "12345, @alice"),
                                         ("ALLOW_PRIVATE_URLS", "peut-être")])
def test_a_bad_setting_is_one_clear_line(tmp_path, capsys, monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    status = main(["add", "https://example.org/", "--corpus", str(tmp_path)])
    _, err = capsys.readouterr()
    assert status == 1 and err.count("\n") == 1 and name in err
