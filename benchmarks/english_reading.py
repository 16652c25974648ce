"""English questions beside their French originals, where `bot eval --translated` says only how
often the first quote is right: where the right passage stands among those read, how often the
English ones are rightly refused when no article answers them, and what reading them costs.

Issue 16 asks for English questions to lose at most 8 points of first quote right against the
same questions in French. This tells where they lose (the search or the window), and checks what
a change to English reading must not worsen: the refusals of unanswerable questions and the
time an English question's reading takes.

- the passage: the rank among the CANDIDATE_PASSAGES read of the first one that is of the
  question's article and holds its answer (English, then French);
- refused: each question asked of the articles without its own and without any paragraph that
  holds its answer (`evaluation.without_answers`); the articles of a set of training articles
  are taken out FOLDS at a time (the questions of a fold asked of the others), those of the
  held-out articles all together, as `bot eval` does;
- reading: `parse_query` over every English question once in a fresh process (the dictionary's
  and the analyzer's caches cold for their words), then again (warm), the median of each; and
  the whole answer on all the set's articles, the median over the English questions, the best
  of ANSWER_PASSES passes (a shared machine's noise only ever slows a pass).

    .venv/bin/python benchmarks/english_reading.py --squad ../shared/eval/piaf-v1.0.json \\
        benchmarks/data/piaf_english_train.jsonl
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from retrieval.answer.question import parse_query  # noqa: E402
from retrieval.articles.documents import Document  # noqa: E402
from retrieval.engine import AnswerEngine  # noqa: E402
from retrieval.evaluation import (SquadQuestion, fold_for_match, held_out, judge,  # noqa: E402
                                  load_squad, load_translated, without_answers)

# The training articles are taken out this many folds at a time: five engines, each without a
# fifth of the set's articles, as the answerability model is cross-validated.
FOLDS = 5
# Passes over the English questions for the whole answer's time: the best one is kept.
ANSWER_PASSES = 5


def passage_rank(engine: AnswerEngine, question: SquadQuestion) -> int | None:
    """The rank of the first passage read that is of the question's article and holds its
    answer; -1 when none read does, None when the engine reads none (no answer)."""
    read = engine._read(question.question)
    if read is None:
        return None
    for rank, hit in enumerate(read[0]):
        text = fold_for_match(hit.passage.paragraph.text)
        if (hit.passage.document.id == question.document
                and any(fold_for_match(a) in text for a in question.answers)):
            return rank
    return -1


def refused(documents: list[Document], questions: list[SquadQuestion]) -> float:
    """The share of the questions rightly refused when asked without their articles (and any
    paragraph holding their answers)."""
    articles = sorted({q.document for q in questions})
    if all(held_out(a) for a in articles):
        folds = [set(articles)]
    else:
        folds = [set(articles[n::FOLDS]) for n in range(FOLDS)]
    answered = []
    for fold in folds:
        kept, left = without_answers(documents, questions, fold)
        engine = AnswerEngine(kept)
        answered += [judge(engine, q.question, q.answers).answered for q in left]
    return 1 - sum(answered) / (len(answered) or 1)


def reading_times(engine: AnswerEngine, questions: list[str]) -> tuple[float, float]:
    """The median time of parse_query over the questions, the first time and again (ms)."""
    medians = []
    for _ in range(2):
        times = []
        for question in questions:
            start = time.perf_counter()
            parse_query(question, engine.dictionary)
            times.append(time.perf_counter() - start)
        medians.append(1e3 * statistics.median(times))
    return medians[0], medians[1]


def answer_time(engine: AnswerEngine, questions: list[str]) -> float:
    """The median time of a whole answer over the questions, the best of ANSWER_PASSES (ms)."""
    medians = []
    for _ in range(ANSWER_PASSES):
        times = []
        for question in questions:
            start = time.perf_counter()
            engine.answer(question)
            times.append(time.perf_counter() - start)
        medians.append(1e3 * statistics.median(times))
    return min(medians)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--squad", type=Path, required=True, help="SQuAD-format set (PIAF)")
    parser.add_argument("translated", type=Path, help="its questions in English (JSON lines)")
    args = parser.parse_args()
    documents, questions = load_squad(args.squad)
    english, french = load_translated(args.translated, questions)
    engine = AnswerEngine(documents)
    first, again = reading_times(engine, [q.question for q in english])
    answering = answer_time(engine, [q.question for q in english])
    print(f"{len(english)} English questions; reading each: {first:.3f} ms the first time, "
          f"{again:.3f} ms again; the whole answer {answering:.2f} ms (medians)")
    for name, asked in (("English", english), ("French", french)):
        ranks = Counter(passage_rank(engine, q) for q in asked)
        read = sum(n for rank, n in ranks.items() if rank is not None and rank >= 0)
        print(f"{name}: the right passage first {ranks[0]}, among those read {read}, "
              f"none read {ranks[None]}; unanswerable rightly refused "
              f"{refused(documents, asked):.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
