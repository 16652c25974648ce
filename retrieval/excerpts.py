"""Excerpts: the short verbatim windows of a passage that answer a question.

A window is one sentence or two neighbouring ones. Windows are scored by how much of the
question they hold (idf-weighted), by how good their passage is, and by whether they hold the
kind of thing the question asks for (a number for "combien", a date for "quand", a name for
"qui") beyond the question's own words: the answer, not just the matching words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .analysis import Analyzer, DOCUMENT_ANALYZER, _fold
from .index import Hit

MAX_CHARS = 300

# A sentence ends with . ! ? or … (then maybe closing quotes or brackets), before white space
# and something that can start a sentence.
_SENTENCE_END = re.compile(r"[.!?…]+[»\"”’)\]]*(?=\s+[«\"“(\[—–-]?\s*[A-ZÀ-ÖØ-Þ0-9])")
# Words after which a full stop does not end the sentence.
_ABBREVIATIONS = frozenset(
    "m mm mme mmes mlle dr pr me st ste av apr j.-c jc etc cf p pp vol no art al gén col cap "
    "mr mrs ms prof sr jr vs fig ed éd chap".split()
)


@dataclass(frozen=True, slots=True)
class Source:
    """Where an excerpt comes from: the document, its paragraph, and the span in the file."""

    document: str
    title: str
    url: str | None
    paragraph: int
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Excerpt:
    """A verbatim quote, its score, the matched words' spans (relative to the quote)."""

    text: str
    score: float
    highlights: tuple[tuple[int, int], ...]
    source: Source


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Spans of the sentences of a paragraph (initials and abbreviations do not end one)."""
    spans, start = [], 0
    for m in _SENTENCE_END.finditer(text):
        before = re.search(r"([\w.-]+)\.+$", text[start:m.start() + 1])
        word = before.group(1).casefold() if before and m.group().startswith(".") else ""
        if word and (len(word) == 1 and word.isalpha() or word in _ABBREVIATIONS):
            continue
        spans.append((start, m.end()))
        start = m.end()
        while start < len(text) and text[start].isspace():
            start += 1
    if start < len(text) and text[start:].strip():
        spans.append((start, len(text.rstrip())))
    return spans


@dataclass(frozen=True, slots=True)
class _Window:
    start: int
    end: int
    score: float
    highlights: tuple[tuple[int, int], ...]


# Scoring weights, chosen by measurement on PIAF (see README).
MAX_SENTENCES = 3
PASSAGE_WEIGHT = 0.5
EXTRA_SENTENCE_COST = 0.1
ANSWER_KIND_BONUS = 0.25
OVERLONG_COST = 0.3


def _windows(
    text: str,
    query: dict[str, float],
    passage_weight: float,
    wanted: re.Pattern[str] | None,
    analyzer: Analyzer,
) -> list[_Window]:
    """Every window of up to MAX_SENTENCES neighbouring sentences of a passage, scored.

    A window longer than MAX_CHARS is only kept when it is a single sentence."""
    total = sum(query.values()) or 1.0
    sentences = sentence_spans(text)
    tokens = [t for t in analyzer(text) if t.term in query]
    windows = []
    for i in range(len(sentences)):
        for j in range(i, min(i + MAX_SENTENCES, len(sentences))):
            start, end = sentences[i][0], sentences[j][1]
            if j > i and end - start > MAX_CHARS:
                break
            matched = [t for t in tokens if start <= t.start and t.end <= end]
            terms = {t.term for t in matched}
            if not terms:
                continue
            coverage = sum(query[t] for t in terms) / total
            bonus = 0.0
            if wanted:
                spans = [(t.start, t.end) for t in matched]
                if any(not any(s <= start + m.start() < e for s, e in spans)
                       for m in wanted.finditer(_fold(text[start:end]))):
                    bonus = ANSWER_KIND_BONUS
            length_cost = (EXTRA_SENTENCE_COST * (j - i)
                           + max(0, end - start - MAX_CHARS) / MAX_CHARS * OVERLONG_COST)
            score = coverage + PASSAGE_WEIGHT * passage_weight + bonus - length_cost
            windows.append(_Window(start, end, score,
                                   tuple((t.start - start, t.end - start) for t in matched)))
    return windows


def best_excerpts(
    hits: list[Hit],
    query: dict[str, float],
    wanted: re.Pattern[str] | None,
    k: int,
    analyzer: Analyzer = DOCUMENT_ANALYZER,
) -> list[Excerpt]:
    """Up to k non-overlapping excerpts from the hits, best first.

    `query` maps each question term to its weight (its idf).
    """
    if not hits:
        return []
    top = hits[0].score
    scored = []
    for hit in hits:
        paragraph = hit.passage.paragraph
        for w in _windows(paragraph.text, query, hit.score / top, wanted, analyzer):
            scored.append((w.score, hit, w))
    scored.sort(key=lambda x: -x[0])
    chosen: list[Excerpt] = []
    for score, hit, w in scored:
        doc, paragraph = hit.passage.document, hit.passage.paragraph
        start, end = paragraph.start + w.start, paragraph.start + w.end
        if any(c.source.document == doc.id and c.source.start < end and start < c.source.end
               for c in chosen):
            continue
        source = Source(doc.id, doc.title, doc.url, paragraph.number, start, end)
        chosen.append(Excerpt(doc.text[start:end], round(score, 4), w.highlights, source))
        if len(chosen) == k:
            break
    return chosen
