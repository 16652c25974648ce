"""Where the first quote goes wrong on PIAF, by 5-fold cross-validation grouped by article.

Each fold's ranker is learned on the other folds' articles (as `train_ranker.py` does) and
answers the fold's questions through the real engine. Each question falls in one bucket, so
that a change can be aimed at the questions it may win: no quote at all (under the engine's
coverage floor); the answer's paragraph not among the passages read; read, but no candidate
window holds the answer (it stands outside every window); a window holds it but is none of
the three quotes, its passage quoted or not; the answer in the second or third quote; in the
first. Then a sample of the questions whose first quote misses, each with PIAF's answers and
the quote, to read by hand (is the quote of the right paragraph? does it answer in other
words?). The held-out articles (`evaluation.held_out`) are never read.

    pip install -e '.[train]'
    PYTHONPATH=. nice python benchmarks/error_buckets.py ../shared/eval/piaf-v1.0.json   # about a minute
"""

from __future__ import annotations

import argparse
import random
from collections import Counter
from pathlib import Path

import numpy as np
from sklearn.model_selection import GroupKFold

from benchmarks.train_ranker import FOLDS, fit, training_set, windows
from retrieval import AnswerEngine
from retrieval.answer.answerability import always_answers
from retrieval.answer.results import Excerpt
from retrieval.evaluation import SquadQuestion, quotes_one_of

QUOTES = 3
BUCKETS = ("first quote right", "second or third quote right",
           "a window holds it, its passage quoted", "a window holds it, its passage not quoted",
           "paragraph read, no window holds it", "paragraph not read", "no quote")


def bucket(engine: AnswerEngine, question: SquadQuestion, quotes: list[Excerpt]) -> str:
    """The bucket of one question, given the quotes its fold's engine chose."""
    answers = list(question.answers)

    def right(document: str, text: str) -> bool:
        return document == question.document and quotes_one_of(text, answers)

    hits = [right(e.source.document, e.text) for e in quotes]
    if not quotes:
        return "no quote"
    if hits[0]:
        return "first quote right"
    if any(hits):
        return "second or third quote right"
    found, _ = engine.candidates(question.question)
    answering = [c for c in found if right(c.hit.passage.document.id,
                                           c.hit.passage.paragraph.text[c.start:c.end])]
    if answering:
        quoted = {(e.source.document, e.source.paragraph) for e in quotes}
        held = any((c.hit.passage.document.id, c.hit.passage.paragraph.number) in quoted
                   for c in answering)
        return f"a window holds it, its passage {'quoted' if held else 'not quoted'}"
    if any(right(c.hit.passage.document.id, c.hit.passage.paragraph.text) for c in found):
        return "paragraph read, no window holds it"
    return "paragraph not read"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("squad", type=Path, help="SQuAD-format JSON (PIAF v1.0)")
    parser.add_argument("--sample", type=int, default=100,
                        help="first-quote misses printed for reading by hand")
    args = parser.parse_args()
    documents, questions, engine = training_set(args.squad)
    features, labels, owner = windows(engine, questions)
    articles = np.array([q.document for q in questions])
    buckets: dict[int, str] = {}
    firsts: dict[int, Excerpt] = {}
    for _train, test in GroupKFold(FOLDS).split(questions, groups=articles):
        rows = ~np.isin(owner, test)
        ranker = fit(features[rows], labels[rows], owner[rows])
        fold = AnswerEngine(documents, engine.index, ranker=ranker,
                            answerability=always_answers())
        for n in test.tolist():
            quotes = fold.quotes(questions[n].question, QUOTES).excerpts
            buckets[n] = bucket(fold, questions[n], quotes)
            if quotes:
                firsts[n] = quotes[0]
    counts = Counter(buckets.values())
    print(f"{len(questions)} questions, {FOLDS}-fold cross-validation by article")
    for name in BUCKETS:
        print(f"  {name:42} {counts[name] / len(questions):6.1%} {counts[name]:5}")
    misses = sorted(n for n, b in buckets.items() if b != "first quote right" and n in firsts)
    for n in sorted(random.Random(0).sample(misses, min(args.sample, len(misses)))):
        q, quote = questions[n], firsts[n]
        context = engine.context(quote.source.document, quote.source.start, quote.source.end)
        place = ("elsewhere" if quote.source.document != q.document
                 else "its paragraph" if context and quotes_one_of(context.paragraph,
                                                                   list(q.answers))
                 else "its article")
        print(f"\n[{buckets[n]}; first quote from {place}] {q.question}\n"
              f"  PIAF: {' | '.join(q.answers)}\n  quote: {quote.text}")


if __name__ == "__main__":
    main()
