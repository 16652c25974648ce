"""Rendering answers: once for the terminal, once for Telegram (HTML). Pure functions."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import replace

from retrieval.documents import Document
from retrieval.engine import Answer
from retrieval.excerpts import Excerpt, Source

from .messages import text

BOLD, RESET = "\033[1m", "\033[0m"


def mark(excerpt: Excerpt, before: str, after: str, escape=lambda s: s) -> str:
    """The excerpt with every highlighted span wrapped in before/after, the rest escaped."""
    out, pos = [], 0
    for start, end in sorted(excerpt.highlights):
        if start < pos:
            continue
        out += [escape(excerpt.text[pos:start]), before, escape(excerpt.text[start:end]), after]
        pos = end
    out.append(escape(excerpt.text[pos:]))
    return "".join(out)


def one_line(s: str) -> str:
    """Line breaks and runs of spaces inside a quote shown as single spaces."""
    return " ".join(s.split())


def source_line(excerpt: Excerpt) -> str:
    """"Title, §N (url)" for the terminal."""
    s = excerpt.source
    return source_label(s) + (f" ({s.url})" if s.url else "")


def render_terminal(answer: Answer, color: bool = False, lang: str = "fr") -> str:
    """The answer as a person reads it in a terminal; bold matched words when color is on."""
    if not answer.answered:
        return text("no_answer_cli", lang)
    before, after = (BOLD, RESET) if color else ("", "")
    blocks = []
    for n, excerpt in enumerate(answer.excerpts, start=1):
        quote = one_line(mark(excerpt, before, after))
        blocks.append(f"{n}. « {quote} »\n   — {source_line(excerpt)}")
    return "\n\n".join(blocks)


def answer_json(answer: Answer) -> dict:
    """The answer as the JSON object of `python -m bot ask --json`."""
    return {
        "question": answer.question,
        "answered": answer.answered,
        "results": [
            {
                "excerpt": e.text,
                "score": e.score,
                "highlights": [list(h) for h in e.highlights],
                "source": {
                    "document": e.source.document,
                    "title": e.source.title,
                    "url": e.source.url,
                    "paragraph": e.source.paragraph,
                    "start": e.source.start,
                    "end": e.source.end,
                },
            }
            for e in answer.excerpts
        ],
    }


# Telegram's limits for one message: characters after HTML parsing (counted in UTF-16 code
# units, as Telegram does) and formatting entities.
TELEGRAM_MAX_LENGTH = 4096
TELEGRAM_MAX_ENTITIES = 100
# Caps that keep any one excerpt block well inside a message, whatever the articles hold.
MAX_QUOTE_CHARS = 1000
MAX_BOLD = 30
MAX_TITLE_CHARS = 200
MAX_CONTEXT_CHARS = 3000
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
    """The length Telegram counts for an HTML message: tags removed, entities decoded."""
    plain = html.unescape(re.sub(r"<[^>]*>", "", message))
    return len(plain.encode("utf-16-le")) // 2


def entity_count(message: str) -> int:
    """How many formatting entities an HTML message makes: one per opening tag."""
    return len(re.findall(r"<[a-z]", message))


def fits(message: str) -> bool:
    """Whether Telegram accepts the HTML message as one message."""
    return (visible_length(message) <= TELEGRAM_MAX_LENGTH
            and entity_count(message) <= TELEGRAM_MAX_ENTITIES)


def pack(blocks: list[str], separator: str = "\n\n") -> list[list[str]]:
    """Blocks grouped into as few messages as Telegram's limits allow, never split inside."""
    groups: list[list[str]] = []
    for block in blocks:
        if groups and fits(separator.join([*groups[-1], block])):
            groups[-1].append(block)
        else:
            groups.append([block])
    return groups


def source_label(source: Source) -> str:
    """"Title, §N": where a quote comes from, in plain text."""
    return f"{source.title}, §{source.paragraph}"


def html_source(source: Source) -> str:
    """The source line under a quote: the title (linked when the article has a url), §N."""
    title = escape(shorten(source.title, MAX_TITLE_CHARS))
    if source.url and source.url.startswith(("http://", "https://")):
        title = f'<a href="{html.escape(source.url)}">{title}</a>'
    return f"— {title}, §{source.paragraph}"


def html_excerpt(excerpt: Excerpt) -> str:
    """One quote in a blockquote, matched words in bold, then its source."""
    quote = shorten(excerpt.text, MAX_QUOTE_CHARS)
    kept = len(quote) if quote == excerpt.text else len(quote) - 1  # "…" is not the article's
    highlights = tuple(h for h in sorted(excerpt.highlights) if h[1] <= kept)[:MAX_BOLD]
    shown = replace(excerpt, text=quote, highlights=highlights)
    return (f"<blockquote>{one_line(mark(shown, '<b>', '</b>', escape))}</blockquote>\n"
            f"{html_source(excerpt.source)}")


def html_answer(excerpts: Sequence[Excerpt]) -> list[tuple[str, int]]:
    """The excerpts in as few messages as Telegram allows, split between excerpts: each
    message with how many excerpts it holds."""
    groups = pack([html_excerpt(e) for e in excerpts])
    return [("\n\n".join(group), len(group)) for group in groups]


def html_context(document: Document, start: int, end: int) -> str | None:
    """The paragraph around an excerpt (document offsets start:end), the excerpt in bold; None
    when the offsets are not inside one paragraph of the document."""
    paragraph = next((p for p in document.paragraphs if p.start <= start < end <= p.end), None)
    if paragraph is None:
        return None
    before = paragraph.text[:start - paragraph.start]
    quote = paragraph.text[start - paragraph.start:end - paragraph.start]
    after = paragraph.text[end - paragraph.start:]
    room = max(0, MAX_CONTEXT_CHARS - len(quote)) // 2
    if len(before) > room:
        before = "…" + before[len(before) - room:].lstrip()
    if len(after) > room:
        after = shorten(after, room)
    quote = shorten(quote, MAX_CONTEXT_CHARS)
    body = one_line(f"{escape(before)}<b>{escape(quote)}</b>{escape(after)}")
    source = Source(document.id, document.title, document.url, paragraph.number, start, end)
    return f"<blockquote>{body}</blockquote>\n{html_source(source)}"


def html_sources(documents: list[Document], lang: str = "fr") -> list[str]:
    """The indexed articles, one block each (title, url, paragraph count), in as few messages
    as Telegram allows; past MAX_SOURCES, how many more (an archive would flood the chat)."""
    blocks = [text("sources_title", lang, count=len(documents))]
    for doc in documents[:MAX_SOURCES]:
        line = f"• <b>{escape(shorten(doc.title, MAX_TITLE_CHARS))}</b> — " + text(
            "paragraphs", lang, count=len(doc.paragraphs))
        if doc.url:
            line += f"\n{escape(shorten(doc.url, MAX_TITLE_CHARS))}"
        blocks.append(line)
    if len(documents) > MAX_SOURCES:
        blocks.append(text("more_sources", lang, count=len(documents) - MAX_SOURCES))
    return ["\n".join(group) for group in pack(blocks, "\n")]
