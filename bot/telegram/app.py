"""The Telegram application: handlers wired to updates, the engine built in `post_init`, and
`run_bot`, which runs it by long polling or as a webhook.

Handlers live in handlers.py (messages, commands, inline queries) and callbacks.py (buttons);
nothing about users is kept anywhere.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from pathlib import Path

from telegram import BotCommand, LinkPreviewOptions, MessageEntity
from telegram.constants import ParseMode
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import (Application, CallbackQueryHandler, CommandHandler, Defaults,
                          InlineQueryHandler, MessageHandler, filters)

from retrieval import AnswerEngine

from ..messages import MESSAGES, text
from ..settings import DEFAULT_API, Settings, SettingsError, bot_token, check_webhook
from . import articles, callbacks, handlers
from .buttons import CONTEXT_DATA, EXCERPTS_DATA
from .context import CONTEXT_TYPES
from .feeds import schedule_feeds
from .flood import FloodLimiter
from .handlers import describe
from .updates import serve
from .workers import Pools

log = logging.getLogger(__name__)

COMMANDS = ("start", "help", "sources", "ask")

# Text messages the bot reads: all in private chats, in groups those that may be for it.
QUESTION = filters.TEXT & ~filters.COMMAND & (
    filters.ChatType.PRIVATE
    | (filters.ChatType.GROUPS & (filters.Entity(MessageEntity.MENTION) | filters.REPLY)))
NOT_TEXT = filters.ChatType.PRIVATE & ~filters.TEXT & ~filters.StatusUpdate.ALL
# A private message that is only a link: an article to add (administrators), not a question.
LINK_ONLY = filters.ChatType.PRIVATE & filters.Regex(r"^\s*https?://\S+\s*$")
UPLOAD = filters.ChatType.PRIVATE & filters.Document.ALL
# The answer threads and the event loop share one interpreter lock: each of the loop's many
# short waits for it costs up to a switch interval, 5 ms by default, so that while a long
# answer ran, a /start took seconds. Half a millisecond keeps the loop quick.
SWITCH_INTERVAL = 0.0005


async def post_init(application: Application) -> None:
    """Builds the index once, before the first update, and registers the commands."""
    logging.getLogger("telegram.ext").setLevel(logging.NOTSET)  # started: see run_bot
    bot_data = application.bot_data
    bot_data.pools = Pools.start()
    bot_data.use(AnswerEngine.from_folder(bot_data.corpus, bot_data.index))
    bot_data.engine.answer(text("example"))  # loads the language data now, not for the first user
    for lang in MESSAGES:
        await application.bot.set_my_commands(
            [BotCommand(c, text(f"command_{c}", lang)) for c in COMMANDS],
            language_code=None if lang == "fr" else lang)
    bot_data.watcher = asyncio.create_task(articles.watch_corpus(bot_data))
    log.info("@%s is up: articles indexed: %d", application.bot.username,
             len(bot_data.engine.articles))


async def post_shutdown(application: Application) -> None:
    """Stops watching the corpus folder, and lets the pools' threads go (not waited for)."""
    bot_data = application.bot_data
    if watcher := bot_data.watcher:
        watcher.cancel()
        await asyncio.gather(watcher, return_exceptions=True)
    if hasattr(bot_data, "pools"):  # not if the start failed before post_init
        bot_data.pools.shutdown()


class HideToken(logging.Filter):
    """Replaces the token in log lines: the Telegram library's debug log shows it in URLs."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.token in message:
            record.msg, record.args = hide_token(message, self.token), ()
        return True


def hide_token(message: str, token: str) -> str:
    """The message with the token masked."""
    return message.replace(token, "<token>")


def build_application(token: str, settings: Settings, corpus: Path) -> Application:
    """The application: token, defaults, flood control and handlers wired together. No
    Updater: updates.py fetches updates (see why there)."""
    api = settings.telegram_api_base_url or DEFAULT_API
    application = (
        Application.builder()
        .token(token)
        .base_url(api)
        # Files come from the same server, at /file/bot<token>/<path>, as from Telegram's.
        .base_file_url(api.removesuffix("/bot") + "/file/bot")
        .context_types(CONTEXT_TYPES)
        .defaults(Defaults(parse_mode=ParseMode.HTML, allow_sending_without_reply=True,
                           link_preview_options=LinkPreviewOptions(is_disabled=True)))
        .rate_limiter(FloodLimiter())
        .updater(None)
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        .build()
    )
    application.bot_data.corpus = corpus
    application.bot_data.top_k = settings.top_k
    application.bot_data.admins = settings.admin_user_ids
    application.bot_data.allow_private_urls = settings.allow_private_urls
    application.bot_data.index = settings.index
    application.add_handlers([
        CommandHandler("start", handlers.start),
        CommandHandler("help", handlers.help_command),
        CommandHandler("sources", handlers.sources),
        CommandHandler("ask", handlers.ask),
        CommandHandler("add", articles.add),
        CommandHandler("remove", articles.remove),
        MessageHandler(LINK_ONLY, articles.link),
        MessageHandler(UPLOAD, articles.upload),
        MessageHandler(QUESTION, handlers.question),
        MessageHandler(NOT_TEXT, handlers.not_text),
        InlineQueryHandler(handlers.inline_query),
        CallbackQueryHandler(callbacks.show_context, pattern=CONTEXT_DATA),
        CallbackQueryHandler(callbacks.show_excerpts, pattern=EXCERPTS_DATA),
        CallbackQueryHandler(callbacks.gone),  # data this bot did not make
    ])
    application.add_error_handler(handlers.error_handler)
    schedule_feeds(application, settings, corpus)
    return application


def run_bot(settings: Settings, corpus: Path | None = None, webhook: bool = False) -> int:
    """Runs the bot until SIGINT or SIGTERM: long polling, or a webhook with --webhook or
    WEBHOOK_URL. A failed start raises an error that the command line prints as one line."""
    token = bot_token(settings)
    sys.setswitchinterval(SWITCH_INTERVAL)
    webhook = webhook or settings.webhook_url is not None
    if webhook:
        check_webhook(settings)
    # httpx logs every request's URL, and the URL holds the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # Its one error log is an answer that is not JSON (an HTML error page), with the whole page
    # and a traceback; the error itself is reported, as one line, where it is raised.
    logging.getLogger("telegram.request").setLevel(logging.CRITICAL)
    for handler in logging.getLogger().handlers:
        handler.addFilter(HideToken(token))
    application = build_application(token, settings, corpus or settings.corpus_dir)
    # PTB logs a failed start with a traceback; it is reported below as one line instead.
    logging.getLogger("telegram.ext").setLevel(logging.CRITICAL)
    api = settings.telegram_api_base_url or DEFAULT_API
    try:
        asyncio.run(serve(application, settings, webhook))
    except InvalidToken:
        raise SettingsError("Telegram refused TELEGRAM_BOT_TOKEN: invalid token (revoked or "
                            "mistyped? @BotFather shows it again with /token)") from None
    except NetworkError as e:
        raise ConnectionError(f"cannot reach the Telegram Bot API at {api}: "
                              f"{hide_token(describe(e), token)}") from None
    except TelegramError as e:
        raise ConnectionError(f"the Telegram Bot API at {api} refused to start the bot: "
                              f"{hide_token(describe(e), token)}") from None
    return 0
