"""The Telegram bot: thin handlers around the answer engine, and the application that runs them.

The engine answers, bot/render.py writes the HTML, bot/buttons.py the buttons. The index is
built once in `post_init` and kept in `bot_data`; nothing about users is kept anywhere.
"""

from __future__ import annotations

import logging
import re
import time
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlsplit

from telegram import (BotCommand, InlineKeyboardMarkup, InlineQueryResultArticle,
                      InputTextMessageContent, LinkPreviewOptions, MaybeInaccessibleMessage,
                      Message, MessageEntity, Update, User)
from telegram.constants import ChatAction, ChatType, ParseMode
from telegram.error import BadRequest, InvalidToken, NetworkError, TelegramError
from telegram.ext import (AIORateLimiter, Application, CallbackQueryHandler, CommandHandler,
                          ContextTypes, Defaults, InlineQueryHandler, MessageHandler, filters)

from retrieval.engine import Answer, AnswerEngine

from .buttons import (Press, ShowContext, ShowExcerpts, answer_keyboard, context_keyboard, decode,
                      document_key)
from .messages import MESSAGES, language, text
from .render import (html_answer, html_context, html_excerpt, html_sources, one_line, shorten,
                     source_label)
from .settings import Settings, SettingsError, bot_token, check_webhook

log = logging.getLogger(__name__)

COMMANDS = ("start", "help", "sources", "ask")
# The only updates the bot acts on; Telegram does not even send the others.
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY, Update.INLINE_QUERY]
# How many times a request is retried when Telegram answers 429 (flood control).
FLOOD_RETRIES = 5
# Inline results: Telegram shows a one-line title and two lines of description.
INLINE_TITLE_CHARS = 100
INLINE_DESCRIPTION_CHARS = 150
# Answers change only when the corpus does; Telegram may reuse an inline answer that long.
INLINE_CACHE_SECONDS = 300
DEFAULT_API = "https://api.telegram.org/bot"

# A leading "/ask" or "/ask@BotName".
_COMMAND = re.compile(r"^/\w+(?:@\w+)?")
# Zero-width and bidirectional-control characters: invisible, and they cut words in two.
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")

# Text messages the bot reads: all in private chats, in groups those that may be for it.
QUESTION = filters.TEXT & ~filters.COMMAND & (
    filters.ChatType.PRIVATE
    | (filters.ChatType.GROUPS & (filters.Entity(MessageEntity.MENTION) | filters.REPLY)))
NOT_TEXT = filters.ChatType.PRIVATE & ~filters.TEXT & ~filters.StatusUpdate.ALL


def question_text(message_text: str, bot_username: str) -> str:
    """The question in a message: without a leading /command, the bot's @name, or invisible
    characters."""
    question = re.sub(rf"@{re.escape(bot_username)}\b", " ", _COMMAND.sub("", message_text),
                      flags=re.IGNORECASE)
    return " ".join(_INVISIBLE.sub("", question).split())


def addressed_to(message: Message, bot: User) -> bool:
    """Whether a message is for the bot: any in a private chat; in a group, one that mentions
    it or replies to one of its messages."""
    if message.chat.type == ChatType.PRIVATE:
        return True
    mentions = message.parse_entities([MessageEntity.MENTION]).values()
    replied = message.reply_to_message
    return (f"@{bot.username}".lower() in (m.lower() for m in mentions)
            or bool(replied and replied.from_user and replied.from_user.id == bot.id))


def _lang(update: Update) -> str:
    user = update.effective_user
    return language(user.language_code if user else None)


def _ask_engine(context: ContextTypes.DEFAULT_TYPE, question: str, top_k: int
                ) -> tuple[Answer, float]:
    """The engine's answer and the time it took, in milliseconds."""
    started = time.perf_counter()
    answer = context.bot_data["engine"].answer(question, top_k)
    return answer, (time.perf_counter() - started) * 1000


def _log_answered(update: Update, what: str, results: int, engine_ms: float,
                  started: float) -> None:
    """The one log line of an answered update: no text, only what was done and how fast."""
    chat = update.effective_chat.type if update.effective_chat else "inline"
    log.info("update %d (%s %s): %d result(s), engine %.1f ms, total %.1f ms", update.update_id,
             chat, what, results, engine_ms, (time.perf_counter() - started) * 1000)


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/start: what the bot does, with an example question."""
    lang = _lang(update)
    count = len(context.bot_data["engine"].documents)
    await update.message.reply_text(text("start", lang, count=count,
                                         example=text("example", lang)))


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/help: how to ask, the buttons, groups and inline mode."""
    await update.message.reply_text(text("help", _lang(update), username=context.bot.username))


