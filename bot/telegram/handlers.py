"""The handlers of messages, commands and inline queries: thin, the engine does the work."""

from __future__ import annotations

import logging
import re
import time

from telegram import (InlineQueryResultArticle, InputTextMessageContent, Message, MessageEntity,
                      Update, User)
from telegram.constants import ChatAction, ChatType
from telegram.error import TelegramError

from retrieval import UNSURE, Answer, IndexUnavailable, Previous

from ..messages import language, small_talk, text
from ..quotes import one_line, source_label
from .buttons import answer_keyboard
from .context import BotContext
from .followups import leaned_on
from .html import html_answer, html_excerpt, html_nearest, html_sources, shorten
from .monitoring import ANSWER_SECONDS, QUESTIONS
from .workers import run_in

log = logging.getLogger(__name__)

# Inline results: Telegram shows a one-line title and two lines of description.
INLINE_TITLE_CHARS = 100
INLINE_DESCRIPTION_CHARS = 150
# Answers change only when the corpus does; Telegram may reuse an inline answer that long.
INLINE_CACHE_SECONDS = 300
# "typing…" is a courtesy: after this long it is dropped rather than waited for.
TYPING_TIMEOUT = 2.0

# How PTB quotes a server's answer that is not JSON, e.g. a proxy's HTML error page.
_QUOTED_PAGE = re.compile(r"\. Parsing the server response .* failed$", re.DOTALL)
# A leading "/ask" or "/ask@BotName".
_COMMAND = re.compile(r"^/\w+(?:@\w+)?")
# Zero-width and bidirectional-control characters: invisible, and they cut words in two.
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


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


def user_language(update: Update) -> str:
    """The interface language of the user behind an update."""
    user = update.effective_user
    return language(user.language_code if user else None)


async def ask_engine(context: BotContext, question: str, top_k: int,
                     previous: Previous | None = None) -> tuple[Answer, float]:
    """The engine's answer (read with `previous` if it leans on it), worked out on the answer
    threads, and the time it took (ms)."""
    started = time.perf_counter()
    bot_data = context.bot_data
    answer = await run_in(bot_data.pools.answers, bot_data.engine.answer, question, top_k,
                          previous)
    seconds = time.perf_counter() - started
    ANSWER_SECONDS.observe(seconds)
    return answer, seconds * 1000


async def send_typing(message: Message) -> None:
    """"typing…" while the engine works: best effort, it never holds up or fails an answer."""
    try:
        await message.reply_chat_action(ChatAction.TYPING, read_timeout=TYPING_TIMEOUT,
                                        write_timeout=TYPING_TIMEOUT,
                                        connect_timeout=TYPING_TIMEOUT,
                                        pool_timeout=TYPING_TIMEOUT)
    except TelegramError as e:
        log.debug("typing action not sent: %s", e)


def log_answered(update: Update, what: str, results: int, engine_ms: float,
                 started: float, outcome: str | None = None) -> None:
    """The one log line of an answered update: no text, only what was done and how fast. A
    question's `outcome` (answered, unsure, none) is counted; a button or small talk has none."""
    chat = update.effective_chat.type if update.effective_chat else "inline"
    if outcome is not None:
        QUESTIONS.labels(outcome).inc()
    log.info("update %d (%s %s): %d result(s), engine %.1f ms, total %.1f ms", update.update_id,
             chat, what, results, engine_ms, (time.perf_counter() - started) * 1000)


def next_offset(answer: Answer, shown: int) -> int | None:
    """Where "Autres extraits" starts: after the `shown` first excerpts, if there are more."""
    return shown if len(answer.excerpts) > shown else None


async def start(update: Update, context: BotContext) -> None:
    """/start: what the bot does, with an example question."""
    lang = user_language(update)
    count = len(context.bot_data.engine.articles)
    await update.message.reply_text(text("start", lang, count=count,
                                         example=text("example", lang)))


async def help_command(update: Update, context: BotContext) -> None:
    """/help: how to ask, the buttons, groups and inline mode."""
    await update.message.reply_text(text("help", user_language(update),
                                         username=context.bot.username))


async def sources(update: Update, context: BotContext) -> None:
    """/sources: the indexed articles, so that users know what they can ask about (with their
    ids for administrators, who may remove them)."""
    user = update.effective_user
    for message in html_sources(context.bot_data.engine.articles, user_language(update),
                                ids=context.bot_data.is_admin(user.id if user else None)):
        await update.message.reply_text(message)


