"""Excerpts: the short verbatim windows of a passage that answer a question.

A window is one sentence, or up to three neighbouring ones that fit in MAX_CHARS. Windows are
scored by how much of the question they hold (weighted), by how good their passage is, and by
whether they hold the kind of thing the question asks for (a number for "combien", a date for
"quand", a name for "qui") beyond the question's own words: the answer, not just the matching
words.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from .analysis import DOCUMENT_ANALYZER, Analyzer, Token, remove_accents
from .index import Hit

MAX_CHARS = 300

# A sentence ends with . ! ? or … (then maybe closing quotes or brackets, spaced in the French
# way: « Et après ? »), before white space and something that can start a sentence.
_SENTENCE_END = re.compile(r"[.!?…]+(?:[^\S\n]?[»\"”’)\]])*(?=\s+[«\"“(\[—–-]?\s*[A-ZÀ-ÖØ-Þ0-9])")
# The word before a full stop (initials such as "J.-C" included).
_LAST_WORD = re.compile(r"[\w.-]+\Z")
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
    date: str | None = None


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
        before = _LAST_WORD.search(text[max(start, m.start() - 40):m.start()])
        word = before.group().casefold().rstrip(".") if before and m.group()[0] == "." else ""
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
# How much the passage's own BM25 score (relative to the best passage's) counts.
PASSAGE_WEIGHT = 1.0
# For each sentence a window adds after the last of the question's words: the answer often
# sits in the sentence that follows them.
NEIGHBOUR_BONUS = 0.1
# For a window holding the kind of thing asked for (a number, a date, a name) beyond the
# question's own words; full when it stands right beside them, half PROXIMITY_CHARS away.
ANSWER_KIND_BONUS = 0.25
PROXIMITY_CHARS = 50
# For a single sentence longer than MAX_CHARS, per MAX_CHARS over.
OVERLONG_COST = 0.3
# A word of the article's title is implied by all its sentences ("il" for its subject), so it
# says little about which sentence answers.
TITLE_TERM_WEIGHT = 0.2


class _FoldTable(dict):
    """str.translate's table that removes accents one character for one, filled as it goes."""

    def __missing__(self, code: int) -> str:
        self[code] = remove_accents(chr(code))[:1] or chr(code)
        return self[code]


_FOLD_TABLE = _FoldTable()


def _fold_in_place(text: str) -> str:
    """Accents removed character by character, so that offsets stay those of the text."""
    return text.translate(_FOLD_TABLE)


def _answer_kind_bonus(kinds: list[tuple[int, int]], matched: list[Token]) -> float:
    """ANSWER_KIND_BONUS times how close the nearest answer-kind match is to a matched word.
    The nearest matched words are found by bisection (`matched` is in text order), so that a
    huge one-sentence paragraph costs n log n, not n²."""
    starts = [t.start for t in matched]
    closeness = []
    for start, end in kinds:
        i = bisect.bisect_right(starts, start)
        near = matched[max(i - 1, 0):i + 1]
        if any(t.start <= start < t.end for t in near):
            continue  # a question word, not the answer
        # Matched words end in the order they start: the nearest before ends last.
        gap = min(max(t.start - end, start - t.end, 0) for t in near)
        closeness.append(1 / (1 + gap / PROXIMITY_CHARS))
    return ANSWER_KIND_BONUS * max(closeness, default=0.0)


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
    tokens = analyzer.matches(text, query)
    kinds = [m.span() for m in wanted.finditer(_fold_in_place(text))] if wanted else []
    # Both in text order: a window's tokens and answer kinds are found by bisection, so that
    # excerpt work grows with the paragraph's length, not its square.
    token_starts, kind_starts = [t.start for t in tokens], [k[0] for k in kinds]
    windows = []
    for i in range(len(sentences)):
        for j in range(i, min(i + MAX_SENTENCES, len(sentences))):
            start, end = sentences[i][0], sentences[j][1]
            if j > i and end - start > MAX_CHARS:
                break
            matched = [t for t in tokens[bisect.bisect_left(token_starts, start):
                                         bisect.bisect_left(token_starts, end)] if t.end <= end]
            if not matched:
                continue
            coverage = sum(query[t] for t in {t.term for t in matched}) / total
            bonus = _answer_kind_bonus(kinds[bisect.bisect_left(kind_starts, start):
                                             bisect.bisect_left(kind_starts, end)], matched)
            last = max(t.end for t in matched)
            after = sum(1 for s, _ in sentences[i:j + 1] if s >= last)
            overlong = max(0, end - start - MAX_CHARS) / MAX_CHARS
            score = (coverage + PASSAGE_WEIGHT * passage_weight + bonus
                     + NEIGHBOUR_BONUS * after - OVERLONG_COST * overlong)
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

    `query` maps each question term to its weight.
    """
    if not hits:
        return []
    top = hits[0].score
    scored = []
    for hit in hits:
        title = {t.term for t in analyzer.matches(hit.passage.document.title, query)}
        weights = {t: w * TITLE_TERM_WEIGHT if t in title else w for t, w in query.items()}
        for w in _windows(hit.passage.paragraph.text, weights, hit.score / top, wanted, analyzer):
            scored.append((w.score, hit, w))
    # Best first; between equals, the shorter window.
    scored.sort(key=lambda x: (-x[0], x[2].end - x[2].start))
    chosen: list[Excerpt] = []
    for score, hit, w in scored:
        doc, paragraph = hit.passage.document, hit.passage.paragraph
        start, end = paragraph.start + w.start, paragraph.start + w.end
        if any(c.source.document == doc.id and c.source.start < end and start < c.source.end
               for c in chosen):
            continue
        source = Source(doc.id, doc.title, doc.url, paragraph.number, start, end, doc.date)
        chosen.append(Excerpt(doc.text[start:end], round(score, 4), w.highlights, source))
        if len(chosen) == k:
            break
    return chosen
