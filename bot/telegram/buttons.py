"""The buttons under an answer. Their callback data carries all that a press needs, within
Telegram's 64 bytes, so buttons keep working after a restart: the bot keeps no state in memory.

The question itself is not in the data (it may be long): it is read again from the message the
answer replies to.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import InlineKeyboardButtonLimit

from retrieval import Excerpt

from ..messages import text

# Telegram's limit for a button's callback data, in bytes.
MAX_CALLBACK_DATA = InlineKeyboardButtonLimit.MAX_CALLBACK_DATA
# Pages of "more excerpts" end somewhere, even for a question that matches everything.
MAX_OFFSET = 99
# A document key is this many bytes of the id's hash (72 bits: no two ids of an archive of
# millions of articles share one), written in base64: 4 characters for 3 bytes.
DOCUMENT_KEY_BYTES = 9
DOCUMENT_KEY_CHARS = DOCUMENT_KEY_BYTES * 4 // 3
# Offsets in an article file: up to 10 digits, files of up to 10 GB.
OFFSET_DIGITS = 10
# A quote's digest: 6 bytes of its hash (one edit in 2^48 passes unseen), 8 characters.
QUOTE_DIGEST_BYTES = 6
QUOTE_DIGEST_CHARS = QUOTE_DIGEST_BYTES * 4 // 3


@dataclass(frozen=True)
class ShowContext:
    """Show the paragraph around document[start:end], if it still reads as quoted (`quote` is
    the quote's digest); `offset` is the page to go back to."""

    offset: int
    document: str
    start: int
    end: int
    quote: str


@dataclass(frozen=True)
class ShowExcerpts:
    """Show the answer's excerpts from number `offset` (0-based) on."""

    offset: int


Press = ShowContext | ShowExcerpts

_PAGE = rf"(\d{{1,{len(str(MAX_OFFSET))}}})"
_POSITION = rf"(\d{{1,{OFFSET_DIGITS}}})"
# The callback data of each kind of button; the application routes presses by these.
CONTEXT_DATA = re.compile(rf"c:{_PAGE}:([A-Za-z0-9_-]{{{DOCUMENT_KEY_CHARS}}}):{_POSITION}:"
                          rf"{_POSITION}:([A-Za-z0-9_-]{{{QUOTE_DIGEST_CHARS}}})\Z")
EXCERPTS_DATA = re.compile(rf"m:{_PAGE}\Z")


def _short_hash(text: str, size: int) -> str:
    """`size` bytes of the text's hash, in URL-safe base64."""
    digest = hashlib.sha256(text.encode()).digest()
    return base64.urlsafe_b64encode(digest[:size]).decode()


def document_key(document_id: str) -> str:
    """A short fixed-size key for a document id (file names can be long)."""
    return _short_hash(document_id, DOCUMENT_KEY_BYTES)


def quote_digest(quote: str) -> str:
    """A short digest of a quote's text: a button can tell that its article was edited."""
    return _short_hash(quote, QUOTE_DIGEST_BYTES)


def encode(press: Press) -> str:
    """The callback data of a button: at most 48 bytes, within MAX_CALLBACK_DATA."""
    if isinstance(press, ShowContext):
        return f"c:{press.offset}:{press.document}:{press.start}:{press.end}:{press.quote}"
    return f"m:{press.offset}"


def decode(data: str | None) -> Press | None:
    """What a button asks for, or None for data this bot did not make."""
    if m := CONTEXT_DATA.match(data or ""):
        return ShowContext(int(m[1]), m[2], int(m[3]), int(m[4]), m[5])
    if m := EXCERPTS_DATA.match(data or ""):
        return ShowExcerpts(int(m[1]))
    return None


def answer_keyboard(first: Excerpt, offset: int, next_offset: int | None,
                    lang: str) -> InlineKeyboardMarkup:
    """"Contexte" for the first excerpt shown, and "Autres extraits" when there are more."""
    source = first.source
    row = [InlineKeyboardButton(text("button_context", lang), callback_data=encode(
        ShowContext(offset, document_key(source.document), source.start, source.end,
                    quote_digest(first.text))))]
    if next_offset is not None and next_offset <= MAX_OFFSET:
        row.append(InlineKeyboardButton(text("button_more", lang),
                                        callback_data=encode(ShowExcerpts(next_offset))))
    return InlineKeyboardMarkup([row])


def context_keyboard(offset: int, lang: str) -> InlineKeyboardMarkup:
    """Back from a paragraph to the excerpts it was opened from."""
    return InlineKeyboardMarkup([[InlineKeyboardButton(
        text("button_back", lang), callback_data=encode(ShowExcerpts(offset)))]])
