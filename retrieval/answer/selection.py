"""Choosing the excerpts: the candidate windows scored by the ranker, the best ones that do
not overlap, sliced verbatim from their article's text with their sources."""

from __future__ import annotations

from ..text.analysis import DOCUMENT_ANALYZER, Analyzer
from ..text.vectors import WordVectors
from .features import Question, candidates
from .ranker import WindowRanker
from .results import Excerpt, Hit, Source


def best_excerpts(hits: list[Hit], question: Question, k: int, ranker: WindowRanker,
                  vectors: WordVectors | None = None,
                  analyzer: Analyzer = DOCUMENT_ANALYZER) -> list[Excerpt]:
    """Up to k non-overlapping excerpts from the hits, best first by the ranker's score;
    between equals, the shorter."""
    found, features = candidates(hits, question, vectors, ranker.features, analyzer)
    if not found:
        return []
    scores = ranker.score(features)
    order = sorted(range(len(found)), key=lambda n: (-scores[n], found[n].end - found[n].start))
    chosen: list[Excerpt] = []
    for n in order:
        c = found[n]
        doc, paragraph = c.hit.passage.document, c.hit.passage.paragraph
        start, end = paragraph.start + c.start, paragraph.start + c.end
        if any(e.source.document == doc.id and e.source.start < end and start < e.source.end
               for e in chosen):
            continue
        source = Source(doc.id, doc.title, doc.url, paragraph.number, start, end, doc.date)
        chosen.append(Excerpt(doc.text[start:end], round(float(scores[n]), 4), c.highlights,
                              source))
        if len(chosen) == k:
            break
    return chosen
