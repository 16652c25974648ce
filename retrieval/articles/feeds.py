"""News feeds: the RSS and Atom feeds of news sites, polled, each new entry's page saved as an
article through the same path as `add` (web.py: the same limits, refusals and file), with the
entry's date.

A feed is fetched like a page (web.fetch: size, time, redirects, no private address unless
allowed) and read by feedparser. An entry is new when no article of the folder has its link
as url; it is fetched again when the feed says it was updated after its article was saved.
A feed or an entry that fails is logged once, then tried again later and later (back-off),
and logged again only when it works again.
"""

from __future__ import annotations

import calendar
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, UTC
from pathlib import Path

import feedparser

from .documents import Document, front_matter
from .files import ArticleError, PrivateAddresses, corpus_files
from .web import extract_page, fetch, save

log = logging.getLogger(__name__)

# What a feed is served as (many sites say plain XML).
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml",
              "application/xml", "text/xml")
# A failed feed or entry is tried again after one polling interval, then twice as long each
# time, up to a day: a site down for a week is asked once a day, not every few minutes.
MAX_BACKOFF_SECONDS = 24 * 3600
# How much of an article file is read for its front matter (url, added): the head, not the
# article.
FRONT_MATTER_BYTES = 4096


@dataclass(frozen=True)
class Entry:
    """What the poller needs of a feed entry: its link, its day and when it last changed."""

    link: str
    date: str | None  # 2024-03-12: the article's date
    changed: datetime | None  # updated, else published (UTC)


@dataclass
class FeedReport:
    """What one poll of one feed did."""

    feed: str
    added: list[Document] = field(default_factory=list)
    updated: list[Document] = field(default_factory=list)
    error: ArticleError | None = None  # the feed itself could not be read
    failed: dict[str, ArticleError] = field(default_factory=dict)  # entries, by link


def _utc(parsed: time.struct_time | None) -> datetime | None:
    """feedparser's parsed date (a UTC struct_time) as a datetime."""
    return datetime.fromtimestamp(calendar.timegm(parsed), UTC) if parsed else None


def read_feed(url: str, allow_private: PrivateAddresses = False) -> list[Entry]:
    """The entries of the feed at url that link to a page; ArticleError when it cannot be
    fetched or is no feed."""
    page = fetch(url, allow_private, accept=FEED_TYPES)
    parsed = feedparser.parse(page.data, response_headers={"content-location": page.url})
    entries = []
    for item in parsed.entries:
        # dict.get: feedparser's own get maps a missing "updated" to "published", with a warning.
        published = _utc(dict.get(item, "published_parsed"))
        changed = _utc(dict.get(item, "updated_parsed")) or published
        dated = published or changed
        if item.get("link"):
            entries.append(Entry(item["link"], dated.date().isoformat() if dated else None,
                                 changed))
    # A feed that is not well-formed but still gives its entries is read (many are); one that
    # gives none is broken.
    if not parsed.version or (parsed.bozo and not entries):
        raise ArticleError("not_a_feed", url=url)
    return entries


def saved_articles(folder: Path) -> dict[str, datetime]:
    """The url of every `.md` article of the folder and when it was saved (`added`)."""
    saved: dict[str, datetime] = {}
    if not folder.is_dir():
        return saved
    for path in corpus_files(folder):
        if path.suffix != ".md":
            continue
        try:
            with path.open("rb") as f:
                meta, _ = front_matter(f.read(FRONT_MATTER_BYTES).decode("utf-8", "ignore"))
            added = datetime.fromisoformat(meta["added"])
        except (OSError, ValueError, KeyError):
            continue  # not an article saved by add or a feed
        if "url" in meta:
            saved[meta["url"]] = added if added.tzinfo else added.replace(tzinfo=UTC)
    return saved


@dataclass
class _Retry:
    failures: int = 0
    next_try: float = 0.0


class FeedPoller:
    """Polls feeds into a corpus folder, remembering (in memory) what failed and when to try
    it again; what was saved is read from the folder itself."""

    def __init__(self, feeds: Sequence[str], folder: Path, interval: float,
                 allow_private: PrivateAddresses = False,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.feeds = tuple(feeds)
        self.folder = folder
        self.interval = interval
        self.allow_private = allow_private
        self.clock = clock
        self._retries: dict[str, _Retry] = {}
        self._saved: dict[str, datetime] = {}
        self._read = False

    def poll(self) -> list[FeedReport]:
        """One round: every feed due, every new or updated entry saved."""
        if not self._read:
            self._saved.update(saved_articles(self.folder))
            self._read = True
        return [self._poll(feed) for feed in self.feeds if self._due(feed)]

    def _poll(self, feed: str) -> FeedReport:
        report = FeedReport(feed)
        try:
            entries = read_feed(feed, self.allow_private)
        except ArticleError as e:
            self._failed(feed, e, "feed")
            report.error = e
            return report
        self._succeeded(feed, "feed")
        for entry in entries:
            known = self._saved.get(entry.link)
            if known and (entry.changed is None or entry.changed <= known):
                continue
            if not self._due(entry.link):
                continue
            try:
                document = self._save(entry)
            except ArticleError as e:
                self._failed(entry.link, e, "entry")
                report.failed[entry.link] = e
                continue
            self._succeeded(entry.link, "entry")
            (report.updated if known else report.added).append(document)
        return report

    def _save(self, entry: Entry) -> Document:
        """The entry's page saved as an article of the folder, dated as the feed dates it."""
        article = extract_page(fetch(entry.link, self.allow_private))
        article = replace(article, date=entry.date or article.date)
        document = save(article, self.folder)
        now = datetime.now(UTC)
        self._saved[entry.link] = now
        if article.url:
            self._saved[article.url] = now
        return document

    def _due(self, key: str) -> bool:
        retry = self._retries.get(key)
        return retry is None or self.clock() >= retry.next_try

    def _failed(self, key: str, error: ArticleError, kind: str) -> None:
        """Logged the first time only; tried again after a longer wait each time."""
        retry = self._retries.setdefault(key, _Retry())
        retry.failures += 1
        retry.next_try = self.clock() + min(self.interval * 2 ** (retry.failures - 1),
                                            MAX_BACKOFF_SECONDS)
        if retry.failures == 1:
            log.warning("%s %s failed (%s): tried again later, less and less often", kind, key,
                        error)

    def _succeeded(self, key: str, kind: str) -> None:
        if self._retries.pop(key, None) is not None:
            log.info("%s %s works again", kind, key)
