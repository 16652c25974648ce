"""News feeds: RSS and Atom feeds of a local site polled twice, in-process, from the command
line and by the running bot; new entries saved as articles with their date and answered,
updated ones saved again, nothing saved twice, a broken feed or entry and a private address
refused, logged once and tried again later."""

from __future__ import annotations

import logging
import re
import time
from datetime import datetime, timedelta, UTC
from email.utils import format_datetime
from ipaddress import ip_network
from pathlib import Path

import pytest

from bot.terminal.cli import main
from retrieval import AnswerEngine, FeedPoller, parse_md

from article_server import (FLOOD, FLOOD_TITLE, STRIKE, STRIKE_TITLE, Response, article_page,
                            html)
from telegram_harness import SEEDS, bot_env, corpus_with, quotes, running_bot

# The tests' site is on 127.0.0.1: allowed by name, as an intranet would be; any other private
# address stays refused.
LOCAL = (ip_network("127.0.0.1/32"),)
# An entry pointing into the network the bot runs in (a cloud's metadata service).
PRIVATE_LINK = "http://169.254.169.254/latest/meta-data/"
INTERVAL = 60.0
OLIVES_TITLE = "Récolte des olives à Nyons : une année record"
OLIVES = ["Les oléiculteurs de Nyons ont récolté 1 200 tonnes d'olives cette saison, un record "
          "depuis vingt ans.",
          "La coopérative attribue cette récolte aux pluies du printemps."]
OLIVES_UPDATED = ["Les oléiculteurs de Nyons ont finalement récolté 1 350 tonnes d'olives cette "
                  "saison, un record depuis vingt ans.",
                  "La coopérative attribue cette récolte aux pluies du printemps."]
VINES_TITLE = "Vendanges précoces dans l'Hérault"
VINES = ["Les vendanges ont commencé le 8 août dans l'Hérault, deux semaines plus tôt que "
         "d'habitude, à cause de la chaleur.",
         "Les vignerons attendent une récolte de 4 millions d'hectolitres."]
PUBLISHED = datetime(2024, 3, 20, 7, 30, tzinfo=UTC)


def rss(site, entries: list[tuple[str, datetime]]) -> Response:
    items = "".join(f"<item><title>{path}</title><link>{link}</link><guid>{link}</guid>"
                    f"<pubDate>{format_datetime(day)}</pubDate></item>"
                    for path, day in entries
                    for link in [path if "://" in path else site.url(path)])
    body = (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>La Gazette</title><link>{site.url('/')}</link><description>Infos"
            f"</description>{items}</channel></rss>")
    return Response(body.encode(), content_type="application/rss+xml; charset=utf-8")


def atom(site, entries: list[tuple[str, datetime, datetime]]) -> Response:
    items = "".join(f"<entry><title>{path}</title><link href=\"{site.url(path)}\"/>"
                    f"<id>{site.url(path)}</id><published>{published.isoformat()}</published>"
                    f"<updated>{updated.isoformat()}</updated></entry>"
                    for path, published, updated in entries)
    body = (f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            f"<title>Le Courrier</title><id>{site.url('/atom')}</id>"
            f"<updated>{PUBLISHED.isoformat()}</updated>{items}</feed>")
    return Response(body.encode(), content_type="application/atom+xml")


@pytest.fixture
def feeds(site, request):
    """A site with an RSS feed (two articles, a missing page, a private address), an Atom feed
    (one article), a broken feed and one that is down; the paths are the test's own."""
    p = "/" + re.sub(r"\W+", "-", request.node.name)
    site.pages.update({
        f"{p}/greve": html(article_page(STRIKE_TITLE, STRIKE)),
        f"{p}/crue": html(article_page(FLOOD_TITLE, FLOOD)),
        f"{p}/olives": html(article_page(OLIVES_TITLE, OLIVES)),
        f"{p}/vignes": html(article_page(VINES_TITLE, VINES)),
        f"{p}/rss.xml": rss(site, [(f"{p}/greve", PUBLISHED), (f"{p}/crue", PUBLISHED),
                                   (f"{p}/introuvable", PUBLISHED), (PRIVATE_LINK, PUBLISHED)]),
        f"{p}/atom.xml": atom(site, [(f"{p}/olives", PUBLISHED, PUBLISHED)]),
        f"{p}/casse.xml": Response(b"<rss><channel><item><title>oops",
                                   content_type="application/rss+xml"),
        f"{p}/panne.xml": Response(b"erreur", status=500, content_type="text/plain"),
    })
    return p


def feed_urls(site, p: str) -> list[str]:
    return [site.url(f"{p}/{name}") for name in ("rss.xml", "atom.xml", "casse.xml",
                                                  "panne.xml")]


