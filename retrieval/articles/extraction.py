"""trafilatura's extraction of an article, run as a child process by web.extract_html: a
process can be killed when a page takes too long, where a thread cannot be stopped.

    python -I extraction.py text|bytes URL < page > article.json

Reads the page on stdin (UTF-8 text, or bytes whose encoding trafilatura finds) and writes
plain JSON: the title, canonical url, date and the text of each block (paragraph, heading,
list item, quote), or null when the page has no article. Runs as a file, not a module of the
package, so that it imports trafilatura alone.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import trafilatura
from trafilatura.settings import Document


def extract(html: str | bytes, url: str | None) -> dict[str, Any] | None:
    """The article of a page, as plain data."""
    extracted = trafilatura.bare_extraction(
        html, url=url, with_metadata=True, include_comments=False, include_tables=False,
        include_images=False, include_links=False, favor_precision=True)
    if not isinstance(extracted, Document) or extracted.body is None:  # None: no text
        return None
    blocks = ["".join(part.itertext()) for block in extracted.body
              for part in (block.findall("item") if block.tag == "list" else [block])]
    return {"title": extracted.title, "url": extracted.url, "date": extracted.date,
            "blocks": blocks}


if __name__ == "__main__":
    kind, url = sys.argv[1], sys.argv[2] or None
    page = sys.stdin.buffer.read()
    json.dump(extract(page.decode() if kind == "text" else page, url), sys.stdout)
