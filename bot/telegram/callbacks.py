"""The buttons under an answer, one callback per kind, routed by their callback data.

Each press is answered at once (the spinner stops), then the answer message is edited in place.
A button that cannot be served any more (the article changed, the question was deleted, data
this bot did not make) gets a short notice instead.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable

from telegram import Message, Update
from telegram.error import BadRequest

from ..messages import text
from .buttons import (ShowContext, ShowExcerpts, answer_keyboard, context_keyboard, decode,
                      quote_digest)
from .context import BotContext
from .handlers import ask_engine, log_answered, next_offset, question_text, user_language
from .html import html_answer, html_context


async def show_context(update: Update, context: BotContext) -> None:
    """"Contexte": the whole paragraph of the quote, with a button back to the excerpts."""
    started = time.perf_counter()
    query, lang = update.callback_query, user_language(update)
    press = decode(query.data)
    document_id = isinstance(press, ShowContext) and context.bot_data.document_ids.get(
        press.document)
    found = document_id and context.bot_data.engine.context(document_id, press.start, press.end)
    if not found or quote_digest(found.paragraph[slice(*found.quote)]) != press.quote:
        await gone(update, context)
        return
    await query.answer()
    await _edit(query.edit_message_text(html_context(found),
                                        reply_markup=context_keyboard(press.offset, lang)))
    log_answered(update, "context", 1, 0.0, started)


async def show_excerpts(update: Update, context: BotContext) -> None:
    """"Autres extraits" (or back from a paragraph): a page of the answer's excerpts, the
    question read back from the message the answer replies to."""
    started = time.perf_counter()
    query, lang = update.callback_query, user_language(update)
    press, message = decode(query.data), query.message
    asked = message.reply_to_message if isinstance(message, Message) else None
    if not (isinstance(press, ShowExcerpts) and asked and asked.text):
        await gone(update, context)
        return
    top_k = context.bot_data.top_k
    question = question_text(asked.text, context.bot.username)
    answer, engine_ms = await ask_engine(context, question, press.offset + top_k + 1)
    page = answer.excerpts[press.offset:press.offset + top_k]
    if not page:
        await gone(update, context)
        return
    html, count = html_answer(page)[0]  # an edit is one message: as many as fit
    keyboard = answer_keyboard(page[0], press.offset,
                               next_offset(answer, press.offset + count), lang)
    await query.answer()
    await _edit(query.edit_message_text(html, reply_markup=keyboard))
    log_answered(update, "more", count, engine_ms, started)


async def gone(update: Update, context: BotContext) -> None:
    """A button that cannot be served (any more): a short notice in place of the spinner."""
    await update.callback_query.answer(text("gone", user_language(update)))


async def _edit(edit: Awaitable[object]) -> None:
    """Awaits an edit; a double tap, which shows what is already shown, is not an error."""
    try:
        await edit
    except BadRequest as e:
        if "not modified" not in e.message:
            raise