def saved(folder: Path) -> dict[str, dict]:
    """Each saved article's title → its url and date, as the corpus reads it."""
    documents = [parse_md(p.stem, p.read_text(encoding="utf-8")) for p in folder.glob("*.md")]
    return {d.title: {"url": d.url, "date": d.date, "text": d.text} for d in documents}


def test_feeds_polled_twice(site, feeds, tmp_path, caplog):
    p = feeds
    now = [0.0]
    poller = FeedPoller(feed_urls(site, p), tmp_path, INTERVAL, LOCAL, clock=lambda: now[0])
    with caplog.at_level(logging.WARNING):
        first = {r.feed.rsplit("/", 1)[1]: r for r in poller.poll()}
    assert [d.title for d in first["rss.xml"].added] == [STRIKE_TITLE, FLOOD_TITLE]
    assert [d.title for d in first["atom.xml"].added] == [OLIVES_TITLE]
    failed = first["rss.xml"].failed
    assert failed[site.url(f"{p}/introuvable")].reason == "http_status"
    assert failed[PRIVATE_LINK].reason == "private_address"
    assert first["casse.xml"].error.reason == "not_a_feed"
    assert first["panne.xml"].error.reason == "http_status"
    articles = saved(tmp_path)
    assert set(articles) == {STRIKE_TITLE, FLOOD_TITLE, OLIVES_TITLE}
    # The feed's date, not the page's (2024-03-12); the url of the entry.
    assert articles[STRIKE_TITLE]["date"] == "2024-03-20"
    assert articles[STRIKE_TITLE]["url"] == site.url(f"{p}/greve")

    # Second poll: the flood entry removed, a new one, the olives' entry updated with its page.
    later = datetime.now(UTC) + timedelta(minutes=5)
    site.pages[f"{p}/rss.xml"] = rss(site, [(f"{p}/greve", PUBLISHED), (f"{p}/vignes", later),
                                            (f"{p}/introuvable", PUBLISHED),
                                            (PRIVATE_LINK, PUBLISHED)])
    site.pages[f"{p}/atom.xml"] = atom(site, [(f"{p}/olives", PUBLISHED, later)])
    site.pages[f"{p}/olives"] = html(article_page(OLIVES_TITLE, OLIVES_UPDATED))
    fetched = {path: site.requests.count(path) for path in (f"{p}/greve", f"{p}/crue")}
    now[0] = INTERVAL
    with caplog.at_level(logging.WARNING):
        second = {r.feed.rsplit("/", 1)[1]: r for r in poller.poll()}
    assert [d.title for d in second["rss.xml"].added] == [VINES_TITLE]
    assert [d.title for d in second["atom.xml"].updated] == [OLIVES_TITLE]
    assert not second["atom.xml"].added and not second["rss.xml"].updated
    assert {path: site.requests.count(path) for path in fetched} == fetched  # not again
    articles = saved(tmp_path)
    assert set(articles) == {STRIKE_TITLE, FLOOD_TITLE, OLIVES_TITLE, VINES_TITLE}
    assert len(list(tmp_path.glob("*.md"))) == 4  # nothing saved twice
    assert "1 350 tonnes" in articles[OLIVES_TITLE]["text"]
    # Each failure is logged once, however often it is tried.
    for failing in (f"{p}/introuvable", PRIVATE_LINK, f"{p}/casse.xml", f"{p}/panne.xml"):
        assert sum(failing in r.getMessage() for r in caplog.records) == 1, failing
    engine = AnswerEngine.from_folder(tmp_path)
    answer = engine.answer("Quand ont commencé les vendanges dans l'Hérault ?")
    assert "8 août" in answer.excerpts[0].text


def test_a_failing_feed_is_tried_again_later_and_later(site, feeds, tmp_path):
    p = feeds
    now = [0.0]
    down = site.url(f"{p}/panne.xml")
    poller = FeedPoller([down], tmp_path, INTERVAL, LOCAL, clock=lambda: now[0])
    tries = []
    for t in (0, 30, 60, 90, 150, 180, 400):
        now[0] = t
        if poller.poll():
            tries.append(t)
    assert tries == [0, 60, 180]  # after 60 s, then 120 s, then 240 s
    site.pages[f"{p}/panne.xml"] = rss(site, [(f"{p}/vignes", PUBLISHED)])
    now[0] = 420
    [report] = poller.poll()
    assert report.error is None and [d.title for d in report.added] == [VINES_TITLE]


def test_private_addresses_are_refused_unless_allowed(site, feeds, tmp_path):
    [report] = FeedPoller([site.url(f"{feeds}/rss.xml")], tmp_path, INTERVAL).poll()
    assert report.error.reason == "private_address" and not list(tmp_path.glob("*.md"))