async def ask(update: Update, context: BotContext) -> None:
    """/ask QUESTION: the way to ask in groups (works in private chats too)."""
    await answer_question(update, context,
                          question_text(update.message.text, context.bot.username))


async def question(update: Update, context: BotContext) -> None:
    """A text message: a question if it is for the bot; other group talk is left alone."""
    if addressed_to(update.message, context.bot.bot):
        await answer_question(update, context,
                              question_text(update.message.text, context.bot.username))


async def not_text(update: Update, context: BotContext) -> None:
    """A sticker, photo, voice message… in a private chat: ask for a question as text."""
    await update.message.reply_text(text("not_text", user_language(update)))


async def answer_question(update: Update, context: BotContext, question: str) -> None:
    """Replies to the question's message with its excerpts, or says the articles do not answer.
    The replies quote the question: the buttons read it back from there. A follow-up (« et
    pourquoi ? ») is read with the answer it replies to, or the private chat's last question."""
    started = time.perf_counter()
    message, lang = update.message, user_language(update)
    if not question:
        await message.reply_text(text("ask_empty", lang, example=text("example", lang)),
                                 do_quote=True)
        return
    if (key := small_talk(question)) is not None:
        await message.reply_text(text(key, lang), do_quote=True)
        log_answered(update, key, 0, 0.0, started)
        return
    context.application.create_task(send_typing(message))
    bot_data = context.bot_data
    top_k = bot_data.top_k
    previous = leaned_on(message, context.bot.bot, bot_data.document_ids, bot_data.recent)
    # One more than shown: is there a next page?
    answer, engine_ms = await ask_engine(context, question, top_k + 1, previous)
    if message.chat.type == ChatType.PRIVATE and answer.conversation:
        bot_data.recent.put(message.chat.id, answer.conversation)
    shown = answer.excerpts[:top_k]
    if answer.outcome == UNSURE:
        for html in html_nearest(answer.nearest, lang):
            await message.reply_text(html, do_quote=True)
    elif not shown:
        await message.reply_text(text("no_answer", lang), do_quote=True)
    else:
        parts = html_answer(shown)
        keyboard = answer_keyboard(shown[0], 0, next_offset(answer, top_k), lang)
        for n, (html, _) in enumerate(parts, start=1):
            await message.reply_text(html, do_quote=True,
                                     reply_markup=keyboard if n == len(parts) else None)
    log_answered(update, "question", len(shown), engine_ms, started, answer.outcome)


async def inline_query(update: Update, context: BotContext) -> None:
    """"@BotName question" in any chat: the top excerpts; choosing one sends it with its source.
    When the engine is not sure, the nearest passages, labelled as such in the list and in the
    message sent."""
    started = time.perf_counter()
    query = update.inline_query
    question = question_text(query.query, context.bot.username)
    answer, engine_ms = await ask_engine(context, question, context.bot_data.top_k)
    label = text("nearest_label", user_language(update)) if answer.outcome == UNSURE else None
    results = [
        InlineQueryResultArticle(
            id=str(n),
            title=shorten((f"{label.capitalize()} — " if label else "")
                          + source_label(excerpt.source), INLINE_TITLE_CHARS),
            description=shorten(one_line(excerpt.text), INLINE_DESCRIPTION_CHARS),
            input_message_content=InputTextMessageContent(html_excerpt(excerpt, label)),
        )
        for n, excerpt in enumerate(answer.excerpts or answer.nearest)
    ]
    await query.answer(results, cache_time=INLINE_CACHE_SECONDS)
    log_answered(update, "inline", len(results), engine_ms, started, answer.outcome)


def describe(error: TelegramError) -> str:
    """A Telegram error in one line, without the page a proxy may have answered instead of the
    Bot API (PTB quotes it whole)."""
    return _QUOTED_PAGE.sub(" (not an answer of the Bot API)", str(error))


async def error_handler(update: object, context: BotContext) -> None:
    """Logs the error (never the message's text) and gives the user a short apology."""
    update_id = update.update_id if isinstance(update, Update) else None
    if isinstance(context.error, TelegramError):  # Telegram's answer says it all: one line
        log.error("update %s failed: %s", update_id, describe(context.error))
    elif isinstance(context.error, IndexUnavailable):  # an expected outage: one line
        log.warning("update %s not answered: %s", update_id, context.error)
    else:
        log.error("update %s failed", update_id, exc_info=context.error)
    if isinstance(update, Update) and update.effective_message:
        await update.effective_message.reply_text(text("sorry", user_language(update)))
