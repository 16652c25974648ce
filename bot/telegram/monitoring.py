"""What an operator watches: `/healthz` (is the engine loaded, are its shards reachable) and
`/metrics` in Prometheus' format (prometheus-client), served by the webhook server when there is
one, else on METRICS_LISTEN:METRICS_PORT.

The metrics count what the bot does, never who asked or what: no label holds a user, a chat or
a question.
"""

from __future__ import annotations

import asyncio
import json

import tornado.web
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest
from tornado.httpserver import HTTPServer

from retrieval import ANSWERED, NONE, UNSURE

from .context import BotData

# What became of a question: quoted, quoted with a warning that the quotes may not answer it,
# or nothing to quote.
OUTCOMES = (ANSWERED, UNSURE, NONE)
# A reachable shard answers a TCP connection at once; one that does not within this long is
# reported down (a health check must answer before its prober gives up, often 1-5 s).
SHARD_TIMEOUT_SECONDS = 1.0

QUESTIONS = Counter("citebot_questions", "Questions answered, by outcome", ["outcome"])
for _outcome in OUTCOMES:
    QUESTIONS.labels(_outcome)  # every outcome shown from the start, at 0
ANSWER_SECONDS = Histogram("citebot_answer_seconds", "Time the engine took to answer a question")
UPDATES_WAITING = Gauge("citebot_updates_waiting", "Updates received and not yet answered")
TELEGRAM_429 = Counter("citebot_telegram_429", "Requests Telegram refused with 429 (flood)")
FLOOD_WAITS = Counter("citebot_flood_waits", "Messages that waited for their turn (flood limits)")
FLOOD_WAIT_SECONDS = Counter("citebot_flood_wait_seconds",
                             "Time messages waited for their turn (flood limits)")
REBUILDS = Counter("citebot_rebuilds", "New engines built as the articles changed", ["result"])
FETCH_REFUSALS = Counter("citebot_article_refusals", "Articles not added (a page not fetched, "
                         "a bad file) or not removed, by reason", ["reason"])


async def health(bot_data: BotData) -> tuple[bool, dict[str, object]]:
    """Whether the bot can answer now: its engine is loaded and every shard it reads answers;
    with the details an operator reads."""
    engine = getattr(bot_data, "engine", None)
    down = await asyncio.to_thread(bot_data.index.unreachable, SHARD_TIMEOUT_SECONDS)
    report: dict[str, object] = {
        "engine": engine is not None,
        "articles": len(engine.article_ids()) if engine is not None else 0,
        "shards": {spec: spec not in down for spec in bot_data.index.databases},
    }
    ok = engine is not None and not down
    return ok, {"status": "ok" if ok else "unavailable", **report}


class HealthHandler(tornado.web.RequestHandler):
    """GET /healthz: 200 when the bot can answer, 503 otherwise; a JSON body says why."""

    def initialize(self, bot_data: BotData) -> None:
        self.bot_data = bot_data

    async def get(self) -> None:
        ok, report = await health(self.bot_data)
        self.set_status(200 if ok else 503)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(report))


class MetricsHandler(tornado.web.RequestHandler):
    """GET /metrics: every metric, in Prometheus' text format."""

    def get(self) -> None:
        self.set_header("Content-Type", CONTENT_TYPE_LATEST)
        self.finish(generate_latest())


def routes(bot_data: BotData) -> list[tuple[str, type[tornado.web.RequestHandler], dict]]:
    """The two routes, for the webhook server or a server of their own."""
    return [(r"/healthz", HealthHandler, {"bot_data": bot_data}),
            (r"/metrics", MetricsHandler, {})]


def serve_monitoring(bot_data: BotData, listen: str, port: int) -> HTTPServer:
    """A server of /healthz and /metrics alone, for a bot that has no webhook server."""
    server = HTTPServer(tornado.web.Application(routes(bot_data), log_function=lambda _: None))
    try:
        server.listen(port, address=listen)
    except OSError as e:
        raise OSError(f"cannot serve /healthz and /metrics on {listen}:{port} ({e.strerror}): "
                      f"set METRICS_LISTEN and METRICS_PORT") from None
    return server
