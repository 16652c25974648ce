"""The Telegram application: handlers wired to updates, the engine built in `post_init`, and
`run_bot`, which runs it by long polling or as a webhook.

Handlers live in handlers.py (messages, commands, inline queries) and callbacks.py (buttons);
nothing about users is kept anywhere.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from urllib.parse import urlsplit

from telegram import BotCommand, LinkPreviewOptions, MessageEntity, Update
from telegram.constants import ParseMode
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import (AIORateLimiter, Application, CallbackQueryHandler, CommandHandler,
                          Defaults, InlineQueryHandler, MessageHandler, filters)

from retrieval import AnswerEngine

from ..messages import MESSAGES, text
from ..settings import Settings, SettingsError, bot_token, check_webhook
from . import articles, callbacks, handlers
from .buttons import CONTEXT_DATA, EXCERPTS_DATA
from .context import CONTEXT_TYPES

log = logging.getLogger(__name__)

COMMANDS = ("start", "help", "sources", "ask")
# The only updates the bot acts on; Telegram does not even send the others.
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY, Update.INLINE_QUERY]
# How many times a request is retried when Telegram answers 429 (flood control).
FLOOD_RETRIES = 5
DEFAULT_API = "https://api.telegram.org/bot"

# Text messages the bot reads: all in private chats, in groups those that may be for it.
QUESTION = filters.TEXT & ~filters.COMMAND & (
    filters.ChatType.PRIVATE
    | (filters.ChatType.GROUPS & (filters.Entity(MessageEntity.MENTION) | filters.REPLY)))
NOT_TEXT = filters.ChatType.PRIVATE & ~filters.TEXT & ~filters.StatusUpdate.ALL
# A private message that is only a link: an article to add (administrators), not a question.
LINK_ONLY = filters.ChatType.PRIVATE & filters.Regex(r"^\s*https?://\S+\s*$")
UPLOAD = filters.ChatType.PRIVATE & filters.Document.ALL


async def post_init(application: Application) -> None:
    """Builds the index once, before the first update, and registers the commands."""
    logging.getLogger("telegram.ext").setLevel(logging.NOTSET)  # started: see run_bot
    bot_data = application.bot_data
    bot_data.use(AnswerEngine.from_folder(bot_data.corpus))
    bot_data.engine.answer(text("example"))  # loads the language data now, not for the first user
    for lang in MESSAGES:
        await application.bot.set_my_commands(
            [BotCommand(c, text(f"command_{c}", lang)) for c in COMMANDS],
            language_code=None if lang == "fr" else lang)
    bot_data.watcher = asyncio.create_task(articles.watch_corpus(bot_data))
    log.info("@%s is up: articles indexed: %d", application.bot.username,
             len(bot_data.engine.documents))


async def post_shutdown(application: Application) -> None:
    """Stops watching the corpus folder."""
    if watcher := application.bot_data.watcher:
        watcher.cancel()
        await asyncio.gather(watcher, return_exceptions=True)


class HideToken(logging.Filter):
    """Replaces the token in log lines: the Telegram library's debug log shows it in URLs."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.token in message:
            record.msg, record.args = message.replace(self.token, "<token>"), ()
        return True


def build_application(token: str, settings: Settings, corpus: Path) -> Application:
    """The application: token, defaults, flood control and handlers wired together."""
    builder = (
        Application.builder()
        .token(token)
        .context_types(CONTEXT_TYPES)
        .defaults(Defaults(parse_mode=ParseMode.HTML, allow_sending_without_reply=True,
                           link_preview_options=LinkPreviewOptions(is_disabled=True)))
        .rate_limiter(AIORateLimiter(max_retries=FLOOD_RETRIES))
        .concurrent_updates(True)
        .post_init(post_init)
        .post_shutdown(post_shutdown)
    )
    if api := settings.telegram_api_base_url:
        # Files come from the same server, at /file/bot<token>/<path>, as from Telegram's.
        builder = builder.base_url(api).base_file_url(api.rstrip("/").removesuffix("/bot")
                                                      + "/file/bot")
    application = builder.build()
    application.bot_data.corpus = corpus
    application.bot_data.top_k = settings.top_k
    application.bot_data.admins = settings.admin_user_ids
    application.bot_data.allow_private_urls = settings.allow_private_urls
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
    return application


def run_bot(settings: Settings, corpus: Path | None = None, webhook: bool = False) -> int:
    """Runs the bot until SIGINT or SIGTERM: long polling, or a webhook with --webhook or
    WEBHOOK_URL. A failed start raises an error that the command line prints as one line."""
    token = bot_token(settings)
    webhook = webhook or settings.webhook_url is not None
    if webhook:
        check_webhook(settings)
    # httpx logs every request's URL, and the URL holds the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    for handler in logging.getLogger().handlers:
        handler.addFilter(HideToken(token))
    application = build_application(token, settings, corpus or settings.corpus_dir)
    # PTB logs a failed start with a traceback; it is reported below as one line instead.
    logging.getLogger("telegram.ext").setLevel(logging.CRITICAL)
    api = settings.telegram_api_base_url or DEFAULT_API
    try:
        if webhook:
            application.run_webhook(
                listen=settings.webhook_listen, port=settings.webhook_port,
                url_path=urlsplit(settings.webhook_url).path.strip("/"),
                webhook_url=settings.webhook_url, secret_token=settings.webhook_secret_token,
                allowed_updates=ALLOWED_UPDATES)
        else:
            application.run_polling(allowed_updates=ALLOWED_UPDATES)
    except InvalidToken:
        raise SettingsError("Telegram refused TELEGRAM_BOT_TOKEN: invalid token (revoked or "
                            "mistyped? @BotFather shows it again with /token)") from None
    except NetworkError as e:
        raise ConnectionError(f"cannot reach the Telegram Bot API at {api}: {e}") from None
    except TelegramError as e:
        raise ConnectionError(f"the Telegram Bot API at {api} refused to start the bot: "
                              f"{e}") from None
    return 0
