"""Receiving updates and stopping: long polling that confirms an update to Telegram only once it
is answered, or a webhook server; either way SIGTERM stops the bot within a grace period.

Why not PTB's Updater: it confirms every fetched update (the `offset` of the next getUpdates)
before it is answered, and again on stop, and `Application.stop` waits for every handler
however long it runs. A bot killed 10 s after SIGTERM (Docker's default) then drops updates
that Telegram will never send again. Here an update stays unconfirmed until it and every one
before it are answered: after any kill, Telegram sends the unanswered ones again. Those
answered but left unconfirmed behind an earlier one are remembered (state.py), so that a
restart skips them: every update is answered once.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import re
import signal
from collections.abc import Awaitable
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import tornado.web
from telegram import Update
from telegram.error import InvalidToken, TelegramError
from telegram.ext import Application
from tornado.httpserver import HTTPServer

from ..settings import Settings, SettingsError
from . import monitoring
from .flood import FloodLimiter
from .state import AnsweredUpdates

log = logging.getLogger(__name__)

# The only updates the bot acts on; Telegram does not even send the others.
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY, Update.INLINE_QUERY]
# Long poll length when nothing is in flight (seconds).
POLL_TIMEOUT = 10
# While answers are in flight a long poll would return at once (their updates are still
# unconfirmed), so the bot asks this often: new updates wait at most this long.
BUSY_POLL_SECONDS = 0.05
# Updates handled at once. Fetching more would only make more of them wait, fetched and
# unanswered, at a stop; Telegram returns at most 100 per getUpdates anyway.
MAX_IN_FLIGHT = 100
# After SIGTERM, answers in flight get this long; Docker kills 10 s after SIGTERM.
GRACE_SECONDS = 7
# The last seconds of the grace: no message starts any more, those on their way finish (one
# cut off mid-way may have reached Telegram, and its update would be answered again after a
# restart). A message takes Telegram well under a second.
CLOSING_SECONDS = 2
# A failed getUpdates is retried after 1, 2, 4… seconds, at most this many.
MAX_RETRY_SECONDS = 30
# The final getUpdates that confirms answered updates at a stop must not hold the stop up.
CONFIRM_TIMEOUT = 1.0
# Telegram's updates are a few kilobytes; bigger posts are refused before they are read.
MAX_BODY_BYTES = 1 << 20
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"

T = TypeVar("T")


class InFlight:
    """The updates being answered, one task each, and a stop that waits for them no longer
    than a grace period.

    Chats are answered at once, each in its order: an update waits for the one before it in
    its chat, so that an answer never overtakes the answer to an earlier question. An update
    already answered (`answered`, remembered across restarts) or in flight is not answered
    again."""

    def __init__(self, application: Application, answered: AnsweredUpdates) -> None:
        self.application = application
        self.answered = answered
        self.tasks: dict[int, asyncio.Task] = {}
        self.last_in_chat: dict[int, asyncio.Task] = {}
        self.cancelled: set[int] = set()  # by a stop: unanswered, to be sent again

    def start(self, update: Update) -> None:
        """Answers the update in a task of its own, after the one before it in its chat
        (handlers' errors go to the error handler); skips an update answered or in flight."""
        update_id = update.update_id
        if update_id in self.answered or update_id in self.tasks:
            log.info("update %d skipped: answered or in flight already", update_id)
            return
        chat_id = update.effective_chat.id if update.effective_chat else None
        before = self.last_in_chat.get(chat_id) if chat_id is not None else None
        task = asyncio.create_task(self._answer(update, before))
        self.tasks[update_id] = task
        if chat_id is not None:
            self.last_in_chat[chat_id] = task
        task.add_done_callback(lambda _: self._done(update_id, chat_id, task))

    async def _answer(self, update: Update, before: asyncio.Task | None) -> None:
        if before is not None:
            await asyncio.wait([before])  # its turn; how the one before ended is its own
        await self.application.process_update(update)

    def _done(self, update_id: int, chat_id: int | None, task: asyncio.Task) -> None:
        """Forgets a finished task; remembers its update as answered unless it was cancelled
        (a stop: then it stays unconfirmed, and Telegram sends it again)."""
        self.tasks.pop(update_id, None)
        if chat_id is not None and self.last_in_chat.get(chat_id) is task:
            del self.last_in_chat[chat_id]
        if task.cancelled():
            self.cancelled.add(update_id)
            return
        if error := task.exception():  # process_update hands handlers' errors on; not these
            log.error("update %d failed", update_id, exc_info=error)
        self.answered.add(update_id)

    async def drain(self, grace: float) -> int | None:
        """Waits up to `grace` seconds for the answers in flight, then cancels the rest; the
        lowest id left unanswered, if any."""
        if self.tasks:
            log.info("stopping: %d update(s) in flight, given %d s", len(self.tasks), grace)
            closing = min(CLOSING_SECONDS, grace)
            _, pending = await asyncio.wait(list(self.tasks.values()), timeout=grace - closing)
            if pending and isinstance(limiter := self.application.bot.rate_limiter,
                                      FloodLimiter):
                limiter.close()
                _, pending = await asyncio.wait(pending, timeout=closing)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        left = self.cancelled | set(self.tasks)
        if left:
            log.warning("stopped with %d update(s) unanswered; they stay unconfirmed, so "
                        "Telegram sends them again", len(left))
        return min(left, default=None)


async def serve(application: Application, settings: Settings, webhook: bool) -> None:
    """Runs the application until SIGINT or SIGTERM: polling, or a webhook."""
    stop = application.bot_data.stopping
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        async with application:  # getMe: a bad token or an unreachable API fails here
            answered = remembered(settings.state_dir,
                                  application.bot.id)
            if application.post_init:
                await application.post_init(application)
            await application.start()
            in_flight = InFlight(application, answered)
            monitoring.UPDATES_WAITING.set_function(lambda: len(in_flight.tasks))
            # /healthz and /metrics: on the webhook's server, else on a server of their own.
            server = None if webhook else monitoring.serve_monitoring(
                application.bot_data, settings.metrics_listen, settings.metrics_port)
            try:
                if webhook:
                    await serve_webhook(application, in_flight, settings, stop)
                else:
                    await poll(application, in_flight, stop)
            finally:
                if server is not None:
                    server.stop()
                await application.stop()
    finally:
        if application.post_shutdown:
            await application.post_shutdown(application)


def remembered(folder: Path, bot_id: int) -> AnsweredUpdates:
    """The updates this bot answered before (its own file: bots may share a corpus folder);
    SettingsError when the folder cannot be written."""
    try:
        return AnsweredUpdates.load(folder / f"telegram-{bot_id}.json")
    except OSError as e:
        raise SettingsError(f"cannot write the bot's state in {folder} ({e.strerror or e}): "
                            f"set STATE_DIR to a folder the bot may write") from None


async def poll(application: Application, in_flight: InFlight, stop: asyncio.Event) -> None:
    """Long polling. The offset sent to Telegram confirms only the updates before the first
    one still in flight, so a later getUpdates brings those back: they are skipped, as are
    those answered before a restart."""
    bot = application.bot
    await bot.delete_webhook()
    highest: int | None = None  # every update up to this one is answered or in flight
    failures = 0
    while not stop.is_set():
        busy = bool(in_flight.tasks)
        offset = _offset(in_flight, highest)
        try:
            updates = await _unless_stopped(stop, bot.get_updates(
                offset=offset, timeout=0 if busy else POLL_TIMEOUT,
                allowed_updates=ALLOWED_UPDATES))
        except InvalidToken:
            raise
        except TelegramError as e:
            failures += 1
            log.warning("getUpdates failed (%s); trying again", e)
            await _unless_stopped(stop, asyncio.sleep(min(MAX_RETRY_SECONDS, 2 ** failures)))
            continue
        failures = 0
        if updates is not None and offset is not None:
            in_flight.answered.confirmed(offset)
        for update in updates or ():
            if highest is not None and update.update_id <= highest:
                continue  # in flight, or answered and not yet confirmed
            if len(in_flight.tasks) >= MAX_IN_FLIGHT:
                break  # left at Telegram, fetched again later
            in_flight.start(update)
            highest = update.update_id
        if in_flight.tasks:
            await _unless_stopped(stop, asyncio.sleep(BUSY_POLL_SECONDS))
    unanswered = await in_flight.drain(GRACE_SECONDS)
    if highest is not None:
        await _confirm(application, unanswered if unanswered is not None else highest + 1)


def _offset(in_flight: InFlight, highest: int | None) -> int | None:
    """The getUpdates offset: confirms every update before the first one still in flight."""
    if in_flight.tasks:
        return min(in_flight.tasks)
    return None if highest is None else highest + 1


async def _confirm(application: Application, offset: int) -> None:
    """Tells Telegram that the updates before `offset` are answered (a getUpdates that returns
    at once; what it returns is not handled, so not confirmed)."""
    try:
        await application.bot.get_updates(
            offset=offset, limit=1, timeout=0, read_timeout=CONFIRM_TIMEOUT,
            connect_timeout=CONFIRM_TIMEOUT, write_timeout=CONFIRM_TIMEOUT,
            pool_timeout=CONFIRM_TIMEOUT, allowed_updates=ALLOWED_UPDATES)
    except TelegramError as e:
        log.warning("could not confirm the last answered updates (%s): Telegram may send "
                    "them again", e)


async def _unless_stopped(stop: asyncio.Event, work: Awaitable[T]) -> T | None:
    """The result of `work`, or None if `stop` is set first (`work` is then cancelled)."""
    task = asyncio.ensure_future(work)
    stopped = asyncio.create_task(stop.wait())
    await asyncio.wait({task, stopped}, return_when=asyncio.FIRST_COMPLETED)
    stopped.cancel()
    if task.done():
        return task.result()
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    return None


async def serve_webhook(application: Application, in_flight: InFlight, settings: Settings,
                        stop: asyncio.Event) -> None:
    """Serves WEBHOOK_URL's path on WEBHOOK_LISTEN:WEBHOOK_PORT and registers it with
    Telegram; a post is accepted only with the secret token, checked before its body is read."""
    path = "/" + urlsplit(settings.webhook_url or "").path.strip("/")
    app = tornado.web.Application(
        [(rf"{re.escape(path)}/?", WebhookHandler,
          {"bot_application": application, "in_flight": in_flight,
           "secret": settings.webhook_secret_token or ""}),
         *monitoring.routes(application.bot_data)],
        log_function=lambda _: None)  # no access log: it would show every request
    server = HTTPServer(app, max_body_size=MAX_BODY_BYTES)
    server.listen(settings.webhook_port, address=settings.webhook_listen)
    try:
        await application.bot.set_webhook(settings.webhook_url,
                                          secret_token=settings.webhook_secret_token,
                                          allowed_updates=ALLOWED_UPDATES)
        await stop.wait()
    finally:
        server.stop()
        await in_flight.drain(GRACE_SECONDS)
        await server.close_all_connections()


@tornado.web.stream_request_body
class WebhookHandler(tornado.web.RequestHandler):
    """Telegram's posts: the secret and the size are checked from the headers, before any of
    the body is read; a body that is not an update gets 400, and is never logged."""

    SUPPORTED_METHODS = ("POST",)

    def initialize(self, bot_application: Application, in_flight: InFlight,
                   secret: str) -> None:
        self.bot_application = bot_application
        self.in_flight = in_flight
        self.secret = secret
        self.body = bytearray()

    def prepare(self) -> None:
        given = self.request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.secret.encode()):
            raise tornado.web.HTTPError(403)
        if int(self.request.headers.get("Content-Length") or 0) > MAX_BODY_BYTES:
            raise tornado.web.HTTPError(413)

    def data_received(self, chunk: bytes) -> None:
        self.body += chunk

    def post(self) -> None:
        update = _update(bytes(self.body), self.bot_application)
        if update is None:
            log.warning("webhook: refused a post that is not an update (%d bytes)",
                        len(self.body))
            raise tornado.web.HTTPError(400)
        self.in_flight.start(update)  # one posted again is answered once

    def log_exception(self, *args: Any) -> None:
        """Quiet: refusals are answered with their status, and logged above without content."""


def _update(body: bytes, application: Application) -> Update | None:
    """The update a post holds, or None if it holds none."""
    try:
        data = json.loads(body)
        if not (isinstance(data, dict) and isinstance(data.get("update_id"), int)):
            return None
        return Update.de_json(data, application.bot)
    except Exception:  # noqa: BLE001 (any malformed body is refused the same way)
        return None
