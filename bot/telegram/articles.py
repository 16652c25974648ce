"""Live articles from Telegram: administrators add a page (/add URL, a bare link, a file) or
remove one (/remove DOCUMENT); the corpus folder is watched, and each change swaps in a new
engine, built beside the one answering, off the event loop. Pages are fetched on a pool of their
own and new engines built on another (workers.py): slow pages hold up neither.

Everyone else gets a short polite refusal. Fetching and saving are the engine's
(retrieval/articles/web.py, the same as `python -m bot add`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path

from telegram import Update
from telegram.constants import ChatAction

from retrieval import (FILE_TYPES, MAX_BYTES, REMOVED_FOLDER, ArticleError, Document,
                       IndexUnavailable, add_file, add_page, article_changes, rebuilt,
                       remove_article)

from ..messages import text
from .context import BotContext, BotData
from .handlers import question_text, user_language
from .html import escape
from .monitoring import FETCH_REFUSALS, REBUILDS
from .workers import run_in

log = logging.getLogger(__name__)


async def add(update: Update, context: BotContext) -> None:
    """/add URL: an administrator adds the article at the link (a link only: a path would name
    a file of the server, such as its .env)."""
    if await _refused(update, context):
        return
    url = question_text(update.message.text, context.bot.username)
    if not url:
        await update.message.reply_text(text("add_usage", user_language(update)))
        return
    await _add_link(update, context, url)


async def link(update: Update, context: BotContext) -> None:
    """A private message that is only a link: an administrator's is added, not asked about."""
    if not await _refused(update, context):
        await _add_link(update, context, update.message.text.strip())


async def upload(update: Update, context: BotContext) -> None:
    """A file in a private chat: an administrator's .html, .txt or .md file is added."""
    message, lang = update.message, user_language(update)
    document = message.document
    name = document.file_name or ""
    if Path(name).suffix.lower() not in FILE_TYPES and not context.bot_data.is_admin(
            update.effective_user.id):
        await message.reply_text(text("not_text", lang))
        return
    if await _refused(update, context):
        return
    if (document.file_size or 0) > MAX_BYTES:
        await _reply_error(update, ArticleError("too_large", bytes=MAX_BYTES))
        return
    data = bytes(await (await document.get_file()).download_as_bytearray())
    corpus = context.bot_data.corpus
    await _add(update, context, lambda: add_file(name, data, corpus))


async def remove(update: Update, context: BotContext) -> None:
    """/remove DOCUMENT: an administrator takes an article out (kept in the folder's .removed/)."""
    if await _refused(update, context):
        return
    message, lang = update.message, user_language(update)
    document = question_text(message.text, context.bot.username)
    if not document:
        await message.reply_text(text("remove_usage", lang))
        return
    try:
        await run_in(context.bot_data.pools.rebuilds, remove_article, context.bot_data.corpus,
                     document)
    except ArticleError as e:
        await _reply_error(update, e)
        return
    await reload_engine(context.bot_data)
    await message.reply_text(text("article_removed", lang, document=escape(document),
                                  folder=f"{REMOVED_FOLDER}/"), do_quote=True)
    log.info("update %d: administrator %d removed article %s", update.update_id,
             update.effective_user.id, document)


async def _refused(update: Update, context: BotContext) -> bool:
    """Replies with a polite refusal, and says so, unless the user is an administrator."""
    user = update.effective_user
    if context.bot_data.is_admin(user.id if user else None):
        return False
    await update.message.reply_text(text("not_admin", user_language(update)), do_quote=True)
    return True


async def _add_link(update: Update, context: BotContext, url: str) -> None:
    bot_data = context.bot_data
    await _add(update, context,
               lambda: add_page(url, bot_data.corpus, bot_data.allow_private_urls))


async def _add(update: Update, context: BotContext, save: Callable[[], Document]) -> None:
    """Saves the article (on the fetching pool: a fetch takes up to 20 s), swaps in an engine
    that answers from it, then says what was added."""
    message = update.message
    await message.reply_chat_action(ChatAction.TYPING)
    try:
        document = await _unless_stopping(context.bot_data, save)
    except ArticleError as e:
        await _reply_error(update, e)
        return
    await reload_engine(context.bot_data)
    await message.reply_text(
        text("article_added_html", user_language(update), title=escape(document.title),
             count=len(document.paragraphs), document=escape(document.id)), do_quote=True)
    log.info("update %d: administrator %d added article %s (%d paragraphs)", update.update_id,
             update.effective_user.id, document.id, len(document.paragraphs))


async def _unless_stopping(bot_data: BotData, save: Callable[[], Document]) -> Document:
    """save() on the fetching pool; a stop does not wait for it: the update is then left
    unanswered (cancelled, so not confirmed), and Telegram sends it again after a restart."""
    saving = asyncio.ensure_future(run_in(bot_data.pools.fetches, save))
    stopping = asyncio.ensure_future(bot_data.stopping.wait())
    await asyncio.wait({saving, stopping}, return_when=asyncio.FIRST_COMPLETED)
    stopping.cancel()
    if not saving.done():
        saving.cancel()  # the thread finishes on its own; nobody waits for it
        raise asyncio.CancelledError
    return saving.result()


async def _reply_error(update: Update, error: ArticleError) -> None:
    """One clear reply for an article that cannot be added or removed."""
    FETCH_REFUSALS.labels(error.reason).inc()
    # Numbers stay numbers (a count takes its plural, a size its unit); the rest is escaped.
    values = {k: v if isinstance(v, int | float) else escape(str(v))
              for k, v in error.values.items()}
    reply = text(f"article_{error.reason}", user_language(update), **values)
    await update.message.reply_text(reply[:1].upper() + reply[1:], do_quote=True)


async def reload_engine(bot_data: BotData, changed: frozenset[Path] = frozenset()) -> None:
    """Builds the engine for the articles as they are now beside the one answering (in a
    thread: answers go on meanwhile), then swaps it in at once."""
    async with bot_data.reloading:
        try:
            engine = await run_in(bot_data.pools.rebuilds, rebuilt, bot_data.engine,
                                  bot_data.corpus, changed)
        except Exception:
            REBUILDS.labels("failed").inc()
            raise
        REBUILDS.labels("ok").inc()
        bot_data.use(engine)
    log.info("articles reloaded: %d indexed", len(engine.articles))


async def watch_corpus(bot_data: BotData) -> None:
    """Swaps in a new engine whenever articles of the corpus folder change, until cancelled; a
    failed build is logged, and the previous engine keeps answering."""
    async for changed in article_changes(bot_data.corpus):
        try:
            await reload_engine(bot_data, frozenset(changed))
        except IndexUnavailable as e:  # an expected outage: one line
            log.warning("the articles changed, but no new engine could be built: %s", e)
        except Exception:
            log.exception("the articles changed, but no new engine could be built")
