"""Measuring answers: does an expected answer appear in the excerpts?

Two sources of questions: the project's dev set (JSON lines: question, expected substrings or
null) and SQuAD-format data sets such as PIAF (every article indexed together as one corpus).
"""

from __future__ import annotations

import json
import re
import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .answer.answerability import ANSWERED, NONE
from .answer.results import Answer
from .articles.documents import Document, parse_txt
from .engine import AnswerEngine
from .text.analysis import fold_apostrophes


def fold_for_match(text: str) -> str:
    """Case, runs of white space (including no-break spaces) and apostrophes folded."""
    return re.sub(r"\s+", " ", fold_apostrophes(text)).casefold().strip()


def quotes_one_of(excerpt: str, expected: list[str]) -> bool:
    """True if the excerpt holds one of the expected substrings, after folding."""
    folded = fold_for_match(excerpt)
    return any(fold_for_match(e) in folded for e in expected)


@dataclass(frozen=True)
class SquadQuestion:
    question: str
    answers: tuple[str, ...]
    document: str


def load_squad(path: str | Path) -> tuple[list[Document], list[SquadQuestion]]:
    """Articles (one document each, one paragraph per context) and their questions."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))["data"]
    documents, questions = [], []
    for n, article in enumerate(data):
        doc_id = f"{n:03d}"
        contexts = [p["context"].strip() for p in article["paragraphs"]]
        title = article.get("title", doc_id).replace("_", " ")
        text = "\n\n".join([title, *(re.sub(r"\n\s*\n", "\n", c) for c in contexts)])
        documents.append(parse_txt(doc_id, text))
        for p in article["paragraphs"]:
            for qa in p["qas"]:
                answers = tuple(a["text"] for a in qa["answers"])
                questions.append(SquadQuestion(qa["question"], answers, doc_id))
    return documents, questions


# Every HELD_OUT_EVERY-th article of a SQuAD-format set (the last of each run of five) is held
# out of all training (ranker and answerability): the figures on them are on unseen text.
HELD_OUT_EVERY = 5


def held_out(document: str) -> bool:
    """Whether a SQuAD article (its id, the article's number) is kept out of training."""
    return int(document) % HELD_OUT_EVERY == HELD_OUT_EVERY - 1


def without_answers(documents: list[Document], questions: list[SquadQuestion],
                    removed: set[str]) -> tuple[list[Document], list[SquadQuestion]]:
    """Unanswerable questions on covered topics: the articles without the `removed` ones, and
    those of the removed articles' questions none of whose answers any paragraph left holds."""
    kept = [d for d in documents if d.id not in removed]
    text = "\n".join(fold_for_match(p.text) for d in kept for p in d.paragraphs)
    return kept, [q for q in questions if q.document in removed
                  and not any(fold_for_match(a) in text for a in q.answers)]


@dataclass(frozen=True)
class Report:
    questions: int
    at_1: float  # the first of the ranker's quotes holds the answer (answer or not)
    at_3: float  # one of its three quotes does
    answered: float  # coverage: the engine answers (not "not sure", not "nothing")
    right_answers: int  # answers with the answer among their quotes
    median_chars: float
    lengths: tuple[int, ...] = field(default=(), repr=False)  # of every excerpt given

    @property
    def precision(self) -> float:
        """How often an answer given holds the answer among its quotes."""
        return self.right_answers / (self.answered * self.questions or 1)

    def lines(self) -> list[str]:
        return [
            f"questions            {self.questions}",
            f"first quote right    {self.at_1:.1%}",
            f"one of three right   {self.at_3:.1%}",
            f"coverage (answered)  {self.answered:.1%}",
            f"precision (answered) {self.precision:.1%}",
            f"median excerpt       {self.median_chars:.0f} characters",
        ]


@dataclass(frozen=True)
class Refusals:
    questions: int
    refused: float  # got no answer ("not sure" or "nothing")
    nothing: float  # got not even the nearest passages

    def lines(self) -> list[str]:
        return [f"unanswerable questions {self.questions}",
                f"rightly refused        {self.refused:.1%}",
                f"of which nothing near  {self.nothing:.1%}"]


def evaluate_squad(engine: AnswerEngine, questions: list[SquadQuestion]) -> Report:
    """Answer-in-quote rates at 1 and 3 of the ranker's quotes (from the right article),
    coverage and precision of the answers given, median length."""
    at_1 = at_3 = answered = right = 0
    lengths = []
    for q in questions:
        answer: Answer = engine.answer(q.question, top_k=3)
        quotes = answer.excerpts or engine.quotes(q.question, 3).excerpts
        hits = [quotes_one_of(e.text, list(q.answers)) and e.source.document == q.document
                for e in quotes]
        at_1 += bool(hits[:1] and hits[0])
        at_3 += any(hits)
        answered += answer.answered
        right += answer.answered and any(hits)
        lengths.extend(len(e.text) for e in answer.excerpts)
    n = len(questions) or 1
    return Report(len(questions), at_1 / n, at_3 / n, answered / n, right,
                  statistics.median(lengths) if lengths else 0.0, tuple(lengths))


def evaluate_refusals(engine: AnswerEngine, questions: list[SquadQuestion]) -> Refusals:
    """How many questions that the engine's articles do not answer get no answer."""
    outcomes = [engine.answer(q.question).outcome for q in questions]
    n = len(questions) or 1
    return Refusals(len(questions), sum(o != ANSWERED for o in outcomes) / n,
                    sum(o == NONE for o in outcomes) / n)


def combine(reports: Iterable[Report]) -> Report:
    """One report for the questions of several (the folds of a cross-validation)."""
    reports = list(reports)
    n = sum(r.questions for r in reports)
    lengths = tuple(x for r in reports for x in r.lengths)

    def mean(rate: str) -> float:
        return sum(getattr(r, rate) * r.questions for r in reports) / (n or 1)

    return Report(n, mean("at_1"), mean("at_3"), mean("answered"),
                  sum(r.right_answers for r in reports),
                  statistics.median(lengths) if lengths else 0.0, lengths)


@dataclass(frozen=True)
class DevQuestion:
    question: str
    expected: tuple[str, ...] | None


def load_dev(path: str | Path) -> list[DevQuestion]:
    """The dev set: one JSON object a line, `expected` a list of substrings or null."""
    questions = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            expected = row.get("expected")
            questions.append(DevQuestion(row["question"], tuple(expected) if expected else None))
    return questions


def dev_outcome(answer: Answer, expected: tuple[str, ...] | None) -> bool:
    """Right when an expected substring is in the first excerpt, or, for null, no excerpt."""
    if expected is None:
        return not answer.answered
    return answer.answered and quotes_one_of(answer.excerpts[0].text, list(expected))


@dataclass(frozen=True)
class DevReport:
    questions: int
    right: int
    wrong: tuple[str, ...]

    def lines(self) -> list[str]:
        return [f"right {self.right} of {self.questions}",
                *(f"wrong: {q}" for q in self.wrong)]


def evaluate_dev(engine: AnswerEngine, questions: list[DevQuestion]) -> DevReport:
    """How many dev questions get the right answer (or rightly none)."""
    wrong = tuple(q.question for q in questions
                  if not dev_outcome(engine.answer(q.question), q.expected))
    return DevReport(len(questions), len(questions) - len(wrong), wrong)
