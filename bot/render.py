"""Rendering answers: once for the terminal, once for Telegram (HTML). Pure functions."""

from __future__ import annotations

from retrieval.engine import Answer
from retrieval.excerpts import Excerpt

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
    return f"{s.title}, §{s.paragraph}" + (f" ({s.url})" if s.url else "")


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
