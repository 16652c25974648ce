"""Choosing the excerpts: the candidate windows scored by the ranker, the best ones that do
not overlap, sliced verbatim from their article's text with their sources."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..text.analysis import DOCUMENT_ANALYZER, Analyzer
from ..text.vectors import WordVectors
from .features import Question, windows_found
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
    wanted = tuple(dict.fromkeys((*ranker.features, *names)))
    found, features = windows_found(hits, question, vectors, wanted, analyzer)
    if not found:
        return Chosen([], np.zeros((0, len(names))), np.zeros(0), np.zeros(0))
    scores = ranker.score(features[:, [wanted.index(f) for f in ranker.features]])
    # Best score first, then the shorter; equals in the windows' order (a stable sort).
    order = np.lexsort((found.end - found.start, -scores))
    chosen: list[Excerpt] = []
    rows: list[int] = []
    # As Python numbers: most windows read here overlap one chosen and are never made a
    # Candidate.
    passage_of, starts, ends = found.passage.tolist(), found.start.tolist(), found.end.tolist()
    for n in order.tolist():
        passage = found.passages[passage_of[n]].hit.passage
        doc, paragraph = passage.document, passage.paragraph
        start, end = paragraph.start + starts[n], paragraph.start + ends[n]
        if any(e.source.document == doc.id and e.source.start < end and start < e.source.end
               for e in chosen):
            continue
        source = Source(doc.id, doc.title, doc.url, paragraph.number, start, end, doc.date)
        chosen.append(Excerpt(doc.text[start:end], round(float(scores[n]), 4),
                              found.candidate(n).highlights, source))
        rows.append(n)
        if len(chosen) == k + 1:  # one more than asked: the last one's margin
            break
    picked = scores[rows]
    following = np.append(picked[1:], scores.min())[:k]
    shown = rows[:k]
    columns = [wanted.index(f) for f in names]
    return Chosen(chosen[:k], features[np.ix_(shown, columns)], picked[:k],
                  picked[:k] - following, question.english)
