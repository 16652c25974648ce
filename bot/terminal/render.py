"""Answers for the terminal: text as a person reads it, and the JSON of `ask --json`."""

from __future__ import annotations

import re
import textwrap

from retrieval import NONE, UNSURE, Answer, Excerpt

from ..messages import text
from ..quotes import mark, one_line, source_label

BOLD, RESET = "\033[1m", "\033[0m"
# Control characters (C0 but tab and line feed, DEL, C1): an article holding escape sequences
# would clear the reader's screen or write to their clipboard.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Bold on and off, which take no room on the screen.
_STYLE = re.compile("\033\\[[0-9;]*m")
# Quotes and sources are indented under their number: "1. ".
INDENT = "   "


def printable(s: str) -> str:
    """Text safe to print on a terminal: control characters removed."""
    return _CONTROL.sub("", s)


def source_line(excerpt: Excerpt) -> str:
    """"Title, §N (url)" for the terminal."""
    s = excerpt.source
    return printable(source_label(s) + (f" ({s.url})" if s.url else ""))


def wrap(s: str, width: int | None, indent: str) -> str:
    """s in lines of at most `width` visible characters (bold codes take none), words kept
    whole; the lines after the first indented. None: one line."""
    if width is None:
        return s
    lines: list[str] = []
    for word in s.split(" "):
        room = width - len(_STYLE.sub("", lines[-1] + " " + word)) if lines else 0
        if lines and room >= 0:
            lines[-1] += " " + word
        else:
            lines.append((indent if lines else "") + word)
    return "\n".join(lines)


def render_terminal(answer: Answer, color: bool = False, lang: str = "fr",
                    width: int | None = None) -> str:
    """The answer as a person reads it in a terminal: bold matched words when color is on,
    wrapped to `width` columns when given; never a control character of the article's."""
    if answer.outcome == NONE:
        return _paragraph(text("no_answer_cli", lang), width)
    before, after = (BOLD, RESET) if color else ("", "")
    nearest = answer.outcome == UNSURE
    blocks = [_paragraph(text("unsure_cli", lang), width)] if nearest else []
    for n, excerpt in enumerate(answer.excerpts or answer.nearest, start=1):
        quote = one_line(mark(excerpt, before, after, printable))
        label = f" ({text('nearest_label', lang)})" if nearest else ""
        blocks.append(wrap(f"{n}. « {quote} »", width, INDENT) + "\n"
                      + wrap(f"{INDENT}— {source_line(excerpt)}{label}", width, INDENT + "  "))
    return "\n\n".join(blocks)


def _paragraph(s: str, width: int | None) -> str:
    """A message of the bot's own, wrapped to `width` when given."""
    return textwrap.fill(s, width) if width else s


def answer_json(answer: Answer) -> dict:
    """The answer as the JSON object of `python -m bot ask --json`: `results` holds the
    quotes of an answer only; when the engine is not sure, the nearest passages are in
    `nearest` (same shape) and `results` is empty."""
    return {
        "question": answer.question,
        "answered": answer.answered,
        "outcome": answer.outcome,
        "results": [excerpt_json(e) for e in answer.excerpts],
        "nearest": [excerpt_json(e) for e in answer.nearest],
    }


def excerpt_json(e: Excerpt) -> dict:
    """One quote of `ask --json`."""
    return {
        "excerpt": e.text,
        "score": e.score,
        "confidence": e.confidence,
        "highlights": [list(h) for h in e.highlights],
        "source": {
            "document": e.source.document,
            "title": e.source.title,
            "url": e.source.url,
            "date": e.source.date,
            "paragraph": e.source.paragraph,
            "start": e.source.start,
            "end": e.source.end,
        },
    }


def small_talk_json(question: str, reply: str) -> dict:
    """A greeting or thanks in `ask --json`: no answer, the friendly reply."""
    return {"question": question, "answered": False, "outcome": NONE, "results": [],
            "nearest": [], "reply": reply}
