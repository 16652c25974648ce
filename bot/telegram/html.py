"""Answers as Telegram HTML, split to Telegram's limits. Pure functions."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import replace

from telegram.constants import MessageLimit

from retrieval import Context, Document, Excerpt, Source

from ..messages import text
from ..quotes import mark, one_line

# Caps that keep any one excerpt block well inside a message, whatever the articles hold.
MAX_QUOTE_CHARS = 1000
MAX_BOLD = 30
MAX_TITLE_CHARS = 200
MAX_CONTEXT_CHARS = 3000
# /sources lists this many articles, then says how many more: an archive would flood the chat.
MAX_SOURCES = 100


def escape(s: str) -> str:
    """Text for Telegram's HTML: only <, > and & are special outside attributes."""
    return html.escape(s, quote=False)


def shorten(s: str, limit: int) -> str:
    """s cut at a word boundary to at most `limit` characters, with "…" when cut."""
    if len(s) <= limit:
        return s
    cut = s.rfind(" ", 0, limit)
    if cut <= 0:
        cut = limit - 1
    return s[:cut].rstrip() + "…"


def visible_length(message: str) -> int:
    """The length Telegram counts for an HTML message: tags removed, entities decoded, in
    UTF-16 code units."""
    plain = html.unescape(re.sub(r"<[^>]*>", "", message))
    return len(plain.encode("utf-16-le")) // 2


def entity_count(message: str) -> int:
    """How many formatting entities an HTML message makes: one per opening tag."""
    return len(re.findall(r"<[a-z]", message))


def fits(message: str) -> bool:
    """Whether Telegram accepts the HTML message as one message."""
    return (visible_length(message) <= MessageLimit.MAX_TEXT_LENGTH
            and entity_count(message) <= MessageLimit.MESSAGE_ENTITIES)


def pack(blocks: list[str], separator: str = "\n\n") -> list[list[str]]:
    """Blocks grouped into as few messages as Telegram's limits allow, never split inside."""
    groups: list[list[str]] = []
    for block in blocks:
        if groups and fits(separator.join([*groups[-1], block])):
            groups[-1].append(block)
        else:
            groups.append([block])
    return groups


def html_source(source: Source) -> str:
    """The source line under a quote: the title (linked when the article has a url), the date
    when known, §N."""
    title = escape(shorten(source.title, MAX_TITLE_CHARS))
    if source.url and source.url.startswith(("http://", "https://")):
        title = f'<a href="{html.escape(source.url)}">{title}</a>'
    date = f" ({escape(source.date)})" if source.date else ""
    return f"— {title}{date}, §{source.paragraph}"


def html_excerpt(excerpt: Excerpt, label: str | None = None) -> str:
    """One quote in a blockquote, matched words in bold, then its source (and the label of a
    nearest passage, which is not an answer)."""
    quote = shorten(excerpt.text, MAX_QUOTE_CHARS)
    kept = len(quote) if quote == excerpt.text else len(quote) - 1  # "…" is not the article's
    highlights = tuple(h for h in sorted(excerpt.highlights) if h[1] <= kept)[:MAX_BOLD]
    shown = replace(excerpt, text=quote, highlights=highlights)
    tag = f" — <i>{escape(label)}</i>" if label else ""
    return (f"<blockquote>{one_line(mark(shown, '<b>', '</b>', escape))}</blockquote>\n"
            f"{html_source(excerpt.source)}{tag}")


def html_answer(excerpts: Sequence[Excerpt]) -> list[tuple[str, int]]:
    """The excerpts in as few messages as Telegram allows, split between excerpts: each
    message with how many excerpts it holds."""
    groups = pack([html_excerpt(e) for e in excerpts])
    return [("\n\n".join(group), len(group)) for group in groups]


def html_nearest(excerpts: Sequence[Excerpt], lang: str = "fr") -> list[str]:
    """"No sure answer", then the nearest passages, each labelled as such: as few messages as
    Telegram allows."""
    label = text("nearest_label", lang)
    blocks = [text("unsure", lang), *(html_excerpt(e, label) for e in excerpts)]
    return ["\n\n".join(group) for group in pack(blocks)]


def html_context(context: Context) -> str:
    """The paragraph around a quote, the quote in bold, then its source; cut around the quote
    when the paragraph is long."""
    start, end = context.quote
    before, quote, after = (context.paragraph[:start], context.paragraph[start:end],
                            context.paragraph[end:])
    room = max(0, MAX_CONTEXT_CHARS - len(quote)) // 2
    if len(before) > room:
        before = "…" + before[len(before) - room:].lstrip()
    if len(after) > room:
        after = shorten(after, room)
    quote = shorten(quote, MAX_CONTEXT_CHARS)
    body = one_line(f"{escape(before)}<b>{escape(quote)}</b>{escape(after)}")
    return f"<blockquote>{body}</blockquote>\n{html_source(context.source)}"


def html_sources(documents: Sequence[Document], lang: str = "fr", ids: bool = False
                 ) -> list[str]:
    """The indexed articles, one block each (title, date, url, paragraph count, and with `ids`
    the id that /remove takes), in as few messages as Telegram allows; past MAX_SOURCES, how
    many more."""
    blocks = [text("sources_title", lang, count=len(documents))]
    for doc in documents[:MAX_SOURCES]:
        date = f" ({escape(doc.date)})" if doc.date else ""
        line = (f"• <b>{escape(shorten(doc.title, MAX_TITLE_CHARS))}</b>{date} — "
                + text("paragraphs", lang, count=len(doc.paragraphs)))
        if doc.url:
            line += f"\n{escape(shorten(doc.url, MAX_TITLE_CHARS))}"
        if ids:
            line += f"\n<code>{escape(doc.id)}</code>"
        blocks.append(line)
    if len(documents) > MAX_SOURCES:
        blocks.append(text("more_sources", lang, count=len(documents) - MAX_SOURCES))
    return ["\n".join(group) for group in pack(blocks, "\n")]
