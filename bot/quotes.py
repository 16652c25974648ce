"""How a quote is shown, whatever the face: its matched words marked, on one line, its source."""

from __future__ import annotations

from collections.abc import Callable

from retrieval import Excerpt, Source


def mark(excerpt: Excerpt, before: str, after: str,
         escape: Callable[[str], str] = lambda s: s) -> str:
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


def source_label(source: Source) -> str:
    """"Title (date), §N": where a quote comes from, in plain text."""
    date = f" ({source.date})" if source.date else ""
    return f"{source.title}{date}, §{source.paragraph}"