def test_python_m_bot_feeds_polls_once(site, feeds, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("FEEDS", ",".join(feed_urls(site, feeds)[:2]))
    monkeypatch.setenv("ALLOW_PRIVATE_URLS", "127.0.0.1")
    assert main(["feeds", "--corpus", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "2 new, 0 updated, 2 failed" in out and STRIKE_TITLE in out
    assert "169.254.169.254 is a local or private address" in out
    assert main(["feeds", "--corpus", str(tmp_path)]) == 0
    assert "0 new" in capsys.readouterr().out
    assert len(list(tmp_path.glob("*.md"))) == 3
    listed = tmp_path / "feeds.txt"
    listed.write_text(f"# la gazette\n{feed_urls(site, feeds)[3]}\n", encoding="utf-8")
    monkeypatch.setenv("FEEDS", str(listed))
    assert main(["feeds", "--corpus", str(tmp_path)]) == 1
    assert "500" in capsys.readouterr().out


def answered(telegram, chat, user, question: str, expected: str, seconds: float = 180) -> dict:
    """Asks until the answer quotes `expected` (the bot answers from a new article once its
    watcher has swapped the engine: seconds, more on a busy machine)."""
    deadline = time.monotonic() + seconds
    while True:
        mark = telegram.mark()
        telegram.send(chat, user, question)
        [reply] = telegram.replies(chat["id"], 1, since=mark)
        if any(expected in q for q in quotes(reply)) or time.monotonic() > deadline:
            return reply
        time.sleep(1)


def test_the_bot_polls_its_feeds_and_answers_new_entries(telegram, site, feeds,
                                                         tmp_path_factory):
    p = feeds
    corpus = corpus_with(tmp_path_factory.mktemp("corpus"))
    env = bot_env(telegram, corpus, FEEDS=site.url(f"{p}/rss.xml"), FEEDS_INTERVAL="2",
                  ALLOW_PRIVATE_URLS="127.0.0.1")
    log = tmp_path_factory.mktemp("log") / "bot.log"
    user = telegram.user("fr")
    chat = telegram.private_chat(user)
    with running_bot(telegram, env, log) as bot:
        reply = answered(telegram, chat, user, "Combien de salariés ont cessé le travail ?",
                         "près de 300 salariés")
        assert "près de 300 salariés" in quotes(reply)[0]
        assert "(2024-03-20)" in reply["text"]  # the entry's date, with its source
        site.pages[f"{p}/rss.xml"] = rss(site, [(f"{p}/greve", PUBLISHED),
                                                (f"{p}/vignes", PUBLISHED)])
        changed = len(site.requests)
        reply = answered(telegram, chat, user, "Quand ont commencé les vendanges dans "
                         "l'Hérault ?", "8 août")
        assert "8 août" in quotes(reply)[0]
        # The new entry was fetched by the first poll that saw it, not a later one.
        after = site.requests[changed:]
        assert f"{p}/vignes" in after[after.index(f"{p}/rss.xml"):][:2]
        polls = site.requests.count(f"{p}/rss.xml")
        telegram.wait_for(lambda _: site.requests.count(f"{p}/rss.xml") >= polls + 2,
                          timeout=120)
        log_text = bot.log()
    assert sorted(path.name.split("-")[0] for path in corpus.glob("*.md")) == [
        "crue", "greve", "vendanges"]  # each once, however often polled
    assert site.requests.count(f"{p}/greve") == 1
    refusals = [line for line in log_text.splitlines() if PRIVATE_LINK in line]
    assert len(refusals) == 1 and "private_address" in refusals[0]  # refused, logged once
    assert "apscheduler" not in log_text  # a line per poll would drown the log
    assert not list(corpus.glob(".*.tmp"))
    assert SEEDS.exists()


@pytest.mark.parametrize("allowed, status", [("10.0.0.0/8", 1), ("127.0.0.0/8", 0),
                                             ("10.1.2.3, 127.0.0.1", 0)])
def test_allow_private_urls_may_name_the_only_networks_allowed(site, feeds, tmp_path,
                                                                monkeypatch, capsys, allowed,
                                                                status):
    monkeypatch.setenv("ALLOW_PRIVATE_URLS", allowed)
    assert main(["add", site.url(f"{feeds}/greve"), "--corpus", str(tmp_path)]) == status
    assert len(list(tmp_path.glob("*.md"))) == 1 - status


@pytest.mark.parametrize("name, value", [("FEEDS", "ftp://example.org/rss"),
                                         ("FEEDS", "/no/such/list-of-feeds.txt"),
                                         ("FEEDS_INTERVAL", "0"),
                                         ("ALLOW_PRIVATE_URLS", "127.0.0.1, intranet")])
def test_bad_feed_settings_are_one_clear_line(tmp_path, capsys, monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    assert main(["feeds", "--corpus", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and name in err


def test_feeds_without_feeds_says_how_to_set_them(tmp_path, capsys):
    assert main(["feeds", "--corpus", str(tmp_path)]) == 2
    assert "FEEDS" in capsys.readouterr().err
