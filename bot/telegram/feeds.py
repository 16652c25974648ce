"""News feeds polled while the bot runs: PTB's job queue polls FEEDS every FEEDS_INTERVAL, on
the fetching pool (fetching pages waits on the network); new articles land in the corpus
folder, whose watcher (articles.py) swaps in an engine that answers from them."""

from __future__ import annotations

import logging
from pathlib import Path

from telegram.ext import Application

from retrieval import FeedPoller

from ..settings import Settings
from .context import BotContext
from .workers import run_in

log = logging.getLogger(__name__)


def schedule_feeds(application: Application, settings: Settings, corpus: Path) -> None:
    """Polls the feeds at once, then every FEEDS_INTERVAL seconds (nothing without FEEDS)."""
    if not settings.feeds:
        return
    # The scheduler logs every run at INFO, and at WARNING a poll skipped or late because the
    # one before still runs (a slow site, a busy machine): lines that say nothing to do. A
    # feed's own errors are logged by the poller.
    logging.getLogger("apscheduler").setLevel(logging.ERROR)
    poller = FeedPoller(settings.feeds, corpus, settings.feeds_interval,
                        settings.allow_private_urls)
    application.job_queue.run_repeating(poll_feeds, interval=settings.feeds_interval, first=0,
                                        data=poller, name="feeds")


async def poll_feeds(context: BotContext) -> None:
    """One round of the feeds, on the fetching pool (a slow feed holds up no answer); what it
    saved, in one log line per feed."""
    poller = context.job.data
    assert isinstance(poller, FeedPoller)
    for report in await run_in(context.bot_data.pools.fetches, poller.poll):
        if report.added or report.updated:
            log.info("feed %s: %d new, %d updated article(s)", report.feed, len(report.added),
                     len(report.updated))