async def sources(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/sources: the indexed articles, so that users know what they can ask about."""
    for message in html_sources(context.bot_data["engine"].documents, _lang(update)):
        await update.message.reply_text(message)


async def ask(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/ask QUESTION: the way to ask in groups (works in private chats too)."""
    await _answer(update, context, question_text(update.message.text, context.bot.username))


async def question(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A text message: a question if it is for the bot; other group talk is left alone."""
    if addressed_to(update.message, context.bot.bot):
        await _answer(update, context, question_text(update.message.text, context.bot.username))


async def not_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A sticker, photo, voice message… in a private chat: ask for a question as text."""
    await update.message.reply_text(text("not_text", _lang(update)))


async def _answer(update: Update, context: ContextTypes.DEFAULT_TYPE, question: str) -> None:
    """Replies to the question's message with its excerpts, or says the articles do not answer.
    The replies quote the question: the buttons read it back from there."""
    started = time.perf_counter()
    message, lang = update.message, _lang(update)
    if not question:
        await message.reply_text(text("ask_empty", lang, example=text("example", lang)),
                                 do_quote=True)
        return
    await message.reply_chat_action(ChatAction.TYPING)
    top_k = context.bot_data["top_k"]
    answer, engine_ms = _ask_engine(context, question, top_k + 1)  # one more: is there a next?
    shown = answer.excerpts[:top_k]
    if not shown:
        await message.reply_text(text("no_answer", lang), do_quote=True)
    else:
        parts = html_answer(shown)
        keyboard = answer_keyboard(shown[0], 0, _next_offset(answer, top_k), lang)
        for n, (html, _) in enumerate(parts, start=1):
            await message.reply_text(html, do_quote=True,
                                     reply_markup=keyboard if n == len(parts) else None)
    _log_answered(update, "question", len(shown), engine_ms, started)


def _next_offset(answer: Answer, shown: int) -> int | None:
    """Where "Autres extraits" starts: after the `shown` first excerpts, if there are more."""
    return shown if len(answer.excerpts) > shown else None


class View(NamedTuple):
    """What a button shows in place of the answer."""

    html: str
    keyboard: InlineKeyboardMarkup
    results: int
    engine_ms: float


def _view(press: Press | None, message: MaybeInaccessibleMessage | None,
          context: ContextTypes.DEFAULT_TYPE, lang: str) -> View | None:
    """The paragraph or the page of excerpts a button asks for, or None when it cannot be
    shown any more (corpus changed, question deleted)."""
    if isinstance(press, ShowContext):
        document = context.bot_data["documents"].get(press.document)
        html = document and html_context(document, press.start, press.end)
        return View(html, context_keyboard(press.offset, lang), 1, 0.0) if html else None
    if not (isinstance(press, ShowExcerpts) and isinstance(message, Message)
            and message.reply_to_message and message.reply_to_message.text):
        return None
    question = question_text(message.reply_to_message.text, context.bot.username)
    top_k = context.bot_data["top_k"]
    answer, engine_ms = _ask_engine(context, question, press.offset + top_k + 1)
    page = answer.excerpts[press.offset:press.offset + top_k]
    if not page:
        return None
    html, count = html_answer(page)[0]  # an edit is one message: as many as fit
    keyboard = answer_keyboard(page[0], press.offset,
                               _next_offset(answer, press.offset + count), lang)
    return View(html, keyboard, count, engine_ms)


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """"Contexte" or "Autres extraits": answer the button press at once, then edit the answer."""
    started = time.perf_counter()
    query, lang = update.callback_query, _lang(update)
    press = decode(query.data)
    view = _view(press, query.message, context, lang)
    if view is None:
        await query.answer(text("gone", lang))
        return
    await query.answer()
    try:
        await query.edit_message_text(view.html, reply_markup=view.keyboard)
    except BadRequest as e:
        if "not modified" not in e.message:  # a double tap shows what is already shown
            raise
    _log_answered(update, "context" if isinstance(press, ShowContext) else "more", view.results,
                  view.engine_ms, started)


async def inline_query(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """"@BotName question" in any chat: the top excerpts; choosing one sends it with its source."""
    started = time.perf_counter()
    query = update.inline_query
    answer, engine_ms = _ask_engine(context, question_text(query.query, context.bot.username),
                                    context.bot_data["top_k"])
    results = [
        InlineQueryResultArticle(
            id=str(n),
            title=shorten(source_label(excerpt.source), INLINE_TITLE_CHARS),
            description=shorten(one_line(excerpt.text), INLINE_DESCRIPTION_CHARS),
            input_message_content=InputTextMessageContent(html_excerpt(excerpt)),
        )
        for n, excerpt in enumerate(answer.excerpts)
    ]
    await query.answer(results, cache_time=INLINE_CACHE_SECONDS)
    _log_answered(update, "inline", len(results), engine_ms, started)


async def error_handler(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Logs the error (never the message's text) and gives the user a short apology."""
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("update %s failed", update_id, exc_info=context.error)
    if isinstance(update, Update) and update.effective_message:
        await update.effective_message.reply_text(text("sorry", _lang(update)))


async def post_init(application: Application) -> None:
    """Builds the index once, before the first update, and registers the commands."""
    logging.getLogger("telegram.ext").setLevel(logging.NOTSET)  # started: see run_bot
    engine = AnswerEngine.from_folder(application.bot_data["corpus"])
    application.bot_data["engine"] = engine
    application.bot_data["documents"] = {document_key(d.id): d for d in engine.documents}
    engine.answer(text("example"))  # loads the language data now, not for the first user
    for lang in MESSAGES:
        await application.bot.set_my_commands(
            [BotCommand(c, text(f"command_{c}", lang)) for c in COMMANDS],
            language_code=None if lang == "fr" else lang)
    log.info("@%s is up: %d article(s) indexed", application.bot.username, len(engine.documents))


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
        .defaults(Defaults(parse_mode=ParseMode.HTML, allow_sending_without_reply=True,
                           link_preview_options=LinkPreviewOptions(is_disabled=True)))
        .rate_limiter(AIORateLimiter(max_retries=FLOOD_RETRIES))
        .concurrent_updates(True)
        .post_init(post_init)
    )
    if settings.telegram_api_base_url:
        builder = builder.base_url(settings.telegram_api_base_url)
    application = builder.build()
    application.bot_data.update(corpus=corpus, top_k=settings.top_k)
    application.add_handlers([
        CommandHandler("start", start),
        CommandHandler("help", help_command),
        CommandHandler("sources", sources),
        CommandHandler("ask", ask),
        MessageHandler(QUESTION, question),
        MessageHandler(NOT_TEXT, not_text),
        CallbackQueryHandler(button),
        InlineQueryHandler(inline_query),
    ])
    application.add_error_handler(error_handler)
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
