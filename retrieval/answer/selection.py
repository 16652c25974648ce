"""Choosing the excerpts: the candidate windows scored by the ranker, the best ones that do
not overlap, sliced verbatim from their article's text with their sources."""

from __future__ import annotations

from functools import cache
from typing import NamedTuple

import numpy as np

from ..text.analysis import DOCUMENT_ANALYZER, Analyzer
from ..text.vectors import WordVectors
from ..articles.documents import Passage
from .features import Found, Question, windows_found
from .ranker import WindowRanker
from .results import Excerpt, Hit, Source


class Chosen(NamedTuple):
    """The chosen excerpts, best first, and for each its window's features (the columns named
    when choosing), its ranker score and its margin over the next excerpt."""

    excerpts: list[Excerpt]
    features: np.ndarray
    scores: np.ndarray
    margins: np.ndarray
    english: bool = False  # the question was read as English (answerability reads it)


def best_excerpts(hits: list[Hit], question: Question, k: int, ranker: WindowRanker,
                  vectors: WordVectors | None = None, names: tuple[str, ...] | None = None,
                  analyzer: Analyzer = DOCUMENT_ANALYZER) -> Chosen:
    """Up to k non-overlapping excerpts from the hits, best first by the ranker's score;
    between equals, the shorter. Their features are the columns `names` (the ranker's by
    default). A margin is over the next excerpt, or for the last over the next that does not
    overlap the chosen ones, else the weakest window."""
    names = ranker.features if names is None else names
    wanted, columns = _columns(ranker.features, names)
    found, features = windows_found(hits, question, vectors, wanted, analyzer)
    if not found:
        return Chosen([], np.zeros((0, len(names))), np.zeros(0), np.zeros(0))
    # The ranker's features are the first columns (`wanted` lists them first).
    scores = ranker.score(features[:, :len(ranker.features)])
    # Best score first, then the shorter; equals in the windows' order (a stable sort).
    order = np.lexsort((found.end - found.start, -scores))
    # As Python values: most windows read here overlap one chosen and are never made an
    # Excerpt.
    passages = [p.hit.passage for p in found.passages]
    passage_of, starts, ends = found.passage.tolist(), found.start.tolist(), found.end.tolist()
    rows: list[int] = []
    spans: list[tuple[str, int, int]] = []  # the chosen ones' documents and spans
    for n in order.tolist():
        passage = passages[passage_of[n]]
        doc, at = passage.document.id, passage.paragraph.start
        start, end = at + starts[n], at + ends[n]
        if any(d == doc and s < end and start < e for d, s, e in spans):
            continue
        rows.append(n)
        spans.append((doc, start, end))
        if len(rows) == k + 1:  # one more than asked: the last one's margin
            break
    shown = rows[:k]
    chosen = [_excerpt(found, n, passages[passage_of[n]], float(scores[n])) for n in shown]
    picked = scores[rows]
    following = np.concatenate((picked[1:], [np.minimum.reduce(scores)]))[:k]
    return Chosen(chosen, features[shown][:, columns], picked[:k], picked[:k] - following,
                  question.english)


@cache
def _columns(ranked: tuple[str, ...], names: tuple[str, ...]
             ) -> tuple[tuple[str, ...], list[int]]:
    """The features worked out for a question, the ranker's (`ranked`) first, and the
    columns of the `names` among them."""
    wanted = tuple(dict.fromkeys((*ranked, *names)))
    column = {f: n for n, f in enumerate(wanted)}
    return wanted, [column[f] for f in names]


def _excerpt(found: Found, n: int, passage: Passage, score: float) -> Excerpt:
    """Window n of the found ones as a quote of its article, with its source."""
    doc, paragraph = passage.document, passage.paragraph
    within = slice(int(found.start[n]), int(found.end[n]))  # the paragraph's text is the file's
    source = Source(doc.id, doc.title, doc.url, paragraph.number, paragraph.start + within.start,
                    paragraph.start + within.stop, doc.date)
    return Excerpt(paragraph.text[within], round(score, 4), found.highlights(n), source)
