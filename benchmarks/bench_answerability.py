"""What deciding whether to answer costs a question, apart from finding its quotes: the quote
model's confidences, and with them the question model's row and trees (what an archive adds).

    PYTHONPATH=. .venv/bin/python benchmarks/bench_answerability.py
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from retrieval import AnswerEngine
from retrieval.answer.answerability import question_inputs, quote_inputs
from retrieval.articles.documents import load_corpus

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
# Calls timed per measure, and measures alternated (this machine's timings are noisy).
CALLS, ROUNDS = 20_000, 3
# As many passages as an archive (the trees decide there).
ARCHIVE = 1_000_000


def main() -> None:
    engine = AnswerEngine(load_corpus(SEEDS))
    model, names = engine.answerability, engine.answerability.window_features
    chosen = engine.quotes("Qui a signé la lettre ?", 3, names)
    places = [(e.source.document, e.source.paragraph) for e in chosen.excerpts]

    def confidences():
        return model.confidence(quote_inputs(model.inputs, chosen.features, names,
                                             chosen.scores, chosen.margins, ARCHIVE,
                                             chosen.english))

    def chance() -> float:
        c = confidences()
        return model.chance(c, question_inputs(model.question.inputs, chosen.features, names,
                                               chosen.scores, chosen.margins, places, c,
                                               chosen.english), ARCHIVE)

    measures: dict[str, Callable[[], object]] = {"quote model": confidences,
                                                 "with the question model": chance}
    for _ in range(ROUNDS):
        for name, measure in measures.items():
            began = time.perf_counter()
            for _ in range(CALLS):
                measure()
            print(f"{name:24} {(time.perf_counter() - began) / CALLS * 1e3:.3f} ms a question")


if __name__ == "__main__":
    main()
